"""Every family of ``train-cats --model NAME`` side by side, by the same numbers (chapter 7).

The default (``--compare``): each family's default run, trained exactly as ``python -m course_lib
train-cats --model NAME`` trains it (``cl.recipes.train_cats``: same seed, data order and op
determinism), then reloaded from its checkpoint, timed sampling 1,000 images and scored by the
course's ruler (``cl.evaluation.score``: Fréchet distance beside its floor, KID, "cat" fraction,
diversity, memorised share, precision/recall), with parameters, training seconds, the whole
run's seconds and, where a likelihood is defined, bits per pixel on the training cats. The
diffusion model is sampled with DDIM at 20 and 50 steps and with ancestral DDPM. It prints a
Markdown table (README and chapter 7 quote it) and writes ``benchmarks/results/families.json``,
which chapter 7 draws. On a shared machine wall times depend on the neighbours: the load is
recorded with every row. Run from the repository root (about 15 minutes on 2 quiet cores):

    python benchmarks/bench_families.py [--rows DCGAN VAE ...] [--json PATH]

``--cost``: the older per-epoch cost mode. For every registered family (or those named with
``--models``), builds the model of ``TrainCatsConfig(model=NAME)``, trains ``--epochs`` epochs
as ``train-cats`` does and prints the median seconds per epoch after the first (wall and CPU)
and the default run's estimated training time; with ``--score EPOCHS`` the family trains on to
``EPOCHS`` and is scored there. This is how the VAE's default epochs were chosen:

    python benchmarks/bench_families.py --cost [--models vae dcgan] [--epochs 6] [--score 100 200]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import course_lib as cl  # noqa: E402
from course_lib.recipes import FAMILIES, TrainCatsConfig, build_model, train_cats  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "families.json"


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


# ------------------------------------------------------------------ the comparison (chapter 7)
#: The table's rows: (label, family, sampling settings set on the trained model). Ancestral
#: DDPM takes all 1,000 steps, 50 times DDIM-20's work: it samples 250 images (``n``), and its
#: seconds are scaled to 1,000.
ROWS = [
    ("MLP GAN", "mlp", {}),
    ("DCGAN", "dcgan", {}),
    ("VAE", "vae", {}),
    ("diffusion, DDPM 1000 (250 samples)", "diffusion", {"sampler": "ddpm", "n": 250}),
    ("diffusion, DDIM 50", "diffusion", {"sampler": "ddim", "sample_steps": 50}),
    ("diffusion, DDIM 20", "diffusion", {"sampler": "ddim", "sample_steps": 20}),
    ("autoregressive", "autoregressive", {}),
]


def _bits_per_pixel(family: str, model, cats) -> tuple[float | None, str]:
    """The family's likelihood on the training cats in bits per pixel, and on what data."""
    if family == "autoregressive":
        return (float(cl.autoregressive.bits_per_pixel(model, model.quantise(cats))),
                f"{model.levels} grey levels")
    if family == "vae":
        binary = np.where(cats > 0, 1.0, -1.0).astype(np.float32)
        return float(cl.autoregressive.vae_bits_per_pixel(model, binary)), "binary, ELBO bound"
    return None, ""


def _trained(family: str, workdir: Path, runs: dict):
    """Train ``family``'s default run once (as ``train-cats`` does) and reload its model."""
    if family not in runs:
        config = TrainCatsConfig(model=family)
        t0 = time.perf_counter()
        summary = train_cats(config, workdir / family, progress=False)
        runs[family] = (config, summary, time.perf_counter() - t0)
    config, summary, wall = runs[family]
    model = build_model(config)
    cl.checkpoints.restore(model, workdir / family / "checkpoints")
    return config, summary, wall, model


def compare(labels, workdir: Path) -> list[dict]:
    """Each row of :data:`ROWS` whose label is in ``labels``: trained, sampled, timed, scored."""
    cats, runs, rows = cl.data.load_cats(), {}, []
    for label, family, settings in ROWS:
        if label not in labels:
            continue
        config, summary, wall, model = _trained(family, workdir, runs)
        n = settings.get("n", config.num_samples)
        for name, value in settings.items():
            if name != "n":
                setattr(model, name, value)
        t0 = time.perf_counter()
        samples = model.generate(n, seed=config.sample_seed)
        sample_seconds = (time.perf_counter() - t0) * config.num_samples / n
        s = cl.evaluation.score(samples)
        bpp, bpp_on = _bits_per_pixel(family, model, cats)
        rows.append({"label": label, "family": family, "settings": settings, "samples": n,
                     "epochs": config.epochs, "params": int(model.count_params()),
                     "train_seconds": summary["train_seconds"], "run_seconds": round(wall, 1),
                     "sample_seconds": round(sample_seconds, 1), "bits_per_pixel": bpp,
                     "bits_per_pixel_on": bpp_on, "load": os.getloadavg()[0],
                     **{k: s[k] for k in ("fd", "fd_floor", "kid", "cat_fraction",
                                          "diversity", "memorised_fraction", "precision",
                                          "recall")}})
        r = rows[-1]
        print(f"  {label}: FD {r['fd']:.2f}, cat {r['cat_fraction']:.1%}, train "
              f"{r['train_seconds']:.0f} s, sample {r['sample_seconds']:.1f} s; {_load()}",
              flush=True)
    return rows


def markdown(rows: list[dict]) -> str:
    """The comparison as a Markdown table (README and chapter 7 quote it)."""
    lines = ["| model | FD (floor) | KID | called \"cat\" | diversity | memorised | precision / "
             "recall | parameters | training | whole run | 1,000 samples | bits/pixel |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        bpp = f"{r['bits_per_pixel']:.3f} ({r['bits_per_pixel_on']})" if r["bits_per_pixel"] \
            is not None else "-"
        lines.append(
            f"| {r['label']} ({r['epochs']} epochs) | {r['fd']:.1f} ({r['fd_floor']:.1f}) | "
            f"{r['kid']:.2f} | {r['cat_fraction']:.1%} | {r['diversity']:.2f} | "
            f"{r['memorised_fraction']:.1%} | {r['precision']:.0%} / {r['recall']:.0%} | "
            f"{r['params']:,} | {r['train_seconds']:.0f} s | {r['run_seconds']:.0f} s | "
            f"{r['sample_seconds']:.1f} s | {bpp} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cost", action="store_true", help="per-epoch cost mode (see above)")
    parser.add_argument("--models", nargs="+", default=list(FAMILIES), choices=list(FAMILIES))
    parser.add_argument("--epochs", type=int, default=6, help="--cost: epochs timed per family")
    parser.add_argument("--score", type=int, nargs="*", default=[],
                        help="--cost: epochs at which to score the samples")
    parser.add_argument("--rows", nargs="+", default=[r[0] for r in ROWS],
                        choices=[r[0] for r in ROWS], help="the comparison's rows")
    parser.add_argument("--json", type=Path, default=RESULTS, help="where to write the rows")
    args = parser.parse_args(argv)
    print(f"{cl.cap_threads()} usable CPUs; {_load()}")
    if args.cost:
        for name in args.models:
            measure(name, args.epochs, args.score)
        return 0
    with tempfile.TemporaryDirectory() as workdir:
        rows = compare(args.rows, Path(workdir))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"rows": rows, "cpus": cl.runtime.available_cpus()},
                                    indent=1) + "\n", encoding="utf-8")
    print("\n" + markdown(rows))
    print(f"\nwritten to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
