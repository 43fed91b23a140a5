"""Levers on train-cats' default DCGAN that are not run options: one run each, scored.

Each lever changes one thing of the default run (``cl.recipes.TrainCatsConfig()``: DCGAN width 32,
batch 64, Adam with beta_1 0.5 at 5e-4 for D and ``generator_lr_ratio`` times that for G, an
R1 penalty of 0.5, 400 epochs, seed 0; the rows measured before the ratio became 2 say
``"generator_lr_ratio": 1.0``, and every row measured before R1 became the default, up to the
``r1-0.5+epochs400`` rows, ran 500 epochs without R1 unless its lever says) and trains it through
``cl.recipes.train_cats`` exactly as ``python -m course_lib train-cats`` does; its 1,000 samples
are scored with ``cl.evaluation.score``. The levers that are run options (EMA, DiffAugment) are
in ``bench_cats_budget.py --compare``. Run from the repository root, one process per lever
(about 3.5 minutes each on 2 cores), and the rows are added to
``benchmarks/results/cats_levers.json``:

    python benchmarks/bench_cats_levers.py LEVER [LEVER ...]

LEVER is one of: ``decay-half`` (the learning rate held for half the steps, then linearly to 0),
``decay-linear`` (linearly to 0 from the start), ``smooth`` (one-sided label smoothing 0.1),
``ttur-F`` (the generator's rate F times D's, e.g. ``ttur-0.5``: ``--generator-lr-ratio F``), ``nodrop`` (no dropout in D),
``widthWxE`` (width W for E epochs, e.g. ``width40x400``), ``dwidthW`` / ``gwidthW`` (D's or
G's width W, the other the default's: ``--discriminator-width`` / ``--width``), ``sn`` (spectral normalisation in D), ``r1-G`` (an R1
penalty of weight G on D's gradient at real images, ``--r1-weight G``; ``r1-GxK`` lazily, every K-th step), ``beta2-B`` (Adam's beta_2 B) and ``bsB_LR_E`` (batch B, rate LR,
E epochs, e.g. ``bs128_1e-3_500``), ``epochsE`` and ``seedS`` (seed S); several join with "+", e.g.
``ttur-2+epochs450``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "cats_levers.json"


def _patch(lever: str) -> dict:
    """Apply ``lever`` (or several joined by "+") to this process; return the TrainCatsConfig
    fields they set."""
    if "+" in lever:
        fields = {}
        for part in lever.split("+"):
            fields.update(_patch(part))
        return fields
    if lever.startswith("epochs"):
        return {"epochs": int(lever[6:])}
    if lever.startswith("seed"):  # another seed of the same recipe: the spread of one run's FD
        return {"seed": int(lever[4:])}
    return _patch_one(lever)


def _patch_one(lever: str) -> dict:
    import keras
    import tensorflow as tf

    from course_lib import models, recipes, training

    if lever.startswith("decay-"):
        hold = {"decay-half": 0.5, "decay-linear": 0.0}[lever]
        steps = 500 * 15

        class HoldThenLinear(keras.optimizers.schedules.LearningRateSchedule):
            def __init__(self, initial_learning_rate):
                self.initial_learning_rate = initial_learning_rate

            def __call__(self, step):
                t = tf.cast(step, tf.float32) / steps
                return self.initial_learning_rate * tf.clip_by_value((1 - t) / (1 - hold), 0, 1)

            def get_config(self):
                return {"initial_learning_rate": self.initial_learning_rate}

        adam = keras.optimizers.Adam
        keras.optimizers.Adam = lambda lr, **kw: adam(HoldThenLinear(lr), **kw)
        return {}
    compile_ = training.GAN.compile
    if lever == "smooth":
        training.GAN.compile = lambda self, *a, **k: compile_(self, *a, label_smoothing=0.1, **k)
        return {}
    if lever.startswith("ttur-"):  # two time-scales: the generator's rate over D's
        return {"generator_lr_ratio": float(lever.split("-", 1)[1])}
    if lever == "nodrop":
        disc = models.dcgan_discriminator
        recipes.models.dcgan_discriminator = lambda width=32, dropout=0.3: disc(width, 0.0)
        return {}
    if lever.startswith("dwidth"):  # D's width (``--discriminator-width``)
        return {"discriminator_width": int(lever[6:])}
    if lever.startswith("gwidth"):  # G's width, D's the default's
        return {"width": int(lever[6:]), "discriminator_width": recipes.DCGAN_DEFAULTS["width"]}
    if lever == "sn":  # spectral normalisation of D's layers (Miyato et al. 2018), no dropout
        recipes.models.dcgan_discriminator = lambda width=32, dropout=0.0: models.dcgan_critic(
            width, norm="spectral")
        return {}
    if lever.startswith("r1-"):  # R1: gamma/2 E||grad_x D(x)||^2 on real images (Mescheder 2018)
        gamma, _, every = lever[3:].partition("x")  # r1-GxK: lazily, every K-th step, K * G
        gamma, every = float(gamma), int(every or 1)
        if every == 1:  # a run option: ``--r1-weight G``
            return {"r1_weight": gamma}
        d_loss_ = training.GAN._discriminator_loss

        def penalised(self, real, fake):
            with tf.GradientTape() as inner:
                inner.watch(real)
                real_logits = self.discriminator(real, training=True)
                total = tf.reduce_sum(real_logits)  # sample i's logit depends on x_i only
            grads = inner.gradient(total, real)
            penalty = 0.5 * gamma * every * tf.reduce_mean(tf.reduce_sum(grads ** 2, [1, 2, 3]))
            fake_logits = self.discriminator(fake, training=True)
            return d_loss_(self, real_logits, fake_logits) + penalty, real_logits, fake_logits

        def plain(self, real, fake):
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            return d_loss_(self, real_logits, fake_logits), real_logits, fake_logits

        def d_step(self, real, share=None):
            fake = self.generator(self._noise(tf.shape(real)[0]), training=True)
            with tf.GradientTape() as tape:
                d_loss, real_logits, fake_logits = tf.cond(
                    self.d_optimizer.iterations % every == 0,
                    lambda: penalised(self, real, fake), lambda: plain(self, real, fake))
            weights = self.discriminator.trainable_weights
            self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, weights), weights,
                                                 strict=True))
            acc_real = tf.reduce_mean(tf.cast(real_logits > 0, tf.float32))
            acc_fake = tf.reduce_mean(tf.cast(fake_logits < 0, tf.float32))
            return d_loss, acc_real, acc_fake

        training.GAN.d_step = d_step
        return {}
    if lever.startswith("beta2-"):
        beta_2 = float(lever[6:])
        adam = keras.optimizers.Adam
        keras.optimizers.Adam = lambda lr, **kw: adam(lr, **{**kw, "beta_2": beta_2})
        return {}
    if lever.startswith("width"):
        width, epochs = lever[5:].split("x")
        return {"width": int(width), "epochs": int(epochs)}
    if lever.startswith("bs"):
        batch, rate, epochs = lever[2:].split("_")
        return {"batch_size": int(batch), "learning_rate": float(rate), "epochs": int(epochs)}
    raise ValueError(f"unknown lever {lever!r}; see the module's docstring")


def one(lever: str) -> dict:
    import numpy as np

    import course_lib as cl
    from course_lib.recipes import TrainCatsConfig, train_cats

    fields = _patch(lever)
    load = os.getloadavg()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as d:
        summary = train_cats(TrainCatsConfig(**fields), Path(d) / "run", progress=False)
        wall = time.perf_counter() - t0
        s = cl.evaluation.score(np.load(Path(summary["out"]) / "samples.npy"))
    return {"lever": lever, "fields": fields, "wall_s": round(wall, 1), "load_before": load,
            **{k: s[k] for k in ("fd", "fd_floor", "cat_prob", "memorised_fraction",
                                 "diversity")}}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--one"]:
        print("ROW " + json.dumps(one(argv[1])))
        return 0
    rows = json.loads(RESULTS.read_text())["rows"] if RESULTS.exists() else []
    for lever in argv:  # a process each: a lever patches the process it runs in
        out = subprocess.run([sys.executable, __file__, "--one", lever], capture_output=True,
                             text=True, check=True, env={**os.environ,
                                                         "TF_CPP_MIN_LOG_LEVEL": "2"})
        row = json.loads(next(ln for ln in out.stdout.splitlines() if ln.startswith("ROW "))[4:])
        print(f"{lever:16s} FD {row['fd']:5.2f}  P(cat) {row['cat_prob']:.3f}  memorised "
              f"{row['memorised_fraction']:.1%}  diversity {row['diversity']:.2f}  "
              f"{row['wall_s']:5.0f} s wall", flush=True)
        rows = [r for r in rows if r["lever"] != lever] + [row]
        RESULTS.write_text(json.dumps({"command": "python benchmarks/bench_cats_levers.py "
                                                  "LEVER ...", "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
