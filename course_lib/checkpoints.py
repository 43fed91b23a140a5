"""Checkpoints that resume a training run exactly: a GAN's (chapter 5), a VAE's, any family's.

A ``.keras`` file cannot resume a GAN: it holds one model, not both networks, both optimizers'
moment estimates, the step and the noise generator's state. A ``tf.train.Checkpoint`` of all of
them can. Which objects those are, the model says: every function here takes a model with a
``checkpoint_items()`` method returning ``{name: network, optimizer, variable or dict of
them}`` (``cl.training.GAN``, ``cl.vae.VAE`` and every ``train-cats`` family have one; see
:mod:`course_lib.recipes`). A checkpoint whose items differ from the model's (another family,
another architecture) is refused with a ``ValueError``, never restored in part. ``tf.train.CheckpointManager`` writes the data files first and then replaces the small
``checkpoint`` index file atomically, so a crash mid-write leaves the previous checkpoint as the
latest one. :func:`restore` goes one step further: if the latest checkpoint cannot be read (a
damaged disk, a torn copy), it falls back to the newest older one that can, with a warning.

:func:`save` never loses the last good checkpoint either: an index file that cannot be read is
rewritten from the checkpoint files first (with a warning), and a save that fails (a full disk,
no permission, Ctrl-C, SIGTERM) removes its own partial files and raises
:class:`course_lib.files.StorageError` naming the file and the checkpoint that is kept.
"""

from __future__ import annotations

import errno
import gc
import os
import re
import shutil
import warnings
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from course_lib import compat
from course_lib.files import StorageError, describe_os_error, write_text
from course_lib.validation import check_positive_int

__all__ = ["GANCheckpoint", "RunCheckpoint", "latest_epoch", "layer_rng_states",
           "model_variables", "restore", "save"]

#: The checkpoint files are ``gan-N.*`` for every family: the name predates the other
#: families and is kept so that existing runs resume.
_PREFIX = "gan"
_EPOCH_KEY = "epoch/.ATTRIBUTES/VARIABLE_VALUE"
#: Top-level names in a checkpoint that are not the model's items.
_BOOKKEEPING = ("epoch", "save_counter")


def _items(model, action: str) -> dict:
    """``model.checkpoint_items()``, checked: a dict of names to models, optimizers, variables."""
    if not callable(getattr(model, "checkpoint_items", None)):
        raise TypeError(
            f"{action} expects a cl.training.GAN or another model with checkpoint_items() "
            f"(cl.vae.VAE, the train-cats families), got {type(model).__name__}. Save a single "
            "keras.Model with model.save('model.keras'); use this module for models whose "
            "training state has several parts."
        )
    items = model.checkpoint_items()  # an uncompiled model raises its own ValueError
    if not isinstance(items, dict) or not items or not all(isinstance(k, str) for k in items):
        raise TypeError(
            f"{type(model).__name__}.checkpoint_items() must return a non-empty dict of names "
            f"to networks, optimizers and variables, got {type(items).__name__}. Return e.g. "
            "{'network': self.network, 'optimizer': self.optimizer}."
        )
    for name, item in items.items():
        if isinstance(item, keras.optimizers.Optimizer) and not item.built:
            raise ValueError(
                f"{action}: the optimizer {name!r} of the {type(model).__name__} is not built, "
                "so it has no moment estimates to checkpoint. Compile the model (its factory "
                "builds the optimizers) before saving or restoring."
            )
    return items


def _tracked(items: dict, epoch_var):
    return tf.train.Checkpoint(**items, epoch=epoch_var)


def _variables(item, where: str) -> list:
    """The variables of one checkpoint item (a network, optimizer, variable or dict of them)."""
    if isinstance(item, tf.Variable | keras.Variable):
        return [item]
    if isinstance(item, dict):
        return [v for key, sub in item.items() for v in _variables(sub, f"{where}[{key!r}]")]
    if hasattr(item, "variables"):
        return list(item.variables)
    raise TypeError(
        f"checkpoint_items(){where} is a {type(item).__name__}, not a network, optimizer, "
        "variable or dict of them. Return the objects whose state training changes."
    )


def _all_vars(model) -> list:
    """Every variable a checkpoint of ``model`` holds, in the order of its items."""
    return [v for name, item in model.checkpoint_items().items()
            for v in _variables(item, f"[{name!r}]")]


def model_variables(model) -> list:
    """Every variable a checkpoint of ``model`` holds (its ``checkpoint_items()``), in a fixed
    order: the state a multi-worker run's chief hands to the other workers (chapter 5)."""
    return _all_vars(model)


def layer_rng_states(**networks) -> dict:
    """The noise states of layers such as Dropout, which the networks' checkpoints omit.

    For a model's ``checkpoint_items()`` (chapter 5): ``layer_rng=layer_rng_states(
    generator=g, discriminator=d)``. Keyed by position, not by layer name: a model rebuilt in
    the same session gets new automatic names (``dropout_1``) but must restore the same
    checkpoint.
    """
    states = {}
    for role, net in networks.items():
        for j, layer in enumerate(compat.flatten_layers(net)):
            for i, sg in enumerate(compat.seed_generators(layer)):
                states[f"{role}_layer{j}_rng{i}"] = sg.state
    return states


def _directory(directory) -> Path:
    if not isinstance(directory, str | Path) and not hasattr(directory, "__fspath__"):
        raise TypeError(
            f"The checkpoint directory must be a path, got {type(directory).__name__}. "
            "Pass a folder name such as 'runs/cats/checkpoints'."
        )
    path = Path(directory)
    if path.exists() and not path.is_dir():
        raise ValueError(
            f"Checkpoint directory {path} is a file. Expected a directory; pass another path."
        )
    return path


def _manager(items: dict, directory, max_to_keep=3):
    epoch_var = tf.Variable(0, dtype=tf.int64, trainable=False)
    ckpt = _tracked(items, epoch_var)
    mgr = tf.train.CheckpointManager(ckpt, str(directory), max_to_keep=max_to_keep,
                                     checkpoint_name=_PREFIX)
    return ckpt, mgr, epoch_var


def _on_disk(path: Path) -> list[str]:
    """The checkpoint prefixes whose ``gan-N.index`` file exists in ``path``, newest first."""
    found = []
    for index in path.glob(f"{_PREFIX}-*.index"):
        m = re.fullmatch(rf"{_PREFIX}-(\d+)\.index", index.name)
        if m:
            found.append((int(m.group(1)), str(index.with_suffix(""))))
    return [prefix for _, prefix in sorted(found, reverse=True)]


def _listed(path: Path) -> list[str] | None:
    """The prefixes the index file lists (newest first), or None if it cannot be read."""
    try:
        state = tf.train.get_checkpoint_state(str(path))
    except (ValueError, tf.errors.OpError):  # incl. UnicodeDecodeError of a garbled index
        return None
    if state is None or not state.model_checkpoint_path:
        return None
    listed = [state.model_checkpoint_path, *reversed(state.all_model_checkpoint_paths)]
    return list(dict.fromkeys(listed))


def _repair_index(path: Path) -> None:
    """Rewrite a missing or unreadable index file from the ``gan-N.index`` files on disk.

    Otherwise ``tf.train.CheckpointManager`` fails on every later save (a garbled index) or
    forgets the older checkpoints (a missing one).
    """
    if _listed(path) is not None:
        return
    on_disk = _on_disk(path)
    index = path / "checkpoint"
    if not on_disk:
        if index.exists():
            index.unlink()
        return
    if index.exists():
        warnings.warn(f"The checkpoint index {index} could not be read; rewrote it from the "
                      f"checkpoint files (latest: {Path(on_disk[0]).name}).", UserWarning,
                      stacklevel=3)
    oldest_first = [Path(p) for p in reversed(on_disk)]  # CheckpointState's text format
    stamps = [Path(f"{p}.index").stat().st_mtime for p in oldest_first]
    write_text(index, f'model_checkpoint_path: "{oldest_first[-1].name}"\n'
               + "".join(f'all_model_checkpoint_paths: "{p.name}"\n' for p in oldest_first)
               + "".join(f"all_model_checkpoint_timestamps: {t!r}\n" for t in stamps)
               + f"last_preserved_timestamp: {min(stamps) - 1.0!r}\n")


def _remove_partial(path: Path, epoch: int) -> None:
    """Remove the files of a failed save of ``epoch`` unless the index lists them."""
    prefix = path / f"{_PREFIX}-{epoch}"
    listed = _listed(path) or []
    if any(Path(p).name == prefix.name for p in listed):
        return
    for leftover in path.glob(f"{prefix.name}[._]*"):
        try:
            if leftover.is_dir():
                shutil.rmtree(leftover)
            else:
                leftover.unlink()
        except OSError:
            pass


def _save_error(exc: BaseException, path: Path, epoch: int) -> StorageError:
    target = path / f"{_PREFIX}-{epoch}"
    if isinstance(exc, OSError):
        code, text = exc.errno, describe_os_error(exc, target, "write the checkpoint")
    else:
        # TensorFlow says the cause in its message: "No space left on device", "File too
        # large" (a file-size limit), "Permission denied", "Read-only file system"
        text = str(exc)
        code = next((c for c in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EACCES,
                                 errno.EROFS) if os.strerror(c) in text), None)
        if code is None:
            code = {tf.errors.ResourceExhaustedError: errno.ENOSPC,
                    tf.errors.PermissionDeniedError: errno.EACCES}.get(type(exc))
        first = (text.strip().splitlines() or [type(exc).__name__])[0][:200]
        fake = OSError(code, first) if code else OSError(None, first)
        text = describe_os_error(fake, target, "write the checkpoint")
    try:
        kept = latest_epoch(path)
    except (ValueError, OSError):
        kept = 0
    keep = (f" The last good checkpoint (epoch {kept}) is kept; the run continues from it "
            "with --resume." if kept else " No earlier checkpoint exists.")
    return StorageError(text + keep, code, target)


def save(model, directory, epoch: int, max_to_keep: int = 3) -> str:
    """Save ``model.checkpoint_items()`` after ``epoch``: for a GAN both networks, both
    optimizers, the step and the noise states.

    Returns the checkpoint's path prefix. Only the ``max_to_keep`` newest checkpoints are kept.
    A failed save raises :class:`~course_lib.files.StorageError` and leaves the previous
    checkpoints as they were.
    """
    items = _items(model, "save")
    epoch = check_positive_int("epoch", epoch, minimum=0)
    max_to_keep = check_positive_int("max_to_keep", max_to_keep)
    path = _directory(directory)
    try:
        path.mkdir(parents=True, exist_ok=True)
        _repair_index(path)
    except OSError as exc:
        raise StorageError(describe_os_error(exc, path, "write"), exc.errno, path) from None
    except tf.errors.OpError as exc:
        raise _save_error(exc, path, epoch) from None
    _, mgr, epoch_var = _manager(items, path, max_to_keep)
    epoch_var.assign(epoch)
    try:
        return mgr.save(checkpoint_number=epoch)
    except BaseException as exc:
        _remove_partial(path, epoch)
        if isinstance(exc, OSError | tf.errors.OpError):
            raise _save_error(exc, path, epoch) from None
        raise


def _candidates(path: Path) -> list[str]:
    """Checkpoint prefixes in ``path``, newest first.

    The ``checkpoint`` index file is the source of truth. Only when it is missing or unreadable
    are the ``gan-N.index`` files on disk used instead, so that a damaged index loses no work.
    """
    listed = _listed(path)
    return listed if listed is not None else _on_disk(path)


def latest_epoch(directory) -> int:
    """The epoch of the newest readable checkpoint in ``directory`` (0 if there is none)."""
    path = _directory(directory)
    if not path.is_dir():
        return 0
    for prefix in _candidates(path):
        try:
            return int(tf.train.load_variable(prefix, _EPOCH_KEY))
        except (ValueError, IndexError, tf.errors.OpError):
            continue
    return 0


def _forget_failed_restore() -> None:
    """Drop a half-done restore now, without TensorFlow's "unrestored values" log lines.

    A restore that fails half-way leaves an object that, when garbage-collected, logs every
    value it did not restore. The ``ValueError`` raised instead says all that matters.
    """
    logger = tf.get_logger()
    level = logger.level
    logger.setLevel("ERROR")
    try:
        gc.collect()
    finally:
        logger.setLevel(level)


def _check_items(reader, items: dict, kind: str) -> None:
    """Refuse a checkpoint whose items are not the model's: another family's, never half-read."""
    if _EPOCH_KEY not in reader.get_variable_to_shape_map():
        raise ValueError("it holds no epoch counter, so course_lib did not write it")
    saved = [name for name in compat.checkpoint_children(reader) if name not in _BOOKKEEPING]
    if sorted(saved) != sorted(items):
        raise ValueError(
            f"it holds {', '.join(sorted(saved))}, but this {kind} checkpoints "
            f"{', '.join(sorted(items))}: it was written for another model family"
        )


def _restore_one(model, prefix: str) -> int:
    """Restore ``prefix`` into ``model`` or raise ``ValueError``, leaving ``model`` untouched."""
    epoch_var = tf.Variable(0, dtype=tf.int64, trainable=False)
    items = model.checkpoint_items()
    ckpt = _tracked(items, epoch_var)
    backup = [np.array(v.numpy()) for v in _all_vars(model)]
    failure = status = None
    try:
        _check_items(tf.train.load_checkpoint(prefix), items, type(model).__name__)
        status = ckpt.read(prefix)
        status.expect_partial()  # e.g. save_counter; what must match is asserted next
        status.assert_existing_objects_matched()
    except (ValueError, AssertionError, IndexError, KeyError, tf.errors.OpError) as exc:
        failure = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
    if failure is not None:
        for v, b in zip(_all_vars(model), backup, strict=True):
            v.assign(b)
        ckpt = status = None  # noqa: F841 - released so that the collection below frees them
        _forget_failed_restore()
        raise ValueError(failure)
    return int(epoch_var.numpy())


def _architecture(model, items: dict) -> str:
    """What a checkpoint must share with ``model``: "GAN of this architecture (same ...)"."""
    parts = [k for k, item in items.items() if isinstance(item, keras.Model)]
    setting = "latent_dim" if hasattr(model, "latent_dim") else "settings"
    return (f"{type(model).__name__} of this architecture (same {', '.join(parts)}, {setting} "
            "and optimizers)")


def restore(model, directory) -> int:
    """Restore the latest checkpoint in ``directory`` into ``model``; return its epoch (0 if none).

    A checkpoint of another family or architecture, or a damaged or foreign file, is a
    ``ValueError`` and leaves the model's weights untouched. If only the newest checkpoint is
    damaged, the newest readable older one is restored instead and a ``UserWarning`` says so.
    """
    items = _items(model, "restore")
    path = _directory(directory)
    if not path.is_dir():
        return 0
    candidates = _candidates(path)
    if not candidates:
        return 0
    failures = []
    for prefix in candidates:
        try:
            epoch = _restore_one(model, prefix)
        except ValueError as exc:
            failures.append((prefix, str(exc)))
            continue
        if failures:
            warnings.warn(
                f"The newest checkpoint {failures[0][0]} could not be read ({failures[0][1]}); "
                f"restored the older checkpoint {prefix} (epoch {epoch}) instead.",
                UserWarning, stacklevel=2,
            )
        return epoch
    latest, reason = failures[0]
    raise ValueError(
        f"Cannot restore the checkpoint {latest}: {reason}. Expected a checkpoint written by "
        f"course_lib for a {_architecture(model, items)}. Start a new run in an empty "
        "directory, or rebuild the model the run was trained with."
    )


class RunCheckpoint(keras.callbacks.Callback):
    """Save a resumable checkpoint every ``every`` epochs (chapter 5), for any model with
    ``checkpoint_items()`` (a GAN, a VAE, every ``train-cats`` family).

    With ``every`` above 1, the first and the last epoch of each ``fit`` are saved too: a run
    has a resume point (and a full disk shows) after its first epoch, and its final weights are
    always kept. An epoch whose losses are not finite is never saved, so the latest checkpoint
    is always a good one. Resume with ``epoch = cl.checkpoints.restore(model, directory)`` and
    ``model.fit(..., initial_epoch=epoch)``.
    """

    def __init__(self, directory, every=1, max_to_keep=3):
        super().__init__()
        self.directory = _directory(directory)
        self.every = check_positive_int("every", every)
        self.max_to_keep = check_positive_int("max_to_keep", max_to_keep)
        self.saved: list[str] = []
        self._first = None

    def on_train_begin(self, logs=None):
        self._first = None  # a new fit: its first epoch is saved

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        finite = all(np.isfinite(float(v)) for v in logs.values())
        if not finite or getattr(self.model, "diverged_at", None) is not None:
            return
        if self._first is None:
            self._first = epoch
        last = epoch + 1 >= (self.params.get("epochs") or 0)
        if ((epoch + 1) % self.every == 0 or epoch == self._first or last
                or self.model.stop_training):
            self.saved.append(save(self.model, self.directory, epoch + 1, self.max_to_keep))


#: The name chapter 5 teaches: the same callback (it checkpoints every family, not only GANs).
GANCheckpoint = RunCheckpoint
