"""The autoregressive family's cost curve: Fréchet distance and bits per pixel against
training seconds (chapter 7).

    python benchmarks/bench_autoregressive_curve.py [--milestones 5,10,20,30] [--levels 4]
        [--width 48] [--depth 5] [--batch-size 32] [--learning-rate 2e-3]

Trains one PixelCNN on the 1,000 cats and, at each milestone (in epochs), draws 1,000 samples
and scores them with ``cl.evaluation.score``. Bits per pixel are those of the (quantised)
training cats. Every row prints the load average: on a shared machine, wall seconds are
inflated; ``cpu_s`` (the process's CPU seconds for training) is not, and on a quiet 2-core
machine the training's wall time is about cpu_s / 2 to cpu_s / 1.5.
"""

from __future__ import annotations

import argparse
import os
import time

import course_lib as cl  # isort: skip - first, so TensorFlow loads quietly (chapter 0)

from course_lib import autoregressive as ar

D = ar.DEFAULTS


def parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--milestones", default="5,10,20,30")
    p.add_argument("--levels", type=int, default=4)
    p.add_argument("--width", type=int, default=D["width"])
    p.add_argument("--depth", type=int, default=8)
    p.add_argument("--batch-size", type=int, default=D["batch_size"])
    p.add_argument("--learning-rate", type=float, default=D["learning_rate"])
    p.add_argument("--samples", type=int, default=1000)
    p.add_argument("--decay", action="store_true",
                   help="cosine learning-rate decay over the last milestone's epochs")
    p.add_argument("--no-flip", action="store_true", help="train without left-right flips")
    p.add_argument("--png", default=None, help="save the last samples' grid to this file")
    p.add_argument("--temperatures", default="1.0",
                   help="sampling temperatures scored at each milestone, e.g. 1.0,0.9")
    return p.parse_args()


def main():
    args = parse()
    cl.cap_threads(2)
    cats = cl.data.load_cats()
    milestones = [int(m) for m in args.milestones.split(",")]
    steps = len(cats) // args.batch_size
    decay = milestones[-1] * steps if args.decay else None
    model = ar.build_autoregressive(seed=0, learning_rate=args.learning_rate, width=args.width,
                                    depth=args.depth, levels=args.levels,
                                    flip=not args.no_flip, decay_steps=decay)
    print(f"decay {args.decay}, flip {not args.no_flip}, levels {args.levels}, width {args.width}, depth {args.depth}, batch "
          f"{args.batch_size}, lr {args.learning_rate}: {model.count_params():,} params")
    print("epochs  train_s  cpu_s  sample_s      fd  floor  cat_frac  memorised  bits/px  temp  load")
    trained, seconds, cpu = 0, 0.0, 0.0
    for m in milestones:
        ds = cl.data.as_dataset(cats, args.batch_size, seed=0, epochs=m, start_epoch=trained)
        t0, c0 = time.perf_counter(), time.process_time()
        model.fit(ds, epochs=m, initial_epoch=trained, steps_per_epoch=steps, verbose=0)
        seconds += time.perf_counter() - t0
        cpu += time.process_time() - c0
        trained = m
        bpp = ar.bits_per_pixel(model, model.quantise(cats))
        for temperature in (float(t) for t in args.temperatures.split(",")):
            model.temperature = temperature
            t0 = time.perf_counter()
            samples = model.generate(args.samples, seed=1234)
            sample_s = time.perf_counter() - t0
            s = cl.evaluation.score(samples)
            print(f"{m:6d} {seconds:8.1f} {cpu:6.1f} {sample_s:9.1f} {s['fd']:7.2f} {s['fd_floor']:6.2f} "
                  f"{s['cat_fraction']:9.2f} {s['memorised_fraction']:10.3f} {bpp:8.3f}  "
                  f"T={temperature:g}  {os.getloadavg()[0]:.1f}", flush=True)
    if args.png:
        cl.plotting.save_image_grid(samples[:64], args.png, title=f"PixelCNN, {trained} epochs")


if __name__ == "__main__":
    main()
