"""The GAN model and its callbacks: what each half-step updates, the noise, the NaN guard
(issue 7.2: a loss that becomes NaN stops training and keeps the last good checkpoint)."""

from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

import course_lib as cl

LATENT = 4


def _gan(seed=0, augment=None, lr=1e-3, ema_decay=None):
    g = cl.training.GAN(cl.models.mlp_generator(latent_dim=LATENT, hidden_units=8),
                        cl.models.mlp_discriminator(hidden_units=8), latent_dim=LATENT,
                        seed=seed, augment=augment, ema_decay=ema_decay)
    g.compile(d_optimizer=keras.optimizers.Adam(lr), g_optimizer=keras.optimizers.Adam(lr))
    return g


def _snapshot(model):
    return [w.copy() for w in model.get_weights()]


def _changed(before, model):
    return any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))


def test_each_half_step_updates_only_its_own_network():
    gan = _gan()
    real = tf.constant(cl.data.load_cats()[:8])
    g0, d0 = _snapshot(gan.generator), _snapshot(gan.discriminator)
    d_loss, acc_real, acc_fake = gan.d_step(real)
    assert _changed(d0, gan.discriminator) and not _changed(g0, gan.generator)
    assert np.isfinite(float(d_loss)) and 0 <= float(acc_real) <= 1 and 0 <= float(acc_fake) <= 1
    g1, d1 = _snapshot(gan.generator), _snapshot(gan.discriminator)
    g_loss = gan.g_step(8)
    assert _changed(g1, gan.generator) and not _changed(d1, gan.discriminator)
    assert np.isfinite(float(g_loss))


def test_optimizers_are_built_at_compile_time():
    gan = _gan()
    assert gan.d_optimizer.built and gan.g_optimizer.built
    assert int(gan.d_optimizer.iterations.numpy()) == 0


def test_noise_comes_from_the_seed_generator_and_advances():
    a, b = _gan(seed=5), _gan(seed=5)
    za, zb = a._noise(3).numpy(), b._noise(3).numpy()
    np.testing.assert_array_equal(za, zb)  # same seed, same noise
    ref = keras.random.normal((3, LATENT), seed=keras.random.SeedGenerator(5)).numpy()
    np.testing.assert_array_equal(za, ref)  # exactly Keras' own draw on one device
    assert not np.array_equal(a._noise(3).numpy(), za)  # the state moved on
    assert cl.training.GAN._share(8) is None  # one replica: the loss is not rescaled


def test_fit_reports_the_four_metrics_and_is_repeatable():
    x = cl.data.load_cats()[:64]
    runs = []
    for _ in range(2):
        cl.set_seed(1)
        hist = _gan(seed=1).fit(x, batch_size=16, epochs=2, shuffle=False, verbose=0).history
        runs.append(hist)
    assert set(runs[0]) == {"d_loss", "g_loss", "d_acc_real", "d_acc_fake"}
    assert all(len(v) == 2 and np.all(np.isfinite(v)) for v in runs[0].values())
    assert runs[0] == runs[1]


def test_augment_is_applied_to_real_and_fake_alike():
    seen = []

    def blank(images):
        seen.append(images.shape)
        return tf.ones_like(images)

    gan = _gan(augment=blank)
    _, acc_real, acc_fake = gan.d_step(tf.constant(cl.data.load_cats()[:8]))
    assert len(seen) == 2  # real and fake both passed through augment
    # D saw identical (blank) images, so exactly one side is "right" for every sample
    assert float(acc_real) + float(acc_fake) == pytest.approx(1.0)


def test_generate_is_seeded_and_batched():
    gan = _gan()
    a = gan.generate(7, seed=3)
    assert a.shape == (7, 28, 28, 1) and a.dtype == np.float32 and np.abs(a).max() <= 1
    np.testing.assert_array_equal(a, gan.generate(7, seed=3))
    np.testing.assert_array_equal(a, gan.generate(z=cl.training.latent_batch(7, LATENT, 3)))
    np.testing.assert_allclose(a, gan.generate(7, seed=3, batch_size=2), atol=1e-6)
    assert not np.array_equal(a, gan.generate(7, seed=4))


def test_ema_generator_follows_the_warmed_up_average_and_generate_uses_it():
    gan = _gan(ema_decay=0.9, lr=1e-2)
    start = _snapshot(gan.generator)
    np.testing.assert_array_equal(np.concatenate([w.ravel() for w in start]), np.concatenate(
        [w.ravel() for w in gan.ema_generator.get_weights()]))  # it starts as a copy
    x = cl.data.load_cats()[:32]
    gan.fit(x, batch_size=16, epochs=1, steps_per_epoch=1, shuffle=False, verbose=0)
    decay = min(0.9, 2 / 11)  # after generator step t = 1 the warm-up's decay is 2/11
    for avg, w0, w1 in zip(gan.ema_generator.get_weights(), start, gan.generator.get_weights(),
                           strict=True):
        np.testing.assert_allclose(avg, decay * w0 + (1 - decay) * w1, rtol=1e-5, atol=1e-7)
    gan.fit(x, batch_size=16, epochs=3, shuffle=False, verbose=0)
    z = cl.training.latent_batch(5, LATENT, 0)
    np.testing.assert_array_equal(gan.generate(z=z), gan.ema_generator(z).numpy())
    assert not np.allclose(gan.generate(z=z), gan.generator(z).numpy())
    assert not gan.ema_generator.trainable_weights  # nothing trains it
    assert "ema_generator" in gan.checkpoint_items()
    assert gan.count_params() == gan.generator.count_params() + gan.discriminator.count_params()


def test_a_seeded_diffaugment_is_in_the_checkpoint_so_a_resumed_run_draws_the_same():
    gan = _gan(augment=cl.augment.DiffAugment(seed=3))
    state = gan.checkpoint_items()["augment_seed_state"]
    assert state is gan.augment.seed_generator.state
    assert "augment_seed_state" not in _gan().checkpoint_items()


def test_a_gan_without_ema_decay_has_no_average_and_a_bad_decay_is_refused():
    for off in (None, 0, 0.0):
        gan = _gan(ema_decay=off)
        assert gan.ema_generator is None and "ema_generator" not in gan.checkpoint_items()
    with pytest.raises(ValueError, match=r"ema_decay must be in \[0, 1\)"):
        _gan(ema_decay=1.0)
    with pytest.raises(TypeError, match="ema_decay must be a number"):
        _gan(ema_decay="0.999")


def test_sample_grid_and_progress_bar(tmp_path):
    gan = _gan()
    grid = cl.training.SampleGrid(num_samples=4, every=2, directory=tmp_path / "grids")
    bar = cl.training.ProgressBar(leave=False)
    gan.fit(cl.data.load_cats()[:32], batch_size=16, epochs=4, verbose=0,
            callbacks=[grid, bar])
    assert [e for e, _ in grid.grids] == [2, 4]
    assert grid.grids[0][1].shape == (4, 28, 28, 1)
    assert sorted(p.name for p in (tmp_path / "grids").iterdir()) == ["epoch_0002.png",
                                                                      "epoch_0004.png"]
    assert bar.bar.n == 4 * 2  # every batch counted


def test_progress_bar_counts_only_the_epochs_a_resumed_fit_runs():
    bar = cl.training.ProgressBar(leave=False)
    _gan().fit(cl.data.load_cats()[:32], batch_size=16, epochs=5, initial_epoch=3, verbose=0,
               callbacks=[bar])
    assert bar.bar.total == 2 * 2 and bar.bar.n == 2 * 2


def test_progress_bar_leaves_a_text_line_with_the_final_losses(capsys):
    gan = _gan()
    gan.fit(cl.data.load_cats()[:32], batch_size=16, epochs=2, verbose=0,
            callbacks=[cl.training.ProgressBar(desc="smoke", leave=False)])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("smoke: 4 batches done; ")
    assert "d_loss" in last and "g_loss" in last


def _nan_in_epoch_two(steps=2):
    """Batches for two epochs of ``steps`` batches each; the last batch holds a NaN pixel."""
    x = cl.data.load_cats()[: 2 * steps * 8].reshape(2 * steps, 8, 28, 28, 1).copy()
    x[-1, 0, 0, 0, 0] = np.nan
    return tf.data.Dataset.from_tensor_slices(x)


def test_nan_loss_stops_training_and_keeps_the_last_good_checkpoint(tmp_path):
    gan = _gan()
    ckpt = tmp_path / "ckpt"
    with pytest.raises(cl.training.TrainingDivergedError) as info:
        gan.fit(_nan_in_epoch_two(), epochs=2, steps_per_epoch=2, verbose=0, shuffle=False,
                callbacks=[cl.checkpoints.GANCheckpoint(ckpt)])
    assert isinstance(info.value, ValueError)
    msg = str(info.value)
    assert "Training diverged" in msg and "epoch 2, batch 2" in msg and "d_loss" in msg
    assert "last good one is kept" in msg and "lower the learning rates" in msg
    assert cl.checkpoints.latest_epoch(ckpt) == 1
    # the diverged weights are NaN; the checkpoint brings back the finite epoch-1 state
    fresh = _gan()
    assert cl.checkpoints.restore(fresh, ckpt) == 1
    assert all(np.all(np.isfinite(w)) for w in fresh.generator.get_weights()
               + fresh.discriminator.get_weights())
    # and the run continues: a new fit saves checkpoints again
    fresh.fit(cl.data.load_cats()[:16], batch_size=8, epochs=2, initial_epoch=1, verbose=0,
              callbacks=[cl.checkpoints.GANCheckpoint(ckpt)])
    assert cl.checkpoints.latest_epoch(ckpt) == 2


def test_a_checkpoint_every_k_epochs_also_keeps_each_fits_first_and_last_epoch(tmp_path):
    gan, cats = _gan(), cl.data.load_cats()[:16]
    every = cl.checkpoints.RunCheckpoint(tmp_path, every=3, max_to_keep=10)
    gan.fit(cats, batch_size=8, epochs=7, verbose=0, callbacks=[every])
    assert [Path(p).name for p in every.saved] == ["gan-1", "gan-3", "gan-6", "gan-7"]
    # a resumed fit: its first epoch, the multiples of 3, its last
    gan.fit(cats, batch_size=8, epochs=13, initial_epoch=7, verbose=0, callbacks=[every])
    assert [Path(p).name for p in every.saved[4:]] == ["gan-8", "gan-9", "gan-12", "gan-13"]
    assert cl.checkpoints.latest_epoch(tmp_path) == 13


def test_a_diverged_gan_can_fit_again_after_restore(tmp_path):
    gan = _gan()
    cl.checkpoints.save(gan, tmp_path, 0)
    with pytest.raises(cl.training.TrainingDivergedError):
        gan.fit(_nan_in_epoch_two(1), epochs=2, steps_per_epoch=1, verbose=0, shuffle=False)
    cl.checkpoints.restore(gan, tmp_path)
    gan.fit(cl.data.load_cats()[:16], batch_size=8, epochs=1, verbose=0,
            callbacks=[cl.checkpoints.GANCheckpoint(tmp_path)])
    assert gan.diverged_at is None and cl.checkpoints.latest_epoch(tmp_path) == 1
