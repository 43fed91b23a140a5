"""Checkpoints that resume a GAN exactly (chapter 5).

A ``.keras`` file cannot resume a GAN: it holds one model, not both networks, both optimizers'
moment estimates, the step and the noise generator's state. A ``tf.train.Checkpoint`` of all of
them can. ``tf.train.CheckpointManager`` writes the data files first and then replaces the small
``checkpoint`` index file atomically, so a crash mid-write leaves the previous checkpoint as the
latest one.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

__all__ = ["GANCheckpoint", "latest_epoch", "restore", "save"]


def _tracked(gan, epoch_var):
    for opt, model in ((gan.d_optimizer, gan.discriminator), (gan.g_optimizer, gan.generator)):
        if not opt.built:
            opt.build(model.trainable_variables)
    return tf.train.Checkpoint(
        generator=gan.generator,
        discriminator=gan.discriminator,
        d_optimizer=gan.d_optimizer,
        g_optimizer=gan.g_optimizer,
        seed_state=gan.seed_generator.state,
        layer_rng=_layer_rng_states(gan),
        epoch=epoch_var,
    )


def _layer_rng_states(gan) -> dict:
    """The noise states of layers such as Dropout, which the models' checkpoints omit."""
    states = {}
    for net in (gan.generator, gan.discriminator):
        for layer in net._flatten_layers(include_self=False):
            for i, sg in enumerate(getattr(layer, "_seed_generators", [])):
                states[f"{net.name}/{layer.name}/{i}"] = sg.state
    return states


def _directory(directory) -> Path:
    path = Path(directory)
    if path.exists() and not path.is_dir():
        raise ValueError(
            f"Checkpoint directory {path} is a file. Expected a directory; pass another path."
        )
    return path


def _manager(gan, directory, max_to_keep=3):
    epoch_var = tf.Variable(0, dtype=tf.int64, trainable=False)
    ckpt = _tracked(gan, epoch_var)
    mgr = tf.train.CheckpointManager(ckpt, str(directory), max_to_keep=max_to_keep,
                                     checkpoint_name="gan")
    return ckpt, mgr, epoch_var


def save(gan, directory, epoch: int, max_to_keep: int = 3) -> str:
    """Save ``gan`` (both models, optimizers, noise state) after ``epoch`` epochs."""
    if not hasattr(gan, "d_optimizer"):
        raise ValueError("save: compile the GAN before saving a checkpoint.")
    path = _directory(directory)
    path.mkdir(parents=True, exist_ok=True)
    _, mgr, epoch_var = _manager(gan, path, max_to_keep)
    epoch_var.assign(int(epoch))
    return mgr.save(checkpoint_number=int(epoch))


def latest_epoch(directory) -> int:
    """The epoch of the latest checkpoint in ``directory`` (0 if there is none)."""
    path = _directory(directory)
    latest = tf.train.latest_checkpoint(str(path)) if path.is_dir() else None
    if latest is None:
        return 0
    return int(tf.train.load_variable(latest, "epoch/.ATTRIBUTES/VARIABLE_VALUE"))


def restore(gan, directory) -> int:
    """Restore the latest checkpoint in ``directory`` into ``gan``; return its epoch (0 if none).

    A checkpoint of another architecture, or a damaged one, is a ``ValueError`` and leaves the
    GAN's weights untouched.
    """
    if not hasattr(gan, "d_optimizer"):
        raise ValueError("restore: compile the GAN (same optimizers) before restoring into it.")
    path = _directory(directory)
    if not path.is_dir():
        return 0
    latest = tf.train.latest_checkpoint(str(path))
    if latest is None:
        return 0
    epoch_var = tf.Variable(0, dtype=tf.int64, trainable=False)
    ckpt = _tracked(gan, epoch_var)
    backup = [v.numpy() for v in _all_vars(gan)]
    try:
        reader = tf.train.load_checkpoint(latest)
        saved = reader.get_variable_to_shape_map()
        if "epoch/.ATTRIBUTES/VARIABLE_VALUE" not in saved:
            raise ValueError("it holds no GAN epoch counter")
        status = ckpt.read(latest)
        status.assert_existing_objects_matched()
        status.expect_partial()
    except (ValueError, AssertionError, tf.errors.OpError) as exc:
        for v, b in zip(_all_vars(gan), backup, strict=True):
            v.assign(b)
        raise ValueError(
            f"Cannot restore the checkpoint {latest}: {str(exc).splitlines()[0][:300]}. "
            "Expected a checkpoint written by course_lib for a GAN of this architecture "
            "(same generator, discriminator, latent_dim and optimizers). Start a new run in "
            "an empty directory, or rebuild the models the run was trained with."
        ) from None
    return int(epoch_var.numpy())


def _all_vars(gan):
    vs = list(gan.generator.variables) + list(gan.discriminator.variables)
    vs += list(gan.d_optimizer.variables) + list(gan.g_optimizer.variables)
    vs.append(gan.seed_generator.state)
    vs.extend(_layer_rng_states(gan).values())
    return vs


class GANCheckpoint(keras.callbacks.Callback):
    """Save a resumable checkpoint every ``every`` epochs (chapter 5).

    An epoch whose losses are not finite is never saved, so the latest checkpoint is always a
    good one. Resume with ``epoch = cl.checkpoints.restore(gan, directory)`` and
    ``gan.fit(..., initial_epoch=epoch)``.
    """

    def __init__(self, directory, every=1, max_to_keep=3):
        super().__init__()
        self.directory = _directory(directory)
        self.every = int(every)
        self.max_to_keep = int(max_to_keep)
        self.saved: list[str] = []

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        finite = all(np.isfinite(float(v)) for v in logs.values())
        if not finite or getattr(self.model, "_diverged_at", None) is not None:
            return
        if (epoch + 1) % self.every == 0 or self.model.stop_training:
            self.saved.append(save(self.model, self.directory, epoch + 1, self.max_to_keep))
