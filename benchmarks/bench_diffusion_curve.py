"""The diffusion model's cost curves on the cats (chapter 7): quality against training, and
quality against sampling steps.

1. Trains ``cl.diffusion.build_diffusion`` on the 1,000 cats and, at each epoch in
   ``--checkpoints``, samples 1,000 images with DDIM (``--eval-steps`` steps) and scores them with
   ``cl.evaluation.score``: one row per checkpoint with the steps, training seconds, ms per
   step, the load average, Fréchet distance (FD), cat fraction and memorised share.
2. With the final weights: DDIM with each of ``--ddim-steps`` (and, with ``--ddpm``, ancestral
   DDPM over all T steps): FD, cat fraction and the seconds to sample 1,000 images.

The machine's load (1-minute average) is printed beside every timing: on a shared machine the
ms per step, not the wall time, is the number to compare. Run from the repository root:

    python benchmarks/bench_diffusion_curve.py [--checkpoints 30 60 100 150] \
        [--ddim-steps 10 20 50] [--schedule cosine] [--width 16] [--ddpm]

Targets (2 CPU cores): training <= 180 s, 1,000 samples <= 60 s, FD within 2x of the DCGAN's
(<= ~13), cat fraction >= 0.70, memorised <= 2 %.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import course_lib as cl  # noqa: E402


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def _scored(model, n, sampler, steps):
    t0 = time.perf_counter()
    images = model.sample(n, seed=1234, sampler=sampler, steps=steps)
    seconds = time.perf_counter() - t0
    return cl.evaluation.score(images), seconds


def _row(*cells) -> str:
    return " | ".join(str(c) for c in cells)


def train_curve(model, cats, args) -> None:
    """Train to each checkpoint epoch in turn, then score DDIM samples there."""
    steps_per_epoch = len(cats) // args.batch_size
    print(_row("epoch", "steps", "train s", "ms/step", "load", "FD", "cat frac", "memorised",
               "sample s"))
    done, seconds = 0, 0.0
    for epoch in args.checkpoints:
        ds = cl.data.as_dataset(cats, args.batch_size, seed=0, epochs=epoch, start_epoch=done)
        t0 = time.perf_counter()
        model.fit(ds, epochs=epoch, initial_epoch=done, steps_per_epoch=steps_per_epoch,
                  verbose=0)
        dt = time.perf_counter() - t0
        ms = 1000 * dt / ((epoch - done) * steps_per_epoch)
        seconds, done, load = seconds + dt, epoch, _load()
        s, sample_s = _scored(model, args.num_samples, "ddim", args.eval_steps)
        print(_row(epoch, epoch * steps_per_epoch, f"{seconds:.0f}", f"{ms:.0f}", load,
                   f"{s['fd']:.2f}", f"{s['cat_fraction']:.2f}",
                   f"{s['memorised_fraction']:.3f}", f"{sample_s:.1f}"), flush=True)


def sampler_curve(model, args) -> None:
    """FD and sampling seconds for each number of DDIM steps (and DDPM with ``--ddpm``)."""
    print(_row("sampler", "network calls", "FD", "cat frac", "memorised", "sample s", "load"))
    runs = [("ddim", k) for k in args.ddim_steps]
    if args.ddpm:
        runs.append(("ddpm", model.timesteps))
    for sampler, steps in runs:
        s, sec = _scored(model, args.num_samples, sampler, steps)
        print(_row(sampler, steps, f"{s['fd']:.2f}", f"{s['cat_fraction']:.2f}",
                   f"{s['memorised_fraction']:.3f}", f"{sec:.1f}", _load()), flush=True)


def main(argv=None) -> None:
    d = cl.diffusion.DEFAULTS
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--checkpoints", type=int, nargs="+", default=[30, 60, 100, 150])
    p.add_argument("--ddim-steps", type=int, nargs="+", default=[10, 20, 50])
    p.add_argument("--eval-steps", type=int, default=d["sample_steps"])
    p.add_argument("--ddpm", action="store_true", help="also ancestral DDPM over all T steps")
    p.add_argument("--schedule", default=d["schedule"], choices=sorted(cl.diffusion.SCHEDULES))
    p.add_argument("--timesteps", type=int, default=d["timesteps"])
    p.add_argument("--width", type=int, default=d["width"])
    p.add_argument("--learning-rate", type=float, default=d["learning_rate"])
    p.add_argument("--ema-decay", type=float, default=d["ema_decay"])
    p.add_argument("--batch-size", type=int, default=d["batch_size"])
    p.add_argument("--num-samples", type=int, default=1000)
    args = p.parse_args(argv)
    args.checkpoints = sorted(set(args.checkpoints))
    cl.cap_threads()
    cl.set_seed(0)
    model = cl.diffusion.build_diffusion(seed=0, learning_rate=args.learning_rate,
                                         width=args.width, timesteps=args.timesteps,
                                         schedule=args.schedule, ema_decay=args.ema_decay)
    print(f"diffusion: {model.count_params():,} parameters, schedule {args.schedule}, "
          f"T={args.timesteps}, width {args.width}, lr {args.learning_rate:g}, batch "
          f"{args.batch_size}, {cl.runtime.available_cpus()} CPUs, load {_load()}")
    cats = cl.data.load_cats()
    train_curve(model, cats, args)
    sampler_curve(model, args)


if __name__ == "__main__":
    main()
