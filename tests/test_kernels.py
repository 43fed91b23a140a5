"""cl.kernels: the DCGAN's image-side layers, computed faster, are Keras's layers to float32 rounding."""

from __future__ import annotations

import collections

import keras
import numpy as np
import pytest
import tensorflow as tf

import course_lib as cl
from course_lib import kernels


def _twin(keras_cls, fast_cls, shape, seed=0, **config):
    """A Keras layer and its cl.kernels form with the same weights, and an input batch."""
    keras.utils.set_random_seed(seed)  # the same initial weights in any test order
    x = tf.constant(np.random.default_rng(seed).normal(size=shape).astype(np.float32))
    reference, fast = keras_cls(**config), fast_cls(**config)
    reference(x)
    fast(x)
    fast.set_weights(reference.get_weights())
    return reference, fast, x


def _outputs_and_gradients(layer, x, training=None, second_order=True):
    """The layer's output, the gradients of a nonlinear loss with respect to the input and the
    weights, and (R1's case) the weights' gradients of the input gradient's squared norm."""
    kwargs = {} if training is None else {"training": training}
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = layer(x, **kwargs)
            loss = tf.reduce_sum(tf.sin(3.0 * y))
        grads = inner.gradient(loss, [x, *layer.trainable_weights])
        penalty = tf.reduce_sum(grads[0] ** 2)
    second = outer.gradient(penalty, layer.trainable_weights) if second_order else []
    return [y, *grads, *second]


def _assert_close(reference, fast, rtol=1e-4):
    """Equal to float32 rounding: a bias's gradient sums thousands of terms in another order."""
    assert len(reference) == len(fast)
    for a, b in zip(reference, fast, strict=True):
        a, b = np.asarray(tf.convert_to_tensor(a)), np.asarray(tf.convert_to_tensor(b))
        assert a.shape == b.shape
        scale = np.abs(a).max()
        assert scale > 0  # the comparison is not between zeros
        assert np.abs(a - b).max() <= rtol * scale, (np.abs(a - b).max(), scale)


def test_phase_form_equals_tensorflows_transposed_convolution_for_any_channels_and_size():
    rng = np.random.default_rng(1)
    for n, h, w, cin, cout in [(2, 14, 14, 32, 1), (3, 7, 5, 4, 3), (1, 1, 1, 2, 2)]:
        x = tf.constant(rng.normal(size=(n, h, w, cin)).astype(np.float32))
        k = tf.constant(rng.normal(size=(4, 4, cout, cin)).astype(np.float32))
        expected = tf.nn.conv2d_transpose(x, k, (n, 2 * h, 2 * w, cout), 2, "SAME")
        _assert_close([expected], [kernels.conv_transpose_4x4_stride_2(x, k)])


def test_transposed_convolution_to_one_channel_equals_kerass_output_and_gradients():
    reference, fast, x = _twin(keras.layers.Conv2DTranspose, kernels.Conv2DTranspose,
                               (8, 14, 14, 32), filters=1, kernel_size=4, strides=2,
                               padding="same", activation="tanh")
    _assert_close(_outputs_and_gradients(reference, x), _outputs_and_gradients(fast, x))


def test_image_convolution_equals_kerass_output_gradients_and_gradients_of_gradients():
    reference, fast, x = _twin(keras.layers.Conv2D, kernels.Conv2D, (8, 28, 28, 1), filters=32,
                               kernel_size=4, strides=2, padding="same")
    _assert_close(_outputs_and_gradients(reference, x), _outputs_and_gradients(fast, x))


@pytest.mark.parametrize("shape", [(16, 3136), (8, 14, 14, 32)])
def test_batch_norm_in_training_equals_kerass_output_gradients_and_moving_statistics(shape):
    reference, fast, x = _twin(keras.layers.BatchNormalization, kernels.BatchNormalization,
                               shape, seed=2)
    x = 3.0 * x + 1.0  # statistics far from the initial (0, 1)
    for _ in range(3):  # the moving statistics, updated three times
        expected = _outputs_and_gradients(reference, x, training=True, second_order=False)
        got = _outputs_and_gradients(fast, x, training=True, second_order=False)
    _assert_close(expected, got)
    _assert_close([reference.moving_mean, reference.moving_variance],
                  [fast.moving_mean, fast.moving_variance], rtol=1e-6)
    # inference reads the moving statistics with Keras's own code: the same weights, the same bits
    fast.set_weights(reference.get_weights())
    np.testing.assert_array_equal(reference(x, training=False), fast(x, training=False))


def test_batch_norm_of_one_sample_keeps_kerass_zero_variance():
    reference, fast, x = _twin(keras.layers.BatchNormalization, kernels.BatchNormalization,
                               (1, 16))
    np.testing.assert_allclose(reference(x, training=True), fast(x, training=True), atol=1e-6)
    np.testing.assert_allclose(reference.moving_variance, fast.moving_variance, rtol=1e-6)
    assert np.all(np.isfinite(fast.moving_variance))


@pytest.mark.parametrize("cls, keras_cls, config, shape", [
    (kernels.Conv2DTranspose, keras.layers.Conv2DTranspose,
     {"filters": 8, "kernel_size": 4, "strides": 2, "padding": "same"}, (2, 7, 7, 16)),
    (kernels.Conv2DTranspose, keras.layers.Conv2DTranspose,
     {"filters": 1, "kernel_size": 3, "strides": 2, "padding": "same"}, (2, 7, 7, 16)),
    (kernels.Conv2D, keras.layers.Conv2D,
     {"filters": 8, "kernel_size": 4, "strides": 2, "padding": "same"}, (2, 28, 28, 3)),
    (kernels.Conv2D, keras.layers.Conv2D,
     {"filters": 8, "kernel_size": 4, "strides": 2, "padding": "same"}, (2, 27, 27, 1)),
    (kernels.Conv2D, keras.layers.Conv2D,
     {"filters": 8, "kernel_size": 4, "strides": 1, "padding": "same"}, (2, 28, 28, 1)),
])
def test_other_configurations_run_kerass_own_code(cls, keras_cls, config, shape):
    reference, fast, x = _twin(keras_cls, cls, shape, **config)
    ops = _graph_ops(fast, x)
    assert "DepthToSpace" not in ops
    for a, b in zip(_outputs_and_gradients(reference, x), _outputs_and_gradients(fast, x),
                    strict=True):
        np.testing.assert_array_equal(a, b)  # the same kernels: the same bits


def _graph_ops(layer_or_model, x, training=None) -> collections.Counter:
    """The ops of one traced forward and backward pass (to the input), by type."""
    kwargs = {} if training is None else {"training": training}

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            total = tf.reduce_sum(layer_or_model(x, **kwargs))
        return tape.gradient(total, x)

    graph = step.get_concrete_function(x).graph.as_graph_def()
    ops = collections.Counter(node.op for node in graph.node)
    for function in graph.library.function:  # the gradients' own functions
        ops.update(node.op for node in function.node_def)
    return ops


def test_the_dcgan_takes_the_fast_forms_where_kerass_layers_would_not():
    z, image = tf.zeros((4, 100)), tf.zeros((4, 28, 28, 1))
    generator = _graph_ops(cl.models.dcgan_generator(), z, training=True)
    # the phase form of the last layer; Keras's kernel only for the first transposed conv
    assert generator["DepthToSpace"] == 1 and generator["Conv2DBackpropInput"] == 1
    assert generator["FusedBatchNormV3"] == 2 and generator["FusedBatchNormGradV3"] == 2
    discriminator = _graph_ops(cl.models.dcgan_discriminator(), image, training=True)
    # the image's gradient in the phase form; Keras's kernel only for the second conv
    assert discriminator["DepthToSpace"] == 1 and discriminator["Conv2DBackpropInput"] == 1
    critic = _graph_ops(cl.models.dcgan_critic(), image)
    assert critic["DepthToSpace"] == 1
    # the same networks built from Keras's own layers
    plain = keras.Sequential([keras.Input((100,)), keras.layers.Dense(7 * 7 * 64),
                              keras.layers.BatchNormalization(), keras.layers.Reshape((7, 7, 64)),
                              keras.layers.Conv2DTranspose(1, 4, strides=2, padding="same")])
    ops = _graph_ops(plain, z, training=True)
    assert ops["DepthToSpace"] == ops["FusedBatchNormV3"] == 0 and ops["Conv2DBackpropInput"] == 1


def test_the_fast_layers_keep_kerass_names_variables_and_config(tmp_path):
    model = cl.models.dcgan_generator()
    names = [layer.name for layer in model.layers]
    assert "conv2d_transpose" in names[-1] and "batch_normalization" in names[1]
    last = model.layers[-1]
    assert isinstance(last, keras.layers.Conv2DTranspose)
    assert [v.name for v in last.weights] == ["kernel", "bias"]
    plain = keras.layers.Conv2DTranspose.from_config(last.get_config())
    assert plain.get_config() == last.get_config()
    # a saved .keras model loads back with the same classes and outputs
    path = tmp_path / "g.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded.layers[-1]) is kernels.Conv2DTranspose
    z = tf.random.normal((3, 100), seed=3)
    np.testing.assert_array_equal(model(z, training=False), loaded(z, training=False))
