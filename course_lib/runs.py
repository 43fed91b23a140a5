"""The parts of a training command's run that every command shares (chapters 5-6).

``train-cats`` (:func:`course_lib.recipes.train_cats`) and ``train-animals``
(:func:`course_lib.conditional.train_animals`) differ in their data, their model and their
samples; resuming and fitting are the same for both and live here, once:

* :func:`check_resume_settings`: a resumed run keeps its fixed settings (the config's
  ``resume_conflicts``), or the run is refused before anything is touched;
* :func:`restore_for_resume`: the latest checkpoint restored into the model, and a lowered
  learning rate taking over from it (:func:`set_learning_rate`);
* :func:`fit_checkpointed`: ``model.fit`` with the progress bar and a checkpoint every
  :data:`CHECKPOINT_EVERY` epochs (and after the first and the last);
  a divergence names the last good checkpoint and the command that resumes the run.

A command describes itself with a :class:`Command` (its name, and the options a resumed run may
change), so the messages name the command the user typed.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from course_lib import checkpoints, compat, rundir, training

__all__ = ["CHECKPOINT_EVERY", "Command", "check_resume_settings", "fit_checkpointed",
           "restore_for_resume", "set_learning_rate"]

#: Epochs between the checkpoints of a command's run. A save takes about 25 ms of Python (the
#: checkpoint's object graph, walked anew each time), about 5 % of a 0.45 s DCGAN epoch, while
#: ten such epochs are a few seconds of work to redo after a crash.
CHECKPOINT_EVERY = 10


@dataclass(frozen=True)
class Command:
    """A training command as its messages name it: ``Command("train-cats", ("--learning-rate",
    "--epochs", "--strategy"))``."""

    name: str
    may_change: tuple[str, ...]

    def changeable(self) -> str:
        """``"--learning-rate, --epochs and --strategy"``."""
        *first, last = self.may_change
        return f"{', '.join(first)} and {last}" if first else last


def check_resume_settings(out: Path, config, resume: bool, command: Command) -> None:
    """Refuse to resume the run in ``out`` with fixed settings that differ from its own.

    ``config`` is the run's frozen configuration; its ``resume_conflicts(saved)`` names the
    fixed fields that differ from the saved ``config.json``."""
    config_path = Path(out) / "config.json"
    if not resume or not config_path.exists():
        return
    diff = config.resume_conflicts(rundir.read_config(config_path))
    if diff:
        raise ValueError(
            "--resume with settings that differ from the run in "
            f"{out}: {', '.join(f'{k} was {a!r}, now {b!r}' for k, (a, b) in diff.items())}. "
            f"Resume with the original settings (only {command.changeable()} may change), "
            "or start a new run in another --out."
        )


def set_learning_rate(optimizer, rate: float) -> None:
    """Give a resumed run's ``optimizer`` the (possibly lowered) ``rate``; one whose rate follows
    a schedule keeps its schedule, as long as the rate is the one the run started with."""
    schedule = compat.learning_rate_schedule(optimizer)
    if schedule is None:
        optimizer.learning_rate = rate
        return
    initial = getattr(schedule, "initial_learning_rate", None)
    if initial is None or not np.isclose(float(initial), rate):
        raise ValueError(
            f"--learning-rate {rate:g} on --resume: this model's rate follows a schedule that "
            f"started at {initial}, which a resumed run cannot change. Resume with the run's "
            "learning rate, or start a new run in another --out."
        )


def restore_for_resume(model, out: Path, learning_rate: float, resume: bool) -> int:
    """Restore the latest checkpoint in ``out/checkpoints`` into ``model`` when resuming and
    give its optimizers ``learning_rate``; return the checkpoint's epoch (0: none, or not
    resuming)."""
    if not resume:
        return 0
    ckpt_dir = Path(out) / "checkpoints"
    start = checkpoints.restore(model, ckpt_dir)
    if start:  # the checkpoint restored the old rate; a lowered one takes over from here
        # a model whose networks learn at different rates says how each follows the run's
        rates = model.learning_rates(learning_rate) if hasattr(model, "learning_rates") else {}
        for name, item in model.checkpoint_items().items():
            if isinstance(item, keras.optimizers.Optimizer):
                set_learning_rate(item, rates.get(name, learning_rate))
    else:
        print(f"No checkpoint in {ckpt_dir}: starting a new run.", file=sys.stderr)
    return start


def fit_checkpointed(model, dataset, *, config, start: int, steps_per_epoch: int, out: Path,
                     command: Command, callbacks=(), progress: str | None = None,
                     checkpoint_dir: Path | None = None) -> None:
    """Fit ``model`` on ``dataset`` for epochs ``start .. config.epochs - 1``, checkpointed
    into ``out/checkpoints`` every :data:`CHECKPOINT_EVERY` epochs and after the first and the
    last; ``progress`` is the progress bar's label (None: no bar). A divergence keeps the last
    good checkpoint and says how to resume from it.

    ``checkpoint_dir`` replaces ``out/checkpoints`` (a multi-worker run's other workers save
    into a temporary folder: every worker saves, only the chief into ``out``)."""
    ckpt_dir = Path(out) / "checkpoints" if checkpoint_dir is None else Path(checkpoint_dir)
    callbacks = [*callbacks, checkpoints.RunCheckpoint(ckpt_dir, every=CHECKPOINT_EVERY)]
    if progress is not None:
        callbacks.insert(0, training.ProgressBar(desc=progress))
    try:
        model.fit(dataset, epochs=config.epochs, initial_epoch=start,
                  steps_per_epoch=steps_per_epoch, verbose=0, callbacks=callbacks,
                  shuffle=False)
    except training.TrainingDivergedError as exc:
        good = checkpoints.latest_epoch(ckpt_dir)
        raise training.TrainingDivergedError(
            f"{exc} The run in {out} keeps its checkpoint of epoch {good}. To continue, "
            f"resume it with a lower learning rate: python -m course_lib {command.name} "
            f"--out {out} --resume --learning-rate {config.learning_rate / 4:g} (and the "
            "run's other settings)."
        ) from None
