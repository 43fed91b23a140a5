"""The GAN as a ``keras.Model`` with its own ``train_step``, and its callbacks (chapters 3-6).

Chapter 4 writes the same training step three ways (the article's ``train_on_batch`` loop, an
explicit ``tf.GradientTape`` step, and this class) and explains why this one is the one to use:
each half-step differentiates only the weights it updates, so nothing has to be "frozen" and the
Keras 3 ``trainable`` trap cannot bite. Chapter 6 plays other games with the same step:
``compile(loss="wgan-gp")`` (a critic, a gradient penalty, ``n_critic`` critic steps per
generator step) or ``loss="hinge"``, the losses of :data:`course_lib.losses.GAN_LOSSES`.
"""

from __future__ import annotations

import functools
import math
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from tqdm.auto import tqdm

from course_lib import checkpoints, execution, losses, plotting
from course_lib.files import write_json
from course_lib.validation import (
    check_augment,
    check_dataset_batch,
    check_ema_decay,
    check_fit_data,
    check_gan_compiled,
    check_gan_loss,
    check_gan_optimizers,
    check_label_smoothing,
    check_latent,
    check_models,
    check_positive_int,
    check_positive_number,
    check_r1_weight,
    check_seed,
    output_range,
)

__all__ = [
    "GAN",
    "HistoryWriter",
    "NaNGuard",
    "ProgressBar",
    "SampleGrid",
    "TrainingDivergedError",
    "latent_batch",
    "nan_unless_finite",
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
    seed = check_seed(seed)
    return np.random.default_rng(seed).standard_normal((n, latent_dim)).astype(np.float32)


class GAN(execution.GraphEpochs, keras.Model):
    """A generator and a discriminator trained against each other (introduced in chapter 3).

    Args:
        generator: maps ``(n, latent_dim)`` noise to samples (images or vectors).
        discriminator: maps samples to logits ``(n, 1)`` (a critic's scores for WGAN-GP).
        latent_dim: size of the noise vector; must match the generator's input.
        seed: seeds the noise drawn in ``train_step`` (a ``keras.random.SeedGenerator``).
        augment: optional differentiable function ``f(images) -> images`` applied to real and
            fake samples alike before the discriminator sees them (chapter 5, DiffAugment).
        ema_decay: the decay in [0, 1), e.g. 0.999, of an exponential moving average (EMA)
            of the generator's weights (chapter 5); None or 0: no average. The average is a
            second generator, ``ema_generator``, moved after every generator step with the
            decay ``min(ema_decay, (1 + t) / (10 + t))`` at step ``t`` (a warm-up, so that a
            short run does not average in its initial weights), as chapter 7's diffusion
            model does; ``generate`` samples from it. Training itself is unchanged.

    Use ``compile(d_optimizer=..., g_optimizer=...)`` then ``fit(images, batch_size=...,
    epochs=...)``. ``fit`` takes a NumPy array (checked for shape, NaN and value range) or a
    ``tf.data.Dataset`` of batches. After a ``fit`` stopped by a non-finite loss,
    ``diverged_at`` holds ``(epoch, batch)`` (0-based); otherwise it is None.

    Speed (chapter 4): on one device ``fit`` runs each epoch's batches in one call into
    TensorFlow (:class:`cl.execution.GraphEpochs`), and ``compile(jit_compile="auto")`` compiles
    that loop with XLA for networks without convolutions (the MLPs), where it pays on a CPU.

    Several GPUs: build the models, the GAN and the optimizers and call ``compile`` inside
    ``tf.distribute.MirroredStrategy().scope()``; ``batch_size`` is then the global batch.
    Each replica draws its own noise, and each replica's loss is weighted by its share of the
    global batch, so the summed gradients equal the one-device gradient of the global batch.
    """

    def __init__(self, generator, discriminator, latent_dim, seed=None, augment=None,
                 ema_decay=None, **kwargs):
        check_models(generator, discriminator, latent_dim)
        seed = check_seed(seed, allow_none=True)
        check_augment(augment)
        ema_decay = 0.0 if ema_decay is None else check_ema_decay(ema_decay)
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(latent_dim)
        self.augment = augment
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_acc_real_tracker = keras.metrics.Mean(name="d_acc_real")
        self.d_acc_fake_tracker = keras.metrics.Mean(name="d_acc_fake")
        self.diverged_at = None
        self.ema_decay, self.ema_generator = ema_decay, None
        if ema_decay > 0:  # a copy of the generator that follows its average
            self.ema_generator = keras.models.clone_model(generator)
            self.ema_generator.set_weights(generator.get_weights())
            self.ema_generator.trainable = False
        # Both networks are built, so the GAN is too. Under a tf.distribute strategy Keras
        # would otherwise try to build it by calling it on a batch of *images*.
        self.built = bool(generator.built and discriminator.built)

    # ------------------------------------------------------------------ configuration
    def compile(self, d_optimizer=None, g_optimizer=None, generator_loss="non_saturating",
                label_smoothing=0.0, loss=None, n_critic=1, gp_weight=10.0, r1_weight=0.0,
                jit_compile="auto", steps_per_execution="epoch", **kwargs):
        """Set both optimizers and the game: ``loss`` is one of ``cl.losses.GAN_LOSSES``
        (``"non_saturating"``, ``"minimax"``, ``"wgan-gp"``, ``"hinge"``); left out, the
        chapter 3 ``generator_loss`` (``"non_saturating"`` or ``"minimax"``) names it.

        ``label_smoothing`` (one-sided, e.g. 0.1) softens the cross-entropy's real targets.
        ``n_critic`` discriminator (critic) steps run per generator step, each with fresh noise
        on the same real batch; ``gp_weight`` is WGAN-GP's lambda (chapter 6); ``r1_weight`` is
        R1's gamma (``cl.losses.r1_penalty``, chapter 5; 0: none). ``jit_compile``
        "auto" means XLA on a CPU for networks without convolutions
        (:func:`cl.execution.resolve_jit_compile`); ``steps_per_execution`` is "epoch" (one
        call into TensorFlow per epoch, on one device) or a number of batches per call.
        """
        check_gan_optimizers(d_optimizer, g_optimizer, self.discriminator, self.generator)
        self.label_smoothing = check_label_smoothing(label_smoothing)
        self.loss_name = check_gan_loss(loss, generator_loss, self.label_smoothing,
                                        losses.GAN_LOSSES)
        self.generator_loss_name = self.loss_name  # chapter 3's name for it
        self.game = losses.GAN_LOSSES[self.loss_name]
        self.n_critic = check_positive_int("n_critic", n_critic)
        self.gp_weight = check_positive_number("gp_weight", gp_weight)
        self.r1_weight = check_r1_weight(r1_weight, self.loss_name)
        self.execution_steps = execution.check_steps_per_execution(steps_per_execution)
        jit_compile = execution.resolve_jit_compile(jit_compile, self.generator,
                                                    self.discriminator,
                                                    one_device=execution.on_one_device(self))
        super().compile(jit_compile=jit_compile, **kwargs)
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
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

    #: The generator's learning rate over the discriminator's (``cl.recipes.build_gan`` sets
    #: it); a resumed run's rate keeps it (:meth:`learning_rates`).
    generator_lr_ratio = 1.0

    def learning_rates(self, rate: float) -> dict:
        """Each optimizer's learning rate when the run's (the discriminator's) is ``rate``."""
        return {"d_optimizer": rate, "g_optimizer": rate * self.generator_lr_ratio}

    def count_params(self) -> int:
        """The two networks' parameters (an ``ema_generator`` is not counted twice)."""
        return self.generator.count_params() + self.discriminator.count_params()

    def checkpoint_items(self) -> dict:
        """What exact resume needs (chapter 5): both networks, both optimizers (moments, step),
        the noise generator's state, the layers' noise states (``cl.checkpoints``) and, with
        ``ema_decay``, the averaged generator;
        with a seeded ``augment`` (DiffAugment), its seed generator's state."""
        check_gan_compiled(self, "checkpoint")
        items = {"generator": self.generator, "discriminator": self.discriminator,
                 "d_optimizer": self.d_optimizer, "g_optimizer": self.g_optimizer,
                 "seed_state": self.seed_generator.state,
                 "layer_rng": checkpoints.layer_rng_states(generator=self.generator,
                                                           discriminator=self.discriminator)}
        if self.ema_generator is not None:
            items["ema_generator"] = self.ema_generator
        augment_seed = getattr(self.augment, "seed_generator", None)  # e.g. DiffAugment's
        if isinstance(augment_seed, keras.random.SeedGenerator):
            items["augment_seed_state"] = augment_seed.state
        return items

    # ------------------------------------------------------------------ the training step
    def d_step(self, real, share=None):
        """One discriminator (critic) update on a batch of real samples; G is not touched."""
        fake = self.generator(self._noise(tf.shape(real)[0]), training=True)
        real, fake = self._see(real), self._see(fake)
        with tf.GradientTape() as tape:
            if self.r1_weight:  # R1: D flat at the data; its logits come with it
                r1, real_logits = losses.r1_penalty(self._critic, real, self.r1_weight)
            else:
                real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            d_loss = self._discriminator_loss(real_logits, fake_logits)
            if self.game.penalised:  # WGAN-GP: keep the critic 1-Lipschitz
                d_loss += losses.gradient_penalty(self._critic, real, fake, self._alpha(real),
                                                  self.gp_weight)
            if self.r1_weight:
                d_loss += r1
            weighted = self._scaled(d_loss, share)
        weights = self.discriminator.trainable_weights
        self.d_optimizer.apply_gradients(zip(tape.gradient(weighted, weights), weights, strict=True))
        acc_real = tf.reduce_mean(tf.cast(real_logits > 0, tf.float32))
        acc_fake = tf.reduce_mean(tf.cast(fake_logits < 0, tf.float32))
        return d_loss, acc_real, acc_fake

    def g_step(self, batch_size, share=None):
        """One generator update; D is evaluated but not updated."""
        z = self._noise(batch_size)
        with tf.GradientTape() as tape:
            fake = self.generator(z, training=True)
            fake_logits = self.discriminator(self._see(fake), training=True)
            g_loss = self.game.generator(fake_logits)
            weighted = self._scaled(g_loss, share)
        weights = self.generator.trainable_weights
        self.g_optimizer.apply_gradients(zip(tape.gradient(weighted, weights), weights, strict=True))
        return g_loss

    def train_step(self, data):
        real, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        real = tf.cast(real, self.compute_dtype)
        n = tf.shape(real)[0]
        share = self._share(n)  # None on one device
        for _ in range(self.n_critic):  # n_critic critic steps per generator step
            d_loss, acc_real, acc_fake = self.d_step(real, share)
        g_loss = self.g_step(n, share)
        # A NaN gradient can hide behind a finite loss; the NaN weights it leaves flag the step.
        d_loss = nan_unless_finite(d_loss, self.discriminator.trainable_weights)
        g_loss = nan_unless_finite(g_loss, self.generator.trainable_weights)
        self._track((d_loss, g_loss, acc_real, acc_fake), share)
        self.update_ema()
        return {m.name: m.result() for m in self.metrics}

    def update_ema(self):
        """Move ``ema_generator`` towards the generator (after a generator step; chapter 5):
        each weight, batch norm's statistics included, becomes ``decay * average + (1 - decay)
        * weight``. Nothing to do without ``ema_decay``."""
        if self.ema_generator is None:
            return
        t = tf.cast(self.g_optimizer.iterations, "float32")  # generator steps so far
        decay = tf.minimum(self.ema_decay, (1.0 + t) / (10.0 + t))
        for average, weight in zip(self.ema_generator.weights, self.generator.weights,
                                   strict=True):
            average.assign(decay * average + (1.0 - decay) * tf.cast(weight, average.dtype))

    # ------------------------------------------------------------------ the step's helpers
    def _track(self, values, share):
        """Update the four trackers; a replica without samples (share 0) adds nothing."""
        weight = None if share is None else tf.cast(share > 0, tf.float32)
        for tracker, value in zip(self.metrics, values, strict=True):
            if weight is not None:  # its means are NaN: replace them, then weigh them 0
                value = tf.where(weight > 0, value, tf.zeros_like(value))
            tracker.update_state(value, sample_weight=weight)

    def _discriminator_loss(self, real_logits, fake_logits):
        if self.game.cross_entropy:
            return self.game.discriminator(real_logits, fake_logits, self.label_smoothing)
        return self.game.discriminator(real_logits, fake_logits)

    def _critic(self, x):
        return self.discriminator(x, training=True)

    def _noise(self, batch_size):
        """Standard-normal noise ``(batch_size, latent_dim)`` from the GAN's seed generator."""
        return _draw(self.seed_generator, (batch_size, self.latent_dim), "normal")

    def _alpha(self, real):
        """One uniform [0, 1) weight per sample, ``(n, 1, ..., 1)``: the penalty's interpolates."""
        shape = (tf.shape(real)[0],) + (1,) * (real.shape.rank - 1)
        return _draw(self.seed_generator, shape, "uniform")

    def _see(self, x):
        return self.augment(x) if self.augment is not None else x

    @staticmethod
    def _share(batch_size):
        return _replica_share(batch_size)

    @staticmethod
    def _scaled(loss, share):
        if share is None:
            return loss
        # A replica that got no samples (a short last batch) contributes exactly nothing.
        return tf.where(share > 0, loss, tf.zeros_like(loss)) * tf.cast(share, loss.dtype)

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
        check_gan_compiled(self, "fit")
        one_device = execution.on_one_device(self)
        # on one device a dataset's first batch is checked as it is read for training
        x, batch_size = check_fit_data(x, y, batch_size, self.sample_shape(),
                                       output_range(self.generator),
                                       self.distribute_strategy.num_replicas_in_sync,
                                       read_sample=not one_device)
        epochs = check_positive_int("epochs", epochs)
        self.diverged_at = None
        if isinstance(x, tf.data.Dataset):  # it brings its own order; Keras would warn
            kwargs.setdefault("shuffle", False)
        guard = NaNGuard(("d_loss", "g_loss"))
        if (isinstance(x, np.ndarray) and one_device
                and not kwargs.keys() & {"validation_split", "steps_per_epoch"}):
            # one iterator for all epochs, instead of Keras's new pipeline per epoch
            x, kwargs["steps_per_epoch"] = execution.array_dataset(
                x, batch_size, shuffle=kwargs.pop("shuffle", True) is not False)
            batch_size, kwargs["shuffle"] = None, False
        check = functools.partial(check_dataset_batch, shape=self.sample_shape(),
                                  value_range=output_range(self.generator))
        with self.graph_epochs(x, batch_size, kwargs.get("steps_per_epoch"), check=check):
            history = super().fit(x, batch_size=batch_size, epochs=epochs, verbose=verbose,
                                  callbacks=[guard, *list(callbacks or [])], **kwargs)
        guard.raise_if_diverged()
        return history

    def generate(self, n=None, z=None, seed=0, batch_size=500) -> np.ndarray:
        """Samples as a NumPy array, from noise ``z`` or from ``n`` seeded latent vectors;
        from the averaged generator when the GAN has ``ema_decay`` (chapter 5)."""
        batch_size = check_positive_int("batch_size", batch_size)
        if z is None and n is None:
            raise ValueError(
                "generate needs n (how many samples) or z (latent vectors), got neither. "
                "Call e.g. gan.generate(16) or gan.generate(z=cl.training.latent_batch("
                f"16, {self.latent_dim}))."
            )
        z = latent_batch(n, self.latent_dim, seed) if z is None else z
        z = check_latent(z, n, self.latent_dim)
        net = self.generator if self.ema_generator is None else self.ema_generator
        outs = [np.asarray(net(z[i:i + batch_size], training=False))
                for i in range(0, len(z), batch_size)]
        return np.concatenate(outs, axis=0)


def _draw(seed_generator, shape, kind):
    """Normal or uniform numbers from ``seed_generator`` (the GAN's noise, chapter 3).

    Under a multi-replica strategy every replica would draw the *same* numbers from the
    mirrored seed, so the replica id is folded into the seed: each replica gets its own.
    """
    ctx = tf.distribute.get_replica_context()
    if ctx is None or ctx.num_replicas_in_sync == 1:
        draw = keras.random.normal if kind == "normal" else keras.random.uniform
        return draw(shape, seed=seed_generator)
    seed = seed_generator.next()
    seed = tf.cast(tf.math.floormod(seed, tf.int32.max - 1), tf.int32)
    seed = tf.random.experimental.stateless_fold_in(seed, ctx.replica_id_in_sync_group)
    draw = tf.random.stateless_normal if kind == "normal" else tf.random.stateless_uniform
    return draw(shape, seed=seed, dtype=keras.config.floatx())


def _replica_share(batch_size):
    """This replica's share of the global batch, or None when there is one replica.

    A replica's mean loss times its share, summed over replicas (the optimizer all-reduces
    gradients by SUM), is the mean over the global batch, even for uneven splits.
    """
    ctx = tf.distribute.get_replica_context()
    if ctx is None or ctx.num_replicas_in_sync == 1:
        return None
    n = tf.cast(batch_size, tf.float32)
    return n / ctx.all_reduce(tf.distribute.ReduceOp.SUM, n)


def nan_unless_finite(loss, weights):
    """``loss``, or NaN when a weight is not finite, so that :class:`NaNGuard` sees the step.

    A finite loss can hide a NaN gradient: compiled CPU kernels may fuse ``relu`` into the
    matrix multiply and map a NaN input to 0 in the forward pass, while the backward pass
    still writes NaN into the weights. Every family's ``train_step`` passes its losses through
    this (chapter 5).
    """
    finite = tf.reduce_all([tf.reduce_all(tf.math.is_finite(w)) for w in weights])
    return tf.where(finite, loss, tf.constant(float("nan"), loss.dtype))


class NaNGuard(keras.callbacks.Callback):
    """Stops training at the first non-finite loss among ``keys`` (default: every logged value)
    and records where, in ``message`` and the model's ``diverged_at`` (chapter 5).

    A model's ``fit`` adds it first and calls :meth:`raise_if_diverged` after ``super().fit``,
    so a divergence is a :class:`TrainingDivergedError` and checkpoint callbacks skip the bad
    epoch.
    """

    def __init__(self, keys=None):
        super().__init__()
        self.keys = None if keys is None else tuple(keys)
        self.message = None
        self._epoch = 0
        self._begin = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        self._begin = batch

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        # with several batches per call, the one that went wrong is the last one run
        batch = execution.last_batch(self.model, self._begin, batch)
        bad = {k: float(v) for k, v in logs.items()
               if (self.keys is None or k in self.keys) and not math.isfinite(float(v))}
        if bad and self.message is None:
            self.message = (
                f"Training diverged: {bad} at epoch {self._epoch + 1}, batch {batch + 1}. "
                "Training was stopped and no checkpoint was written for this epoch, so the "
                "last good one is kept. Expected finite losses: lower the learning rates "
                "(e.g. 4x), check the data for NaN, then continue from the last checkpoint "
                "(cl.checkpoints.restore)."
            )
            self.model.diverged_at = (self._epoch, batch)
            self.model.stop_training = True

    def raise_if_diverged(self) -> None:
        """Raise :class:`TrainingDivergedError` if the last ``fit`` stopped on a bad loss."""
        if self.message is not None:
            raise TrainingDivergedError(self.message)


class ProgressBar(keras.callbacks.Callback):
    """A ``tqdm`` progress bar over batches with the latest losses (chapter 3).

    ``tqdm.auto`` draws a widget in JupyterLab and plain text elsewhere.
    """

    def __init__(self, desc="training", leave=True):
        super().__init__()
        self.desc, self.leave, self.bar = desc, leave, None
        self._begin = 0

    def on_train_begin(self, logs=None):
        self.bar = None  # a new fit, a new bar

    def on_epoch_begin(self, epoch, logs=None):
        if self.bar is None:  # the first epoch of this fit (not epoch 0 when resuming)
            epochs = self.params.get("epochs") or 0
            steps = self.params.get("steps") or 0
            self.bar = tqdm(total=max(epochs - epoch, 0) * steps or None, desc=self.desc,
                            leave=self.leave, unit="batch")

    def on_train_batch_begin(self, batch, logs=None):
        self._begin = batch

    def on_train_batch_end(self, batch, logs=None):
        if self.bar is not None:
            last = execution.last_batch(self.model, self._begin, batch)
            self.bar.update(last - self._begin + 1)  # one call may run a whole epoch
            if logs and (last - self._begin > 0 or batch % 5 == 0):
                self.bar.set_postfix({k: f"{float(v):.3f}" for k, v in logs.items()},
                                     refresh=False)

    def on_epoch_end(self, epoch, logs=None):
        if self.bar is not None and logs:
            self.bar.set_postfix({"epoch": epoch + 1,
                                  **{k: f"{float(v):.3f}" for k, v in logs.items()}})

    def on_train_end(self, logs=None):
        if self.bar is not None:
            self.bar.close()
            # a saved notebook keeps no widget state (its bar reads "0%"): leave a text line
            done = ", ".join(f"{k} {float(v):.3f}" for k, v in (logs or {}).items())
            print(f"{self.desc}: {self.bar.n} batches done" + (f"; {done}" if done else ""))


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
            out = Path(self.directory)
            out.mkdir(parents=True, exist_ok=True)
            plotting.save_image_grid(images, out / f"epoch_{epoch + 1:04d}.png",
                                     title=f"epoch {epoch + 1}")


class HistoryWriter(keras.callbacks.Callback):
    """Appends one row per finished, finite epoch to ``history.json`` (written atomically); a
    resumed run starts from the rows it keeps, ``rows`` (chapter 5, ``train-cats``)."""

    def __init__(self, path: Path, rows: list):
        super().__init__()
        self.path, self.rows, self.t0 = path, rows, 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self.t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if not all(np.isfinite(float(v)) for v in logs.values()):
            return
        self.rows.append({"epoch": epoch + 1, "seconds": time.perf_counter() - self.t0,
                          **{k: float(v) for k, v in logs.items()}})
        write_json(self.path, self.rows)
