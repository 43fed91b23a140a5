"""Training speed: the article's train_on_batch loop against cl.training.GAN.fit.

All train the same repaired MLP (100 -> 128 -> 784, 784 -> 128 -> 1) on the same 1,000 cats with
the same batch size, in rounds of a few epochs, interleaved in one process so that all see the
same machine load. Each round calls ``fit`` once for all its epochs, as a learner does (one
``fit`` call per epoch would time Keras' per-call set-up, not training), in two ways:

- on the learner's array, ``gan.fit(cats, batch_size=64, epochs=5)`` (16 batches an epoch, the
  last one short; the article's loop drops it and runs 15);
- on ``cl.data.as_dataset`` (15 full batches an epoch), built inside the timed round as
  ``train-cats`` builds it;

and, for the record of before and after, the same ``GAN`` with Keras's one call per batch and no
XLA (``compile(steps_per_execution=1, jit_compile=False)``: ``GAN.fit`` before the epoch loop).
Then the DCGAN's seconds per epoch and the GFLOP/s it achieves, before and after, beside this
machine's measured float32 matrix-multiply GFLOP/s. Run from the repository root:

    python benchmarks/bench_training.py [--rounds 7] [--epochs-per-round 5] [--batch-size 64]

Target: cl.training.GAN.fit at least 25x faster per epoch than the article's loop, both ways
(the bar: 20x).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402

import course_lib as cl  # noqa: E402

TARGET_RATIO = 25.0
BAR_RATIO = 20.0


def _gan(kind, seed=0, per_batch=False):
    gan = cl.recipes.build_gan(kind, latent_dim=100, learning_rate=2e-4, seed=seed)
    if per_batch:  # GAN.fit as it was: Keras's call per batch, no XLA
        gan.compile(d_optimizer=gan.d_optimizer, g_optimizer=gan.g_optimizer,
                    loss=gan.loss_name, steps_per_execution=1, jit_compile=False)
    return gan


def _fit_epochs(gan, cats, batch_size, start, num_epochs=1):
    """Seconds per epoch of one ``fit`` call over epochs ``start .. start + num_epochs - 1``."""
    ds = cl.data.as_dataset(cats, batch_size, seed=0, epochs=start + num_epochs,
                            start_epoch=start)
    t0 = time.perf_counter()
    gan.fit(ds, epochs=start + num_epochs, initial_epoch=start,
            steps_per_epoch=len(cats) // batch_size, verbose=0, shuffle=False)
    return (time.perf_counter() - t0) / num_epochs


def _fit_array_epochs(gan, cats, batch_size, start, num_epochs=1):
    """Seconds per epoch of the learner's call, ``fit(array, batch_size, epochs)``."""
    t0 = time.perf_counter()
    gan.fit(cats, batch_size=batch_size, epochs=start + num_epochs, initial_epoch=start,
            verbose=0)
    return (time.perf_counter() - t0) / num_epochs


def _article_epochs(article, cats, batch_size, start, num_epochs=1):
    """Seconds per epoch of the article's loop over the same epochs."""
    t0 = time.perf_counter()
    for epoch in range(start, start + num_epochs):
        cl.article.train_on_batch_epoch(article, cats, batch_size, epoch=epoch)
    return (time.perf_counter() - t0) / num_epochs


def matmul_gflops(n=1024, repeats=20) -> float:
    """This machine's float32 matrix-multiply speed, the practical ceiling for dense layers."""
    a = tf.random.normal((n, n))
    b = tf.random.normal((n, n))

    @tf.function
    def mm(x, y):
        return tf.matmul(x, y)

    mm(a, b).numpy()
    t0 = time.perf_counter()
    for _ in range(repeats):
        c = mm(a, b)
    c.numpy()
    return 2 * n**3 * repeats / (time.perf_counter() - t0) / 1e9


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--epochs-per-round", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--dcgan-epochs", type=int, default=3)
    args = parser.parse_args(argv)
    cl.cap_threads()
    cl.set_seed(0)
    cats = cl.data.load_cats()
    steps = len(cats) // args.batch_size
    print(f"machine: {cl.runtime.available_cpus()} usable CPUs; TensorFlow {tf.__version__}; "
          f"{len(cats)} cats, batch {args.batch_size}, {steps} steps per epoch")

    article = cl.article.build_article_gan(learning_rate=2e-4)
    runs = {"fit, array (the learner's call)": (_gan("mlp"), _fit_array_epochs),
            "fit, as_dataset": (_gan("mlp"), _fit_epochs),
            "fit, one call per batch (before)": (_gan("mlp", per_batch=True), _fit_epochs)}
    # warm-up: the first epoch of each traces graphs and builds optimizers
    _article_epochs(article, cats, args.batch_size, 0)
    for gan, run in runs.values():
        run(gan, cats, args.batch_size, 0)
    k = args.epochs_per_round
    times = {"article": [], **{name: [] for name in runs}}
    for r in range(args.rounds):  # interleaved: all see the same load
        start = 1 + r * k
        times["article"].append(_article_epochs(article, cats, args.batch_size, start, k))
        for name, (gan, run) in runs.items():
            times[name].append(run(gan, cats, args.batch_size, start, k))
    med = {name: statistics.median(t) for name, t in times.items()}
    a = med["article"]
    print(f"\nMLP GAN, seconds per epoch (median of {args.rounds} interleaved rounds of {k} "
          "epochs, after a warm-up epoch)")
    print(f"  {'the article train_on_batch loop':36s}: {a:7.3f} s  ({a / steps * 1e3:5.1f} ms/step)")
    ok = True
    for name in runs:
        f = med[name]
        ratio = a / f
        verdict = ""
        if "before" not in name:
            ok &= ratio >= TARGET_RATIO
            verdict = ("ok" if ratio >= TARGET_RATIO else
                       "BELOW TARGET, above the bar" if ratio >= BAR_RATIO else "BELOW THE BAR")
        print(f"  {name:36s}: {f:7.3f} s  {ratio:5.1f}x   {verdict}")
    print(f"  target >= {TARGET_RATIO:.0f}x (bar {BAR_RATIO:.0f}x) for both fit calls")

    flops_img = None
    print("\nDCGAN (default width), cl.training.GAN.fit, seconds per epoch and GFLOP/s")
    peak = matmul_gflops()
    for label, per_batch in (("one call per batch (before)", True), ("an epoch per call", False)):
        dc = _gan("dcgan", per_batch=per_batch)
        flops_img = flops_img or cl.cost.training_flops_per_image(dc)
        _fit_epochs(dc, cats, args.batch_size, 0)
        sec = _fit_epochs(dc, cats, args.batch_size, 1, args.dcgan_epochs)
        achieved = flops_img * steps * args.batch_size / sec / 1e9
        print(f"  {label:28s}: {sec:6.3f} s  {achieved:6.1f} GFLOP/s = {achieved / peak:.0%} "
              "of the matmul peak")
    print(f"  training FLOPs per image    : {cl.cost.human(flops_img, 'FLOP')} (4G + 9D forward)")
    print(f"  matmul 1024x1024 float32    : {peak:6.1f} GFLOP/s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
