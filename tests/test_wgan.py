"""Issue 15.2: WGAN-GP and the hinge loss as games of ``cl.training.GAN`` (chapter 6).

The losses against direct computations (a linear critic, whose gradient is its weight vector,
and a quadratic one, whose gradient is its input), the loss names and their errors, the
critic, and the training contract every loss keeps: n_critic critic steps per generator
step, seeded, exact resume, the NaN guard; ``build_gan``, ``TrainCatsConfig`` and
``train-cats --loss``. The two-replica gradient is checked in test_mirrored.py.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

import course_lib as cl
import course_lib.tools.cli as cli
from course_lib import losses

LATENT = 4


def _gan(loss="wgan-gp", seed=0, n_critic=2, lr=1e-3):
    g = cl.training.GAN(cl.models.mlp_generator(latent_dim=LATENT, hidden_units=8),
                        cl.models.mlp_discriminator(hidden_units=8), latent_dim=LATENT, seed=seed)
    g.compile(d_optimizer=keras.optimizers.Adam(lr, beta_1=0.0, beta_2=0.9),
              g_optimizer=keras.optimizers.Adam(lr, beta_1=0.0, beta_2=0.9), loss=loss,
              n_critic=n_critic)
    return g


def _weights(gan):
    return gan.generator.get_weights() + gan.discriminator.get_weights()


# ------------------------------------------------------------------ the losses, as the maths
def test_gradient_penalty_of_a_linear_critic_is_lambda_times_norm_minus_one_squared():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(12, 1)).astype(np.float32)
    critic = lambda x: tf.reshape(x, (-1, 12)) @ w  # noqa: E731 - grad f(x) = w everywhere
    real, fake = rng.normal(size=(2, 5, 3, 4, 1)).astype(np.float32)
    alpha = rng.uniform(size=(5, 1, 1, 1)).astype(np.float32)
    got = float(losses.gradient_penalty(critic, real, fake, alpha, weight=10.0))
    assert got == pytest.approx(10.0 * (np.linalg.norm(w) - 1.0) ** 2, rel=1e-5)
    # a critic of unit slope pays nothing, and lambda scales the penalty
    unit = w / np.linalg.norm(w)
    assert float(losses.gradient_penalty(lambda x: tf.reshape(x, (-1, 12)) @ unit, real, fake,
                                         alpha)) == pytest.approx(0.0, abs=1e-5)
    assert float(losses.gradient_penalty(critic, real, fake, alpha, weight=1.0)) == (
        pytest.approx(got / 10.0, rel=1e-5))


def test_gradient_penalty_is_taken_per_sample_at_the_interpolates():
    # f(x) = ||x||^2 / 2 has gradient x: the penalty's norms are ||x_hat_i||
    rng = np.random.default_rng(1)
    real, fake = rng.normal(size=(2, 6, 3)).astype(np.float32)
    alpha = rng.uniform(size=(6, 1)).astype(np.float32)
    critic = lambda x: 0.5 * tf.reduce_sum(x ** 2, axis=1, keepdims=True)  # noqa: E731
    x_hat = alpha * real + (1 - alpha) * fake
    expected = 10.0 * np.mean((np.linalg.norm(x_hat, axis=1) - 1.0) ** 2)
    got = float(losses.gradient_penalty(critic, real, fake, alpha))
    assert got == pytest.approx(expected, rel=1e-5)
    # at the real samples (alpha = 1) or the fakes (alpha = 0) it is their norms instead
    at_real = float(losses.gradient_penalty(critic, real, fake, np.ones_like(alpha)))
    assert at_real == pytest.approx(10.0 * np.mean((np.linalg.norm(real, axis=1) - 1) ** 2),
                                    rel=1e-5)
    assert at_real != pytest.approx(got, rel=1e-3)


def test_wasserstein_and_hinge_losses_on_known_scores():
    real, fake = np.array([[2.0], [0.0], [1.0]]), np.array([[-1.0], [0.5], [-2.0]])
    # critic: E f(G(z)) - E f(x) = (-2.5 / 3) - (3 / 3)
    assert float(losses.wasserstein_critic_loss(real, fake)) == pytest.approx(-2.5 / 3 - 1.0)
    assert float(losses.wasserstein_generator_loss(fake)) == pytest.approx(2.5 / 3)
    # hinge: mean relu(1 - [2, 0, 1]) + mean relu(1 + [-1, 0.5, -2]) = 1/3 + 1.5/3
    assert float(losses.hinge_discriminator_loss(real, fake)) == pytest.approx(2.5 / 3)
    assert float(losses.hinge_generator_loss(fake)) == pytest.approx(2.5 / 3)
    assert set(losses.GAN_LOSSES) == {"non_saturating", "minimax", "wgan-gp", "hinge"}
    assert [k for k, v in losses.GAN_LOSSES.items() if v.penalised] == ["wgan-gp"]


# ------------------------------------------------------------------ names and their errors
def test_loss_names_are_validated_with_clear_errors():
    with pytest.raises(ValueError, match=r"unknown loss 'wgan'. Expected one of \['hinge', "
                                         r"'minimax', 'non_saturating', 'wgan-gp'\]"):
        _gan(loss="wgan")
    with pytest.raises(TypeError, match="loss must be a name"):
        _gan(loss=losses.wasserstein_critic_loss)
    gan = _gan(loss=None)
    with pytest.raises(ValueError, match="loss='wgan-gp' and generator_loss='minimax' disagree"):
        gan.compile(d_optimizer=keras.optimizers.Adam(), g_optimizer=keras.optimizers.Adam(),
                    loss="wgan-gp", generator_loss="minimax")
    with pytest.raises(ValueError, match="label_smoothing=0.1 softens cross-entropy targets"):
        gan.compile(d_optimizer=keras.optimizers.Adam(), g_optimizer=keras.optimizers.Adam(),
                    loss="wgan-gp", label_smoothing=0.1)
    with pytest.raises(ValueError, match="n_critic"):
        _gan(n_critic=0)


def test_chapter_three_generator_loss_still_names_the_game():
    gan = _gan(loss=None)
    assert gan.loss_name == gan.generator_loss_name == "non_saturating" and not gan.game.penalised
    gan.compile(d_optimizer=keras.optimizers.Adam(), g_optimizer=keras.optimizers.Adam(),
                generator_loss="minimax")
    assert gan.loss_name == "minimax" and gan.n_critic == 1
    with pytest.raises(ValueError, match="unknown generator_loss 'wgan-gp'"):
        gan.compile(d_optimizer=keras.optimizers.Adam(), g_optimizer=keras.optimizers.Adam(),
                    generator_loss="wgan-gp")


def test_critic_has_no_batch_norm_and_no_dropout():
    for norm in (None, "layer", "spectral"):
        critic = cl.models.dcgan_critic(width=4, norm=norm)
        kinds = {type(layer).__name__ for layer in critic.layers}
        assert not kinds & {"BatchNormalization", "Dropout"}, norm
        assert critic(np.zeros((2, 28, 28, 1), np.float32)).shape == (2, 1)
    assert "LayerNormalization" in {type(x).__name__ for x in cl.models.dcgan_critic(4, "layer").layers}
    with pytest.raises(ValueError, match="unknown norm 'batch'"):
        cl.models.dcgan_critic(norm="batch")


# ------------------------------------------------------------------ the training contract
@pytest.mark.parametrize("loss", sorted(losses.GAN_LOSSES))
def test_every_loss_trains_its_networks_with_finite_losses(loss):
    gan = _gan(loss=loss, n_critic=1)
    kernels = lambda: [gan.generator.get_weights()[0], gan.discriminator.get_weights()[0]]  # noqa: E731
    before = kernels()
    history = gan.fit(cl.data.load_cats()[:16], batch_size=8, epochs=1, verbose=0).history
    assert all(np.isfinite(v[-1]) for v in history.values()), history
    assert all(not np.array_equal(a, b) for a, b in zip(before, kernels(), strict=True))


def test_n_critic_critic_steps_per_generator_step():
    gan = _gan(n_critic=3)
    gan.fit(cl.data.load_cats()[:32], batch_size=8, epochs=1, verbose=0)
    assert int(gan.g_optimizer.iterations) == 4 and int(gan.d_optimizer.iterations) == 12


def test_wgan_gp_steps_are_seeded_and_the_penalty_enters_the_critic_loss():
    x = cl.data.load_cats()[:32]
    runs = []
    for _ in range(2):
        cl.set_seed(0)
        gan = _gan()
        runs.append((gan.fit(x, batch_size=8, epochs=2, verbose=0, shuffle=False).history,
                     _weights(gan)))
    assert runs[0][0] == runs[1][0]
    assert all(np.array_equal(a, b) for a, b in zip(runs[0][1], runs[1][1], strict=True))
    cl.set_seed(0)
    unpenalised = _gan()
    unpenalised.gp_weight = 1e-12  # the same game with (almost) no penalty
    other = unpenalised.fit(x, batch_size=8, epochs=2, verbose=0, shuffle=False).history
    assert other["d_loss"] != pytest.approx(runs[0][0]["d_loss"], rel=1e-3)


def test_wgan_gp_resumes_exactly_from_a_checkpoint(tmp_path):
    x = cl.data.load_cats()[:32]
    fit = dict(batch_size=8, verbose=0, shuffle=False)
    cl.set_seed(0)
    whole = _gan()
    whole.fit(x, epochs=4, **fit)
    cl.set_seed(0)
    first = _gan()
    first.fit(x, epochs=2, callbacks=[cl.checkpoints.GANCheckpoint(tmp_path)], **fit)
    resumed = _gan(seed=99)  # other weights and noise: the checkpoint must bring back all
    assert cl.checkpoints.restore(resumed, tmp_path) == 2
    assert int(resumed.d_optimizer.iterations) == 2 * int(resumed.g_optimizer.iterations) == 16
    resumed.fit(x, epochs=4, initial_epoch=2, **fit)
    assert all(np.array_equal(a, b) for a, b in zip(_weights(whole), _weights(resumed),
                                                    strict=True))


def test_nan_guard_stops_a_wgan_gp_run():
    x = cl.data.load_cats()[:16].reshape(2, 8, 28, 28, 1).copy()
    x[-1, 0, 0, 0, 0] = np.nan
    gan = _gan()
    with pytest.raises(cl.training.TrainingDivergedError, match="Training diverged.*d_loss"):
        gan.fit(tf.data.Dataset.from_tensor_slices(x), epochs=1, verbose=0, shuffle=False)
    assert gan.diverged_at == (0, 1)


# ------------------------------------------------------------------ recipes and command line
def test_build_gan_picks_the_critic_optimizers_and_n_critic_of_the_loss():
    gan = cl.recipes.build_gan("dcgan", width=4, loss="wgan-gp")
    recipe = cl.recipes.LOSSES["wgan-gp"]
    assert gan.discriminator.name == "dcgan_critic" and gan.loss_name == "wgan-gp"
    assert gan.n_critic == recipe["n_critic"] and gan.gp_weight == 10.0
    for opt in (gan.d_optimizer, gan.g_optimizer):
        assert (float(opt.beta_1), float(opt.beta_2)) == (0.0, 0.9)
        assert float(opt.learning_rate) == pytest.approx(recipe["learning_rate"])
    plain = cl.recipes.build_gan("dcgan", width=4)
    assert plain.discriminator.name == "dcgan_discriminator" and float(plain.d_optimizer.beta_1) == 0.5
    hinge = cl.recipes.build_gan("dcgan", width=4, loss="hinge", n_critic=2)
    assert any(type(x).__name__ == "SpectralNormalization" for x in hinge.discriminator.layers)
    assert hinge.n_critic == 2
    mlp_hinge = cl.recipes.build_gan("mlp", loss="hinge")  # the MLP's critic is normalised too
    assert [type(x).__name__ for x in mlp_hinge.discriminator.layers].count(
        "SpectralNormalization") == 2
    assert "SpectralNormalization" not in {
        type(x).__name__ for x in cl.recipes.build_gan("mlp", loss="wgan-gp").discriminator.layers}
    with pytest.raises(ValueError, match="unknown norm 'layer'"):
        cl.models.mlp_discriminator(norm="layer")
    with pytest.raises(ValueError, match="Unknown loss 'wgan'. Expected one of"):
        cl.recipes.build_gan("mlp", loss="wgan")


def test_train_cats_config_takes_the_loss_defaults_and_fixes_the_loss_for_resume():
    config = cl.recipes.TrainCatsConfig(loss="wgan-gp")
    recipe = cl.recipes.LOSSES["wgan-gp"]
    assert (config.epochs, config.learning_rate, config.n_critic) == (
        recipe["epochs"], recipe["learning_rate"], recipe["n_critic"])
    assert cl.recipes.TrainCatsConfig(loss="wgan-gp", epochs=3, n_critic=3).n_critic == 3
    saved = {**cl.recipes.TrainCatsConfig().to_dict(), "replicas": 1}
    five = cl.recipes.TrainCatsConfig(loss="wgan-gp", n_critic=5)
    # the critic's recipe trains both networks at one rate, without R1; it has no dropout
    assert five.resume_conflicts(saved) == {"loss": ("non_saturating", "wgan-gp"),
                                            "n_critic": (1, 5), "generator_lr_ratio": (2.0, 1.0),
                                            "r1_weight": (0.5, 0.0)}
    old_run = {k: v for k, v in saved.items() if k not in ("loss", "n_critic")}
    assert cl.recipes.TrainCatsConfig().resume_conflicts(old_run) == {}
    with pytest.raises(ValueError, match="Unknown loss"):
        cl.recipes.TrainCatsConfig(loss="wasserstein")


def test_cli_parses_loss_and_n_critic():
    assert cli.LOSS_NAMES == tuple(cl.recipes.LOSSES)
    args = cli.build_parser().parse_args(["train-cats", "--out", "r", "--loss", "wgan-gp",
                                          "--n-critic", "2"])
    config = cl.recipes.TrainCatsConfig(**cli.config_fields(args))
    assert (config.loss, config.n_critic) == ("wgan-gp", 2)
    args = cli.build_parser().parse_args(["train-cats", "--out", "r", "--discriminator-width",
                                          "24"])
    assert cl.recipes.TrainCatsConfig(**cli.config_fields(args)).discriminator_width == 24


@pytest.mark.parametrize("argv, message", [
    (["--loss", "wgan"], "argument --loss: invalid choice: 'wgan'"),
    (["--n-critic", "0"], "argument --n-critic: --n-critic must be >= 1, got 0"),
    (["--discriminator-width", "0"],
     "argument --discriminator-width: --discriminator-width must be >= 1, got 0"),
])
def test_cli_rejects_a_bad_loss_in_one_line(capsys, argv, message):
    with pytest.raises(SystemExit) as info:
        cli.main(["train-cats", "--out", "r", *argv])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert message in err[-1] and err[-1].startswith("python -m course_lib train-cats: error:")


def test_js_divergence_is_stuck_at_log_2_for_disjoint_supports():
    p = np.zeros(20)
    p[:4] = 0.25
    for shift in (4, 8, 16):  # no overlap, however far: log 2
        assert losses.np_js_divergence(p, np.roll(p, shift)) == pytest.approx(np.log(2))
    half = losses.np_js_divergence(p, np.roll(p, 2))  # half the mass overlaps: below log 2
    assert 0 < half < np.log(2) and losses.np_js_divergence(np.roll(p, 2), p) == pytest.approx(half)
    assert losses.np_js_divergence(p, p) == pytest.approx(0.0, abs=1e-12)
