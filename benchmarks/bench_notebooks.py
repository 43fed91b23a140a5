"""Execute every notebook in a fresh kernel; print wall time and the kernel's peak memory.

Targets (a 2-core machine, Binder-sized memory): each notebook <= 180 s and <= 1.5 GB, the whole
course <= 12 minutes. Run from the repository root:

    python benchmarks/bench_notebooks.py [--only 05] [--json results.json]

Notebooks run one at a time so that they do not compete for the CPUs. Peak memory is the
kernel process's high-water mark of resident memory (VmHWM in /proc, Linux only).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS, TARGET_MB, TARGET_TOTAL_MIN = 180.0, 1536.0, 12.0


def _peak_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


def run_notebook(path: Path) -> dict:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=900, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    env_backend = os.environ.pop("MPLBACKEND", None)
    try:
        with client.setup_kernel():
            pid = client.km.provisioner.process.pid
            t0 = time.perf_counter()
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
            seconds = time.perf_counter() - t0
            peak = _peak_mb(pid)
    finally:
        if env_backend is not None:
            os.environ["MPLBACKEND"] = env_backend
    return {"notebook": f"{path.parent.name}/{path.name}", "seconds": round(seconds, 1),
            "peak_mb": round(peak)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="run only notebooks whose name contains this")
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    paths = [p for d in ("notebooks", "solutions", "exercises")
             for p in sorted((ROOT / d).glob("*.ipynb")) if args.only in p.name]
    print(f"{'notebook':52s} {'seconds':>8s} {'target':>7s} {'peak MB':>8s} {'target':>7s}")
    results, total = [], 0.0
    for path in paths:
        r = run_notebook(path)
        results.append(r)
        total += r["seconds"]
        ok = r["seconds"] <= TARGET_SECONDS and r["peak_mb"] <= TARGET_MB
        print(f"{r['notebook']:52s} {r['seconds']:8.1f} {TARGET_SECONDS:7.0f} "
              f"{r['peak_mb']:8.0f} {TARGET_MB:7.0f}  {'ok' if ok else 'OVER'}", flush=True)
    minutes = total / 60
    print(f"{'whole course':52s} {minutes:7.1f}m {TARGET_TOTAL_MIN:6.0f}m"
          f"  {'ok' if minutes <= TARGET_TOTAL_MIN else 'OVER'}")
    print(f"machine: {os.cpu_count()} CPUs reported, {len(os.sched_getaffinity(0))} usable")
    if args.json:
        Path(args.json).write_text(json.dumps({"results": results, "total_minutes": minutes},
                                              indent=1))
    return 0 if all(r["seconds"] <= TARGET_SECONDS and r["peak_mb"] <= TARGET_MB
                    for r in results) and minutes <= TARGET_TOTAL_MIN else 1


if __name__ == "__main__":
    sys.exit(main())
