"""The trained stage of chapter 6's exercise 3 (check ``ch06.conditional_input``), measured.

Trains ``cl.conditional.train_small`` (four classes, 10 epochs) with the right generator input,
with the label hidden from G (ten zero columns) and with the label hidden from D, and prints
the share of samples the reference classifier calls the class asked for (the check's pass mark
is ``cl.checks.ch06.OBEYS_AT_LEAST``; chance is 25 %), the training time and the load (the
machine may be shared). From the repository root:

    python benchmarks/bench_conditional_exercise.py [--runs right g-blind d-blind]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

import course_lib as cl  # noqa: E402
from course_lib import conditional  # noqa: E402
from course_lib.checks import ch06  # noqa: E402


def right(z, labels):
    return np.concatenate([z, np.eye(10)[labels]], axis=1)


def label_ignored(z, labels):
    return np.concatenate([z, np.zeros((len(z), 10))], axis=1)


RUNS = {"right": (right, True), "g-blind": (label_ignored, True), "d-blind": (right, False)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", nargs="+", choices=list(RUNS), default=list(RUNS))
    args = parser.parse_args()
    cl.cap_threads(2)
    for name in args.runs:
        fn, d_sees_label = RUNS[name]
        load = os.getloadavg()
        t0, c0 = time.perf_counter(), time.process_time()
        gan = conditional.train_small(fn, d_sees_label=d_sees_label)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        shares = conditional.obedience(gan)
        mean = float(np.mean(list(shares.values())))
        print(f"{name}: {mean:.1%} classified as asked (pass mark {ch06.OBEYS_AT_LEAST:.0%}); "
              + ", ".join(f"{k} {v:.0%}" for k, v in shares.items())
              + f"; train {wall:.1f} s wall, {cpu:.1f} CPU-s; load before "
              f"{' '.join(f'{x:.1f}' for x in load)}", flush=True)


if __name__ == "__main__":
    main()
