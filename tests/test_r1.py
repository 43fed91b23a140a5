"""The R1 penalty on a GAN's discriminator (chapter 5): the maths, the step, the run option.

R1 (Mescheder et al., 2018) adds gamma/2 E||grad_x D(x)||^2 at the real images to D's loss.
Checked against direct computations (a linear critic, whose gradient is its weight vector, and
a quadratic one, whose gradient is its input), then as one discriminator step against the same
step taken by hand, seeded and resumed exactly, refused where it does not belong (WGAN-GP), and
as ``TrainCatsConfig.r1_weight`` / ``train-cats --r1-weight``.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

import course_lib as cl
import course_lib.tools.cli as cli
from course_lib import losses
from course_lib.recipes import TrainCatsConfig

LATENT = 4


def _gan(r1_weight=2.0, seed=0, optimizer=None, loss="non_saturating"):
    g = cl.training.GAN(cl.models.mlp_generator(latent_dim=LATENT, hidden_units=8),
                        cl.models.mlp_discriminator(hidden_units=8), latent_dim=LATENT, seed=seed)
    make = optimizer or (lambda: keras.optimizers.Adam(1e-3, beta_1=0.5))
    g.compile(d_optimizer=make(), g_optimizer=make(), loss=loss, r1_weight=r1_weight)
    return g


def _weights(gan):
    return gan.generator.get_weights() + gan.discriminator.get_weights()


# ------------------------------------------------------------------ the penalty, as the maths
def test_r1_penalty_of_a_linear_critic_is_half_gamma_times_the_squared_slope():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(12, 1)).astype(np.float32)
    critic = lambda x: tf.reshape(x, (-1, 12)) @ w  # noqa: E731 - grad f(x) = w everywhere
    real = tf.constant(rng.normal(size=(5, 3, 4, 1)).astype(np.float32))
    penalty, scores = losses.r1_penalty(critic, real, 3.0)
    assert float(penalty) == pytest.approx(0.5 * 3.0 * float(np.sum(w ** 2)), rel=1e-5)
    # the scores it returns are the critic's at the real samples, for the caller's loss
    np.testing.assert_allclose(scores.numpy(), critic(real).numpy(), rtol=1e-6)
    assert float(losses.r1_penalty(critic, real, 0.0)[0]) == 0.0


def test_r1_penalty_is_the_mean_per_sample_squared_gradient_at_the_real_samples():
    # f(x) = ||x||^2 / 2 has gradient x: the penalty is gamma/2 mean ||x_i||^2
    rng = np.random.default_rng(1)
    real = tf.constant(rng.normal(size=(6, 3)).astype(np.float32))
    critic = lambda x: 0.5 * tf.reduce_sum(x ** 2, axis=1, keepdims=True)  # noqa: E731
    penalty, _ = losses.r1_penalty(critic, real, 10.0)
    expected = 5.0 * np.mean(np.sum(real.numpy() ** 2, axis=1))
    assert float(penalty) == pytest.approx(expected, rel=1e-5)
    # a mean over samples, not a sum: twice the samples, the same penalty
    doubled, _ = losses.r1_penalty(critic, tf.concat([real, real], 0), 10.0)
    assert float(doubled) == pytest.approx(expected, rel=1e-5)


# ------------------------------------------------------------------ R1 in the discriminator step
def test_a_discriminator_step_with_r1_descends_the_cross_entropy_plus_the_penalty():
    gamma, lr = 2.0, 0.5
    gan = _gan(gamma, optimizer=lambda: keras.optimizers.SGD(lr))
    real = tf.constant(cl.data.load_cats()[:8], tf.float32)
    disc = gan.discriminator
    before = [w.numpy() for w in disc.trainable_weights]
    state = gan.seed_generator.state.numpy()
    fake = gan.generator(gan._noise(8), training=True)  # the step's fakes: same noise state
    gan.seed_generator.state.assign(state)
    with tf.GradientTape() as tape:
        with tf.GradientTape() as inner:
            inner.watch(real)
            real_logits = disc(real, training=True)
            total = tf.reduce_sum(real_logits)
        grad_x = inner.gradient(total, real)
        penalty = 0.5 * gamma * tf.reduce_mean(tf.reduce_sum(grad_x ** 2, axis=[1, 2, 3]))
        expected_loss = losses.discriminator_loss(real_logits, disc(fake, training=True)) + penalty
    grads = tape.gradient(expected_loss, disc.trainable_weights)
    assert float(penalty) > 1e-4  # the penalty is not negligible here, so the check has teeth
    d_loss, _, _ = gan.d_step(real)
    assert float(d_loss) == pytest.approx(float(expected_loss), rel=1e-5)
    for w0, g, w1 in zip(before, grads, disc.trainable_weights, strict=True):
        np.testing.assert_allclose(w1.numpy(), w0 - lr * g.numpy(), rtol=1e-4, atol=1e-6)
    # without R1 the same step lands elsewhere: the penalty's gradient entered the update
    plain = _gan(0.0, optimizer=lambda: keras.optimizers.SGD(lr))
    for a, b in zip(plain.discriminator.weights, before, strict=True):
        a.assign(b)
    for a, b in zip(plain.generator.weights, gan.generator.weights, strict=True):
        a.assign(b)
    plain.seed_generator.state.assign(state)
    plain.d_step(real)
    assert not all(np.allclose(a.numpy(), b.numpy()) for a, b in
                   zip(plain.discriminator.trainable_weights, disc.trainable_weights,
                       strict=True))


def test_gan_runs_with_r1_are_seeded_and_resume_exactly(tmp_path):
    x = cl.data.load_cats()[:32]
    fit = dict(batch_size=8, verbose=0, shuffle=False)
    cl.set_seed(0)
    whole = _gan()
    history = whole.fit(x, epochs=4, **fit).history
    cl.set_seed(0)
    again = _gan()
    assert again.fit(x, epochs=4, **fit).history == history
    cl.set_seed(0)
    first = _gan()
    first.fit(x, epochs=2, callbacks=[cl.checkpoints.GANCheckpoint(tmp_path)], **fit)
    resumed = _gan(seed=99)  # other weights and noise: the checkpoint must bring back all
    assert cl.checkpoints.restore(resumed, tmp_path) == 2
    resumed.fit(x, epochs=4, initial_epoch=2, **fit)
    assert all(np.array_equal(a, b) for a, b in zip(_weights(whole), _weights(resumed),
                                                    strict=True))
    cl.set_seed(0)
    unpenalised = _gan(0.0).fit(x, epochs=4, **fit).history
    assert unpenalised["d_loss"] != pytest.approx(history["d_loss"], rel=1e-3)


def test_r1_weight_is_checked_and_refused_for_wgan_gp():
    with pytest.raises(ValueError, match="r1_weight must be a finite number >= 0"):
        _gan(-1.0)
    with pytest.raises(TypeError, match="r1_weight must be a number"):
        _gan("0.5")
    with pytest.raises(ValueError, match="loss='wgan-gp' already penalises"):
        _gan(0.5, loss="wgan-gp")
    assert _gan(0.0, loss="wgan-gp").r1_weight == 0.0
    assert _gan(1.0, loss="hinge").r1_weight == 1.0


def test_the_conditional_gan_penalises_its_discriminator_at_the_real_images_of_their_labels():
    from course_lib import conditional

    def build(r1_weight):
        cl.set_seed(0)  # no dropout: D's two calls on the real images score them alike
        gan = conditional.ConditionalGAN(
            conditional.conditional_generator(LATENT, width=4, num_classes=3),
            conditional.conditional_discriminator(width=4, num_classes=3, dropout=0.0),
            LATENT, num_classes=3, seed=0)
        gan.compile(d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
                    g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5), r1_weight=r1_weight)
        return gan

    real = tf.constant(cl.data.load_cats()[:6], tf.float32)
    labels = tf.constant([0, 1, 2, 0, 1, 2])
    with_r1, without = build(5.0), build(0.0)
    penalty, _ = losses.r1_penalty(
        lambda x: with_r1.discriminator([x, labels], training=True), real, 5.0)
    d_r1 = float(with_r1.d_step(real, labels)[0])
    d_plain = float(without.d_step(real, labels)[0])
    assert float(penalty) > 1e-4
    assert d_r1 == pytest.approx(d_plain + float(penalty), rel=1e-4)


# ------------------------------------------------------------------ the run option
def test_r1_weight_is_a_gan_run_option_fixed_on_resume():
    assert TrainCatsConfig().r1_weight == cl.recipes.DCGAN_DEFAULTS["r1_weight"]
    assert TrainCatsConfig(model="mlp").r1_weight == 0.0
    assert TrainCatsConfig(loss="wgan-gp").r1_weight == 0.0
    assert TrainCatsConfig(loss="hinge", r1_weight=1).r1_weight == 1.0
    assert TrainCatsConfig(r1_weight=0.25).r1_weight == 0.25
    assert TrainCatsConfig(model="vae").r1_weight is None
    with pytest.raises(ValueError, match="r1_weight does not apply to model 'vae'"):
        TrainCatsConfig(model="vae", r1_weight=0.5)
    with pytest.raises(ValueError, match="already penalises the critic's gradient"):
        TrainCatsConfig(loss="wgan-gp", r1_weight=0.5)
    gan = cl.recipes.build_model(TrainCatsConfig(width=4, r1_weight=0.75))
    assert gan.r1_weight == 0.75
    assert cl.recipes.build_model(TrainCatsConfig(width=4, r1_weight=0)).r1_weight == 0.0
    assert "r1_weight" in TrainCatsConfig.FIXED
    saved = {**TrainCatsConfig(r1_weight=0.5).to_dict(), "replicas": 1}
    assert TrainCatsConfig(r1_weight=0.1).resume_conflicts(saved) == {"r1_weight": (0.5, 0.1)}
    # a run saved before the option existed trained without R1
    old = {k: v for k, v in TrainCatsConfig(r1_weight=0.0).to_dict().items() if k != "r1_weight"}
    assert TrainCatsConfig(r1_weight=0.0).resume_conflicts(old) == {}
    assert TrainCatsConfig(r1_weight=0.5).resume_conflicts(old) == {"r1_weight": (0.0, 0.5)}


def test_cli_parses_r1_weight_and_rejects_a_negative_one_in_one_line(capsys):
    args = cli.build_parser().parse_args(["train-cats", "--out", "r", "--r1-weight", "0.5"])
    assert TrainCatsConfig(**cli.config_fields(args)).r1_weight == 0.5
    with pytest.raises(SystemExit) as info:
        cli.main(["train-cats", "--out", "r", "--r1-weight", "-1"])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("python -m course_lib train-cats: error:")
    assert "argument --r1-weight: --r1-weight must be a finite number >= 0, got -1.0" in err[-1]


def test_the_default_dcgan_run_trains_with_r1_for_400_epochs_and_the_mlp_keeps_its_recipe():
    default = TrainCatsConfig()
    assert (default.model, default.r1_weight, default.epochs) == ("dcgan", 0.5, 400)
    assert default.epochs == cl.recipes.DEFAULTS["epochs"]  # the run README and --help describe
    assert cl.recipes.build_model(TrainCatsConfig(width=4)).r1_weight == 0.5
    assert TrainCatsConfig(loss="minimax").r1_weight == 0.5  # the loss takes the family's
    mlp = TrainCatsConfig(model="mlp")
    assert (mlp.r1_weight, mlp.epochs) == (0.0, 500)
    # a run saved with the old default (no R1, 500 epochs) resumes only with its own R1
    old = {**TrainCatsConfig(r1_weight=0.0, epochs=500).to_dict(), "replicas": 1}
    assert TrainCatsConfig().resume_conflicts(old) == {"r1_weight": (0.0, 0.5)}
    assert TrainCatsConfig(r1_weight=0, epochs=500).resume_conflicts(old) == {}
