"""Why chapter 7's autoregressive model is a PixelCNN: ms per training step and per sampling
step of a PixelCNN and of a small causal transformer over the 784 pixels, on this machine.

    python benchmarks/bench_autoregressive_choice.py

Prints the load average beside each timing (the machine may be shared). The transformer's
sampling step is the attention over a KV cache of t earlier pixels (t = 392, the average),
timed with the same batch as the PixelCNN sampler; its training step is one teacher-forced
step on (32, 784) pixels with full causal self-attention.
"""

from __future__ import annotations

import os
import time

import course_lib as cl  # isort: skip - first, so TensorFlow loads quietly (chapter 0)

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from course_lib import autoregressive as ar

BATCH, SAMPLE_BATCH, REPEATS = 32, 500, 10


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def timed(fn, repeats=REPEATS) -> float:
    fn()  # trace / warm up
    t0 = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - t0) / repeats * 1000


def transformer(d=64, heads=4, blocks=2) -> keras.Model:
    """A small GPT over pixels: value + position embedding, causal self-attention blocks."""
    x_in = keras.Input((784, 1))
    h = layers.Dense(d)(x_in) + layers.Embedding(784, d)(tf.range(784))[None]
    for _ in range(blocks):
        a = layers.MultiHeadAttention(heads, d // heads)(h, h, use_causal_mask=True)
        h = layers.LayerNormalization()(h + a)
        h = layers.LayerNormalization()(h + layers.Dense(d)(layers.Dense(4 * d, "gelu")(h)))
    return keras.Model(x_in, layers.Dense(4)(h))


def train_step_ms(model, x, loss_fn) -> float:
    opt = keras.optimizers.Adam(1e-3)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = loss_fn(model, x)
        opt.apply_gradients(zip(tape.gradient(loss, model.trainable_weights),
                                model.trainable_weights, strict=True))
    return timed(step)


def kv_step_ms(d=64, blocks=2, t=392) -> float:
    """One sampling step's attention reads over a cache of ``t`` keys and values per block."""
    k = tf.random.normal((SAMPLE_BATCH, t, d))
    q = tf.random.normal((SAMPLE_BATCH, 1, d))
    w = tf.random.normal((d, 12 * d)) * 0.01

    @tf.function
    def step():
        out = q
        for _ in range(blocks):
            att = tf.nn.softmax(tf.matmul(out, k, transpose_b=True) / 8.0)
            out = tf.matmul(att, k) + tf.matmul(out, w)[..., :d]
        return out
    return timed(step)


def main():
    cl.cap_threads(2)
    cats = cl.data.load_cats()[:BATCH]
    pix = ar.PixelCNN()
    pix.compile()
    ms = train_step_ms(pix, cats, lambda m, x: tf.reduce_mean(m.nll_per_pixel(x, True)))
    print(f"PixelCNN {pix.count_params():,} params: train step {ms:.0f} ms ({load()})")
    t0 = time.perf_counter()
    pix.generate(SAMPLE_BATCH, seed=0)
    ms = (time.perf_counter() - t0) / 784 * 1000
    print(f"PixelCNN sampling step at batch {SAMPLE_BATCH}: {ms:.1f} ms incl. tracing ({load()})")
    gpt = transformer()
    seq = cats.reshape(BATCH, 784, 1)
    labels = np.round((seq[..., 0] + 1) * 1.5).astype(np.int32)
    ms = train_step_ms(gpt, seq, lambda m, x: tf.reduce_mean(
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels, m(x, training=True))))
    print(f"transformer {gpt.count_params():,} params: train step {ms:.0f} ms ({load()})")
    print(f"transformer KV-cache attention, one step at batch {SAMPLE_BATCH}: "
          f"{kv_step_ms():.1f} ms ({load()})")


if __name__ == "__main__":
    main()
