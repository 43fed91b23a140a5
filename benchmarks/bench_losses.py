"""Chapter 6's experiment: does a loss remedy instability? Seeds x learning rates per loss.

Trains the same GAN (the article's MLP by default, or the DCGAN) on the 1,000 cats with each
loss (``cl.recipes.build_gan(..., loss=...)``: its critic, its Adam betas and its n_critic) for
the same number of generator steps, over several seeds and learning rates, scores every run's 1,000 samples with
``cl.evaluation.score`` and classifies it:

* **diverged**: a NaN or infinite loss (``TrainingDivergedError``);
* **collapsed**: diversity below ``--diversity-min`` (real cats: 1.0; one repeated picture: 0);
* **diverged** too: an FD above ``--fd-bound`` (no cat learned, or lost again);
* **ok**: otherwise.

``--from-json FILE`` re-tabulates the runs of an earlier result file with the given bounds,
without training.

It prints one table (per loss: ok / collapsed / diverged counts, FD min / median / max over the
runs that have one (all but NaN runs), milliseconds per generator step and training seconds per run) and
writes every run and the table to a JSON file (default ``benchmarks/results/bench_losses.json``),
which chapter 6 reads (``cl.evaluation.format_stability_table`` prints its table,
``cl.plotting.loss_stability`` draws its runs). Timings depend on the machine and its load: the
file records ``os.getloadavg()`` before and after.

The default losses are the non-saturating loss, WGAN-GP with the paper's 5 critic steps and with
the recipe's 1, and the hinge loss with its spectrally normalised critic (1 critic step). The
full run, ``python benchmarks/bench_losses.py``: 3 seeds x 3 learning rates per loss, each run
100 epochs (1,500 generator steps) of the article's MLP, 36 runs, about 10 minutes on 2 quiet
cores. ``--seeds 0 1`` is a reduced run; ``--model dcgan`` trains the DCGAN instead (about 5
times the time).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

import course_lib as cl  # noqa: E402
from course_lib.files import read_json, write_json  # noqa: E402

RESULT = Path(__file__).parent / "results" / "bench_losses.json"
BATCH = 64


def parse_loss(text) -> tuple[str, int | None]:
    """``"wgan-gp"`` (the loss's own n_critic) or ``"wgan-gp:1"`` (n_critic 1)."""
    name, _, n = text.partition(":")
    if name not in cl.recipes.LOSSES or (n and not n.isdigit()):
        raise argparse.ArgumentTypeError(f"unknown loss {text!r}: expected one of "
                                         f"{tuple(cl.recipes.LOSSES)}, optionally ':N_CRITIC'")
    return name, int(n) if n else None


def run_one(loss, seed, learning_rate, epochs, model, cats) -> dict:
    """Train one GAN; return its FD, diversity, status inputs and cost."""
    cl.runtime.set_seed(seed, deterministic=True)
    name, n_critic = loss
    gan = cl.recipes.build_gan(model, learning_rate=learning_rate, seed=seed, loss=name,
                               n_critic=n_critic)
    ds = cl.data.as_dataset(cats, BATCH, seed=seed, epochs=epochs)
    steps = len(cats) // BATCH
    t0 = time.perf_counter()
    try:
        gan.fit(ds, epochs=epochs, steps_per_epoch=steps, verbose=0, shuffle=False)
        nan = False
    except cl.training.TrainingDivergedError:
        nan = True
    seconds = time.perf_counter() - t0
    done = steps * epochs if not nan else max(1, gan.diverged_at[0] * steps + gan.diverged_at[1])
    row = {"loss": f"{name} (n_critic {gan.n_critic})", "seed": seed, "learning_rate": learning_rate, "epochs": epochs,
           "n_critic": gan.n_critic, "seconds": round(seconds, 2),
           "ms_per_step": round(1000 * seconds / done, 2), "nan": nan, "fd": None,
           "diversity": None}
    if not nan:
        samples = gan.generate(1000, seed=1234)
        if np.all(np.isfinite(samples)):
            s = cl.evaluation.score(samples)
            row.update(fd=round(s["fd"], 3), diversity=round(s["diversity"], 3),
                       fd_floor=round(s["fd_floor"], 3))
        else:
            row["nan"] = True
    return row


def classify(row, fd_bound, diversity_min) -> str:
    """"diverged", "collapsed" or "ok" (see the module docstring)."""
    if row["nan"] or row["fd"] is None:
        return "diverged"
    if row["diversity"] < diversity_min:
        return "collapsed"
    return "diverged" if row["fd"] > fd_bound else "ok"


def summarise(rows) -> list[dict]:
    """One table row per loss."""
    table = []
    for loss in dict.fromkeys(r["loss"] for r in rows):
        mine = [r for r in rows if r["loss"] == loss]
        fds = [r["fd"] for r in mine if r["fd"] is not None]  # every run that has an FD
        table.append({
            "loss": loss, "runs": len(mine), "n_critic": mine[0]["n_critic"],
            **{k: sum(r["status"] == k for r in mine) for k in ("ok", "collapsed", "diverged")},
            "fd_min": min(fds) if fds else None,
            "fd_median": float(np.median(fds)) if fds else None,
            "fd_max": max(fds) if fds else None,
            "ms_per_step": float(np.median([r["ms_per_step"] for r in mine])),
            "seconds_per_run": float(np.median([r["seconds"] for r in mine])),
        })
    return table


def train(args) -> list[dict]:
    """Every run of the experiment, in order: loss, then learning rate, then seed."""
    cl.cap_threads()
    cats = cl.data.load_cats(value_range=(-1.0, 1.0))
    rows = []
    for loss in args.losses:
        for lr in args.learning_rates:
            for seed in args.seeds:
                row = run_one(loss, seed, lr, args.epochs, args.model, cats)
                row["status"] = classify(row, args.fd_bound, args.diversity_min)
                rows.append(row)
                print(f"{row['loss']:26s} lr {lr:<7g} seed {seed}: {row['status']:9s} FD "
                      f"{row['fd']} diversity {row['diversity']} {row['ms_per_step']:.0f} ms/step "
                      f"(load {os.getloadavg()[0]:.1f})", flush=True)
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--losses", nargs="+", type=parse_loss,
                        default=[("non_saturating", None), ("wgan-gp", 5), ("wgan-gp", None),
                                 ("hinge", None)],
                        help="loss names, each optionally with :N_CRITIC, e.g. wgan-gp:5 (the "
                             "paper's); without it, the recipe's (cl.recipes.LOSSES)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--learning-rates", type=float, nargs="+", default=[1e-4, 5e-4, 2e-3])
    parser.add_argument("--epochs", type=int, default=100, help="the same for every loss")
    parser.add_argument("--model", choices=["mlp", "dcgan"], default="mlp",
                        help="the article's MLP (default: seconds per run) or the DCGAN")
    parser.add_argument("--fd-bound", type=float, default=40.0)
    parser.add_argument("--diversity-min", type=float, default=0.5)
    parser.add_argument("--out", type=Path, default=RESULT)
    parser.add_argument("--from-json", type=Path, default=None,
                        help="re-tabulate the runs of this result file (no training)")
    args = parser.parse_args(argv)
    if args.from_json is not None:
        result = read_json(args.from_json, "a bench_losses result")
        rows = result["runs"]
    else:
        result, rows = {"command": "python benchmarks/bench_losses.py " + " ".join(
            argv if argv is not None else sys.argv[1:]), "load_before": os.getloadavg()}, train(args)
        result.update(settings={k: (str(v) if isinstance(v, Path) else v)
                                for k, v in vars(args).items()},
                      cpus=cl.runtime.available_cpus(), load_after=os.getloadavg())
    for row in rows:
        row["status"] = classify(row, args.fd_bound, args.diversity_min)
    result.update(fd_bound=args.fd_bound, diversity_min=args.diversity_min,
                  table=summarise(rows), runs=rows)
    print(cl.evaluation.format_stability_table(result["table"]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_json(args.out, result)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
