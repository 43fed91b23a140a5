"""Training speed: the article's train_on_batch loop against cl.training.GAN.fit.

Both train the same repaired MLP (100 -> 128 -> 784, 784 -> 128 -> 1) on the same 1,000 cats with
the same batch size, in rounds of a few epochs, interleaved in one process so that both see the
same machine load. Each round calls ``fit`` once for all its epochs, as a learner does (one
``fit`` call per epoch would time Keras' per-call set-up, not training). Then the DCGAN's seconds
per epoch and the GFLOP/s it achieves, beside this machine's
measured float32 matrix-multiply GFLOP/s. Run from the repository root:

    python benchmarks/bench_training.py [--rounds 5] [--epochs-per-round 5] [--batch-size 64]

Target: cl.training.GAN.fit at least 15x faster per epoch than the article's loop.
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

TARGET_RATIO = 15.0


def _gan(kind, seed=0):
    return cl.recipes.build_gan(kind, latent_dim=100, learning_rate=2e-4, seed=seed)


def _fit_epochs(gan, cats, batch_size, start, num_epochs=1):
    """Seconds per epoch of one ``fit`` call over epochs ``start .. start + num_epochs - 1``."""
    ds = cl.data.as_dataset(cats, batch_size, seed=0, epochs=start + num_epochs,
                            start_epoch=start)
    t0 = time.perf_counter()
    gan.fit(ds, epochs=start + num_epochs, initial_epoch=start,
            steps_per_epoch=len(cats) // batch_size, verbose=0, shuffle=False)
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
    parser.add_argument("--rounds", type=int, default=5)
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
    gan = _gan("mlp")
    # warm-up: the first epoch of each traces graphs and builds optimizers
    _article_epochs(article, cats, args.batch_size, 0)
    _fit_epochs(gan, cats, args.batch_size, 0)
    k = args.epochs_per_round
    t_article, t_fit = [], []
    for r in range(args.rounds):  # interleaved: both see the same load
        start = 1 + r * k
        t_article.append(_article_epochs(article, cats, args.batch_size, start, k))
        t_fit.append(_fit_epochs(gan, cats, args.batch_size, start, k))
    a, f = statistics.median(t_article), statistics.median(t_fit)
    ratio = a / f
    print(f"\nMLP GAN, seconds per epoch (median of {args.rounds} interleaved rounds of {k} "
          "epochs, after a warm-up epoch)")
    print(f"  article train_on_batch loop : {a:8.3f} s  ({a / steps * 1e3:6.1f} ms/step)")
    print(f"  cl.training.GAN.fit         : {f:8.3f} s  ({f / steps * 1e3:6.1f} ms/step)")
    print(f"  speed-up                    : {ratio:8.1f}x   target >= {TARGET_RATIO:.0f}x  "
          f"{'ok' if ratio >= TARGET_RATIO else 'BELOW TARGET'}")

    dc = _gan("dcgan")
    _fit_epochs(dc, cats, args.batch_size, 0)
    sec = _fit_epochs(dc, cats, args.batch_size, 1, args.dcgan_epochs)
    flops_img = cl.cost.training_flops_per_image(dc)
    achieved = flops_img * steps * args.batch_size / sec / 1e9
    peak = matmul_gflops()
    print("\nDCGAN (default width), cl.training.GAN.fit")
    print(f"  seconds per epoch           : {sec:8.2f} s")
    print(f"  training FLOPs per image    : {cl.cost.human(flops_img, 'FLOP')} (4G + 9D forward)")
    print(f"  achieved                    : {achieved:8.1f} GFLOP/s")
    print(f"  matmul 1024x1024 float32    : {peak:8.1f} GFLOP/s "
          f"(the DCGAN reaches {achieved / peak:.0%} of it)")
    return 0 if ratio >= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
