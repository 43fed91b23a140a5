"""Issue 9.4: data-parallel training under ``tf.distribute.MirroredStrategy``.

TensorFlow must be told to split the CPU into two logical devices before it initialises, so the
checks run in a subprocess. There, the same GAN (same initial weights, same data) is trained on
one device and on two replicas. With the noise controlled (each replica takes its slice of one
global noise batch) and plain SGD (whose update is linear in the gradient, so a wrongly scaled
loss shows up), the weights after four steps must agree to float precision; a GAN whose loss
is *not* scaled by its share of the global batch must not agree. The real GAN must draw
different noise on each replica, and ``train-cats --strategy mirrored`` must run.
"""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

SCRIPT = textwrap.dedent("""
    import json, sys
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

    import keras
    import numpy as np
    import course_lib as cl
    import course_lib.tools.cli

    LATENT, BATCH = 4, 16
    result = {}


    class FixedNoiseGAN(cl.training.GAN):
        # one global noise batch per draw (from the mirrored seed); replica r takes slice r
        def _noise(self, batch_size):
            ctx = tf.distribute.get_replica_context()
            replica = ctx.replica_id_in_sync_group if ctx is not None else 0
            z = tf.random.stateless_normal((BATCH, LATENT),
                                           seed=tf.cast(self.seed_generator.next(), tf.int32))
            start = tf.cast(replica, tf.int32) * tf.cast(batch_size, tf.int32)
            return z[start:start + batch_size]


    class UnscaledGAN(FixedNoiseGAN):
        _scaled = staticmethod(lambda loss, share: loss)  # the bug: per-replica mean, summed


    class FixedMixGAN(FixedNoiseGAN):
        # the gradient penalty's interpolation weights, controlled the same way as the noise
        def _alpha(self, real):
            ctx = tf.distribute.get_replica_context()
            replica = ctx.replica_id_in_sync_group if ctx is not None else 0
            a = tf.random.stateless_uniform((BATCH, 1, 1, 1),
                                            seed=tf.cast(self.seed_generator.next(), tf.int32))
            n = tf.shape(real)[0]
            return a[tf.cast(replica, tf.int32) * n:(tf.cast(replica, tf.int32) + 1) * n]


    class UnscaledMixGAN(FixedMixGAN):
        _scaled = staticmethod(lambda loss, share: loss)


    def build(strategy, cls, weights=None, loss=None, lr=0.5):
        with strategy.scope():
            g = cl.models.mlp_generator(latent_dim=LATENT, hidden_units=8)
            d = cl.models.mlp_discriminator(hidden_units=8)
            if weights is not None:
                g.set_weights(weights[0])
                d.set_weights(weights[1])
            gan = cls(g, d, latent_dim=LATENT, seed=5)
            # no XLA on one device either: XLA draws other random numbers than the CPU kernels
            gan.compile(d_optimizer=keras.optimizers.SGD(lr),
                        g_optimizer=keras.optimizers.SGD(lr), loss=loss,
                        n_critic=1 if loss is None else 2, jit_compile=False)
        return gan


    def max_diff(a, b):
        return max(float(np.abs(u - v).max())
                   for m, n in ((a.generator, b.generator), (a.discriminator, b.discriminator))
                   for u, v in zip(m.get_weights(), n.get_weights()))


    cl.set_seed(0)
    x = cl.data.load_cats()[:2 * BATCH]
    single = build(tf.distribute.get_strategy(), FixedNoiseGAN)
    start = [single.generator.get_weights(), single.discriminator.get_weights()]
    mirrored = cl.recipes.make_strategy("mirrored")
    result["replicas"] = mirrored.num_replicas_in_sync
    result["same_strategy_object"] = mirrored is cl.recipes.make_strategy("mirrored")
    twin = build(mirrored, FixedNoiseGAN, start)
    unscaled = build(mirrored, UnscaledGAN, start)
    fit = dict(batch_size=BATCH, epochs=2, shuffle=False, verbose=0)
    result["history_single"] = single.fit(x, **fit).history
    result["history_mirrored"] = twin.fit(x, **fit).history
    unscaled.fit(x, **fit)
    result["moved"] = max(float(np.abs(u - v).max())
                          for u, v in zip(start[1], single.discriminator.get_weights()))
    result["diff_mirrored"] = max_diff(single, twin)
    result["diff_unscaled"] = max_diff(single, unscaled)
    # WGAN-GP, two critic steps per generator step: the gradient penalty is scaled alike
    wgan = [build(strategy, cls, start, loss="wgan-gp", lr=0.02)
            for strategy, cls in ((tf.distribute.get_strategy(), FixedMixGAN),
                                  (mirrored, FixedMixGAN), (mirrored, UnscaledMixGAN))]
    for gan in wgan:
        gan.fit(x, **fit)
    result["wgan_moved"] = max(float(np.abs(u - v).max())
                               for u, v in zip(start[1], wgan[0].discriminator.get_weights()))
    result["wgan_diff_mirrored"] = max_diff(wgan[0], wgan[1])
    result["wgan_diff_unscaled"] = max_diff(wgan[0], wgan[2])
    real_wgan = build(mirrored, cl.training.GAN, start, loss="wgan-gp", lr=0.02)
    result["wgan_real_history"] = real_wgan.fit(x, **fit).history
    result["seed_state"] = twin.seed_generator.state.numpy().tolist()
    result["seed_state_single"] = single.seed_generator.state.numpy().tolist()

    real = build(mirrored, cl.training.GAN, start)

    @tf.function
    def draw():
        return mirrored.run(lambda: real._noise(3))

    a, b = (t.numpy() for t in mirrored.experimental_local_results(draw()))
    result["replica_noise_diff"] = float(np.abs(a - b).max())

    try:
        build(mirrored, cl.training.GAN).fit(x[:30], batch_size=15, verbose=0)
    except ValueError as exc:
        result["odd_batch_error"] = str(exc)

    result["cli_rc"] = cl.tools.cli.main(["train-cats", "--model", "mlp", "--epochs", "1",
                                    "--batch-size", "100", "--num-samples", "4", "--quiet",
                                    "--strategy", "mirrored", "--out", sys.argv[1]])
    print("RESULT " + json.dumps(result))
""")


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    run = tmp_path_factory.mktemp("mirrored") / "run"
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(run)], capture_output=True,
                         text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-4000:]
    line = next(x for x in out.stdout.splitlines() if x.startswith("RESULT "))
    return {**json.loads(line[len("RESULT "):]), "run": run, "stdout": out.stdout}


def test_two_replicas_take_the_same_step_as_one_device(result):
    assert result["replicas"] == 2
    assert result["moved"] > 1e-2  # training really changed the weights ...
    assert result["diff_mirrored"] < 1e-5  # ... identically on one device and on two replicas
    assert result["diff_unscaled"] > 100 * max(result["diff_mirrored"], 1e-7)  # a wrong scale shows


def test_wgan_gp_with_its_gradient_penalty_takes_the_same_step_on_two_replicas(result):
    assert result["wgan_moved"] > 1e-3
    assert result["wgan_diff_mirrored"] < 1e-5
    assert result["wgan_diff_unscaled"] > 100 * max(result["wgan_diff_mirrored"], 1e-7)
    # the real GAN draws its own noise and interpolation weights on each replica
    assert all(np.isfinite(v).all() for v in result["wgan_real_history"].values())


def test_metrics_aggregate_over_the_global_batch(result):
    single, mirrored = result["history_single"], result["history_mirrored"]
    assert set(mirrored) == {"d_loss", "g_loss", "d_acc_real", "d_acc_fake"}
    for key in single:
        assert mirrored[key] == pytest.approx(single[key], abs=1e-5), key


def test_each_replica_draws_its_own_noise(result):
    assert result["replica_noise_diff"] > 0.1
    assert result["seed_state"] == result["seed_state_single"]  # the seed advanced in step


def test_batch_must_split_evenly_over_replicas(result):
    assert "batch_size=15 cannot be split evenly over the 2 replicas" in result["odd_batch_error"]
    assert "multiple of 2" in result["odd_batch_error"]


def test_command_line_trains_with_the_mirrored_strategy(result):
    assert result["cli_rc"] == 0 and result["same_strategy_object"]
    summary = json.loads(next(x for x in result["stdout"].splitlines() if x.startswith("{")))
    assert summary["replicas"] == 2 and summary["start_epoch"] == 0
    config = json.loads((result["run"] / "config.json").read_text())
    assert config["strategy"] == "mirrored" and config["replicas"] == 2
    assert (result["run"] / "checkpoints" / "gan-1.index").exists()
