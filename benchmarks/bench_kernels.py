"""cl.kernels against Keras's own layers: each image-side layer, and the default DCGAN's epoch.

Two parts, both measured side by side in one process on this machine:

1. each of the three layers ``cl.kernels`` replaces, alone, on a batch of 64 (the DCGAN's
   shapes): milliseconds per call of the forward pass, of the forward and backward pass, and,
   for the discriminator's first convolution, of R1's gradient of a gradient; Keras's layer,
   then the ``cl.kernels`` form, and the ratio;
2. the default ``train-cats`` DCGAN (``cl.recipes.TrainCatsConfig()``: R1 0.5, batch 64, op
   determinism on, as the command runs it), built once with ``cl.kernels`` (as ``cl.models``
   builds it) and once with Keras's layers in their place: seconds per epoch of ``fit`` over
   the 1,000 cats, medians of interleaved rounds, and the achieved GFLOP/s as a share of this
   machine's float32 matrix-multiply speed (``cl.cost.training_flops_per_image``: 4G + 9D
   forward passes; R1's extra passes are not counted, so the share is a lower bound).

Run from the repository root, on a quiet machine:

    python benchmarks/bench_kernels.py [--rounds 5] [--epochs 5]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from bench_training import matmul_gflops  # noqa: E402 (beside this script)

import course_lib as cl  # noqa: E402
from course_lib import kernels  # noqa: E402

BATCH = 64


def _ms_per_call(fn, *args, calls=100, repeats=5) -> float:
    fn(*args)  # trace
    best = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(calls):
            out = fn(*args)
        tf.nest.flatten(out)[0].numpy()
        best.append((time.perf_counter() - t0) / calls * 1e3)
    return statistics.median(best)


def _passes(layer, second_order):
    @tf.function
    def forward(x):
        return layer(x, training=True)

    @tf.function
    def backward(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(tf.square(layer(x, training=True)))
        return tape.gradient(loss, [x, *layer.trainable_weights])

    @tf.function
    def r1(x):
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                inner.watch(x)
                total = tf.reduce_sum(layer(x, training=True))
            penalty = tf.reduce_sum(tf.square(inner.gradient(total, x)))
        return outer.gradient(penalty, layer.trainable_weights)

    return {"forward": forward, "forward+backward": backward, **({"R1": r1} if second_order else {})}


LAYERS = [  # (label, Keras's layer, cl.kernels', input shape, has R1's second-order pass)
    ("G's last layer, transposed conv 32 -> 1",
     lambda cls: cls(1, 4, strides=2, padding="same", activation="tanh"),
     (keras.layers.Conv2DTranspose, kernels.Conv2DTranspose), (BATCH, 14, 14, 32), False),
    ("D's first layer, conv 1 -> 32",
     lambda cls: cls(32, 4, strides=2, padding="same"),
     (keras.layers.Conv2D, kernels.Conv2D), (BATCH, 28, 28, 1), True),
    ("G's batch norm after Dense (3136)", lambda cls: cls(),
     (keras.layers.BatchNormalization, kernels.BatchNormalization), (BATCH, 7 * 7 * 64), False),
    ("G's batch norm, 14x14x32", lambda cls: cls(),
     (keras.layers.BatchNormalization, kernels.BatchNormalization), (BATCH, 14, 14, 32), False),
]


def layer_table():
    print(f"\nEach layer alone, batch {BATCH}: ms per call (median of 5 x 100 calls)")
    print(f"  {'layer':40s} {'pass':17s} {'Keras':>8s} {'kernels':>8s} {'ratio':>6s}")
    for label, make, classes, shape, second in LAYERS:
        x = tf.random.normal(shape, seed=0)
        built = [make(cls) for cls in classes]
        for layer in built:
            layer(x)
        built[1].set_weights(built[0].get_weights())
        passes = [_passes(layer, second) for layer in built]
        for name in passes[0]:
            a, b = (_ms_per_call(p[name], x) for p in passes)
            print(f"  {label:40s} {name:17s} {a:8.3f} {b:8.3f} {a / b:5.2f}x")
            label = ""


@contextlib.contextmanager
def kerass_own_layers():
    """``cl.models`` builds its DCGAN with Keras's layers where it uses ``cl.kernels``'."""
    saved = {name: getattr(kernels, name) for name in ("BatchNormalization", "Conv2D",
                                                        "Conv2DTranspose")}
    try:
        for name in saved:
            setattr(kernels, name, getattr(keras.layers, name))
        yield
    finally:
        for name, cls in saved.items():
            setattr(kernels, name, cls)


def dcgan_table(rounds, epochs):
    config = cl.recipes.TrainCatsConfig()
    cats = cl.data.load_cats(value_range=(-1.0, 1.0))
    steps = len(cats) // config.batch_size
    data = cl.data.as_dataset(cats, config.batch_size, seed=0, epochs=1 + rounds * epochs)
    with kerass_own_layers():
        plain = cl.recipes.build_model(config)
    gans = {"Keras's layers": plain, "cl.kernels (the course)": cl.recipes.build_model(config)}
    assert not isinstance(plain.generator.layers[-1], kernels.Conv2DTranspose)
    times = {name: [] for name in gans}
    for gan in gans.values():  # warm-up: tracing
        gan.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
    for _ in range(rounds):  # interleaved: both see the same load
        for name, gan in gans.items():
            t0 = time.perf_counter()
            gan.fit(data, epochs=epochs, steps_per_epoch=steps, verbose=0)
            times[name].append((time.perf_counter() - t0) / epochs)
    peak = matmul_gflops()
    flops = cl.cost.training_flops_per_image(plain) * steps * config.batch_size
    print(f"\nThe default train-cats DCGAN (R1 {config.r1_weight}, batch {config.batch_size}), "
          f"seconds per epoch, median of {rounds} interleaved rounds of {epochs} epochs")
    med = {name: statistics.median(t) for name, t in times.items()}
    for name, sec in med.items():
        achieved = flops / sec / 1e9
        print(f"  {name:26s}: {sec:6.3f} s  ({', '.join(f'{t:.3f}' for t in times[name])})  "
              f"{achieved:5.1f} GFLOP/s = {achieved / peak:.0%} of the matmul peak")
    a, b = med.values()
    print(f"  speed-up: {a / b:.2f}x; {config.epochs} epochs: {a * config.epochs:.0f} s -> "
          f"{b * config.epochs:.0f} s of training")
    print(f"  matmul 1024x1024 float32  : {peak:6.1f} GFLOP/s")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args(argv)
    cl.cap_threads()
    cl.set_seed(0, deterministic=True)  # as train-cats runs
    print(f"machine: {cl.runtime.available_cpus()} usable CPUs; TensorFlow {tf.__version__}")
    layer_table()
    dcgan_table(args.rounds, args.epochs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
