"""The command line: ``python -m course_lib COMMAND`` (chapter 5 and maintainers).

Commands:
    train-cats        train a GAN on the 1,000 cats, headless, resumable
    make-exercises    regenerate exercises/ from solutions/ (``--check`` to verify)
    strip-notebooks   remove outputs and execution counts from notebooks
    build-site        the course as a static website (executed notebooks, offline pages)

User mistakes are reported as one line on stderr and exit code 2, never a traceback; Ctrl-C
exits with 130 and says how to resume. ``train-cats --strategy mirrored`` trains data-parallel
on all GPUs (``--batch-size`` is the global batch).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from course_lib.recipes import DEFAULTS, build_gan, make_strategy

__all__ = ["main", "train_cats"]


def _write_json_atomic(path: Path, obj) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def _save_npy_atomic(path: Path, arr) -> None:
    import numpy as np

    tmp = path.with_name(path.name + ".tmp.npy")
    np.save(tmp, arr)
    os.replace(tmp, path)


def _read_json(path: Path, what: str):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        fix = {
            "settings": "restore it from a backup, or delete it to resume with the settings "
                        "you pass",
            "history": "restore it from a backup, or delete it to resume without the earlier "
                       "history",
        }.get(what, "undo the last edit or restore it from version control")
        raise ValueError(
            f"{path} is not valid JSON ({exc}), so the {what} cannot be read. Expected the "
            f"file as course_lib wrote it; {fix}."
        ) from None


def _positive(name):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number, got {text!r}") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"{name} must be at least 1, got {value}")
        return value

    return parse


def _nonneg_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be between 0 and 2**32 - 1, got {value}")
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not (value > 0 and value < 1):
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (exclusive), got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m course_lib",
                                     description="Generative AI in practice: course tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train-cats", help="train a GAN on the 1,000 Animal Shape cats")
    t.add_argument("--model", choices=["mlp", "dcgan"], default=DEFAULTS["model"],
                   help="the article's MLP (repaired) or a DCGAN (default)")
    t.add_argument("--epochs", type=_positive("--epochs"), default=DEFAULTS["epochs"],
                   help="total number of epochs (also when resuming)")
    t.add_argument("--batch-size", type=_positive("--batch-size"),
                   default=DEFAULTS["batch_size"],
                   help="the global batch size (split over the replicas with --strategy mirrored)")
    t.add_argument("--seed", type=_nonneg_int, default=DEFAULTS["seed"])
    t.add_argument("--latent-dim", type=_positive("--latent-dim"),
                   default=DEFAULTS["latent_dim"])
    t.add_argument("--learning-rate", type=_positive_float, default=DEFAULTS["learning_rate"],
                   help="Adam's learning rate for both networks (may be lowered on --resume)")
    t.add_argument("--num-samples", type=_positive("--num-samples"),
                   default=DEFAULTS["num_samples"], help="samples written to samples.npy")
    t.add_argument("--out", required=True, help="run directory (created if missing)")
    t.add_argument("--resume", action="store_true",
                   help="continue the run in --out from its latest checkpoint")
    t.add_argument("--strategy", choices=["default", "mirrored"], default="default",
                   help="'mirrored': data-parallel training on all GPUs (or all logical CPUs) "
                        "with tf.distribute.MirroredStrategy")
    t.add_argument("--data-dir", default=None, help="an alternative copy of the data files")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    m = sub.add_parser("make-exercises", help="regenerate exercises/ from solutions/")
    m.add_argument("--check", action="store_true", help="only report stale exercise notebooks")
    m.add_argument("--root", default=".", help="repository root")
    s = sub.add_parser("strip-notebooks", help="strip outputs from notebooks")
    s.add_argument("paths", nargs="+")
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
    return parser


#: Settings a resumed run must share with the run it continues (the learning rate may change).
_FIXED = ("model", "batch_size", "seed", "latent_dim")


def _config(args) -> dict:
    return {"model": args.model, "batch_size": args.batch_size, "seed": args.seed,
            "latent_dim": args.latent_dim, "learning_rate": args.learning_rate}


def train_cats(args) -> dict:
    """Train (or resume) a cat GAN as the ``train-cats`` command does; return a summary."""
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file. Expected a directory for the run; pass "
                         "another path.")
    parent = next((p for p in out.absolute().parents if p.exists()), None)
    if parent is not None and not parent.is_dir():
        raise ValueError(f"--out {out} cannot be created because {parent} is a file. Expected "
                         "a path inside a directory; pass another path.")
    ckpt_dir = out / "checkpoints"
    config_path = out / "config.json"
    config = _config(args)
    if args.resume:
        if config_path.exists():
            saved = _read_json(config_path, "settings")
            diff = {k: (saved.get(k), config[k]) for k in _FIXED if saved.get(k) != config[k]}
            if diff:
                raise ValueError(
                    "--resume with settings that differ from the run in "
                    f"{out}: {', '.join(f'{k} was {a!r}, now {b!r}' for k, (a, b) in diff.items())}. "
                    "Resume with the original settings (only --learning-rate, --epochs and "
                    "--strategy may change), or start a new run in another --out."
                )
    elif config_path.exists() or (ckpt_dir.exists() and any(ckpt_dir.iterdir())):
        raise ValueError(f"{out} already holds a run. Pass --resume to continue it, or choose "
                         "an empty --out directory.")

    import keras
    import numpy as np

    import course_lib as cl

    cats = cl.data.load_cats(value_range=(-1.0, 1.0), data_dir=args.data_dir)
    if args.batch_size > len(cats):
        raise ValueError(f"--batch-size {args.batch_size} is larger than the {len(cats)} cats. "
                         "Use a batch size of at most 1000 (64 is the default).")
    cl.set_seed(args.seed, deterministic=True)  # after the checks: it changes global state
    strategy = make_strategy(args.strategy)
    replicas = strategy.num_replicas_in_sync
    if args.strategy == "mirrored" and replicas == 1:
        print("--strategy mirrored found one device only: training on a single replica.",
              file=sys.stderr)
    if args.batch_size % replicas:
        raise ValueError(
            f"--batch-size {args.batch_size} cannot be split evenly over the {replicas} "
            f"replicas of --strategy {args.strategy}. Use a multiple of {replicas}: the batch "
            "size is the global batch."
        )
    with strategy.scope():
        gan = build_gan(args.model, args.latent_dim, args.learning_rate, args.seed)
        start = cl.checkpoints.restore(gan, ckpt_dir) if args.resume else 0
        if start:  # the checkpoint restored the old rate; a lowered one takes over from here
            gan.d_optimizer.learning_rate = args.learning_rate
            gan.g_optimizer.learning_rate = args.learning_rate
    if args.resume and start == 0:
        print(f"No checkpoint in {ckpt_dir}: starting a new run.", file=sys.stderr)
    out.mkdir(parents=True, exist_ok=True)
    _write_json_atomic(config_path, {**config, "strategy": args.strategy, "replicas": replicas})

    history_path = out / "history.json"
    history = []
    if start and history_path.exists():
        history = [h for h in _read_json(history_path, "history") if h["epoch"] <= start]

    class _History(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            if not all(np.isfinite(float(v)) for v in (logs or {}).values()):
                return
            history.append({"epoch": epoch + 1, "seconds": time.perf_counter() - self.t0,
                            **{k: float(v) for k, v in (logs or {}).items()}})
            _write_json_atomic(history_path, history)

    t0 = time.perf_counter()
    if start < args.epochs:
        steps = len(cats) // args.batch_size
        ds = cl.data.as_dataset(cats, args.batch_size, seed=args.seed, epochs=args.epochs,
                                start_epoch=start)
        callbacks = [_History(), cl.checkpoints.GANCheckpoint(ckpt_dir)]
        if not args.quiet:
            callbacks.insert(0, cl.training.ProgressBar(desc=f"{args.model} on cats"))
        try:
            gan.fit(ds, epochs=args.epochs, initial_epoch=start, steps_per_epoch=steps,
                    verbose=0, callbacks=callbacks, shuffle=False)
        except cl.training.TrainingDivergedError as exc:
            good = cl.checkpoints.latest_epoch(ckpt_dir)
            raise cl.training.TrainingDivergedError(
                f"{exc} The run in {out} keeps its checkpoint of epoch {good}. To continue, "
                f"resume it with a lower learning rate: python -m course_lib train-cats "
                f"--out {out} --resume --learning-rate {args.learning_rate / 4:g} (and the "
                "run's other settings)."
            ) from None
    else:
        print(f"{out} is already trained for {start} epochs (asked for {args.epochs}).",
              file=sys.stderr)
    seconds = time.perf_counter() - t0
    samples = gan.generate(args.num_samples, seed=DEFAULTS["sample_seed"])
    _save_npy_atomic(out / "samples.npy", samples.astype(np.float32))
    cl.plotting.save_image_grid(samples[:64], out / "samples.png",
                                title=f"{args.model}, {args.epochs} epochs")
    return {"out": str(out), "start_epoch": start, "epochs": args.epochs,
            "replicas": replicas, "train_seconds": round(seconds, 1)}


def main(argv=None) -> int:
    """Run the command line; user mistakes print one ``error:`` line and return 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "train-cats":
            summary = train_cats(args)
            print(json.dumps(summary))
        elif args.command == "make-exercises":
            from course_lib.tools.nbtools import sync_exercises

            root = Path(args.root)
            stale = sync_exercises(root / "solutions", root / "exercises", check=args.check)
            if args.check and stale:
                print("Stale exercise notebooks (run `python -m course_lib make-exercises`): "
                      + ", ".join(stale), file=sys.stderr)
                return 1
            print(("stale: " if args.check else "written: ") + (", ".join(stale) or "none"))
        elif args.command == "strip-notebooks":
            from course_lib.tools.nbtools import strip_notebook

            for p in args.paths:
                path = Path(p)
                nb = _read_json(path, "notebook")
                path.write_text(json.dumps(strip_notebook(nb), indent=1, ensure_ascii=False,
                                           sort_keys=True) + "\n", encoding="utf-8")
        elif args.command == "build-site":
            from course_lib.tools.site import build_site

            summary = build_site(args.out, root=args.root, executed=args.executed,
                                 assets=args.assets, jobs=args.jobs,
                                 keep_executed=args.keep_executed,
                                 solutions=not args.without_solutions)
            print(f"site: {summary['out']}/index.html ({len(summary['pages'])} pages)")
    except (ValueError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a missing folder, a full disk, no permission: not a crash
        print(f"error: {exc.strerror or exc} ({exc.filename or 'file system'}). Check the path "
              "and that it is writable, then run the command again.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted. A train-cats run continues from its last checkpoint with "
              "--resume.", file=sys.stderr)
        return 130
    return 0
