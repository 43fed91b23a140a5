"""The command line: ``python -m course_lib COMMAND`` (chapter 5 and maintainers).

Commands:
    train-cats        train a model (a GAN, a VAE, ...) on the 1,000 cats, headless, resumable
    train-animals     train a class-conditional GAN on all 10,000 animals (chapter 6)
    make-exercises    regenerate exercises/ from solutions/ (``--check`` to verify)
    translations      the Chinese edition's twins: ``--check``, ``--new FILE``, ``--stamp FILE``
    strip-notebooks   remove outputs and execution counts from notebooks
    grade             grade learners' exercise notebooks into grades.csv (instructors)
    doctor            say what is wrong with this set-up and how to fix it
    build-site        the course as a static website (executed notebooks, offline pages)

User mistakes are reported as one line on stderr and exit code 2, never a traceback; Ctrl-C
exits with 130 and SIGTERM with 143, both saying how to resume. A run directory has one writer
and is never silently overwritten (``course_lib.rundir``). ``train-cats --strategy mirrored``
trains data-parallel on all GPUs (``--batch-size`` is the global batch), ``--strategy
multi-worker`` on several machines (``TF_CONFIG``; only the chief writes ``--out``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from course_lib import families, files, rundir
from course_lib.tools.nbtools import strip_notebook_files, sync_all_exercises

__all__ = ["build_parser", "config_fields", "main"]


def _checked(convert, name, check):
    """An argparse type: ``convert`` the text, then ``check(validation, value)`` it.

    The library's validators are the one place each value is checked; they are imported when
    a value is parsed, so that commands without such options start without TensorFlow.
    """
    def parse(text):
        from course_lib import validation

        try:
            value = convert(text)
        except ValueError:
            kind = "a whole number" if convert is int else "a number"
            raise argparse.ArgumentTypeError(f"{name} must be {kind}, got {text!r}") from None
        try:
            return check(validation, value)
        except (TypeError, ValueError) as exc:
            raise argparse.ArgumentTypeError(str(exc).split(". ")[0]) from None

    return parse


def _positive(name):
    return _checked(int, name, lambda v, value: v.check_positive_int(name, value))


def _seed(text):
    return _checked(int, "--seed", lambda v, value: v.check_seed(value, "--seed"))(text)


def _learning_rate(text):
    check = _checked(float, "--learning-rate",
                     lambda v, value: v.check_learning_rate(value, "--learning-rate"))
    return check(text)


def _lr_ratio(text):
    check = _checked(float, "--generator-lr-ratio",
                     lambda v, value: v.check_positive_number("--generator-lr-ratio", value))
    return check(text)


def _dropout(text):
    def check(v, value):
        value = v.check_positive_number("--dropout", value, allow_zero=True)
        if value >= 1:
            raise ValueError(f"--dropout must be in [0, 1), got {value}")
        return value
    return _checked(float, "--dropout", check)(text)


def _r1_weight(text):
    return _checked(float, "--r1-weight", lambda v, value: v.check_positive_number(
        "--r1-weight", value, allow_zero=True))(text)


def _ema_decay(text):
    check = _checked(float, "--ema-decay", lambda v, value: v.check_ema_decay(value, "--ema-decay"))
    return check(text)


#: ``cl.recipes.LOSSES``' names, spelled out so that parsing needs no TensorFlow (a test checks).
LOSS_NAMES = ("non_saturating", "minimax", "wgan-gp", "hinge")


def _add_train_cats(sub) -> None:
    """``train-cats``: an option left out is None and takes its default from TrainCatsConfig."""
    t = sub.add_parser("train-cats", help="train a model (a DCGAN by default) on the 1,000 "
                       "Animal Shape cats")
    t.add_argument("--model", choices=list(families.FAMILIES),
                   help="the model family: " + "; ".join(
                       f"{name}: {family.summary}" for name, family in families.FAMILIES.items())
                   + ". Unset options take the family's defaults")
    t.add_argument("--epochs", type=_positive("--epochs"),
                   help="total number of epochs (also when resuming)")
    t.add_argument("--batch-size", type=_positive("--batch-size"),
                   help="the global batch size (split over the replicas with --strategy mirrored)")
    t.add_argument("--seed", type=_seed)
    t.add_argument("--latent-dim", type=_positive("--latent-dim"))
    t.add_argument("--learning-rate", type=_learning_rate,
                   help="Adam's learning rate (may be lowered on --resume); a GAN's generator "
                        "learns at --generator-lr-ratio times it")
    t.add_argument("--generator-lr-ratio", type=_lr_ratio,
                   help="a GAN's generator's learning rate over its discriminator's (default: "
                        "2 for the DCGAN, 1 for the MLP, WGAN-GP and hinge)")
    t.add_argument("--loss", choices=LOSS_NAMES,
                   help="the game (chapter 6): non_saturating (default), minimax, wgan-gp, hinge; "
                        "its learning rate, epochs and critic steps are the defaults")
    t.add_argument("--n-critic", type=_positive("--n-critic"),
                   help="critic steps per generator step (default: the loss's, 1; the WGAN-GP "
                        "paper uses 5)")
    t.add_argument("--dropout", type=_dropout,
                   help="the DCGAN discriminator's dropout rate (default 0, none; the WGAN-GP "
                        "and hinge critics have none)")
    t.add_argument("--discriminator-width", type=_positive("--discriminator-width"),
                   help="the DCGAN discriminator's (or critic's) width (default: --width)")
    t.add_argument("--r1-weight", type=_r1_weight,
                   help="gamma of an R1 penalty, gamma/2 E|grad D(x)|^2 at the real images, "
                        "on a GAN's discriminator (default: 0.5 for the DCGAN, 0 for the MLP and "
                        "hinge; not with --loss wgan-gp)")
    t.add_argument("--ema-decay", type=_ema_decay,
                   help="a GAN's moving average of its generator's weights, which the samples "
                        "come from (chapter 5): its decay, 0 for none (the default)")
    t.add_argument("--augment", help="a GAN's DiffAugment policy (chapter 5), e.g. "
                   "translation,cutout; none for none (the default)")
    t.add_argument("--num-samples", type=_positive("--num-samples"),
                   help="samples written to samples.npy")
    t.add_argument("--out", required=True, help="run directory (created if missing)")
    t.add_argument("--resume", action="store_true",
                   help="continue the run in --out from its latest checkpoint")
    t.add_argument("--overwrite", action="store_true",
                   help="discard the run already in --out and start a new one")
    t.add_argument("--strategy", choices=["default", "mirrored", "multi-worker"],
                   help="'mirrored': data-parallel training on all GPUs (or all logical CPUs) "
                        "with tf.distribute.MirroredStrategy; 'multi-worker': on the machines in "
                        "TF_CONFIG, the same command on each (only the chief writes --out)")
    t.add_argument("--data-dir", default=None, help="an alternative copy of the data files")
    t.add_argument("--quiet", action="store_true", help="no progress bar")


def _add_build_site(sub) -> None:
    w = sub.add_parser("build-site", help="build the course as a static website")
    w.add_argument("--out", required=True, help="folder for the site (created or replaced)")
    w.add_argument("--executed", default=None,
                   help="a folder laid out like the repository with already executed notebooks "
                        "(default: execute them top to bottom)")
    w.add_argument("--keep-executed", default=None,
                   help="save the executed notebooks here (reusable with --executed)")
    w.add_argument("--assets", default=None,
                   help="cache folder for the MathJax and Mermaid npm packages")
    w.add_argument("--jobs", type=_positive("--jobs"), default=2,
                   help="notebooks executed at a time")
    w.add_argument("--without-solutions", action="store_true",
                   help="exercise pages from exercises/, with no solutions")
    w.add_argument("--root", default=".", help="repository root")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m course_lib",
                                     description="Generative AI in practice: course tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_train_cats(sub)
    _add_train_animals(sub)
    m = sub.add_parser("make-exercises", help="regenerate exercises/ from solutions/")
    m.add_argument("--check", action="store_true", help="only report stale exercise notebooks")
    m.add_argument("--root", default=".", help="repository root")
    _add_translations(sub)
    s = sub.add_parser("strip-notebooks", help="strip outputs from notebooks")
    s.add_argument("paths", nargs="+")
    _add_grade_doctor(sub)
    _add_build_site(sub)
    return parser


def _add_train_animals(sub) -> None:
    # an option left out is None and takes its default from TrainAnimalsConfig
    a = sub.add_parser("train-animals",
                       help="train a class-conditional GAN on all 10,000 Animal Shape images")
    a.add_argument("--design", choices=["concat", "projection"],
                   help="how the discriminator sees the label (default: projection)")
    a.add_argument("--epochs", type=_positive("--epochs"),
                   help="total number of epochs (also when resuming)")
    a.add_argument("--batch-size", type=_positive("--batch-size"))
    a.add_argument("--seed", type=_seed)
    a.add_argument("--learning-rate", type=_learning_rate,
                   help="Adam's learning rate for both networks (may be lowered on --resume)")
    a.add_argument("--samples-per-class", type=_positive("--samples-per-class"),
                   help="samples of each class written to samples.npy (default 1000)")
    a.add_argument("--out", required=True, help="run directory (created if missing)")
    a.add_argument("--resume", action="store_true",
                   help="continue the run in --out from its latest checkpoint")
    a.add_argument("--overwrite", action="store_true",
                   help="discard the run already in --out and start a new one")
    a.add_argument("--data-dir", default=None, help="an alternative copy of the data files")
    a.add_argument("--no-progress", "--quiet", dest="quiet", action="store_true",
                   help="no progress bar")


def _add_translations(sub) -> None:
    r = sub.add_parser("translations", help="keep the Chinese edition (notebooks/zh/, "
                       "solutions/zh/) in step with the English notebooks")
    what = r.add_mutually_exclusive_group()
    what.add_argument("--check", action="store_true",
                      help="list every stale, untranslated or missing cell and every code "
                           "difference (the default); exit 1 if there is any")
    what.add_argument("--new", metavar="ENGLISH_NOTEBOOK",
                      help="write the Chinese twin's skeleton of this notebook")
    what.add_argument("--stamp", metavar="TWIN",
                      help="record the hashes of the English cells this twin's translated "
                           "cells now translate")
    r.add_argument("--cell", action="append", metavar="ID",
                   help="with --stamp: only this cell (repeatable)")
    r.add_argument("--require-all", action="store_true",
                   help="with --check: a notebook without a twin is a failure too")
    r.add_argument("--root", default=".", help="repository root")


def _add_grade_doctor(sub) -> None:
    from course_lib.tools import grading

    g = sub.add_parser("grade", help="grade exercise notebooks with the course's checks")
    g.add_argument("submissions", nargs="+", help="the learners' .ipynb files")
    g.add_argument("--out", required=True, help="the CSV to write (replaced atomically)")
    g.add_argument("--timeout", type=_positive("--timeout"), default=grading.DEFAULT_TIMEOUT,
                   help="seconds per submission, kernel start and checks included")
    g.add_argument("--memory-mb", type=_positive("--memory-mb"),
                   default=grading.DEFAULT_MEMORY_MB, help="address-space limit per kernel")
    g.add_argument("--jobs", type=_positive("--jobs"), default=grading.DEFAULT_JOBS,
                   help="submissions graded at a time")
    g.add_argument("--feedback", default=None, help="folder for one HTML page per submission")
    g.add_argument("--gradebook", default=None,
                   help="also a CSV per submission: student, score, max_score, percent, comments")
    g.add_argument("--chapter", default=None,
                   help="grade every submission as this chapter (else: from the file name)")
    d = sub.add_parser("doctor", help="check Python, packages, CPUs, memory, data, kernel")
    d.add_argument("--root", default=None,
                   help="the course folder holding pyproject.toml (default: here, else the "
                        "checkout course_lib is imported from)")


#: The train-cats options that are fields of ``TrainCatsConfig``.
CONFIG_OPTIONS = ("model", "epochs", "batch_size", "seed", "latent_dim", "learning_rate",
                  "num_samples", "strategy", "loss", "n_critic", "ema_decay",
                  "augment", "generator_lr_ratio", "dropout", "discriminator_width",
                  "r1_weight")


def config_fields(args) -> dict:
    """The train-cats options given on the command line, as ``TrainCatsConfig`` fields."""
    return {k: getattr(args, k) for k in CONFIG_OPTIONS if getattr(args, k) is not None}


def _train_cats(args) -> dict:
    """``train-cats``: the parsed arguments as a ``TrainCatsConfig``, run by ``train_cats``."""
    from course_lib import recipes  # loads TensorFlow: only for this command

    config = recipes.TrainCatsConfig(**config_fields(args))
    return recipes.train_cats(config, args.out, resume=args.resume, progress=not args.quiet,
                              data_dir=args.data_dir,
                              overwrite=args.overwrite)


#: The train-animals options that are fields of ``TrainAnimalsConfig``.
ANIMALS_OPTIONS = ("design", "epochs", "batch_size", "seed", "learning_rate",
                   "samples_per_class")


def _train_animals(args) -> dict:
    """``train-animals``: the parsed arguments as a ``TrainAnimalsConfig``, run by
    ``cl.conditional.train_animals``."""
    from course_lib import conditional  # loads TensorFlow: only for this command

    fields = {k: getattr(args, k) for k in ANIMALS_OPTIONS if getattr(args, k) is not None}
    return conditional.train_animals(conditional.TrainAnimalsConfig(**fields), args.out,
                                     resume=args.resume, overwrite=args.overwrite,
                                     progress=not args.quiet, data_dir=args.data_dir)


def main(argv=None) -> int:
    """Run the command line; user mistakes print one ``error:`` line and return 2.

    Exit codes: 0 done, 1 ``make-exercises --check`` found stale notebooks (or ``translations
    --check`` found a problem), 2 an error (a bad
    setting, a run directory in use or not a run, a file that cannot be read or written),
    3 a worker of a multi-worker run stopped answering, 130 Ctrl-C, 143 SIGTERM. After 3, 130
    or 143 the run continues from its last checkpoint with ``--resume``.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    with rundir.sigterm_as_interrupt():  # SIGTERM unwinds like Ctrl-C (then exit 143)
        return _dispatch(args)


def _run_kind(args) -> str:
    return "train-animals" if args.command == "train-animals" else "train-cats"


def _dispatch(args) -> int:
    try:
        if args.command == "train-cats":
            print(json.dumps(_train_cats(args)))
        elif args.command == "train-animals":
            print(json.dumps(_train_animals(args)))
        elif args.command == "make-exercises":
            left: list[str] = []
            stale = sync_all_exercises(Path(args.root), check=args.check, left=left)
            for note in left:
                print(f"left alone: {note}", file=sys.stderr)
            if args.check and stale:
                print("Stale exercise notebooks (run `python -m course_lib make-exercises`): "
                      + ", ".join(stale), file=sys.stderr)
                return 1
            print(("stale: " if args.check else "written: ") + (", ".join(stale) or "none"))
        elif args.command == "translations":
            from course_lib.tools import translations

            return translations.command(args)
        elif args.command == "strip-notebooks":
            strip_notebook_files(args.paths)
        elif args.command == "grade":
            from course_lib.tools import grading

            rows = grading.grade(args.submissions, args.out, timeout=args.timeout,
                                 memory_mb=args.memory_mb, feedback=args.feedback,
                                 jobs=args.jobs, chapter=args.chapter,
                                 gradebook=args.gradebook,
                                 progress=lambda line: print(line, file=sys.stderr))
            print(grading.summary(rows))
            print(f"wrote {args.out}" + (f" and feedback pages in {args.feedback}"
                                         if args.feedback else ""))
        elif args.command == "doctor":
            from course_lib.tools import doctor

            return doctor.main(root=Path(args.root) if args.root else None)
        elif args.command == "build-site":
            from course_lib.tools.site import build_site

            summary = build_site(args.out, root=args.root, executed=args.executed,
                                 assets=args.assets, jobs=args.jobs,
                                 keep_executed=args.keep_executed,
                                 solutions=not args.without_solutions)
            print(f"site: {summary['out']}/index.html ({len(summary['pages'])} pages)")
    except (ValueError, TypeError, rundir.WorkerLostError) as exc:  # lost worker: exit 3
        print(f"error: {exc}", file=sys.stderr)
        return 3 if isinstance(exc, rundir.WorkerLostError) else 2
    except OSError as exc:  # a missing folder, a full disk, no permission: not a crash
        print(f"error: {files.describe_os_error(exc)}", file=sys.stderr)
        return 2
    except rundir.Terminated:
        print(f"terminated (SIGTERM). A {_run_kind(args)} run continues from its last checkpoint "
              "with --resume.", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print(f"interrupted. A {_run_kind(args)} run continues from its last checkpoint with "
              "--resume.", file=sys.stderr)
        return 130
    return 0
