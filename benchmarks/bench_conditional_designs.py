"""Which conditioning design for the conditional GAN: label channel ("concat") or projection.

Trains ``train-animals`` with each design (same seed, width, batch, learning rate and epochs),
then measures 200 samples per class with ``cl.conditional.per_class_scores``: the share that the
reference classifier calls the class asked for, and the per-class Fréchet distance beside its
floor. Prints ms/step and ``uptime``'s load, since the machine may be shared. This is how
``cl.conditional.DEFAULTS["design"]`` was chosen (chapter 6, ``06b``). From the repository root:

    python benchmarks/bench_conditional_designs.py [--epochs 5] [--designs concat projection]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

import course_lib as cl  # noqa: E402
from course_lib import conditional  # noqa: E402


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--designs", nargs="+", default=list(conditional.DESIGNS))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    cl.cap_threads(2)
    for design in args.designs:
        config = conditional.TrainAnimalsConfig(design=design, epochs=args.epochs,
                                                samples_per_class=200, seed=args.seed)
        load_before = _load()
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            summary = conditional.train_animals(config, tmp, progress=False)
            wall = time.perf_counter() - t0
            samples, labels = np.load(f"{tmp}/samples.npy"), np.load(f"{tmp}/labels.npy")
        scores = conditional.per_class_scores(samples, labels)
        steps = args.epochs * (10000 // config.batch_size)
        mean = {k: np.mean([s[k] for s in scores.values()]) for k in ("asked_share", "fd", "fd_floor")}
        print(f"{design}: {args.epochs} epochs, seed {args.seed}, train {summary['train_seconds']} s "
              f"({1000 * summary['train_seconds'] / steps:.1f} ms/step), wall {wall:.1f} s, "
              f"load before {load_before}, after {_load()}")
        print(f"  asked-for share {mean['asked_share']:.1%}, mean FD {mean['fd']:.1f} "
              f"(floor {mean['fd_floor']:.1f})")
        print("  " + conditional.format_per_class(scores).replace("\n", "\n  "), flush=True)


if __name__ == "__main__":
    main()
