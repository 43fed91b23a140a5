"""oneDNN on or off: TensorFlow's speed and the numbers the chapters quote, measured side by side.

``TF_ENABLE_ONEDNN_OPTS`` is read once, when TensorFlow loads, so every setting runs in its own
child process; settings alternate round by round so that all see the same machine load. Each child
times the DCGAN and the MLP GAN (seconds per epoch of ``cl.training.GAN.fit`` on the 1,000 cats,
after a warm-up epoch) and prints each one's seeded final generator loss so that numeric drift
shows. Run from the repository root:

    python benchmarks/bench_onednn.py [--rounds 3] [--epochs 3]

The course keeps oneDNN on and grappler's remapper on (``course_lib.runtime.load_tensorflow_quietly``
filters the start-up notices instead); README, "TensorFlow's start-up log", records the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

# name: (TF_ENABLE_ONEDNN_OPTS or None for unset, grappler's remapper on)
SETTINGS = {
    "oneDNN on (default, the course)": (None, True),
    "oneDNN on, remapper off": (None, False),
    "oneDNN off": ("0", True),
}

CHILD = r"""
import json, sys, time
import keras
import course_lib as cl

epochs = int(sys.argv[1])
if sys.argv[2] == "noremap":
    import tensorflow as tf
    tf.config.optimizer.set_experimental_options({"remapping": False})
cl.cap_threads()
cats = cl.data.load_cats()
out = {}
for kind in ("dcgan", "mlp"):
    cl.set_seed(0)
    gan = cl.training.GAN(getattr(cl.models, f"{kind}_generator")(),
                          getattr(cl.models, f"{kind}_discriminator")(), latent_dim=100, seed=0)
    gan.compile(d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    ds = cl.data.as_dataset(cats, 64, seed=0, epochs=1 + epochs)
    gan.fit(ds.take(len(cats) // 64), epochs=1, verbose=0)  # warm-up: tracing
    t0 = time.perf_counter()
    h = gan.fit(cl.data.as_dataset(cats, 64, seed=0, epochs=1 + epochs, start_epoch=1),
                epochs=1 + epochs, initial_epoch=1, verbose=0)
    out[kind + "_s_per_epoch"] = (time.perf_counter() - t0) / epochs
    out[kind + "_g_loss"] = float(h.history["g_loss"][-1])
print("RESULT " + json.dumps(out))
"""


def run_child(value, remap, epochs):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("TF_ENABLE_ONEDNN_OPTS", None)
    if value is not None:
        env["TF_ENABLE_ONEDNN_OPTS"] = value
    proc = subprocess.run([sys.executable, "-c", CHILD, str(epochs),
                           "remap" if remap else "noremap"], env=env, text=True,
                          capture_output=True, check=True)
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")][-1]
    out = json.loads(line[len("RESULT "):])
    out["stderr_lines"] = len(proc.stderr.splitlines())
    out["remapper_failed"] = proc.stderr.count("remapper failed")
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args(argv)
    results = {name: [] for name in SETTINGS}
    for r in range(args.rounds):
        for name, (value, remap) in SETTINGS.items():
            results[name].append(run_child(value, remap, args.epochs))
            print(f"round {r + 1}: {name}: {results[name][-1]}", flush=True)
    print(f"\nmedian of {args.rounds} interleaved rounds, {args.epochs} epochs each, batch 64")
    print(f"{'':32s} {'DCGAN s/epoch':>14s} {'MLP s/epoch':>12s} {'DCGAN g_loss':>13s} "
          f"{'MLP g_loss':>11s} {'remapper failed':>16s}")
    for name, rows in results.items():
        med = {k: statistics.median(row[k] for row in rows) for k in rows[0]}
        print(f"{name:32s} {med['dcgan_s_per_epoch']:14.2f} {med['mlp_s_per_epoch']:12.3f} "
              f"{med['dcgan_g_loss']:13.4f} {med['mlp_g_loss']:11.4f} "
              f"{med['remapper_failed']:16.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
