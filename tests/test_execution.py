"""An epoch per call into TensorFlow (cl.execution): the same training as one call per batch,
the NaN guard still naming the exact batch, the callbacks' counts, and XLA only where it pays."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import course_lib as cl

LATENT = 4


def _gan(seed=0, lr=1e-3, **compile_kw):
    cl.set_seed(seed)  # the same initial weights every time
    g = cl.training.GAN(cl.models.mlp_generator(latent_dim=LATENT, hidden_units=8),
                        cl.models.mlp_discriminator(hidden_units=8), latent_dim=LATENT,
                        seed=seed)
    g.compile(d_optimizer=keras.optimizers.Adam(lr), g_optimizer=keras.optimizers.Adam(lr),
              **compile_kw)
    return g


def _weights(gan):
    return gan.generator.get_weights() + gan.discriminator.get_weights()


class _Calls(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.ends = []

    def on_train_batch_end(self, batch, logs=None):
        self.ends.append(batch)


@pytest.mark.parametrize("jit", [False, True])
def test_an_epoch_per_call_trains_exactly_as_one_call_per_batch(jit):
    if jit and cl.compat.op_determinism_enabled():  # Keras refuses XLA then: a fresh process
        import subprocess
        import sys

        code = ("import sys; sys.path.insert(0, 'tests'); import test_execution as t; "
                "t.test_an_epoch_per_call_trains_exactly_as_one_call_per_batch(True); print('ok')")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=600)
        assert out.stdout.strip().endswith("ok"), out.stderr[-3000:]
        return
    x = cl.data.load_cats()[:64]
    ds = cl.data.as_dataset(x, 8, seed=3, epochs=3)
    per_batch = _gan(jit_compile=jit, steps_per_execution=1)
    per_epoch = _gan(jit_compile=jit)
    assert per_batch.jit_compile is jit and per_epoch.jit_compile is jit
    calls = {}
    for name, gan in (("batch", per_batch), ("epoch", per_epoch)):
        calls[name] = _Calls()
        history = gan.fit(ds, epochs=3, steps_per_epoch=8, verbose=0, callbacks=[calls[name]])
        calls[name].losses = history.history["d_loss"]
    assert calls["batch"].ends == list(range(8)) * 3  # Keras's loop: a call per batch
    assert calls["epoch"].ends == [7, 7, 7]  # one call per epoch, ending at its last batch
    assert per_epoch.g_optimizer.iterations.numpy() == per_batch.g_optimizer.iterations.numpy() == 24
    for a, b in zip(_weights(per_batch), _weights(per_epoch), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(calls["batch"].losses, calls["epoch"].losses, rtol=1e-5)


def test_an_array_epoch_ends_with_its_short_batch_and_the_bar_counts_every_batch():
    x = cl.data.load_cats()[:40]  # batches of 16, 16 and 8
    gan = _gan()
    bar, calls = cl.training.ProgressBar(leave=False), _Calls()
    gan.fit(x, batch_size=16, epochs=2, verbose=0, callbacks=[bar, calls])
    assert gan.g_optimizer.iterations.numpy() == 2 * 3
    assert calls.ends == [2, 2]
    assert bar.bar.n == bar.bar.total == 6


def test_a_non_finite_loss_in_the_middle_of_an_epoch_stops_right_after_that_batch():
    x = cl.data.load_cats()[:48].reshape(6, 8, 28, 28, 1).copy()
    x[2, 0, 0, 0, 0] = np.nan  # the third of six batches
    gan = _gan()
    with pytest.raises(cl.training.TrainingDivergedError, match=r"epoch 1, batch 3"):
        gan.fit(tf.data.Dataset.from_tensor_slices(x), epochs=1, verbose=0)
    assert gan.diverged_at == (0, 2)
    assert gan.g_optimizer.iterations.numpy() == 3  # the three later batches never ran
    assert gan.executed_steps == 3


def test_a_dataset_is_checked_on_the_first_batch_training_reads_before_any_step():
    gan = _gan()
    before = [w.copy() for w in _weights(gan)]
    raw = tf.data.Dataset.from_tensor_slices(
        np.full((16, 28, 28, 1), 200.0, np.float32)).batch(8)
    with pytest.raises(ValueError, match="raw 0..255 pixels"):
        gan.fit(raw, epochs=1, verbose=0)
    assert gan.g_optimizer.iterations.numpy() == 0
    assert all(np.array_equal(a, b) for a, b in zip(before, _weights(gan), strict=True))


def test_a_batch_that_fails_its_check_trains_nothing_with_op_determinism_on():
    """With op determinism TensorFlow may reorder a graph's independent work: the check must
    gate the steps, not merely run beside them."""
    import subprocess
    import sys

    code = ("import sys; sys.path.insert(0, 'tests'); import course_lib as cl; "
            "cl.set_seed(0, deterministic=True); import test_execution as t; "
            "t.test_a_dataset_is_checked_on_the_first_batch_training_reads_before_any_step(); "
            "print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=600)
    assert out.stdout.strip().endswith("ok"), out.stderr[-3000:]
    assert "assertion failed" not in out.stderr  # no TensorFlow log line beside the error


def test_xla_is_chosen_for_dense_networks_only_on_a_cpu():
    dense = (cl.models.mlp_generator(), cl.models.mlp_discriminator())
    conv = (cl.models.dcgan_generator(width=4), cl.models.dcgan_discriminator(width=4))
    spectral = cl.models.dcgan_critic(width=4, norm="spectral")  # convolutions inside a wrapper
    assert not cl.execution.has_convolutions(*dense)
    assert cl.execution.has_convolutions(*conv) and cl.execution.has_convolutions(spectral)
    # Keras refuses XLA under op determinism (which another test may have turned on)
    deterministic = cl.compat.op_determinism_enabled()
    assert cl.execution.resolve_jit_compile("auto", *dense) is not deterministic
    assert cl.execution.resolve_jit_compile("auto", *conv) is False
    toy = (cl.models.vector_generator(latent_dim=4), cl.models.vector_discriminator())
    assert cl.execution.resolve_jit_compile("auto", *toy) is False  # too small to pay back
    assert cl.execution.resolve_jit_compile(False, *dense) is False
    # networks of two inputs (noise and label) are measured by their largest input
    two_inputs = (cl.conditional.conditional_generator(width=4),
                  cl.conditional.conditional_discriminator(width=4))
    assert cl.execution.resolve_jit_compile("auto", *two_inputs) is False  # convolutions
    z, label = keras.Input((300,)), keras.Input((), dtype="int32")
    mixed = keras.Model([z, label], keras.layers.Dense(2)(z))
    assert cl.execution.resolve_jit_compile("auto", mixed) is not deterministic
    with pytest.raises(ValueError, match="jit_compile must be"):
        cl.execution.resolve_jit_compile("yes", *dense)


def test_steps_per_execution_is_checked():
    assert cl.execution.check_steps_per_execution("epoch") == "epoch"
    assert cl.execution.check_steps_per_execution(4) == 4
    with pytest.raises(TypeError, match="'epoch' or an int"):
        cl.execution.check_steps_per_execution(2.0)
    with pytest.raises(ValueError, match=">= 1"):
        cl.execution.check_steps_per_execution(0)


def test_the_graph_optimisers_notice_is_kept_off_stderr_and_other_lines_pass(capfd):
    import os

    with cl.startup.quiet_descriptor(cl.startup.GRAPH_LOG_LINES):
        os.write(2, b"E0000 meta_optimizer.cc:967] remapper failed: INVALID_ARGUMENT: "
                    b"Mutation::Apply error: fanout\nsomething else\n")
    err = capfd.readouterr().err
    assert "remapper failed" not in err and "something else" in err


def test_the_epochs_metrics_are_reset_and_read_in_one_graph_call_with_kerass_values():
    gan = _gan()
    x = cl.data.load_cats()[:64]
    gan.fit(x, batch_size=16, epochs=1, verbose=0)
    metrics = gan.metrics
    assert [m.name for m in metrics] == ["d_loss", "g_loss", "d_acc_real", "d_acc_fake"]
    expected = {m.name: float(m.result()) for m in metrics}  # each metric read eagerly
    assert all(v != 0 for k, v in expected.items() if k.endswith("loss"))
    assert {k: float(v) for k, v in gan.get_metrics_result().items()} == expected
    gan.reset_metrics()
    assert all(float(v) == 0 for m in metrics for v in m.variables)  # totals and counts
    extra = keras.metrics.Mean(name="extra")  # a metric list that changes is followed
    extra.update_state(3.0)
    gan.d_acc_fake_tracker = extra
    assert float(gan.get_metrics_result()["extra"]) == 3.0
    gan.reset_metrics()
    assert float(extra.count) == 0


def test_every_course_input_pipeline_runs_without_tf_data_autotuning():
    # the autotuner's thread made fit wait for its next wake-up after the last batch
    x = cl.data.load_cats()[:64]
    labels = np.zeros(64, dtype=np.int64)
    pipelines = [cl.data.as_dataset(x, 16, epochs=2),
                 cl.data.as_labelled_dataset(x, labels, 16, epochs=2),
                 cl.execution.array_dataset(x, 16)[0]]
    assert [ds.options().autotune.enabled for ds in pipelines] == [False] * 3


def test_the_training_step_is_traced_once_for_the_loop_its_first_batch_and_the_short_batch():
    # a step with R1 takes seconds to trace: the loop's body, its first batch and an epoch's
    # short last batch (an array's batches have no fixed size) share one trace
    cats = cl.data.load_cats()
    for data, fit, steps in ((cl.data.as_dataset(cats[:96], 32, seed=0, epochs=2),
                              {"steps_per_epoch": 3}, 6),
                             (cats[:100], {"batch_size": 32}, 8)):  # 3 x 32 + 4 an epoch
        gan, traced = _gan(), []
        gan.train_step = _counting(gan.train_step, traced)
        gan.fit(data, epochs=2, verbose=0, **fit)
        assert len(traced) == 1, traced
        assert gan.d_optimizer.iterations.numpy() == steps  # every batch trained


def _counting(step, traced):
    def counting(batch):
        traced.append(tuple(tf.nest.flatten(batch)[0].shape))  # runs once per trace
        return step(batch)

    return counting
