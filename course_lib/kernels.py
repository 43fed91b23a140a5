"""Faster CPU forms of three Keras layers of the DCGAN: the same weights, the same function (chapter 5).

A profile of the DCGAN's training step (README, *Speed and memory*) shows three places where
TensorFlow's CPU kernels (oneDNN) are far slower than the arithmetic they do
(``benchmarks/bench_kernels.py`` times each layer, and the DCGAN's epoch, both ways):

* the generator's last layer, a 4 x 4, stride-2 transposed convolution to **one** image channel,
  and the gradient of the discriminator's first convolution with respect to its one-channel input
  image (the same kernel, ``Conv2DBackpropInput`` with one output channel). Both run at under a
  tenth of the machine's matrix-multiply speed. Computed instead as one ordinary 2 x 2
  convolution to four channels followed by ``depth_to_space`` (the four "phases" of the stride-2
  output, :func:`conv_transpose_4x4_stride_2`), the same sums take about half the time;
* batch normalisation in training, which Keras computes from separate ops (mean, variance,
  scale, shift) where TensorFlow has one fused kernel.

Each class here is its Keras layer with only that computation replaced, where it applies (a
4 x 4 kernel with stride 2 and ``padding="same"``, channels last, float32; any other
configuration runs Keras's own code). The variables, their names, the initialisers, the config
and the saved checkpoints are Keras's; the outputs, the gradients and (for the convolution)
the gradients of the gradients, which R1 needs, equal Keras's to float32 rounding
(``tests/test_kernels.py``). ``cl.models``' DCGAN uses them for its image-side layers.
"""

from __future__ import annotations

import keras
import tensorflow as tf

__all__ = ["BatchNormalization", "Conv2D", "Conv2DTranspose", "conv_transpose_4x4_stride_2"]

_STRIDES = [1, 2, 2, 1]


def _phase_kernel(kernel):
    """A transposed convolution's 4 x 4 kernel ``(4, 4, out, in)`` as the 2 x 2 kernel
    ``(2, 2, in, 4 * out)`` of its four output phases (channels ordered row phase, column
    phase, output channel, as ``depth_to_space`` reads them)."""
    # Output row 2j + c - 1 (c = 0, 1) sums input rows j - 1 (tap t = 0) and j (t = 1) with
    # kernel row 2 (1 - t) + c; columns alike.
    taps = [[tf.concat([tf.transpose(kernel[2 * (1 - ty) + cy, 2 * (1 - tx) + cx])
                        for cy in (0, 1) for cx in (0, 1)], axis=1)
             for tx in (0, 1)] for ty in (0, 1)]
    return tf.stack([tf.stack(row) for row in taps])


def _phases(x, kernel):
    padded = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])
    phases = tf.nn.conv2d(padded, _phase_kernel(kernel), 1, "VALID")
    return tf.nn.depth_to_space(phases, 2)[:, 1:-1, 1:-1, :]


@tf.custom_gradient
def conv_transpose_4x4_stride_2(x, kernel):
    """``tf.nn.conv2d_transpose(x, kernel, 2H x 2W, strides=2, padding="SAME")`` for a 4 x 4
    ``kernel`` ``(4, 4, out, in)``: forward, one 2 x 2 convolution to ``4 * out`` channels and
    ``depth_to_space`` (the four phases of the stride-2 output side by side, the same sums as
    TensorFlow's kernel); backward, TensorFlow's own kernels for the two gradients (a strided
    convolution and a filter gradient), which are differentiable again."""

    def backward(dy):
        dx = tf.nn.conv2d(dy, kernel, _STRIDES, "SAME")
        dkernel = tf.raw_ops.Conv2DBackpropFilter(
            input=dy, filter_sizes=tf.shape(kernel), out_backprop=x, strides=_STRIDES,
            padding="SAME")
        return dx, dkernel

    return _phases(x, kernel), backward


@tf.custom_gradient
def _strided_image(x, kernel):
    """The discriminator's first layer: TensorFlow's kernel forward; the gradient with respect
    to the image by :func:`conv_transpose_4x4_stride_2` (so R1's gradient of this gradient
    runs on TensorFlow's kernels), the kernel's gradient by TensorFlow's kernel."""

    def backward(dy):
        dx = conv_transpose_4x4_stride_2(dy, kernel)
        dkernel = tf.raw_ops.Conv2DBackpropFilter(
            input=x, filter_sizes=tf.shape(kernel), out_backprop=dy, strides=_STRIDES,
            padding="SAME")
        return dx, dkernel

    return tf.nn.conv2d(x, kernel, _STRIDES, "SAME"), backward


def _phase_form_applies(layer, inputs, image_channels) -> bool:
    """A 4 x 4, stride-2, "same", channels-last float32 2-D convolution on even-sized inputs,
    with ``image_channels`` (its one-channel side) equal to 1."""
    shape = inputs.shape
    return (tuple(layer.kernel_size) == (4, 4) and tuple(layer.strides) == (2, 2)
            and layer.padding == "same" and tuple(layer.dilation_rate) == (1, 1)
            and layer.data_format == "channels_last" and getattr(layer, "groups", 1) == 1
            and image_channels == 1 and layer.compute_dtype == "float32"
            and inputs.dtype == tf.float32 and shape.rank == 4
            and shape[1] is not None and shape[2] is not None
            and shape[1] % 2 == 0 and shape[2] % 2 == 0)


def _bias_and_activation(layer, outputs):
    if layer.use_bias:
        outputs = outputs + tf.reshape(layer.bias, (1, 1, 1, layer.filters))
    return layer.activation(outputs) if layer.activation is not None else outputs


@keras.saving.register_keras_serializable(package="course_lib")
class Conv2DTranspose(keras.layers.Conv2DTranspose):
    """``keras.layers.Conv2DTranspose``; to one channel with a 4 x 4 kernel and stride 2, its
    forward pass is :func:`conv_transpose_4x4_stride_2` (chapter 5: the generator's last
    layer)."""

    def call(self, inputs):
        if not (_phase_form_applies(self, inputs, self.filters)
                and tuple(self.output_padding or (None, None)) == (None, None)):
            return super().call(inputs)
        kernel = tf.identity(self.kernel)  # a tensor: the custom gradient's input
        return _bias_and_activation(self, conv_transpose_4x4_stride_2(inputs, kernel))


@keras.saving.register_keras_serializable(package="course_lib")
class Conv2D(keras.layers.Conv2D):
    """``keras.layers.Conv2D``; on a one-channel image with a 4 x 4 kernel and stride 2, the
    gradient with respect to the image is :func:`conv_transpose_4x4_stride_2` (chapter 5: the
    discriminator's first layer)."""

    def convolution_op(self, inputs, kernel):
        if not _phase_form_applies(self, inputs, inputs.shape[-1]):
            return super().convolution_op(inputs, kernel)
        return _strided_image(inputs, tf.identity(kernel))


@keras.saving.register_keras_serializable(package="course_lib")
class BatchNormalization(keras.layers.BatchNormalization):
    """``keras.layers.BatchNormalization``; in training, on float32 inputs of rank 2 or 4
    normalised over the last axis, one fused TensorFlow kernel computes it (chapter 5: the
    generator's batch norm). The moving statistics are Keras's: the batch's mean and its
    biased variance, with ``momentum``."""

    def call(self, inputs, training=None, mask=None):
        rank = inputs.shape.rank
        if not (training and self.trainable and mask is None and not self.renorm
                and not self.synchronized and rank in (2, 4) and self.axis in (-1, rank - 1)
                and inputs.dtype == tf.float32 and self.compute_dtype == "float32"):
            return super().call(inputs, training=training, mask=mask)
        channels = inputs.shape[-1]
        x = inputs if rank == 4 else tf.reshape(inputs, (-1, 1, 1, channels))
        gamma = self.gamma if self.scale else tf.ones((channels,), tf.float32)
        beta = self.beta if self.center else tf.zeros((channels,), tf.float32)
        y, mean, unbiased, *_ = tf.raw_ops.FusedBatchNormV3(
            x=x, scale=gamma, offset=beta, mean=tf.zeros((0,), tf.float32),
            variance=tf.zeros((0,), tf.float32), epsilon=self.epsilon,
            exponential_avg_factor=1.0, data_format="NHWC", is_training=True)
        # The kernel reports the unbiased variance, n / (n - 1) times the one it normalised by.
        n = tf.cast(tf.size(x) // channels, tf.float32)
        variance = tf.where(n > 1.0, unbiased * (n - 1.0) / tf.maximum(n, 1.0), 0.0)
        self.moving_mean.assign(self.moving_mean * self.momentum + mean * (1.0 - self.momentum))
        self.moving_variance.assign(self.moving_variance * self.momentum
                                    + variance * (1.0 - self.momentum))
        return y if rank == 4 else tf.reshape(y, tf.shape(inputs))
