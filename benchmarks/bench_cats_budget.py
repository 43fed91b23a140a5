"""What a 3-minute CPU budget buys: train-cats' DCGAN scored along the way, and a wider one.

Trains the default ``train-cats`` DCGAN (width 32, batch 64, Adam 5e-4, seed 0, op determinism
on) and scores its samples at several epochs with ``cl.evaluation.score``; then a DCGAN twice as
wide (width 64) for as many epochs as fit in about the same time. Training time excludes the
scoring. This is how the length of ``python -m course_lib train-cats`` (then 500 epochs, before R1) was chosen;
chapter 5, section 9, shows the table. Run from the repository root (about 9 minutes on 2 cores):

    python benchmarks/bench_cats_budget.py [--epochs 150 300 500 600] [--wide-epochs 150 225]

``--compare``: candidate recipes against today's default, each trained through
``cl.recipes.train_cats`` exactly as ``python -m course_lib train-cats`` trains it, its
``samples.npy`` scored; prints FD, mean P(cat), memorised share, diversity, wall seconds and the
load, and writes ``benchmarks/results/cats_budget.json`` with the command and the winner (the
lowest FD among the rows that meet FD <= 5, P(cat) >= 0.85, memorised <= 2 %, diversity >= 0.9):

    python benchmarks/bench_cats_budget.py --compare [--rows default ema diffaugment]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

import course_lib as cl  # noqa: E402
from course_lib.recipes import DEFAULTS, TrainCatsConfig, train_cats  # noqa: E402


class _Timer(keras.callbacks.Callback):
    """Seconds spent in training epochs only (it must come before any scoring callback)."""

    def __init__(self):
        super().__init__()
        self.seconds = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds += time.perf_counter() - self._t0


class _ScoreAt(keras.callbacks.Callback):
    def __init__(self, epochs, timer, label, rows):
        super().__init__()
        self.epochs, self.timer, self.label, self.rows = set(epochs), timer, label, rows

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 in self.epochs:
            samples = self.model.generate(DEFAULTS["num_samples"], seed=DEFAULTS["sample_seed"])
            s = cl.evaluation.score(samples)
            self.rows.append((f"{self.label}, {epoch + 1} epochs", self.timer.seconds, s))
            print(f"  {self.rows[-1][0]:28s} {self.timer.seconds:6.0f} s  FD {s['fd']:5.2f}  "
                  f"cat {s['cat_fraction']:6.1%}", flush=True)


def run(width, epochs, rows, workdir):
    """``train_cats`` with train-cats' settings (seed 0, Adam 5e-4) and a DCGAN of ``width``."""
    timer = _Timer()
    config = TrainCatsConfig(epochs=max(epochs), width=width)
    train_cats(config, Path(workdir) / f"width_{width}", progress=False,
               callbacks=[timer, _ScoreAt(epochs, timer, f"width {width}", rows)])


#: The candidates of ``--compare``: TrainCatsConfig fields over today's default.
CANDIDATES = {
    "default": {},
    # the default until D got an R1 penalty: 500 epochs without it
    "no-r1-500": {"r1_weight": 0.0, "epochs": 500},
    # the default until the DCGAN's generator got twice D's rate and D lost its dropout
    "equal-rates-dropout": {"generator_lr_ratio": 1.0, "dropout": 0.3, "r1_weight": 0.0,
                            "epochs": 500},
    # a discriminator half the generator's width
    "half-width-d": {"discriminator_width": 16},
    "ema": {"ema_decay": 0.999},
    "diffaugment": {"augment": "translation,cutout"},
    "diffaugment+ema": {"augment": "translation,cutout", "ema_decay": 0.999},
}
RESULTS = Path(__file__).resolve().parent / "results" / "cats_budget.json"


def _meets(s: dict) -> bool:
    return (s["fd"] <= 5 and s["cat_prob"] >= 0.85 and s["memorised_fraction"] <= 0.02
            and s["diversity"] >= 0.9)


def compare(names, workdir) -> dict:
    """Train each candidate as ``train-cats`` does, score its samples; the rows and winner."""
    import json

    import numpy as np

    rows = []
    for name in names:
        load = os.getloadavg()
        t0 = time.perf_counter()
        summary = train_cats(TrainCatsConfig(**CANDIDATES[name]), Path(workdir) / name,
                             progress=False)
        wall = time.perf_counter() - t0
        s = cl.evaluation.score(np.load(Path(summary["out"]) / "samples.npy"))
        rows.append({"name": name, "settings": CANDIDATES[name], "wall_s": round(wall, 1),
                     "train_s": summary["train_seconds"], "load_before": load,
                     "load_after": os.getloadavg(), "meets": _meets(s),
                     **{k: s[k] for k in ("fd", "fd_floor", "cat_prob", "cat_fraction",
                                          "memorised_fraction", "diversity", "kid")}})
        r = rows[-1]
        print(f"{name:18s} FD {r['fd']:5.2f} (floor {r['fd_floor']:.2f})  P(cat) "
              f"{r['cat_prob']:.3f}  memorised {r['memorised_fraction']:.1%}  diversity "
              f"{r['diversity']:.2f}  {wall:6.0f} s wall  load {load[0]:.1f}", flush=True)
    ok = [r for r in rows if r["meets"]]
    out = {"command": "python benchmarks/bench_cats_budget.py --compare --rows " + " ".join(names),
           "cpus": cl.runtime.available_cpus(), "rows": rows,
           "winner": min(ok, key=lambda r: r["fd"])["name"] if ok else None}
    RESULTS.write_text(json.dumps(out, indent=1))
    print(f"winner: {out['winner']} (written to {RESULTS})")
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, nargs="+", default=[150, 300, 500, 600])
    parser.add_argument("--wide-epochs", type=int, nargs="+", default=[150, 225])
    parser.add_argument("--compare", action="store_true", help="candidates against the default")
    parser.add_argument("--rows", nargs="+", choices=list(CANDIDATES), default=list(CANDIDATES))
    args = parser.parse_args(argv)
    cl.cap_threads()
    if args.compare:
        with tempfile.TemporaryDirectory() as workdir:
            compare(args.rows, workdir)
        return 0
    rows = []
    print(f"{cl.runtime.available_cpus()} usable CPUs; scores of 1,000 samples")
    with tempfile.TemporaryDirectory() as workdir:
        run(32, args.epochs, rows, workdir)
        run(64, args.wide_epochs, rows, workdir)
    floor = rows[0][2]
    print(f"\n| run (seed {DEFAULTS['seed']}) | training time | FD | called \"cat\" | diversity |")
    print("|---|---|---|---|---|")
    for label, seconds, s in rows:
        print(f"| {label} | {seconds:.0f} s | {s['fd']:.1f} | {s['cat_fraction']:.1%} | "
              f"{s['diversity']:.2f} |")
    print(f"| real cats | | floor {floor['fd_floor']:.1f} | {floor['real_cat_fraction']:.1%} "
          "| 1.00 |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
