"""The command line: ``python -m course_lib COMMAND`` (chapter 5 and maintainers).

Commands:
    train-cats        train a GAN on the 1,000 cats, headless, resumable
    make-exercises    regenerate exercises/ from solutions/ (``--check`` to verify)
    strip-notebooks   remove outputs and execution counts from notebooks

User mistakes are reported as one line on stderr and exit code 2, never a traceback; Ctrl-C
exits with 130 and SIGTERM with 143, both saying how to resume. A run directory has one writer
and is never silently overwritten (``course_lib.rundir``). ``train-cats --strategy mirrored``
trains data-parallel on all GPUs (``--batch-size`` is the global batch).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from course_lib import rundir
from course_lib.recipes import DEFAULTS, build_gan, make_strategy

__all__ = ["main", "train_cats"]


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
    t.add_argument("--overwrite", action="store_true",
                   help="discard the run already in --out and start a new one")
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
    return parser


#: Settings a resumed run must share with the run it continues (the learning rate may change).
_FIXED = ("model", "batch_size", "seed", "latent_dim")


def _config(args) -> dict:
    return {"model": args.model, "batch_size": args.batch_size, "seed": args.seed,
            "latent_dim": args.latent_dim, "learning_rate": args.learning_rate}


def train_cats(args) -> dict:
    """Train (or resume) a cat GAN as the ``train-cats`` command does; return a summary.

    The run directory is locked for the run and never silently overwritten (course_lib.rundir).
    """
    with rundir.open_run(args.out, resume=args.resume,
                         overwrite=getattr(args, "overwrite", False)) as run:  # [rundir hook 1]
        return _train_cats_locked(args, run)


def _train_cats_locked(args, run) -> dict:
    out = run.path  # [rundir hook 1: checked, locked, fresh/resume/overwrite decided]
    ckpt_dir = out / "checkpoints"
    config_path = out / "config.json"
    config = _config(args)
    if args.resume:
        if config_path.exists():
            saved = rundir.read_config(config_path)  # [rundir hook 2]
            diff = {k: (saved.get(k), config[k]) for k in _FIXED if saved.get(k) != config[k]}
            if diff:
                raise ValueError(
                    "--resume with settings that differ from the run in "
                    f"{out}: {', '.join(f'{k} was {a!r}, now {b!r}' for k, (a, b) in diff.items())}. "
                    "Resume with the original settings (only --learning-rate, --epochs and "
                    "--strategy may change), or start a new run in another --out."
                )

    import keras
    import numpy as np

    import course_lib as cl

    cats = cl.data.load_cats(value_range=(-1.0, 1.0), data_dir=args.data_dir)
    if args.batch_size > len(cats):
        raise ValueError(f"--batch-size {args.batch_size} is larger than the {len(cats)} cats. "
                         "Use a batch size of at most 1000 (64 is the default).")
    def params_at(latent_dim):  # [rundir hook 2b: refuse a GAN that cannot fit in memory]
        gan = build_gan(args.model, latent_dim)
        return gan.generator.count_params() + gan.discriminator.count_params()

    rundir.check_memory(params_at, args.latent_dim)
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
    rundir.check_fits(out, rundir.estimate_bytes(  # [rundir hook 3: before any write]
        args.num_samples, gan.sample_shape(),
        gan.generator.count_params() + gan.discriminator.count_params(), args.epochs))
    run.begin()  # [rundir hook 4: an --overwrite discards the old run only now]
    rundir.write_json(config_path, {**config, "strategy": args.strategy, "replicas": replicas})

    history_path = out / "history.json"
    history = []
    if start and history_path.exists():
        history = rundir.read_history(history_path, upto=start)  # [rundir hook 5]

    class _History(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            if not all(np.isfinite(float(v)) for v in (logs or {}).values()):
                return
            history.append({"epoch": epoch + 1, "seconds": time.perf_counter() - self.t0,
                            **{k: float(v) for k, v in (logs or {}).items()}})
            rundir.write_json(history_path, history)  # [rundir hook 6]

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
    trained = max(start, args.epochs)  # [rundir hook 7: the epochs the weights have seen]
    first = rundir.save_samples(out / "samples.npy", gan, args.num_samples,  # [rundir hook 8]
                                seed=DEFAULTS["sample_seed"])
    cl.plotting.save_image_grid(first, out / "samples.png",
                                title=f"{args.model}, {trained} epochs")
    return {"out": str(out), "start_epoch": start, "epochs": args.epochs,
            "trained_epochs": trained,
            "replicas": replicas, "train_seconds": round(seconds, 1)}


def main(argv=None) -> int:
    """Run the command line; user mistakes print one ``error:`` line and return 2.

    Exit codes: 0 done, 1 ``make-exercises --check`` found stale notebooks, 2 an error (a bad
    setting, a run directory in use or not a run, a file that cannot be read or written),
    130 Ctrl-C, 143 SIGTERM. After 130 or 143 the run continues from its last checkpoint with
    ``--resume``.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    with rundir.sigterm_as_interrupt():  # SIGTERM unwinds like Ctrl-C (then exit 143)
        return _dispatch(args)


def _dispatch(args) -> int:
    try:
        if args.command == "train-cats":
            summary = train_cats(args)
            print(json.dumps(summary))
        elif args.command == "make-exercises":
            from course_lib.tools.nbtools import sync_exercises

            root = Path(args.root)
            left: list[str] = []
            stale = sync_exercises(root / "solutions", root / "exercises", check=args.check,
                                   left=left)
            for note in left:
                print(f"left alone: {note}", file=sys.stderr)
            if args.check and stale:
                print("Stale exercise notebooks (run `python -m course_lib make-exercises`): "
                      + ", ".join(stale), file=sys.stderr)
                return 1
            print(("stale: " if args.check else "written: ") + (", ".join(stale) or "none"))
        elif args.command == "strip-notebooks":
            from course_lib.tools.nbtools import strip_files

            strip_files(args.paths)
    except (ValueError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a missing folder, a full disk, no permission: not a crash
        print(f"error: {rundir.describe_os_error(exc)}", file=sys.stderr)
        return 2
    except rundir.Terminated:
        print("terminated (SIGTERM). A train-cats run continues from its last checkpoint "
              "with --resume.", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("interrupted. A train-cats run continues from its last checkpoint with "
              "--resume.", file=sys.stderr)
        return 130
    return 0
