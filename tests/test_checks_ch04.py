"""Chapter 4 checks: the reference solutions pass, the article's mistakes fail with their name."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers

import course_lib as cl


def check(exercise, fn):
    return cl.checks.check(f"ch04.{exercise}", fn)


def _failed(result, *fragments):
    assert result.passed is False, result.text()
    text = result.text()
    for fragment in fragments:
        assert fragment in text, text


# ------------------------------------------------------------------ references
def build_generator(latent_dim=100):
    return keras.Sequential([
        keras.Input(shape=(latent_dim,)),
        layers.Dense(128, activation="relu"),
        layers.Dense(784, activation="tanh"),
        layers.Reshape((28, 28, 1)),
    ])


def build_combined(generator, discriminator):
    z = keras.Input(shape=(generator.input_shape[-1],))
    return keras.Model(z, discriminator(generator(z)))


def scale(pixels, activation):
    x = np.asarray(pixels, dtype=np.float32)
    if activation == "tanh":
        return (x / 127.5 - 1.0).astype(np.float32)
    if activation == "sigmoid":
        return (x / 255.0).astype(np.float32)
    raise ValueError(f"unknown activation {activation!r}")


def article_step(generator, discriminator, combined, real, z, *, freeze_d=True, unfreeze_d=True,
                 recompile=False, d_labels=(1, 0), g_label=1):
    n = len(real)
    fake = np.asarray(generator(z, training=False))
    if unfreeze_d:
        discriminator.trainable = True
    if recompile:
        discriminator.compile(optimizer="sgd", loss="binary_crossentropy")
    r = discriminator.train_on_batch(real, np.full((n, 1), d_labels[0], np.float32))
    f = discriminator.train_on_batch(fake, np.full((n, 1), d_labels[1], np.float32))
    if freeze_d:
        discriminator.trainable = False
    g = combined.train_on_batch(z, np.full((n, 1), g_label, np.float32))
    return r, f, g


def train_step(generator, discriminator, d_optimizer, g_optimizer, real, z, *, mistake=None):
    with tf.GradientTape() as tape:
        real_logits = discriminator(real, training=True)
        fake_logits = discriminator(generator(z, training=True), training=True)
        if mistake == "swapped_d_labels":
            d_loss = cl.losses.discriminator_loss(fake_logits, real_logits)
        else:
            d_loss = cl.losses.discriminator_loss(real_logits, fake_logits)
        if mistake == "mean_d_loss":
            d_loss = d_loss / 2.0
    d_vars = discriminator.trainable_weights
    if mistake != "no_d_update":
        grads = tape.gradient(d_loss, d_vars)
        opt = g_optimizer if mistake == "swapped_optimizers" else d_optimizer
        opt.apply_gradients(zip(grads, d_vars, strict=True))
    with tf.GradientTape() as tape:
        fake_logits = discriminator(generator(z, training=True), training=True)
        if mistake == "g_label_0":
            g_loss = cl.losses.binary_cross_entropy_from_logits(tf.zeros_like(fake_logits),
                                                                fake_logits)
        elif mistake == "minimax":
            g_loss = cl.losses.generator_loss_minimax(fake_logits)
        else:
            g_loss = cl.losses.generator_loss_non_saturating(fake_logits)
    g_vars = list(generator.trainable_weights)
    if mistake == "d_not_frozen":
        g_vars += list(discriminator.trainable_weights)
    grads = tape.gradient(g_loss, g_vars)
    opt = d_optimizer if mistake == "swapped_optimizers" else g_optimizer
    opt.apply_gradients(zip(grads, g_vars, strict=True))
    return d_loss, g_loss


def _not_attempted(*args, **kwargs):
    raise NotImplementedError()


@pytest.mark.parametrize("exercise", ["generator", "combined", "scale", "freezing", "train_step"])
def test_unattempted_is_not_attempted(exercise):
    assert check(exercise, _not_attempted).passed is None


def test_references_pass():
    for exercise, fn in [("generator", build_generator), ("combined", build_combined),
                         ("scale", scale), ("freezing", article_step),
                         ("train_step", train_step)]:
        result = check(exercise, fn)
        assert result.passed is True, result.text()


# ------------------------------------------------------------------ generator
def _gen(last_activation="tanh", reshape=(28, 28, 1), flatten=False, fixed_latent=None):
    def build(latent_dim=100):
        stack = [keras.Input(shape=(fixed_latent or latent_dim,)),
                 layers.Dense(128, activation="relu")]
        if flatten:
            stack.append(layers.Flatten())
        stack.append(layers.Dense(784, activation=last_activation))
        if reshape:
            stack.append(layers.Reshape(reshape))
        return keras.Sequential(stack)
    return build


def test_generator_without_reshape_is_the_articles_784_bug():
    _failed(check("generator", _gen(reshape=None)), "784", "Reshape((28, 28, 1))")


def test_generator_without_channel_axis():
    _failed(check("generator", _gen(reshape=(28, 28))), "channel axis")


def test_generator_with_sigmoid_output_mismatches_the_data():
    _failed(check("generator", _gen("sigmoid")), "sigmoid", "[-1, 1]", "brightness")


def test_generator_with_linear_output_is_unbounded():
    _failed(check("generator", _gen(None)), "not bounded", "tanh")


def test_generator_with_hard_coded_latent_dim():
    _failed(check("generator", _gen(fixed_latent=100)), "ignores its latent_dim")


def test_generator_with_the_articles_flatten_passes_with_a_note():
    result = check("generator", _gen(flatten=True))
    assert result.passed is True and "no-op" in result.message


def test_generator_that_is_not_a_model():
    _failed(check("generator", lambda latent_dim=100: "generator"), "Keras model")


# ------------------------------------------------------------------ combined
def test_combined_with_generator_input_fails_like_sample_1():
    def combined(generator, discriminator):
        return keras.Model(generator.input, discriminator(generator.input))
    _failed(check("combined", combined), "has no defined input", "sample 1")


def test_combined_that_feeds_noise_to_d():
    def combined(generator, discriminator):
        z = keras.Input(shape=(100,))
        return keras.Model(z, discriminator(z))
    _failed(check("combined", combined), "fed the noise", "D(G(z))")


def test_combined_that_forgets_d():
    def combined(generator, discriminator):
        z = keras.Input(shape=(100,))
        return keras.Model(z, generator(z))
    _failed(check("combined", combined), "generator's images, not D's verdict")


def test_combined_with_a_new_discriminator():
    def combined(generator, discriminator):
        z = keras.Input(shape=(100,))
        return keras.Model(z, cl.models.mlp_discriminator(16)(generator(z)))
    _failed(check("combined", combined), "wrong values", "no copies")


def test_combined_as_sequential_passes():
    assert check("combined", lambda g, d: keras.Sequential([g, d])).passed is True


# ------------------------------------------------------------------ scale
def test_scale_with_sigmoid_range_for_tanh():
    _failed(check("scale", lambda x, act: np.asarray(x, np.float32) / 255.0), "which is sigmoid's")


def test_scale_ignoring_the_activation():
    _failed(check("scale", lambda x, act: np.asarray(x, np.float32) / 127.5 - 1.0),
            "For 'sigmoid'", "which is tanh's")


def test_scale_centred_but_not_stretched():
    _failed(check("scale", lambda x, act: np.asarray(x, np.float32) / 255.0 - 0.5),
            "[-0.5, 0.5]")


def test_scale_in_float64():
    def f(x, act):
        out = scale(x, act)
        return out.astype(np.float64)
    _failed(check("scale", f), "float32")


def test_scale_guessing_for_unknown_activations():
    def f(x, act):
        return scale(x, "sigmoid" if act == "sigmoid" else "tanh")
    _failed(check("scale", f), "ValueError", "relu")


# ------------------------------------------------------------------ freezing
def test_freezing_with_the_classic_recipe_hits_the_keras3_trap():
    def classic(g, d, c, real, z):  # never toggles: D stays frozen as compiled
        return article_step(g, d, c, real, z, freeze_d=False, unfreeze_d=False)
    _failed(check("freezing", classic), "D did not learn", "max change 0.0", "traced")


def test_freezing_that_never_freezes_d_is_the_articles_bug():
    def never(g, d, c, real, z):
        return article_step(g, d, c, real, z, freeze_d=False)
    _failed(check("freezing", never), "also trained D", "trainable = False")


def test_freezing_by_recompiling_every_step():
    def recompile(g, d, c, real, z):
        return article_step(g, d, c, real, z, recompile=True)
    _failed(check("freezing", recompile), "compiles a model again")


def test_freezing_with_swapped_d_labels():
    def swapped(g, d, c, real, z):
        return article_step(g, d, c, real, z, d_labels=(0, 1))
    _failed(check("freezing", swapped), "labels look swapped")


def test_freezing_with_fakes_labelled_fake_for_g():
    def g_zero(g, d, c, real, z):
        return article_step(g, d, c, real, z, g_label=0)
    _failed(check("freezing", g_zero), "target looks wrong")


# ------------------------------------------------------------------ train_step
@pytest.mark.parametrize("mistake, fragments", [
    ("d_not_frozen", ("also changed D", "generator.trainable_weights")),
    ("no_d_update", ("D was not updated",)),
    ("swapped_optimizers", ("optimizers are swapped",)),
    ("swapped_d_labels", ("swapped labels",)),
    ("g_label_0", ("making D say 'fake'",)),
    ("minimax", ("not the non-saturating loss",)),
])
def test_train_step_mistakes(mistake, fragments):
    def step(*args):
        return train_step(*args, mistake=mistake)
    _failed(check("train_step", step), *fragments)


def test_train_step_with_mean_d_loss_passes():
    def step(*args):
        return train_step(*args, mistake="mean_d_loss")
    assert check("train_step", step).passed is True


def test_train_step_returning_nan_fails():
    def step(*args):
        train_step(*args)
        return float("nan"), 1.0
    _failed(check("train_step", step), "not finite")


def test_scale_unlisted_mistake_gets_the_general_diagnosis():
    def by_127(pixels, activation):
        if activation not in ("tanh", "sigmoid"):
            raise ValueError(activation)
        x = np.asarray(pixels, np.float32)
        return (x / 127.0 - 1.0 if activation == "tanh" else x / 255.0).astype(np.float32)

    _failed(check("scale", by_127), "linear function of the expected values")


def test_generator_with_a_rescaled_sigmoid_passes_and_nan_weights_fail():
    def rescaled(latent_dim=100):
        return keras.Sequential([keras.Input(shape=(latent_dim,)),
                                 keras.layers.Dense(128, activation="relu"),
                                 keras.layers.Dense(784, activation="sigmoid"),
                                 keras.layers.Rescaling(2.0, offset=-1.0),
                                 keras.layers.Reshape((28, 28, 1))])

    assert check("generator", rescaled).passed is True

    def nan_weights(latent_dim=100):
        model = rescaled(latent_dim)
        model.layers[0].kernel.assign(np.full(model.layers[0].kernel.shape, np.nan, np.float32))
        return model

    _failed(check("generator", nan_weights), "NaN")
