"""Score a ``train-cats`` run: the chapter 5 numbers for DIR/samples.npy, beside real cats.

    python -m course_lib train-cats --out runs/cats
    python scripts/score_run.py runs/cats            # prints the numbers, writes runs/cats/scores.json

The numbers are those of ``cl.evaluation.score`` (chapter 5): the Fréchet distance in the
reference classifier's feature space beside the real-vs-real floor for the same sample size,
the fraction of samples the classifier calls "cat" beside real held-out cats, diversity
(1.0 = as diverse as real cats), the two memorisation numbers, and the kernel distance (KID)
and precision/recall, each beside real cats' value at the same sample size.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", help="a directory written by `python -m course_lib train-cats`")
    parser.add_argument("--no-write", action="store_true", help="do not write scores.json")
    args = parser.parse_args(argv)

    path = Path(args.run_dir) / "samples.npy"
    if not path.is_file():
        print(f"error: {path} not found. Expected a run directory written by "
              "`python -m course_lib train-cats --out DIR`.", file=sys.stderr)
        return 2
    import numpy as np

    import course_lib as cl

    cl.cap_threads()
    samples = np.load(path, allow_pickle=False)
    try:
        scores = cl.evaluation.score(samples)
    except (ValueError, TypeError) as exc:
        print(f"error: {path}: {exc}", file=sys.stderr)
        return 2
    print(f"{path} ({len(samples)} samples)")
    print(cl.evaluation.format_score(scores))
    history = Path(args.run_dir) / "history.json"
    if history.is_file():
        epochs = json.loads(history.read_text(encoding="utf-8"))
        if epochs:
            seconds = sum(e["seconds"] for e in epochs)
            print(f"trained {epochs[-1]['epoch']} epochs in {seconds:.0f} s (wall clock)")
    if not args.no_write:
        out = Path(args.run_dir) / "scores.json"
        out.write_text(json.dumps(scores, indent=1), encoding="utf-8")
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
