"""Checks for the chapter 4 exercises (the article's GAN, debugged).

The learner repairs the article's code piece by piece: the generator's shape and output range,
the combined model, the freezing recipe that works under Keras 3, the data scaling, and one
correct training step. The checks *run* the learner's models on tiny networks and measure what
happened: which weights moved, which optimizer was handed which variables, whether each update
went downhill. Every check builds its own small models and never touches the global seed.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from course_lib import losses, models
from course_lib.checks import Failure, as_array, close, register
from course_lib.checks.messages import tr

_LATENT, _FEATURES = 4, 6  # the tiny networks of the freezing and train_step checks


# --------------------------------------------------------------------------- helpers
def _fill(model, seed, scale=0.3):
    """Give ``model`` fixed weights drawn from ``seed`` (no global RNG is used)."""
    rng = np.random.default_rng(seed)
    for w in model.weights:
        w.assign(rng.normal(0.0, scale, size=tuple(w.shape)).astype(np.float32))
    return model


def _tiny_models(seed=0):
    g = models.vector_generator(latent_dim=_LATENT, output_dim=_FEATURES, hidden_units=8)
    d = models.vector_discriminator(input_dim=_FEATURES, hidden_units=8)
    return _fill(g, seed), _fill(d, seed + 1)


def _tiny_batch(seed=0, n=16):
    rng = np.random.default_rng(seed)
    real = (rng.normal(1.0, 0.3, size=(n, _FEATURES))).astype(np.float32)
    z = rng.standard_normal((n, _LATENT)).astype(np.float32)
    return real, z


class _RecordingSGD(keras.optimizers.SGD):
    """Plain SGD that remembers the variables it was built for (= the ones it updates)."""

    def __init__(self, learning_rate, name="recording_sgd"):
        super().__init__(learning_rate, name=name)

    def build(self, variables):
        self.recorded = [id(v) for v in variables]
        super().build(variables)


def _ids(model):
    return {id(v) for v in model.weights}  # trainable may be False right now


def _moved(before, after, atol=0.0):
    return any(not np.allclose(b, a, rtol=0.0, atol=atol) for b, a in zip(before, after, strict=True))


def _weights(model):
    return [np.array(w.numpy(), copy=True) for w in model.weights]


def _bce(logits, label):
    return float(losses.np_binary_cross_entropy_from_logits(np.full(logits.shape, label),
                                                            np.asarray(logits, np.float64)))


def _d_loss(d, real, fake):
    return _bce(np.asarray(d(real)), 1.0) + _bce(np.asarray(d(fake)), 0.0)


def _g_loss(d, g, z):
    return _bce(np.asarray(d(g(z))), 1.0)


def _scalar(value, what):
    arr = as_array(value, what, expects="a float or a scalar tensor")
    if arr.size != 1:
        raise Failure(tr("{what} must be one number.", what=what), expected="a scalar",
                      found=tr("shape {shape}", shape=arr.shape), hint="Average the per-sample losses.")
    value = float(arr.reshape(()))
    if not np.isfinite(value):
        raise Failure(tr("{what} is not finite.", what=what), expected="a finite loss", found=str(value),
                      hint="Compute the loss from logits with a stable cross-entropy "
                           "(cl.losses.discriminator_loss / generator_loss_non_saturating).")
    return value


def _measured_range(model, latent_dim, n=256):
    """(min, max, all finite) of ``model``'s outputs on random latent vectors.

    Half the vectors are scaled up 30-fold, so that a bounded last activation saturates and
    shows its whole range, and an unbounded one shows that it is unbounded.
    """
    z = np.random.default_rng(7).standard_normal((n, latent_dim)).astype(np.float32)
    z[n // 2:] *= 30.0
    out = np.asarray(model(z, training=False), dtype=np.float64)
    finite = bool(np.all(np.isfinite(out)))
    return (float(np.nanmin(out)) if finite else np.nan,
            float(np.nanmax(out)) if finite else np.nan, finite)


def _optimizer_targets(opt, d, g):
    """Which networks an optimizer updated: 'D', 'G', 'D+G', or '' (never applied)."""
    rec = set(getattr(opt, "recorded", []))
    parts = [name for name, m in (("D", d), ("G", g)) if rec & _ids(m)]
    return "+".join(parts)


# --------------------------------------------------------------------------- 1. generator
@register("ch04.generator", "The article's generator, repaired: (n, 100) -> (n, 28, 28, 1) in [-1, 1]")
def _generator(answer):
    model = answer(100)
    if not isinstance(model, keras.Model):
        raise Failure("build_generator must return a Keras model.", expected="a keras.Model",
                      found=type(model).__name__, hint="Return keras.Sequential([...]).")
    _check_generator_shape(model)
    _check_generator_range(model)
    _check_latent_dim_used(answer)
    names = [type(layer).__name__ for layer in model.layers]
    note = tr("Maps (n, 100) noise to (n, 28, 28, 1) images in [-1, 1].")
    if "Flatten" in names and "Dense" in names[: names.index("Flatten")]:
        note += tr(" Your Flatten after a Dense layer is harmless but does nothing (a Dense output "
                 "is already flat): the article's Flatten is a no-op you can delete.")
    return note


def _check_generator_shape(model) -> None:
    """100-dimensional noise in, (n, 28, 28, 1) images out."""
    z = np.random.default_rng(0).standard_normal((4, 100)).astype(np.float32)
    try:
        out = np.asarray(model(z, training=False))
    except (ValueError, TypeError) as exc:
        raise Failure("Your generator cannot take a batch of 100-dimensional noise.",
                      expected="input shape (n, 100)", found=str(exc).splitlines()[0],
                      hint="Start the model with keras.Input(shape=(latent_dim,)).") from None
    if out.shape == (4, 784):
        raise Failure(
            "The generator emits flat 784-vectors, like the article's: the discriminator expects "
            "28x28 images, so D(G(z)) fails with a shape error (784 against 28x28).",
            expected="(4, 28, 28, 1)", found=str(out.shape),
            hint="Add keras.layers.Reshape((28, 28, 1)) after the last Dense layer.")
    if out.shape == (4, 28, 28):
        raise Failure("The images have no channel axis.", expected="(4, 28, 28, 1)",
                      found=str(out.shape),
                      hint="Our data and discriminators use (28, 28, 1): Reshape((28, 28, 1)).")
    if out.shape != (4, 28, 28, 1):
        raise Failure("The generator's output has the wrong shape.", expected="(4, 28, 28, 1)",
                      found=str(out.shape))


def _check_generator_range(model) -> None:
    """Finite pixels that span [-1, 1], the range of the cats."""
    lo, hi, finite = _measured_range(model, 100)
    if not finite:
        raise Failure("Your generator outputs NaN or infinite values for some noise vectors.",
                      expected="finite pixels in [-1, 1]", found="NaN or inf",
                      hint="Check the weights (e.g. model.get_weights()) for NaN and build the "
                           "model from fresh layers.")
    if lo >= -1e-6 and hi <= 1.0 + 1e-6 and hi > 0.5:
        raise Failure(
            "The generated pixels lie in [0, 1] (a sigmoid output), while the cats are "
            "scaled to [-1, 1]. The discriminator could then tell real from fake by brightness "
            "alone (every real image has pixels below 0, no fake does).",
            expected="outputs spanning [-1, 1]", found=tr("measured range [{lo:.3g}, {hi:.3g}]", lo=lo, hi=hi),
            hint="Use activation='tanh' in the last Dense layer (or rescale a sigmoid with "
                 "keras.layers.Rescaling(2.0, offset=-1.0)).")
    if lo < -1.0 - 1e-5 or hi > 1.0 + 1e-5:
        raise Failure("The generator's output is not bounded to [-1, 1].",
                      expected="values in [-1, 1] whatever the noise",
                      found=tr("measured range [{lo:.3g}, {hi:.3g}] on random noise", lo=lo, hi=hi),
                      hint="End with a bounded activation: activation='tanh' in the last "
                           "Dense layer.")
    if lo > -0.5 or hi < 0.5:
        raise Failure("The generator's outputs cover only part of [-1, 1].",
                      expected="outputs reaching near -1 and near 1",
                      found=tr("measured range [{lo:.3g}, {hi:.3g}] on random noise", lo=lo, hi=hi),
                      hint="Map the last layer onto the whole range: tanh, not a scaled-down "
                           "or shifted version of it.")


def _check_latent_dim_used(answer) -> None:
    """``build_generator(8)`` takes 8-dimensional noise: latent_dim is not ignored."""
    small = answer(8)
    z8 = np.zeros((2, 8), np.float32)
    try:
        shape8 = tuple(np.asarray(small(z8, training=False)).shape)
    except (ValueError, TypeError):
        shape8 = None
    if shape8 != (2, 28, 28, 1):
        raise Failure("build_generator ignores its latent_dim argument.",
                      expected="build_generator(8) maps (n, 8) noise to (n, 28, 28, 1)",
                      found="it does not accept 8-dimensional noise" if shape8 is None
                      else tr("output {shape8}", shape8=shape8),
                      hint="Use latent_dim in keras.Input(shape=(latent_dim,)), not 100.")


# --------------------------------------------------------------------------- 2. combined
@register("ch04.combined", "The combined model z -> D(G(z)), fed the generator's images")
def _combined(answer):
    g = _fill(models.mlp_generator(latent_dim=100, hidden_units=16), 10, scale=0.1)
    d = _fill(models.mlp_discriminator(hidden_units=16), 11, scale=0.1)
    try:
        combined = answer(g, d)
    except AttributeError as exc:
        if "has no defined input" in str(exc):
            raise Failure(
                "generator.input does not exist for a Keras 3 Sequential model that was never "
                "called: this is the error the article's sample 1 stops with.",
                expected="a model built from a new input tensor", found=str(exc),
                hint="z = keras.Input(shape=(100,)); return keras.Model(z, discriminator("
                     "generator(z))).") from None
        raise
    except ValueError as exc:
        msg = str(exc)
        if "(None, 100)" in msg and "incompatible" in msg:
            raise Failure(
                "You fed the noise z to the discriminator, as the article's sample 1 does: D "
                "expects images of shape (28, 28, 1), not 100-vectors.",
                expected="discriminator(generator(z))", found="discriminator(z)",
                hint="The discriminator must judge the generator's images: D(G(z)).") from None
        raise
    if not isinstance(combined, keras.Model):
        raise Failure("build_combined must return a Keras model.", expected="a keras.Model",
                      found=type(combined).__name__)
    z = np.random.default_rng(3).standard_normal((5, 100)).astype(np.float32)
    out = np.asarray(combined(z, training=False))
    if out.shape == (5, 28, 28, 1):
        raise Failure("The combined model returns the generator's images, not D's verdict.",
                      expected="(5, 1): one logit per noise vector", found=str(out.shape),
                      hint="Pass the generated images through the discriminator.")
    if out.shape != (5, 1):
        raise Failure("The combined model's output has the wrong shape.", expected="(5, 1)",
                      found=str(out.shape))
    expected = np.asarray(d(g(z, training=False), training=False))
    close(out, expected, "The combined model's output",
          hint="Use the generator and discriminator you were given (no new layers, no copies): "
               "keras.Model(z, discriminator(generator(z))).")
    shared = {id(v) for v in combined.weights}
    if not (_ids(g) | _ids(d)) <= shared:
        raise Failure("The combined model does not share its weights with G and D.",
                      expected="the same weight objects", found="copies or new weights",
                      hint="Call the given models on a new input; do not clone them.")
    return "z -> G(z) -> D(G(z)): the discriminator judges images, and the weights are shared."


# --------------------------------------------------------------------------- 3. scale
@register("ch04.scale", "Scale 0..255 pixels to the range of the generator's output activation")
def _scale(answer):
    x = np.array([[0, 51, 127], [128, 204, 255]], dtype=np.uint8)
    targets = {"tanh": x.astype(np.float32) / 127.5 - 1.0, "sigmoid": x.astype(np.float32) / 255.0}
    for act, expected in targets.items():
        out = answer(x.copy(), act)
        as_array(out, f"scale(x, {act!r})")
        out = np.asarray(out)
        if out.shape != x.shape:
            raise Failure(tr("{call} must keep the shape.", call=f"scale(x, {act!r})"), expected=str(x.shape),
                          found=str(out.shape))
        other = "sigmoid" if act == "tanh" else "tanh"
        if np.allclose(out, targets[other], atol=1e-6):
            lo_hi = "[0, 1]" if act == "tanh" else "[-1, 1]"
            raise Failure(
                tr("For {act!r} you returned the range {lo_hi}, which is {other}'s. The article never "
                   "states its scaling: with a mismatch, D tells real from fake by range.", act=act, lo_hi=lo_hi, other=other),
                expected="[-1, 1]" if act == "tanh" else "[0, 1]", found=lo_hi,
                hint="tanh -> x / 127.5 - 1; sigmoid -> x / 255.")
        if np.allclose(out, x / 255.0 - 0.5, atol=1e-6):
            raise Failure(tr("For {act!r} your values lie in [-0.5, 0.5].", act=act),
                          expected="[-1, 1]" if act == "tanh" else "[0, 1]", found="[-0.5, 0.5]")
        close(out, expected, f"scale(x, {act!r})",
              hint="Compute in floating point: uint8 arithmetic wraps around at 256.")
        if out.dtype != np.float32:
            raise Failure("Return float32, the dtype the networks use.", expected="float32",
                          found=str(out.dtype), hint="Add .astype(np.float32).")
    try:
        answer(x.copy(), "relu")
    except ValueError:
        pass
    else:
        raise Failure(
            "scale(x, 'relu') returned something. There is no bounded range to match for an "
            "unknown activation, so the function should refuse: silent guesses are how the "
            "article's data-scaling bug happens.", expected="ValueError", found="a result",
            hint="raise ValueError(f'unknown activation {activation!r}: use tanh or sigmoid').")
    return "tanh -> [-1, 1], sigmoid -> [0, 1], anything else refused."


# --------------------------------------------------------------------------- 4. freezing
def _article_setup(seed=0):
    g, d = _tiny_models(seed)
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    d.compile(optimizer=_RecordingSGD(0.1), loss=bce)
    d.trainable = False  # the classic recipe: frozen between the two compiles
    z = keras.Input(shape=(_LATENT,))
    combined = keras.Model(z, d(g(z)))
    combined.compile(optimizer=_RecordingSGD(0.1), loss=bce)
    return g, d, combined


@register("ch04.freezing", "Freeze D for the generator's half-step in a way that works in Keras 3")
def _freezing(answer):
    g, d, combined = _article_setup()
    real, z = _tiny_batch(1)
    fake0 = np.asarray(g(z))
    d0, g0 = _weights(d), _weights(g)
    d_loss_before = _d_loss(d, real, fake0)
    optimizers = (d.optimizer, combined.optimizer)
    result = answer(g, d, combined, real, z)
    answer(g, d, combined, real, z)  # a second step: the traced functions are reused
    if d.optimizer is not optimizers[0] or combined.optimizer is not optimizers[1]:
        raise Failure(
            "Your step compiles a model again. compile() replaces the optimizer (and its "
            "state) and throws the traced train function away, so every step would start "
            "over and retrace: slow, and Adam would forget its moment estimates.",
            expected="compile once, then only set discriminator.trainable in the step",
            found="compile() called inside article_step",
            hint="Toggle the flag only: trainable = True before D's train_on_batch, False "
                 "before the combined model's.")
    if not isinstance(result, tuple | list) or len(result) != 3:
        raise Failure("article_step must return (d_loss_real, d_loss_fake, g_loss).",
                      expected="a tuple of 3 numbers", found=repr(result)[:80])
    for value, what in zip(result, ("d_loss_real", "d_loss_fake", "g_loss"), strict=True):
        _scalar(value, what)
    d_targets = _optimizer_targets(d.optimizer, d, g)
    g_targets = _optimizer_targets(combined.optimizer, d, g)
    if not _moved(d0, _weights(d)) or "D" not in d_targets:
        raise Failure(
            "D did not learn: its weights did not move at all. D's train function was traced "
            "while discriminator.trainable was False (the recipe leaves it False after "
            "compiling), so it had no trainable weights. This is the Keras 3 trap: the flag "
            "counts when a train function is first traced, not when the model is compiled.",
            expected="D's weights change in D's half-step", found="max change 0.0",
            hint="Set discriminator.trainable = True right before discriminator.train_on_batch.")
    if "D" in g_targets:
        raise Failure(
            "D was trainable when the combined model's train function was traced, so the "
            "generator's half-step also trained D, towards calling the fakes real (the "
            "article's bug: D is never frozen).",
            expected="the combined model updates G only", found=tr("it updates {g_targets}", g_targets=g_targets),
            hint="Set discriminator.trainable = False right before combined.train_on_batch.")
    if "G" not in g_targets or not _moved(g0, _weights(g)):
        raise Failure("G did not learn: the combined model never updated it.",
                      expected="G's weights change", found="unchanged",
                      hint="Call combined.train_on_batch(z, np.ones((len(z), 1))).")
    if _d_loss(d, real, fake0) >= d_loss_before:
        raise Failure("D got worse at telling real from fake: its labels look swapped.",
                      expected="real -> 1, fake -> 0", found="D's loss went up",
                      hint="train_on_batch(real, ones) and train_on_batch(fake, zeros).")
    _check_g_target(d, g, z, g0)
    return ("D learns in its half-step and only G learns in the combined model's: each train "
            "function was traced with the flag it needs.")


def _check_g_target(d, g, z, g0) -> None:
    """G's step lowered -log D(G(z)) for the same D: its target was "real"."""
    g_after = _weights(g)
    g_loss_new = _g_loss(d, g, z)
    for w, v in zip(g.weights, g0, strict=True):
        w.assign(v)
    g_loss_old = _g_loss(d, g, z)
    for w, v in zip(g.weights, g_after, strict=True):
        w.assign(v)
    if g_loss_new >= g_loss_old:
        raise Failure("G moved away from fooling D: its target looks wrong.",
                      expected="combined.train_on_batch(z, ones): fakes labelled real",
                      found="-log D(G(z)) went up", hint="The generator's target is 1.")


# --------------------------------------------------------------------------- 5. train_step
@register("ch04.train_step", "One GAN step with tf.GradientTape: update D, then G")
def _train_step(answer):
    g, d = _tiny_models(5)
    real, z = _tiny_batch(2)
    d_opt, g_opt = _RecordingSGD(0.05), _RecordingSGD(0.05)
    d0, g0 = _weights(d), _weights(g)
    fake0 = np.asarray(g(z))
    real_logits0, fake_logits0 = np.asarray(d(real)), np.asarray(d(fake0))
    d_loss_ref = _bce(real_logits0, 1.0) + _bce(fake_logits0, 0.0)
    result = answer(g, d, d_opt, g_opt, tf.constant(real), tf.constant(z))
    if not isinstance(result, tuple | list) or len(result) != 2:
        raise Failure("train_step must return (d_loss, g_loss).", expected="a tuple of 2 losses",
                      found=repr(result)[:80])
    d_loss, g_loss = _scalar(result[0], "d_loss"), _scalar(result[1], "g_loss")
    _check_step_targets(d_opt, g_opt, d, g, d0, g0)
    _check_step_d_loss(d_loss, d_loss_ref, real_logits0, fake_logits0)
    if _d_loss(d, real, fake0) >= d_loss_ref:
        raise Failure("D's update made it worse at telling real from fake.",
                      expected="D's loss goes down", found="it went up",
                      hint="Minimise d_loss (apply its gradient), with real -> 1 and fake -> 0.")
    _check_step_g_loss(g_loss, d, g, z, g0, fake_logits0)
    return "D then G, each updated by its own optimizer on its own weights; both losses finite."


def _check_step_targets(d_opt, g_opt, d, g, d0, g0) -> None:
    """Each optimizer updated its own network, and only that one."""
    d_t, g_t = _optimizer_targets(d_opt, d, g), _optimizer_targets(g_opt, d, g)
    if d_t == "G" and g_t == "D":
        raise Failure("The optimizers are swapped: d_optimizer updated G and g_optimizer D.",
                      expected="d_optimizer -> D, g_optimizer -> G", found="the reverse")
    if "D" not in d_t or not _moved(d0, _weights(d)):
        raise Failure("D was not updated.", expected="d_optimizer.apply_gradients on D's "
                      "gradients", found=tr("d_optimizer updated: {targets}", targets=d_t or tr('nothing')),
                      hint="grads = tape.gradient(d_loss, discriminator.trainable_weights)")
    if "G" in d_t:
        raise Failure("The discriminator's update also changed G.",
                      expected="d_optimizer updates D's weights only", found=tr("it updated {d_t}", d_t=d_t),
                      hint="Differentiate d_loss with respect to discriminator.trainable_weights.")
    if "D" in g_t:
        raise Failure(
            "The generator's update also changed D: D is not held fixed while G trains (the "
            "article's bug). With a GradientTape nothing needs freezing; just do not hand D's "
            "weights to the generator's optimizer.", expected="g_optimizer updates G only",
            found=tr("it updated {g_t}", g_t=g_t),
            hint="grads = tape.gradient(g_loss, generator.trainable_weights)")
    if "G" not in g_t or not _moved(g0, _weights(g)):
        raise Failure("G was not updated.", expected="g_optimizer.apply_gradients on G's "
                      "gradients", found=tr("g_optimizer updated: {targets}", targets=g_t or tr('nothing')))


def _check_step_d_loss(d_loss, d_loss_ref, real_logits0, fake_logits0) -> None:
    """``d_loss`` is the discriminator's cross-entropy before the update, labels not swapped."""
    swapped = _bce(real_logits0, 0.0) + _bce(fake_logits0, 1.0)
    if np.isclose(d_loss, swapped, rtol=1e-4) and not np.isclose(d_loss, d_loss_ref, rtol=1e-4):
        raise Failure("d_loss uses swapped labels (real -> 0, fake -> 1).",
                      expected=f"{d_loss_ref:.4f}", found=f"{d_loss:.4f}",
                      hint="cl.losses.discriminator_loss(real_logits, fake_logits)")
    if not (np.isclose(d_loss, d_loss_ref, rtol=1e-4) or np.isclose(d_loss, d_loss_ref / 2,
                                                                     rtol=1e-4)):
        raise Failure("d_loss is not the discriminator's cross-entropy at the start of the step.",
                      expected=tr("{d_loss_ref:.4f} (or its half, a mean over 2n)", d_loss_ref=d_loss_ref),
                      found=f"{d_loss:.4f}",
                      hint="BCE from logits: real labelled 1, G(z) labelled 0, before the update.")


def _check_step_g_loss(g_loss, d, g, z, g0, fake_logits0) -> None:
    """``g_loss`` is the non-saturating loss, and G moved towards fooling the updated D."""
    # G's loss with the updated D, at the old and the new G.
    g_new = _weights(g)
    for w, v in zip(g.weights, g0, strict=True):
        w.assign(v)
    fake_logits_mid = np.asarray(d(g(z)))
    g_loss_old = _bce(fake_logits_mid, 1.0)
    candidates_ns = [g_loss_old, _bce(fake_logits0, 1.0)]
    candidates_label0 = [_bce(fake_logits_mid, 0.0), _bce(fake_logits0, 0.0)]
    for w, v in zip(g.weights, g_new, strict=True):
        w.assign(v)
    g_loss_new = _g_loss(d, g, z)
    if any(np.isclose(g_loss, c, rtol=1e-4) for c in candidates_label0) or g_loss_new > g_loss_old:
        raise Failure("G was trained towards making D say 'fake'.",
                      expected="-log D(G(z)): the fakes labelled 1", found="label 0 or the "
                      "wrong sign", hint="cl.losses.generator_loss_non_saturating(fake_logits)")
    if not any(np.isclose(g_loss, c, rtol=1e-4) for c in candidates_ns):
        raise Failure("g_loss is not the non-saturating loss -log D(G(z)).",
                      expected=tr("{loss:.4f} (with the updated D)", loss=candidates_ns[0]),
                      found=f"{g_loss:.4f}",
                      hint="cl.losses.generator_loss_non_saturating(discriminator(generator(z)))")
