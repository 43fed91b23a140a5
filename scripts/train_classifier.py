"""Train the reference classifier that measures generated cats (chapter 5), reproducibly.

    python scripts/train_classifier.py            # writes course_lib/assets/animal_classifier.weights.h5

The classifier is independent of every GAN in the course: a small CNN trained on the ten
Animal Shape classes, on the fixed stratified 80 % split of ``cl.evaluation.split_indices()``
(seeded by ``cl.evaluation.SPLIT_SEED``). The other 20 % (200 images per class) are never seen
in training; the held-out accuracy printed at the end is measured on them, and
tests/test_evaluation.py checks it again (>= 0.90).

Training uses random horizontal flips (animals face either way) and small shifts, Adam with a
cosine-decayed learning rate, seed 0 and TensorFlow's op determinism. About 3-4 CPU-minutes on
2 cores. Results are identical on the same machine; another CPU may differ in the last digits.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_out = Path(__file__).resolve().parents[1] / "course_lib" / "assets"
    parser.add_argument("--out", default=str(default_out / "animal_classifier.weights.h5"))
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import keras
    import numpy as np
    from keras import layers

    import course_lib as cl

    cl.cap_threads()
    cl.set_seed(args.seed, deterministic=True)
    images, labels = cl.data.load_animal_shapes(value_range=(-1.0, 1.0))
    train, held = cl.evaluation.split_indices(labels)
    print(f"train {len(train)} images, held out {len(held)} (never seen in training)")

    clf = cl.evaluation.build_classifier()
    augment = keras.Sequential(
        [layers.RandomFlip("horizontal", seed=args.seed + 1),
         layers.RandomTranslation(0.08, 0.08, fill_mode="constant", fill_value=-1.0,
                                  seed=args.seed + 2)],
        name="augment",
    )
    model = keras.Sequential([keras.Input((28, 28, 1)), augment, clf])
    batch_size = 128
    steps = args.epochs * int(np.ceil(len(train) / batch_size))
    model.compile(
        optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(2e-3, steps)),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    t0 = time.process_time()
    model.fit(images[train], labels[train], batch_size=batch_size, epochs=args.epochs,
              shuffle=True, verbose=2)
    pred = np.argmax(clf.predict(images[held], batch_size=500, verbose=0), axis=1)
    acc = float(np.mean(pred == labels[held]))
    per_class = {cl.data.CLASS_NAMES[k]: float(np.mean(pred[labels[held] == k] == k))
                 for k in range(10)}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    clf.save_weights(str(out))
    print(f"held-out accuracy {acc:.4f}; per class "
          + ", ".join(f"{k} {v:.2f}" for k, v in per_class.items()))
    print(f"wrote {out} ({out.stat().st_size / 1024:.0f} KiB) after "
          f"{time.process_time() - t0:.0f} CPU-seconds")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
