"""ms per step of the conditional GAN beside train-cats' DCGAN, interleaved in one process.

On a shared machine a step's time is inflated by the other jobs; the DCGAN's ms per step, measured
in the same minutes, gives the inflation factor against its quiet-machine time in the README, and
so an estimate of the conditional GAN's quiet time. From the repository root:

    python benchmarks/bench_conditional_step.py [--steps 150] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import course_lib as cl  # noqa: E402
from course_lib import conditional, recipes  # noqa: E402


def _ms_per_step(gan, ds, steps) -> float:
    gan.fit(ds.take(10), epochs=1, steps_per_epoch=10, verbose=0)  # trace once
    t0 = time.perf_counter()
    gan.fit(ds.skip(10).take(steps), epochs=1, steps_per_epoch=steps, verbose=0)
    return 1000 * (time.perf_counter() - t0) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    cl.cap_threads(2)
    images, labels = cl.data.load_animal_shapes()
    cats = cl.data.load_cats()
    epochs = 1 + (args.steps + 10) * 64 // len(cats)
    for r in range(args.rounds):
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        dcgan = _ms_per_step(recipes.build_gan("dcgan"),
                             cl.data.as_dataset(cats, 64, seed=r, epochs=epochs), args.steps)
        for design in conditional.DESIGNS:
            gan = conditional.build_conditional_gan(design)
            ds = cl.data.as_labelled_dataset(images, labels, 64, seed=r, epochs=1)
            ms = _ms_per_step(gan, ds, args.steps)
            print(f"round {r}, load {load}: train-cats DCGAN {dcgan:.1f} ms/step, "
                  f"conditional {design} {ms:.1f} ms/step (ratio {ms / dcgan:.2f})", flush=True)


if __name__ == "__main__":
    main()
