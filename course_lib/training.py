"""The GAN as a ``keras.Model`` with its own ``train_step``, and its callbacks (chapters 3-5).

Chapter 4 writes the same training step three ways (the article's ``train_on_batch`` loop, an
explicit ``tf.GradientTape`` step, and this class) and explains why this one is the one to use:
each half-step differentiates only the weights it updates, so nothing has to be "frozen" and the
Keras 3 ``trainable`` trap cannot bite.
"""

from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf

from course_lib import losses as _losses
from course_lib.validation import (
    check_dataset_sample,
    check_finite,
    check_images,
    check_models,
    check_positive_int,
    check_positive_number,
    output_range,
)

__all__ = [
    "GAN",
    "ProgressBar",
    "SampleGrid",
    "TrainingDivergedError",
    "latent_batch",
]


class TrainingDivergedError(ValueError):
    """A loss became NaN or infinite; training stopped (the last good checkpoint is kept)."""


def latent_batch(n: int, latent_dim: int, seed: int = 0) -> np.ndarray:
    """A fixed batch of standard-normal latent vectors, float32 ``(n, latent_dim)`` (chapter 3).

    The same ``seed`` always gives the same batch, which is how sample grids stay comparable
    from epoch to epoch.
    """
    n = check_positive_int("n", n)
    latent_dim = check_positive_int("latent_dim", latent_dim)
    seed = check_positive_int("seed", seed, minimum=0)
    return np.random.default_rng(seed).standard_normal((n, latent_dim)).astype(np.float32)


class GAN(keras.Model):
    """A generator and a discriminator trained against each other (introduced in chapter 3).

    Args:
        generator: maps ``(n, latent_dim)`` noise to samples (images or vectors).
        discriminator: maps samples to logits ``(n, 1)``.
        latent_dim: size of the noise vector; must match the generator's input.
        seed: seeds the noise drawn in ``train_step`` (a ``keras.random.SeedGenerator``).
        augment: optional differentiable function ``f(images) -> images`` applied to real and
            fake samples alike before the discriminator sees them (chapter 5, DiffAugment).

    Use ``compile(d_optimizer=..., g_optimizer=...)`` then ``fit(images, batch_size=...,
    epochs=...)``. ``fit`` takes a NumPy array (checked for shape, NaN and value range) or a
    ``tf.data.Dataset`` of batches.

    Several GPUs: build the models, the GAN and the optimizers and call ``compile`` inside
    ``tf.distribute.MirroredStrategy().scope()``; ``batch_size`` is then the global batch.
    Each replica draws its own noise, and each replica's loss is weighted by its share of the
    global batch, so the summed gradients equal the one-device gradient of the global batch.
    """

    def __init__(self, generator, discriminator, latent_dim, seed=None, augment=None, **kwargs):
        check_models(generator, discriminator, latent_dim)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
            raise TypeError(
                f"GAN: seed must be an int or None, got {type(seed).__name__} ({seed!r}). "
                "Pass a whole number such as seed=0."
            )
        if augment is not None and not callable(augment):
            raise TypeError(
                f"GAN: augment must be a function images -> images or None, got "
                f"{type(augment).__name__}. Pass a function such as augment=lambda x: "
                "tf.image.flip_left_right(x), or leave it out."
            )
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(latent_dim)
        self.augment = augment
        self.seed_generator = keras.random.SeedGenerator(None if seed is None else int(seed))
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_acc_real_tracker = keras.metrics.Mean(name="d_acc_real")
        self.d_acc_fake_tracker = keras.metrics.Mean(name="d_acc_fake")
        self._diverged_at = None
        # Both networks are built, so the GAN is too. Under a tf.distribute strategy Keras
        # would otherwise try to build it by calling it on a batch of *images*.
        self.built = bool(generator.built and discriminator.built)

    # ------------------------------------------------------------------ configuration
    def compile(self, d_optimizer=None, g_optimizer=None, generator_loss="non_saturating",
                label_smoothing=0.0, **kwargs):
        """Set both optimizers and the generator loss (``"non_saturating"`` or ``"minimax"``).

        ``label_smoothing`` (one-sided, e.g. 0.1) softens the discriminator's real targets.
        """
        for nm, opt in (("d_optimizer", d_optimizer), ("g_optimizer", g_optimizer)):
            if not isinstance(opt, keras.optimizers.Optimizer):
                raise TypeError(
                    f"GAN.compile: {nm} must be a keras optimizer instance, got "
                    f"{type(opt).__name__}. Pass e.g. {nm}=keras.optimizers.Adam(2e-4, beta_1=0.5)."
                )
        if d_optimizer is g_optimizer:
            raise ValueError(
                "GAN.compile: d_optimizer and g_optimizer are the same object. Each network "
                "needs its own optimizer (its own moment estimates); create two."
            )
        if generator_loss not in _losses.GENERATOR_LOSSES:
            raise ValueError(
                f"GAN.compile: unknown generator_loss {generator_loss!r}. Expected one of "
                f"{sorted(_losses.GENERATOR_LOSSES)}; pass generator_loss='non_saturating' "
                "(the usual choice, chapter 3)."
            )
        label_smoothing = check_positive_number("label_smoothing", label_smoothing,
                                                allow_zero=True)
        if label_smoothing >= 0.5:
            raise ValueError(
                f"GAN.compile: label_smoothing must be < 0.5, got {label_smoothing}: at 0.5 the "
                "real target equals the fake one and D learns nothing. Use 0.0 (none) or 0.1."
            )
        for nm, opt, net in (("d_optimizer", d_optimizer, self.discriminator),
                             ("g_optimizer", g_optimizer, self.generator)):
            used = getattr(opt, "_trainable_variables", None) if opt.built else None
            if used is not None and {id(v) for v in used} != {
                    id(v) for v in net.trainable_variables}:
                raise ValueError(
                    f"GAN.compile: {nm} was already used to train other weights than the "
                    f"{net.name}'s. Each network needs a fresh optimizer; create a new one, "
                    f"e.g. {nm}=keras.optimizers.Adam(2e-4, beta_1=0.5)."
                )
        super().compile(**kwargs)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.generator_loss_name = generator_loss
        self.label_smoothing = label_smoothing
        # Create the optimizers' moment estimates now, in the strategy the models live in:
        # under MirroredStrategy they cannot be created inside the compiled train step, and a
        # checkpoint can only be restored into built optimizers (keras#19389).
        with self.distribute_strategy.scope():
            for opt, net in ((d_optimizer, self.discriminator), (g_optimizer, self.generator)):
                if not opt.built:
                    opt.build(net.trainable_variables)

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker, self.d_acc_real_tracker,
                self.d_acc_fake_tracker]

    def call(self, z, training=False):
        return self.generator(z, training=training)

    # ------------------------------------------------------------------ the training step
    def _noise(self, batch_size):
        """Standard-normal noise ``(batch_size, latent_dim)`` from the GAN's seed generator.

        Under a multi-replica strategy every replica would draw the *same* noise from the
        mirrored seed, so the replica id is folded into the seed: each replica gets its own.
        """
        ctx = tf.distribute.get_replica_context()
        if ctx is None or ctx.num_replicas_in_sync == 1:
            return keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
        seed = self.seed_generator.next()
        seed = tf.cast(tf.math.floormod(seed, tf.int32.max - 1), tf.int32)
        seed = tf.random.experimental.stateless_fold_in(seed, ctx.replica_id_in_sync_group)
        return tf.random.stateless_normal((batch_size, self.latent_dim), seed=seed,
                                          dtype=keras.config.floatx())

    def _see(self, x):
        return self.augment(x) if self.augment is not None else x

    @staticmethod
    def _replicas():
        return tf.distribute.get_strategy().num_replicas_in_sync

    @staticmethod
    def _share(batch_size):
        """This replica's share of the global batch, or None when there is one replica.

        A replica's mean loss times its share, summed over replicas (the optimizer all-reduces
        gradients by SUM), is the mean over the global batch, even for uneven splits.
        """
        ctx = tf.distribute.get_replica_context()
        if ctx is None or ctx.num_replicas_in_sync == 1:
            return None
        n = tf.cast(batch_size, tf.float32)
        return n / ctx.all_reduce(tf.distribute.ReduceOp.SUM, n)

    @staticmethod
    def _scaled(loss, share):
        if share is None:
            return loss
        # A replica that got no samples (a short last batch) contributes exactly nothing.
        return tf.where(share > 0, loss, tf.zeros_like(loss)) * tf.cast(share, loss.dtype)

    @staticmethod
    def _flag_nonfinite(loss, grads):
        """``loss``, or NaN when a gradient is not finite, so that the NaN guard sees the step.

        A finite loss can hide a NaN gradient: compiled CPU kernels may fuse ``relu`` into the
        matrix multiply and map a NaN input to 0 in the forward pass, while the backward pass
        still writes NaN into the weights.
        """
        finite = tf.reduce_all([tf.reduce_all(tf.math.is_finite(g)) for g in grads
                                if g is not None])
        return tf.where(finite, loss, tf.constant(float("nan"), loss.dtype))

    def d_step(self, real):
        """One discriminator update on a batch of real samples; G is not touched."""
        batch_size = tf.shape(real)[0]
        share = self._share(batch_size)
        z = self._noise(batch_size)
        fake = self.generator(z, training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(self._see(real), training=True)
            fake_logits = self.discriminator(self._see(fake), training=True)
            d_loss = _losses.discriminator_loss(real_logits, fake_logits, self.label_smoothing)
            scaled = self._scaled(d_loss, share)
        grads = tape.gradient(scaled, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights, strict=True))
        d_loss = self._flag_nonfinite(d_loss, grads)
        acc_real = tf.reduce_mean(tf.cast(real_logits > 0, tf.float32))
        acc_fake = tf.reduce_mean(tf.cast(fake_logits < 0, tf.float32))
        return d_loss, acc_real, acc_fake

    def g_step(self, batch_size):
        """One generator update; D is evaluated but not updated."""
        share = self._share(batch_size)
        z = self._noise(batch_size)
        with tf.GradientTape() as tape:
            fake_logits = self.discriminator(self._see(self.generator(z, training=True)),
                                             training=True)
            g_loss = _losses.GENERATOR_LOSSES[self.generator_loss_name](fake_logits)
            scaled = self._scaled(g_loss, share)
        grads = tape.gradient(scaled, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights, strict=True))
        return self._flag_nonfinite(g_loss, grads)

    def train_step(self, data):
        real = data[0] if isinstance(data, tuple | list) else data
        real = tf.cast(real, self.compute_dtype)
        d_loss, acc_real, acc_fake = self.d_step(real)
        g_loss = self.g_step(tf.shape(real)[0])
        pairs = ((self.d_loss_tracker, d_loss), (self.g_loss_tracker, g_loss),
                 (self.d_acc_real_tracker, acc_real), (self.d_acc_fake_tracker, acc_fake))
        share = self._share(tf.shape(real)[0])
        if share is None:
            for tracker, value in pairs:
                tracker.update_state(value)
        else:  # a replica without samples must not feed NaN means into the metrics
            has = share > 0
            for tracker, value in pairs:
                tracker.update_state(tf.where(has, value, tf.zeros_like(value)),
                                     sample_weight=tf.cast(has, tf.float32))
        return {m.name: m.result() for m in self.metrics}

    # ------------------------------------------------------------------ fit and sampling
    def sample_shape(self):
        """The per-sample shape the discriminator expects, e.g. (28, 28, 1)."""
        try:
            shp = self.discriminator.input_shape
        except (AttributeError, ValueError):
            return None
        return tuple(shp[1:]) if shp is not None else None

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            **kwargs):
        """Train on real samples ``x`` (NumPy array or ``tf.data.Dataset``); ``y`` must be None.

        NumPy input is checked first: the shape must match the discriminator's input, values
        must be finite and lie in the generator's output range. A loss that becomes NaN stops
        training with :class:`TrainingDivergedError`; checkpoint callbacks skip the bad epoch.
        """
        if not hasattr(self, "d_optimizer"):
            raise ValueError(
                "GAN.fit was called before GAN.compile. Call gan.compile(d_optimizer=..., "
                "g_optimizer=...) first."
            )
        if y is not None:
            raise ValueError(
                "GAN.fit takes real samples only (y must be None): the labels real=1 / fake=0 "
                "are made inside train_step."
            )
        epochs = check_positive_int("epochs", epochs)
        self._diverged_at = None
        if x is None:
            raise ValueError(
                "GAN.fit needs the real samples: x is None. Pass an array of images, e.g. "
                "gan.fit(cl.data.load_cats(), batch_size=64, epochs=5)."
            )
        if isinstance(x, tf.data.Dataset):
            spec = x.element_spec
            spec = spec[0] if isinstance(spec, tuple) else spec
            want = self.sample_shape()
            got = tuple(spec.shape[1:]) if spec.shape.rank else None
            if want is not None and got is not None and None not in got and got != want:
                raise ValueError(
                    f"The dataset yields samples of shape {got}, but the discriminator expects "
                    f"{want}. Batch the dataset (ds.batch(64)) and reshape its elements."
                )
            check_dataset_sample(x, want, output_range(self.generator))  # as for arrays
        else:
            x = check_images(x, "x", shape=self.sample_shape(),
                             value_range=output_range(self.generator))
            if batch_size is not None:
                batch_size = check_positive_int("batch_size", batch_size)
                if batch_size > len(x):
                    raise ValueError(
                        f"batch_size={batch_size} is larger than the {len(x)} samples. "
                        "Use a batch size no larger than the data."
                    )
                replicas = self.distribute_strategy.num_replicas_in_sync
                if batch_size % replicas:
                    raise ValueError(
                        f"batch_size={batch_size} cannot be split evenly over the {replicas} "
                        "replicas of the distribution strategy. Use a multiple of "
                        f"{replicas} (the batch size is the global batch)."
                    )
        guard = _NaNGuard()
        callbacks = [guard, *list(callbacks or [])]
        history = super().fit(x, batch_size=batch_size, epochs=epochs, verbose=verbose,
                              callbacks=callbacks, **kwargs)
        if guard.message is not None:
            raise TrainingDivergedError(guard.message)
        return history

    def generate(self, n=None, z=None, seed=0, batch_size=500) -> np.ndarray:
        """Samples as a NumPy array, from noise ``z`` or from ``n`` seeded latent vectors."""
        batch_size = check_positive_int("batch_size", batch_size)
        if z is None:
            if n is None:
                raise ValueError(
                    "generate needs n (how many samples) or z (latent vectors), got neither. "
                    "Call e.g. gan.generate(16) or gan.generate(z=cl.training.latent_batch("
                    f"16, {self.latent_dim}))."
                )
            z = latent_batch(n, self.latent_dim, seed)
        elif n is not None and n != len(z):
            raise ValueError(
                f"generate got n={n} but {len(z)} latent vectors z. Pass n (seeded noise is "
                "drawn for you) or z (your own latent vectors), not both."
            )
        try:
            z = np.asarray(z, dtype=np.float32)
        except (TypeError, ValueError):
            raise TypeError(
                f"z must be a numeric array of shape (n, {self.latent_dim}), got "
                f"{type(z).__name__}. Draw it with cl.training.latent_batch(n, "
                f"{self.latent_dim})."
            ) from None
        if z.ndim != 2 or z.shape[1] != self.latent_dim or len(z) == 0:
            raise ValueError(
                f"z must have shape (n, {self.latent_dim}) with n >= 1, got {z.shape}. Draw it "
                f"with cl.training.latent_batch(n, {self.latent_dim})."
            )
        check_finite("z", z)
        outs = [np.asarray(self.generator(z[i:i + batch_size], training=False))
                for i in range(0, len(z), batch_size)]
        return np.concatenate(outs, axis=0)


class _NaNGuard(keras.callbacks.Callback):
    """Stops training at the first non-finite loss and records where."""

    def __init__(self):
        super().__init__()
        self.message = None
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        bad = {k: float(v) for k, v in logs.items()
               if k in ("d_loss", "g_loss") and not math.isfinite(float(v))}
        if bad and self.message is None:
            self.message = (
                f"Training diverged: {bad} at epoch {self._epoch + 1}, batch {batch + 1}. "
                "Training was stopped and no checkpoint was written for this epoch, so the "
                "last good one is kept. Expected finite losses: lower the learning rates "
                "(e.g. 4x), check the data for NaN, then continue from the last checkpoint "
                "(cl.checkpoints.restore)."
            )
            self.model._diverged_at = (self._epoch, batch)
            self.model.stop_training = True


class ProgressBar(keras.callbacks.Callback):
    """A ``tqdm`` progress bar over batches with the latest losses (chapter 3).

    ``tqdm.auto`` draws a widget in JupyterLab and plain text elsewhere.
    """

    def __init__(self, desc="training", leave=True):
        super().__init__()
        self.desc, self.leave, self.bar = desc, leave, None

    def on_train_begin(self, logs=None):
        from tqdm.auto import tqdm

        epochs = self.params.get("epochs") or 0
        steps = self.params.get("steps") or 0
        start = getattr(self.model, "_initial_epoch", 0) or 0
        self.bar = tqdm(total=max(epochs - start, 0) * steps or None, desc=self.desc,
                        leave=self.leave, unit="batch")

    def on_train_batch_end(self, batch, logs=None):
        if self.bar is not None:
            self.bar.update(1)
            if logs and batch % 5 == 0:
                self.bar.set_postfix({k: f"{float(v):.3f}" for k, v in logs.items()},
                                     refresh=False)

    def on_epoch_end(self, epoch, logs=None):
        if self.bar is not None and logs:
            self.bar.set_postfix({"epoch": epoch + 1,
                                  **{k: f"{float(v):.3f}" for k, v in logs.items()}})

    def on_train_end(self, logs=None):
        if self.bar is not None:
            self.bar.close()


class SampleGrid(keras.callbacks.Callback):
    """Samples from one fixed latent batch, kept every ``every`` epochs (chapter 5).

    ``grids`` holds ``(epoch, images)`` pairs in memory (for plots and animations). Nothing is
    written to disk unless ``directory`` is given, then ``epoch_XXXX.png`` goes there.
    """

    def __init__(self, num_samples=16, seed=0, every=1, directory=None):
        super().__init__()
        self.num_samples = check_positive_int("num_samples", num_samples)
        self.every = check_positive_int("every", every)
        self.seed = seed
        self.directory = directory
        self.grids: list[tuple[int, np.ndarray]] = []
        self._z = None

    def on_train_begin(self, logs=None):
        self._z = latent_batch(self.num_samples, self.model.latent_dim, self.seed)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        images = self.model.generate(z=self._z)
        self.grids.append((epoch + 1, images))
        if self.directory is not None:
            from pathlib import Path

            from course_lib import plotting

            out = Path(self.directory)
            out.mkdir(parents=True, exist_ok=True)
            plotting.save_image_grid(images, out / f"epoch_{epoch + 1:04d}.png",
                                     title=f"epoch {epoch + 1}")
