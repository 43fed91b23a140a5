"""What each ``train-cats --model NAME`` family costs per epoch, and what its default run costs.

For every registered family (or those named), builds the model of ``TrainCatsConfig(model=
NAME)`` (its defaults), trains a few epochs on the 1,000 cats as ``train-cats`` does (same
dataset, seed and op determinism) and prints the median seconds per epoch after the first
(wall and CPU) and the default run's estimated training time. With ``--score EPOCHS`` the
family then trains on to ``EPOCHS`` and its 1,000 samples are scored (Fréchet distance, "cat"
fraction). On a shared machine wall time depends on the neighbours: the load is printed with
every line. This is how the VAE's default epochs were chosen. Run from the repository root:

    python benchmarks/bench_families.py [--models vae dcgan] [--epochs 6] [--score 100 200]
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

import course_lib as cl  # noqa: E402
from course_lib.recipes import FAMILIES, TrainCatsConfig, build_model  # noqa: E402


def _load() -> str:
    return "load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


class _ScoreAt(keras.callbacks.Callback):
    def __init__(self, epochs, config):
        super().__init__()
        self.epochs, self.config = set(epochs), config

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 in self.epochs:
            samples = self.model.generate(self.config.num_samples, seed=self.config.sample_seed)
            s = cl.evaluation.score(samples)
            print(f"  {self.config.model}, {epoch + 1} epochs: FD {s['fd']:.2f} (floor "
                  f"{s['fd_floor']:.2f}), cat {s['cat_fraction']:.1%}, diversity "
                  f"{s['diversity']:.2f}; {_load()}", flush=True)


def measure(name: str, epochs: int, score: list[int]) -> None:
    config = TrainCatsConfig(model=name)
    cl.set_seed(config.seed, deterministic=True)
    model = build_model(config)
    cats = cl.data.load_cats()
    total = max([epochs, *score])
    timer = cl.cost.EpochTimer()
    model.fit(cl.data.as_dataset(cats, config.batch_size, seed=config.seed, epochs=total),
              epochs=total, steps_per_epoch=len(cats) // config.batch_size, verbose=0,
              shuffle=False, callbacks=[timer, _ScoreAt(score, config)])
    wall, cpu = timer.seconds_per_epoch(), timer.seconds_per_epoch("cpu")
    print(f"{name}: {model.count_params():,} parameters, {wall:.3f} s/epoch wall, {cpu:.3f} "
          f"s/epoch CPU; default {config.epochs} epochs ~ {config.epochs * wall / 60:.1f} min "
          f"here; {_load()}", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(FAMILIES), choices=list(FAMILIES))
    parser.add_argument("--epochs", type=int, default=6, help="epochs timed per family")
    parser.add_argument("--score", type=int, nargs="*", default=[],
                        help="epochs at which to score the samples")
    args = parser.parse_args(argv)
    print(f"{cl.cap_threads()} usable CPUs")
    for name in args.models:
        measure(name, args.epochs, args.score)
    return 0


if __name__ == "__main__":
    sys.exit(main())
