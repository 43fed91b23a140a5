"""Measuring generated cats with numbers, each beside what real cats score (chapter 5).

The article's advice, "compare the generated images with real ones", becomes numbers. All
of them look at images through an **independent reference classifier**: a small CNN trained on
the ten Animal Shape classes (not the GAN's discriminator, which is part of the game it judges).
``scripts/train_classifier.py`` trains it reproducibly on a fixed 80 % of the 10,000 images
(:func:`split_indices`); its weights ship with ``course_lib`` (``assets/``), and the other 20 %
(200 per class) are images it never saw.

``score(images)`` returns a dict with

* ``fd``: the **Fréchet distance** between the samples and real cats in the classifier's
  feature space (its penultimate layer): fit a Gaussian to each set of features and compare
  means and covariances. Lower is better. FD is biased *upward* for small samples (a
  covariance estimated from few images is noisy, and the noise adds distance), so it is
  compared with ``fd_floor``: the FD between two disjoint sets of *real* cats of the same size.
  A perfect generator scores about the floor, never zero.
* ``kid``: the **kernel distance** (KID, Binkowski et al. 2018) on the same features: an
  unbiased estimate of the squared MMD with a cubic polynomial kernel (:func:`kernel_distance`).
  Unlike FD it has no small-sample bias: ``kid_floor``, real vs real, is about 0 at every size.
* ``precision`` / ``recall`` (Kynkäänniemi et al. 2019, :func:`precision_recall`): the share of
  samples that lie on the real cats' feature manifold, and the share of real cats on the
  samples' manifold, beside ``precision_floor`` / ``recall_floor`` for real cats. Ugly samples
  lose precision; a collapsed generator keeps precision and loses recall.
* ``cat_prob`` / ``cat_fraction``: the classifier's mean probability of "cat", and the fraction
  of samples it classifies as a cat, beside ``real_cat_prob`` / ``real_cat_fraction`` for the
  held-out real cats.
* ``diversity``: the mean pairwise feature distance between samples divided by that between
  real cats: 1.0 is as diverse as real cats, far below 1 is mode collapse.
* ``nn_ratio`` and ``memorised_fraction``: how close each sample lies to its nearest
  *training* cat, in pixels. ``nn_ratio`` is the median of those distances divided by the
  median distance from a real cat to its nearest other real cat (well below 1: copies).
  ``memorised_fraction`` is the fraction of samples closer to a training cat than 95 % of real
  cats are to their nearest neighbour (about 0.05 for new real cats; 1.0 for copies).

Also here: :class:`EvalCallback` (these numbers during ``GAN.fit``), :func:`format_table`
(several runs side by side), :func:`nearest_real` (a sample's nearest training cat) and
:class:`DiscriminatorProbe` with :func:`auc` (does the discriminator recognise its own training
images? the "enough data?" question of the article's flowchart).

Everything is NumPy and TensorFlow; the matrix square root in the FD goes through a symmetric
eigendecomposition, so it stays real and accurate.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from course_lib import data
from course_lib.validation import (
    as_numeric_array,
    check_feature_sets,
    check_finite,
    check_positive_int,
    check_seed,
    check_value_range,
)

__all__ = [
    "CAT",
    "DiscriminatorProbe",
    "EvalCallback",
    "HELDOUT_PER_CLASS",
    "MIN_SAMPLES",
    "SPLIT_SEED",
    "RESULTS_DIR",
    "WEIGHTS_FILE",
    "auc",
    "benchmark_result",
    "build_classifier",
    "classify",
    "features",
    "format_score",
    "format_stability_table",
    "format_table",
    "frechet_distance",
    "frechet_distance_from_stats",
    "heldout_set",
    "kernel_distance",
    "load_classifier",
    "nearest_real",
    "precision_recall",
    "sample_size_study",
    "score",
    "split_indices",
]

#: Label of "cat" in :data:`course_lib.data.CLASS_NAMES`.
CAT = 2
#: Seed of the train/held-out split of the 10,000 images (stratified, 200 held out per class).
SPLIT_SEED = 2024
HELDOUT_PER_CLASS = 200
#: The classifier's weights, in ``course_lib/assets/`` (written by scripts/train_classifier.py).
WEIGHTS_FILE = "animal_classifier.weights.h5"
#: ``score`` needs at least this many images: fewer make every statistic meaningless.
MIN_SAMPLES = 50
#: Images are embedded in batches of this size.
_BATCH = 500
#: A sample is "memorised" if it is closer to a training cat than this quantile of the
#: real-vs-real nearest-neighbour distances.
MEMORISED_QUANTILE = 0.05


# ------------------------------------------------------------------------------ the split
def split_indices(labels=None) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(train, heldout)`` into ``cl.data.load_animal_shapes()`` (chapter 5).

    Stratified and fixed: for each class ``k`` the images of that class are permuted by
    ``np.random.default_rng([SPLIT_SEED, k])`` and the first :data:`HELDOUT_PER_CLASS` are held
    out. The classifier was trained on ``train`` only, so accuracy on ``heldout`` is honest.
    """
    if labels is None:
        _, labels = data.load_animal_shapes()
    labels = np.asarray(labels)
    held = []
    for k in np.unique(labels):
        idx = np.flatnonzero(labels == k)
        held.append(np.random.default_rng([SPLIT_SEED, int(k)]).permutation(idx)[:HELDOUT_PER_CLASS])
    heldout = np.sort(np.concatenate(held))
    train = np.setdiff1d(np.arange(len(labels)), heldout)
    return train, heldout


def heldout_set(classes=None) -> tuple[np.ndarray, np.ndarray]:
    """The held-out images and labels (in [-1, 1]), optionally only those of ``classes``."""
    images, labels = data.load_animal_shapes()
    _, held = split_indices(labels)
    x, y = images[held], labels[held]
    if classes is not None:
        keep = np.isin(y, data.class_indices(classes))
        x, y = x[keep], y[keep]
    return x, y


# ------------------------------------------------------------------------- the classifier
def build_classifier():
    """The reference classifier's architecture: three conv blocks, 128 features, 10 logits.

    The layer named ``"features"`` (128 ReLU units) is the feature space of the Fréchet
    distance. Independent of every GAN in the course (chapter 5).
    """
    inputs = keras.Input(shape=(28, 28, 1), name="image")
    h = inputs
    for filters in (32, 64, 64):
        h = layers.Conv2D(filters, 3, padding="same", activation="relu")(h)
        h = layers.MaxPooling2D()(h)
    h = layers.Flatten()(h)
    h = layers.Dropout(0.3)(h)
    h = layers.Dense(128, activation="relu", name="features")(h)
    h = layers.Dropout(0.3)(h)
    logits = layers.Dense(10, name="logits")(h)
    return keras.Model(inputs, logits, name="animal_classifier")


def _weights_path() -> Path:
    return Path(str(resources.files("course_lib") / "assets" / WEIGHTS_FILE))


@lru_cache(maxsize=1)
def _networks():
    path = _weights_path()
    if not path.is_file():
        raise ValueError(
            f"The reference classifier's weights are missing: {path}. They ship with course_lib; "
            "reinstall it (pip install -e .) or recreate them with "
            "`python scripts/train_classifier.py`."
        )
    clf = build_classifier()
    clf.load_weights(str(path))
    both = keras.Model(clf.input, [clf.get_layer("features").output, clf.output])

    @tf.function(reduce_retracing=True)
    def embed(x):
        feats, logits = both(x, training=False)
        return feats, tf.nn.softmax(logits)

    return clf, embed


def load_classifier():
    """The reference classifier (a ``keras.Model`` returning logits), loaded once (chapter 5)."""
    return _networks()[0]


def _check_images(images, value_range=(-1.0, 1.0), min_samples=1, name="images") -> np.ndarray:
    """Validate a batch of 28x28 grayscale images and return it as float32 in [-1, 1]."""
    lo, hi = check_value_range(value_range)
    x = as_numeric_array(images, name)
    shape = x.shape
    if x.ndim == 3 and shape[1:] == (28, 28):
        x = x[..., None]
    if x.ndim != 4 or x.shape[1:] != (28, 28, 1):
        hint = ""
        if x.ndim == 2 and x.shape[1] == 784:
            hint = f" Reshape them: {name}.reshape(-1, 28, 28, 1)."
        elif x.ndim == 4 and x.shape[1:3] == (28, 28):
            hint = " The images must be grayscale (one channel)."
        elif x.ndim == 3 and x.shape[0] == 28:
            hint = f" A single image? Pass a batch: {name}[None]."
        raise ValueError(
            f"{name} has shape {shape}, expected a batch of 28x28 grayscale images, shape "
            f"(n, 28, 28, 1) or (n, 28, 28).{hint}"
        )
    if len(x) < min_samples:
        raise ValueError(
            f"{name} holds {len(x)} images, but at least {min_samples} are needed: with fewer, "
            "a covariance of 128 features and a diversity estimate are mostly noise. Generate "
            "more samples (e.g. gan.generate(1000))."
        )
    x = x.astype(np.float32)
    check_finite(name, x)
    mn, mx = float(x.min()), float(x.max())
    tol = 1e-3 * (hi - lo)
    if mn < lo - tol or mx > hi + tol:
        guess = ""
        if mx > 1.5 and mn >= 0:
            guess = " They look like 0..255 pixels: pass value_range=(0, 255)."
        elif mn >= 0 and mx <= 1 and lo < 0:
            guess = " (They fit (0, 1): pass value_range=(0, 1) for a sigmoid generator.)"
        raise ValueError(
            f"{name} lie in [{mn:g}, {mx:g}], outside value_range=({lo:g}, {hi:g}).{guess} "
            "Pass the range your images really use (a tanh generator gives (-1, 1))."
        )
    if (lo, hi) != (-1.0, 1.0):
        x = (x - lo) / (hi - lo) * 2.0 - 1.0
    return np.clip(x, -1.0, 1.0)


def _embed(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    _, embed = _networks()
    feats, probs = [], []
    for i in range(0, len(x), _BATCH):
        batch = x[i:i + _BATCH]
        pad = _BATCH - len(batch)  # one input shape: no retracing for the last batch
        if pad:
            batch = np.concatenate([batch, np.full((pad, 28, 28, 1), -1.0, np.float32)])
        f, p = embed(batch)
        feats.append(np.asarray(f)[:_BATCH - pad])
        probs.append(np.asarray(p)[:_BATCH - pad])
    return np.concatenate(feats).astype(np.float64), np.concatenate(probs).astype(np.float64)


def classify(images, value_range=(-1.0, 1.0)) -> np.ndarray:
    """Class probabilities ``(n, 10)`` from the reference classifier (chapter 5)."""
    return _embed(_check_images(images, value_range))[1]


def features(images, value_range=(-1.0, 1.0)) -> np.ndarray:
    """The classifier's 128 penultimate-layer features ``(n, 128)``, float64 (chapter 5)."""
    return _embed(_check_images(images, value_range))[0]


# ------------------------------------------------------------------------ Fréchet distance
# Small dense linear algebra runs in TensorFlow rather than NumPy: for 128 x 128 matrices a
# multi-threaded BLAS can be twenty times slower than one thread on a busy machine, and
# TensorFlow's CPU kernels are not. The arithmetic is float64 either way.
def _tf_sqrt_psd(m):
    w, v = tf.linalg.eigh((m + tf.transpose(m)) / 2.0)
    return (v * tf.sqrt(tf.maximum(w, 0.0))) @ tf.transpose(v)


def _tf_fd(mu1, cov1, mu2, cov2) -> float:
    s1 = _tf_sqrt_psd(cov1)
    product = s1 @ cov2 @ s1
    eig = tf.linalg.eigvalsh((product + tf.transpose(product)) / 2.0)
    tr_sqrt = tf.reduce_sum(tf.sqrt(tf.maximum(eig, 0.0)))
    diff = mu1 - mu2
    fd = tf.reduce_sum(diff * diff) + tf.linalg.trace(cov1) + tf.linalg.trace(cov2) - 2.0 * tr_sqrt
    return max(float(fd), 0.0)


def frechet_distance_from_stats(mu1, cov1, mu2, cov2) -> float:
    """FD between N(mu1, cov1) and N(mu2, cov2) (chapter 5)::

        ||mu1 - mu2||^2 + tr(cov1) + tr(cov2) - 2 tr((cov1 cov2)^(1/2))

    ``tr((cov1 cov2)^(1/2))`` equals ``tr((S cov2 S)^(1/2))`` with ``S = cov1^(1/2)``, and
    ``S cov2 S`` is symmetric positive semi-definite, so its square root comes from an
    eigendecomposition, with no complex numbers and no SciPy. Tiny negative eigenvalues from
    rounding are clipped to zero.
    """
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    cov1, cov2 = np.atleast_2d(cov1).astype(np.float64), np.atleast_2d(cov2).astype(np.float64)
    if mu1.shape != mu2.shape or cov1.shape != cov2.shape or cov1.shape != (mu1.size, mu1.size):
        raise ValueError(
            f"Mismatched statistics: means {mu1.shape} and {mu2.shape}, covariances "
            f"{cov1.shape} and {cov2.shape}. Expected means (d,) and covariances (d, d)."
        )
    return _tf_fd(*(tf.constant(v, tf.float64) for v in (mu1, cov1, mu2, cov2)))


def _tf_stats(f):
    f = tf.constant(f, tf.float64)
    mu = tf.reduce_mean(f, axis=0)
    centred = f - mu
    n = tf.cast(tf.shape(f)[0], tf.float64)
    return mu, tf.transpose(centred) @ centred / (n - 1.0)  # the unbiased covariance, as np.cov


def frechet_distance(feats_a, feats_b) -> float:
    """FD between two sets of feature vectors ``(n, d)`` and ``(m, d)`` (rows are samples)."""
    a, b = np.asarray(feats_a, np.float64), np.asarray(feats_b, np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or min(len(a), len(b)) < 2:
        raise ValueError(
            f"frechet_distance expects two feature arrays (n, d) and (m, d) with n, m >= 2, got "
            f"{a.shape} and {b.shape}."
        )
    return _tf_fd(*_tf_stats(a), *_tf_stats(b))


# ------------------------------------------------------------- KID and precision/recall
#: Kernel and distance matrices are built in blocks of at most this many entries (8 bytes
#: each, so about 32 MB), whatever the number of samples.
_BLOCK_ENTRIES = 4_000_000


def _dot(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x @ y.T`` in float64, through TensorFlow (see the note above the Fréchet distance)."""
    return tf.linalg.matmul(tf.constant(x), tf.constant(y), transpose_b=True).numpy()


def _row_blocks(n_rows: int, n_cols: int):
    step = max(1, _BLOCK_ENTRIES // max(n_cols, 1))
    return (slice(i, min(i + step, n_rows)) for i in range(0, n_rows, step))


def _kernel_sum(x: np.ndarray, y: np.ndarray, drop_diagonal: bool = False) -> float:
    """Sum of k(x_i, y_j) = (x_i . y_j / d + 1)^3 over all pairs, without i == j if asked."""
    d = x.shape[1]
    total = 0.0
    for rows in _row_blocks(len(x), len(y)):
        k = (_dot(x[rows], y) / d + 1.0) ** 3
        total += float(k.sum())
    if drop_diagonal:
        total -= float(np.sum((np.einsum("ij,ij->i", x, x) / d + 1.0) ** 3))
    return total


def kernel_distance(feats_a, feats_b) -> float:
    """The kernel distance (KID) between feature sets ``(n, d)`` and ``(m, d)`` (chapter 5).

    The **unbiased** estimate of the squared maximum mean discrepancy (MMD^2) with the cubic
    polynomial kernel ``k(x, y) = (x . y / d + 1)^3`` (Binkowski et al., 2018)::

        KID = mean_{i != j} k(a_i, a_j) + mean_{i != j} k(b_i, b_j) - 2 mean_{i, j} k(a_i, b_j)

    on all samples. Leaving out the pairs of a sample with itself (``i == j``) makes it unbiased:
    for two sets drawn from the same distribution its average is 0 at every sample size, so
    single values can be slightly negative. The Fréchet distance, by contrast, is biased upward
    the more, the fewer the samples. Exact; memory grows with ``n + m``, not ``n * m``.
    """
    a, b = check_feature_sets(feats_a, feats_b, names=("feats_a", "feats_b"))
    return _kernel_within(a) + _kernel_within(b) - 2.0 * _kernel_across(a, b)


def _kernel_within(x: np.ndarray) -> float:
    """Mean kernel value over the pairs i != j of one set."""
    return _kernel_sum(x, x, drop_diagonal=True) / (len(x) * (len(x) - 1))


def _kernel_across(x: np.ndarray, y: np.ndarray) -> float:
    """Mean kernel value over all pairs of one member of each set."""
    return _kernel_sum(x, y) / (len(x) * len(y))


def _sq_distances(x: np.ndarray, y: np.ndarray, rows: slice) -> np.ndarray:
    q = x[rows]
    d2 = np.sum(q**2, axis=1)[:, None] + np.sum(y**2, axis=1)[None, :] - 2.0 * _dot(q, y)
    return np.maximum(d2, 0.0)


def _kth_neighbour_sq(x: np.ndarray, k: int) -> np.ndarray:
    """Squared distance from each row of ``x`` to its k-th nearest *other* row."""
    out = np.empty(len(x))
    for rows in _row_blocks(len(x), len(x)):
        d2 = _sq_distances(x, x, rows)
        d2[np.arange(rows.stop - rows.start), np.arange(rows.start, rows.stop)] = np.inf
        out[rows] = np.partition(d2, k - 1, axis=1)[:, k - 1]
    return out


def _inside_share(queries: np.ndarray, members: np.ndarray, radii_sq: np.ndarray) -> float:
    """Share of ``queries`` within ``radii`` of at least one of ``members``."""
    inside = np.zeros(len(queries), bool)
    for rows in _row_blocks(len(queries), len(members)):
        inside[rows] = np.any(_sq_distances(queries, members, rows) <= radii_sq[None, :], axis=1)
    return float(inside.mean())


def precision_recall(real, fake, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall of ``fake`` against ``real`` features (chapter 5).

    Kynkäänniemi et al. (2019): each set spans a *manifold*, the union of balls around its
    members whose radius is the distance from that member to its ``k``-th nearest other member.
    **Precision** is the share of ``fake`` inside the real manifold (are the samples realistic?),
    **recall** the share of ``real`` inside the fake manifold (is every kind of real sample
    produced?). An ugly generator loses precision; a collapsed one keeps precision and loses
    recall. Exact; distances are computed in blocks, so memory stays bounded.

    Returns ``(precision, recall)``, each in [0, 1].
    """
    k = check_positive_int("k", k)
    r, f = check_feature_sets(real, fake, names=("real", "fake"), min_samples=2)
    for name, x in (("real", r), ("fake", f)):
        if k >= len(x):
            raise ValueError(
                f"k={k} needs more than k samples in each set, but {name} holds {len(x)}: a "
                f"member's k-th nearest *other* member must exist. Pass k < {len(x)} (the "
                "paper uses k=3) or more samples."
            )
    precision = _inside_share(f, r, _kth_neighbour_sq(r, k))
    recall = _inside_share(r, f, _kth_neighbour_sq(f, k))
    return precision, recall


def sample_size_study(real_feats, fake_feats, sizes, repeats: int = 5, seed: int = 0) -> dict:
    """FD and KID, of ``fake_feats`` against real and of real against other real, per size.

    For each ``n`` in ``sizes`` and each of ``repeats`` draws: two disjoint random sets of ``n``
    real feature vectors ``a`` and ``b`` and ``n`` random fake ones ``g``; FD and KID of ``g``
    against ``a`` and (the floor) of ``b`` against ``a`` (chapter 5: FD's floor falls as ``n``
    grows, KID's stays at 0). Returns a dict of arrays, one value per size: ``fd``,
    ``fd_floor``, ``kid``, ``kid_floor`` (means over the draws), ``kid_std`` and
    ``kid_floor_std`` (their spread), and ``sizes``.
    """
    real, fake = check_feature_sets(real_feats, fake_feats, names=("real_feats", "fake_feats"))
    repeats, seed = check_positive_int("repeats", repeats), check_seed(seed)
    sizes = [check_positive_int("size", int(n) if isinstance(n, np.integer) else n, minimum=2)
             for n in sizes]
    if not sizes or 2 * max(sizes) > len(real) or max(sizes) > len(fake):
        raise ValueError(
            f"sizes={sizes} needs a non-empty list whose largest n has 2n <= {len(real)} real "
            f"and n <= {len(fake)} fake samples (two disjoint real sets). Pass smaller sizes."
        )
    rng = np.random.default_rng(seed)
    rows = {key: [] for key in ("fd", "fd_floor", "kid", "kid_floor")}
    for n in sizes:
        draws = []
        for _ in range(repeats):
            perm = rng.permutation(len(real))
            a, b = real[perm[:n]], real[perm[n:2 * n]]
            g = fake[rng.choice(len(fake), n, replace=False)]
            draws.append([frechet_distance(g, a), frechet_distance(b, a),
                          kernel_distance(g, a), kernel_distance(b, a)])
        for key, values in zip(rows, np.array(draws).T, strict=True):
            rows[key].append(values)
    out = {key: np.array([v.mean() for v in values]) for key, values in rows.items()}
    out["kid_std"] = np.array([v.std() for v in rows["kid"]])
    out["kid_floor_std"] = np.array([v.std() for v in rows["kid_floor"]])
    out["sizes"] = np.array(sizes)
    return out


# ------------------------------------------------------------------- real-cat reference
def _flat(x: np.ndarray) -> np.ndarray:
    return x.reshape(len(x), -1).astype(np.float64)


def _nn_distances(queries: np.ndarray, pool: np.ndarray, exclude_self=False):
    """Euclidean distance from each query row to its nearest pool row, and that row's index."""
    q2 = np.sum(queries**2, axis=1)[:, None]
    p2 = np.sum(pool**2, axis=1)[None, :]
    d2 = np.maximum(q2 + p2 - 2.0 * queries @ pool.T, 0.0)
    if exclude_self:
        np.fill_diagonal(d2, np.inf)
    idx = np.argmin(d2, axis=1)
    return np.sqrt(d2[np.arange(len(queries)), idx]), idx


def _mean_pairwise(f: np.ndarray) -> float:
    sq = np.sum(f**2, axis=1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * f @ f.T, 0.0)
    n = len(f)
    return float(np.sqrt(d2).sum() / (n * (n - 1)))


def _reference_stats(pool_images: np.ndarray) -> dict:
    feats, _ = _embed(pool_images)
    pix = _flat(pool_images)
    nn, _ = _nn_distances(pix, pix, exclude_self=True)
    return {"images": pool_images, "features": feats, "pixels": pix, "nn": nn,
            "pairwise": _mean_pairwise(feats)}


@lru_cache(maxsize=1)
def _default_reference() -> dict:
    stats = _reference_stats(data.load_cats())
    cats, _ = heldout_set(["cat"])
    probs = _embed(cats)[1]
    stats["real_cat_prob"] = float(probs[:, CAT].mean())
    stats["real_cat_fraction"] = float(np.mean(probs.argmax(1) == CAT))
    return stats


def _reference(reference) -> dict:
    base = _default_reference()
    if reference is None:
        return base
    ref = _check_images(reference, name="reference", min_samples=2 * MIN_SAMPLES)
    stats = _reference_stats(ref)
    stats["real_cat_prob"] = base["real_cat_prob"]
    stats["real_cat_fraction"] = base["real_cat_fraction"]
    return stats


def nearest_real(images, value_range=(-1.0, 1.0), reference=None):
    """For each image, ``(distance, index)`` of its nearest real cat in pixel space.

    ``index`` points into ``cl.data.load_cats()`` (or into ``reference``). Plot a sample beside
    its nearest real cat to see whether the generator copies (chapter 5).
    """
    x = _check_images(images, value_range)
    return _nn_distances(_flat(x), _reference(reference)["pixels"])


# --------------------------------------------------------------------------------- score
def score(images, value_range=(-1.0, 1.0), reference=None, repeats: int = 5,
          seed: int = 0) -> dict:
    """Score generated cats against real cats; see the module docstring (chapter 5).

    Args:
        images: ``(n, 28, 28, 1)`` or ``(n, 28, 28)`` with ``n >= MIN_SAMPLES``.
        value_range: the range the images use; (-1, 1) for a tanh generator.
        reference: the real cats to compare with (default: the 1,000 cats a GAN trains on).
        repeats: the FD and its floor are averaged over this many random draws of
            equal-sized sets (``m = min(n, len(reference) // 2)`` images each).
        seed: seeds those draws, so the same images always give the same numbers.

    Returns a dict of floats: ``n``, ``m``, ``fd``, ``fd_floor``, ``cat_prob``,
    ``cat_fraction``, ``real_cat_prob``, ``real_cat_fraction``, ``diversity``, ``nn_ratio``,
    ``memorised_fraction``, and, on the same draws, ``kid`` / ``kid_floor``
    (:func:`kernel_distance`) and ``precision`` / ``recall`` (:func:`precision_recall`, k=3)
    beside ``precision_floor`` / ``recall_floor``, those of the other real cats.
    """
    repeats = check_positive_int("repeats", repeats)
    seed = check_seed(seed)
    x = _check_images(images, value_range, min_samples=MIN_SAMPLES)
    ref = _reference(reference)
    feats, probs = _embed(x)
    n, pool = len(x), ref["features"]
    m = min(n, len(pool) // 2)
    fds, floors, kernel = [], [], []
    for r in range(repeats):
        rng = np.random.default_rng([int(seed), r])
        perm = rng.permutation(len(pool))
        a, b = pool[perm[:m]], pool[perm[m:2 * m]]
        g = feats[rng.choice(n, size=m, replace=False)] if m < n else feats
        fds.append(frechet_distance(g, a))
        floors.append(frechet_distance(b, a))
        kernel.append(_kernel_numbers(g, a, b))
    sub = feats if n <= 1000 else feats[np.random.default_rng(int(seed)).choice(n, 1000, False)]
    nn, _ = _nn_distances(_flat(x), ref["pixels"])
    real_nn = ref["nn"]
    return {
        "n": float(n),
        "m": float(m),
        "fd": float(np.mean(fds)),
        "fd_floor": float(np.mean(floors)),
        "cat_prob": float(probs[:, CAT].mean()),
        "cat_fraction": float(np.mean(probs.argmax(1) == CAT)),
        "real_cat_prob": ref["real_cat_prob"],
        "real_cat_fraction": ref["real_cat_fraction"],
        "diversity": _mean_pairwise(sub) / ref["pairwise"],
        "nn_ratio": float(np.median(nn) / np.median(real_nn)),
        "memorised_fraction": float(np.mean(nn < np.quantile(real_nn, MEMORISED_QUANTILE))),
        **{key: float(np.mean([row[key] for row in kernel])) for key in _KERNEL_KEYS},
    }


_KERNEL_KEYS = ("kid", "kid_floor", "precision", "precision_floor", "recall", "recall_floor")


def _kernel_numbers(generated, real, other_real) -> dict:
    """KID and precision/recall (k=3) of ``generated`` against ``real``, and the same for
    ``other_real`` (real cats, as many): what real cats score at this sample size. The same
    numbers as :func:`kernel_distance` and :func:`precision_recall`, with the terms of ``real``
    computed once."""
    k_real, radii_real = _kernel_within(real), _kth_neighbour_sq(real, 3)
    out = {}
    for suffix, x in (("", generated), ("_floor", other_real)):
        out["kid" + suffix] = _kernel_within(x) + k_real - 2.0 * _kernel_across(x, real)
        out["precision" + suffix] = _inside_share(x, real, radii_real)
        out["recall" + suffix] = _inside_share(real, x, _kth_neighbour_sq(x, 3))
    return out


def _kernel_lines(s: dict) -> list[str]:
    if not all(key in s for key in _KERNEL_KEYS):  # a score saved before KID existed
        return []
    return [
        f"KID                {s['kid']:8.3f}   (real vs real, same size: {s['kid_floor']:.3f})",
        f"precision          {s['precision']:8.1%}   (real vs real, same size: "
        f"{s['precision_floor']:.1%})",
        f"recall             {s['recall']:8.1%}   (real vs real, same size: "
        f"{s['recall_floor']:.1%})",
    ]


def format_score(s: dict) -> str:
    """One readable line per number, each beside what real cats score (chapter 5)."""
    return "\n".join([
        f"Fréchet distance   {s['fd']:8.2f}   (real vs real, same size: {s['fd_floor']:.2f})",
        *_kernel_lines(s),
        f"'cat' fraction     {s['cat_fraction']:8.1%}   (real held-out cats: "
        f"{s['real_cat_fraction']:.1%})",
        f"mean P(cat)        {s['cat_prob']:8.3f}   (real held-out cats: {s['real_cat_prob']:.3f})",
        f"diversity          {s['diversity']:8.2f}   (real cats: 1.00)",
        f"nearest-cat ratio  {s['nn_ratio']:8.2f}   (new real cats: about 1; copies: 0)",
        f"memorised          {s['memorised_fraction']:8.1%}   (new real cats: about 5%)",
    ])


_TABLE_ROWS = (
    ("Fréchet distance (lower is better)", "fd", "{:.1f}"),
    ("  real vs real floor, same size", "fd_floor", "{:.1f}"),
    ("KID (lower is better)", "kid", "{:.3f}"),
    ("  real vs real floor, same size", "kid_floor", "{:.3f}"),
    ("precision (realistic samples)", "precision", "{:.1%}"),
    ("  real vs real, same size", "precision_floor", "{:.1%}"),
    ("recall (real cats covered)", "recall", "{:.1%}"),
    ("  real vs real, same size", "recall_floor", "{:.1%}"),
    ("'cat' fraction", "cat_fraction", "{:.1%}"),
    ("  real held-out cats", "real_cat_fraction", "{:.1%}"),
    ("diversity (real cats = 1)", "diversity", "{:.2f}"),
    ("nearest-cat ratio (copies = 0)", "nn_ratio", "{:.2f}"),
    ("memorised (new real cats ~5%)", "memorised_fraction", "{:.1%}"),
)


def format_table(named_scores: dict, extra_rows: dict | None = None) -> str:
    """Several :func:`score` results side by side, one column per name (chapter 5).

    ``extra_rows`` adds rows of your own: ``{label: [one number per column]}``, printed with two
    decimals. A number that no score has (a score saved before it existed) gets no row; one
    that only some have reads ``-`` in the others.
    """
    if not isinstance(named_scores, dict) or not named_scores:
        raise TypeError("format_table expects a dict {name: score(...)} with at least one entry.")
    extra_rows = dict(extra_rows or {})
    for label, values in extra_rows.items():
        if len(values) != len(named_scores):
            raise ValueError(f"extra row {label!r} has {len(values)} values for "
                             f"{len(named_scores)} columns.")
    width = max(10, *(len(str(k)) + 2 for k in named_scores))
    label_width = max(34, *(len(str(k)) + 1 for k in extra_rows)) if extra_rows else 34
    lines = [" " * label_width + "".join(f"{str(k):>{width}s}" for k in named_scores)]
    for label, key, fmt in _TABLE_ROWS:
        if not any(key in s for s in named_scores.values()):
            continue  # scores saved before that number existed
        lines.append(f"{label:{label_width}s}" + "".join(
            f"{fmt.format(s[key]) if key in s else '-':>{width}s}" for s in named_scores.values()))
    for label, values in extra_rows.items():
        lines.append(f"{label:{label_width}s}" + "".join(f"{float(v):>{width}.2f}"
                                                         for v in values))
    return "\n".join(lines)


_STABILITY_COLUMNS = ("loss", "runs", "ok", "collapsed", "diverged", "FD min / median / max",
                      "ms per G step", "s per run")


def format_stability_table(table) -> str:
    """Chapter 6's one table: per loss, how many runs were ok, collapsed or diverged, the spread
    of their Fréchet distance and the cost of a generator step. ``table`` is the ``"table"`` of
    ``benchmarks/bench_losses.py``'s JSON (one dict per loss). A Markdown table with padded
    columns, so that it reads printed as well as rendered."""
    table = list(table) if isinstance(table, (list, tuple)) else None
    if not table or not all(isinstance(t, dict) for t in table):
        raise TypeError("format_stability_table expects a non-empty list of dicts, e.g. "
                        "json.load(f)['table'] from benchmarks/bench_losses.py's result.")
    keys = {"loss", "runs", "ok", "collapsed", "diverged", "fd_min", "fd_median", "fd_max",
            "ms_per_step", "seconds_per_run"}
    missing = keys - set(table[0])
    if missing:
        raise ValueError(f"the table rows lack {sorted(missing)}. Pass the 'table' that "
                         "benchmarks/bench_losses.py writes.")

    def num(v):
        return "-" if v is None else f"{v:.1f}"

    rows = [[str(t["loss"]), str(t["runs"]), str(t["ok"]), str(t["collapsed"]),
             str(t["diverged"]), f"{num(t['fd_min'])} / {num(t['fd_median'])} / {num(t['fd_max'])}",
             f"{t['ms_per_step']:.0f}", f"{t['seconds_per_run']:.0f}"] for t in table]
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(_STABILITY_COLUMNS)]

    def line(cells):
        return "| " + " | ".join(f"{c:{'<' if i == 0 else '>'}{w}s}"
                                 for i, (c, w) in enumerate(zip(cells, widths, strict=True))) + " |"

    rule = "|" + "|".join("-" * (w + 1) + (":" if i else "-") for i, w in enumerate(widths)) + "|"
    return "\n".join([line(_STABILITY_COLUMNS), rule, *map(line, rows)])


# ------------------------------------------------------------------------------ callback
class EvalCallback(keras.callbacks.Callback):
    """Score the generator every ``every`` epochs during ``GAN.fit`` (chapter 5).

    ``history`` is a dict of lists: ``"epoch"`` plus every key of :func:`score`. The samples
    come from one fixed latent batch (``seed``), so the curves compare like with like. Cheap:
    well under a second per evaluation of 500 samples on a CPU.
    """

    def __init__(self, every: int = 1, num_samples: int = 500, seed: int = 1234,
                 repeats: int = 2, reference=None):
        super().__init__()
        self.every = check_positive_int("every", every)
        self.num_samples = check_positive_int("num_samples", num_samples, minimum=MIN_SAMPLES)
        self.seed, self.repeats, self.reference = int(seed), int(repeats), reference
        self.history: dict[str, list[float]] = {}

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        images = self.model.generate(self.num_samples, seed=self.seed)
        if not np.all(np.isfinite(images)):
            return  # a diverged epoch: the GAN's own guard reports it
        result = score(images, reference=self.reference, repeats=self.repeats, seed=self.seed)
        self.history.setdefault("epoch", []).append(epoch + 1)
        for k, v in result.items():
            self.history.setdefault(k, []).append(v)


def auc(scores_a, scores_b) -> float:
    """P(a random element of ``scores_a`` > a random element of ``scores_b``), ties count half.

    The area under the ROC curve, by ranks (Mann-Whitney). 0.5: the scores do not separate the
    two sets at all; 1.0: every ``a`` scores above every ``b`` (chapter 5).
    """
    a = np.asarray(scores_a, np.float64).ravel()
    b = np.asarray(scores_b, np.float64).ravel()
    if a.size == 0 or b.size == 0:
        raise ValueError("auc needs two non-empty sets of scores.")
    both = np.concatenate([a, b])
    _, inverse, counts = np.unique(both, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    ranks = ((ends - counts + 1 + ends) / 2.0)[inverse]  # average rank of tied values
    return float((ranks[: a.size].sum() - a.size * (a.size + 1) / 2) / (a.size * b.size))


class DiscriminatorProbe(keras.callbacks.Callback):
    """Watch the discriminator's verdicts on fixed sets of real images (chapter 5).

    ``sets`` maps a name to images, e.g. ``{"own cats": x[:100], "unseen cats": rest}``. With
    too little data the discriminator starts to *recognise its training images*: it rates them
    more "real" than real cats it has never seen. Every ``every`` epochs the probe records, per
    set, the mean P(real) in ``history[name]``, and keeps the logits in ``logits[name]``.
    ``separability(a, b)`` turns them into the **AUC** with which the discriminator tells set
    ``a`` from set ``b``: 0.5 when it cannot (it has learned cats, not these cats), towards 1.0
    as it memorises (a membership-inference test; Karras et al., 2020, steer their adaptive
    augmentation by the same kind of overfitting signal).
    """

    def __init__(self, sets: dict, every: int = 1, batch_size: int = 500):
        super().__init__()
        if not isinstance(sets, dict) or not sets:
            raise TypeError("DiscriminatorProbe expects a dict {name: images} with at least one "
                            "entry, e.g. {'own cats': x[:100]}.")
        self.sets = {str(k): _check_images(v, name=str(k)) for k, v in sets.items()}
        self.every = check_positive_int("every", every)
        self.batch_size = check_positive_int("batch_size", batch_size)
        self.history: dict[str, list[float]] = {"epoch": [], **{k: [] for k in self.sets}}
        self.logits: dict[str, list[np.ndarray]] = {k: [] for k in self.sets}

    def _logits(self, x):
        d = self.model.discriminator
        return np.concatenate([np.asarray(d(x[i:i + self.batch_size], training=False))
                               for i in range(0, len(x), self.batch_size)]).ravel()

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        self.history["epoch"].append(epoch + 1)
        for name, x in self.sets.items():
            logits = self._logits(x).astype(np.float64)
            self.logits[name].append(logits)
            self.history[name].append(float(np.mean(1.0 / (1.0 + np.exp(-logits)))))

    def separability(self, a: str, b: str) -> list[float]:
        """AUC of the discriminator telling set ``a`` from set ``b``, per recorded epoch."""
        for name in (a, b):
            if name not in self.logits:
                raise ValueError(f"Unknown set {name!r}; the probe watches {sorted(self.logits)}.")
        return [auc(la, lb) for la, lb in zip(self.logits[a], self.logits[b], strict=True)]


#: Where the benchmarks record their results: ``benchmarks/results/`` in the repository.
RESULTS_DIR = Path(__file__).resolve().parents[1] / "benchmarks" / "results"
#: The benchmark that records each result the chapters read.
_RECORDED_BY = {"bench_losses": "bench_losses.py", "families": "bench_families.py"}


def benchmark_result(name: str, folder=None) -> dict:
    """The result a benchmark recorded, ``benchmarks/results/NAME.json`` (chapters 6 and 7b).

    Found from the package, so a notebook reads it the same way from any folder (a Chinese twin
    in ``notebooks/zh/`` too). ``folder`` overrides where to look. The file is untrusted data:
    anything but a JSON object is a ``ValueError`` that says how to regenerate it.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str such as 'bench_losses', got {type(name).__name__}.")
    if not re.fullmatch(r"[A-Za-z0-9_\-]+", name):
        raise ValueError(f"name {name!r} is not a benchmark result's name. Expected the file name "
                         "without .json, e.g. 'bench_losses' or 'families'.")
    path = Path(RESULTS_DIR if folder is None else folder) / f"{name}.json"
    script = _RECORDED_BY.get(name)
    rerun = (f"run benchmarks/{script} again" if script else
             "run the benchmark in benchmarks/ that records it again")
    if not path.is_file():
        raise ValueError(f"{path} does not exist. Expected a benchmark's recorded result; "
                         f"{rerun} to record it.")
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} is not valid JSON ({exc}). Restore it from version control "
                         f"or {rerun}.") from None
    if not isinstance(result, dict):
        raise ValueError(f"{path} holds a {type(result).__name__}, expected a JSON object. "
                         f"Restore it from version control or {rerun}.")
    return result
