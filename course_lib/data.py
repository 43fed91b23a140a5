"""The Animal Shape silhouettes: 1,000 real cats and nine other animals (chapter 5).

The images come from the PyPI package ``animal-shape-mnist`` (MIT licence, by Sina Mohammadi),
read straight from its installed files: nothing is downloaded. The files are gzip'd pickles,
and unpickling runs code, so every file's SHA-256 is checked *before* it is decompressed, and
the pickle is then read by a restricted unpickler that admits NumPy arrays and nothing else.
"""

from __future__ import annotations

import difflib
import gzip
import hashlib
import io
import os
import pickle
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import tensorflow as tf

from course_lib.validation import (
    as_numeric_array,
    check_finite,
    check_images,
    check_positive_int,
    check_value_range,
)

__all__ = [
    "CLASS_NAMES",
    "FILE_SHA256",
    "UnsafePickleError",
    "as_dataset",
    "as_labelled_dataset",
    "class_indices",
    "default_data_dir",
    "load_animal_shapes",
    "load_cats",
    "rescale",
    "safe_unpickle",
    "without_autotune",
]

#: The ten classes in label order; ``CLASS_NAMES[2] == "cat"``.
CLASS_NAMES: tuple[str, ...] = (
    "bear", "bird", "cat", "cow", "dog", "elephant", "giraffe", "horse", "sheep", "zebra",
)

DATA_FILE = "animal_data_version_3.gz"
LABEL_FILE = "animal_label_version_3.gz"

#: SHA-256 of the files of animal-shape-mnist 0.39, checked before anything is unpickled.
FILE_SHA256: dict[str, str] = {
    DATA_FILE: "68a30346781a0984f839463a4615d2decb899d1ce65091bb92586311754a34ce",
    LABEL_FILE: "dec8dba7c469830989fbab46825021a08a38470753a512f27ada847eced97b57",
}

# (module, name) pairs the restricted unpickler admits: what a pickled ndarray needs.
_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): ("numpy._core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"): ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.numeric", "_frombuffer"): ("numpy._core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"): ("numpy._core.numeric", "_frombuffer"),
    ("numpy", "ndarray"): ("numpy", "ndarray"),
    ("numpy", "dtype"): ("numpy", "dtype"),
}


class UnsafePickleError(ValueError):
    """A pickle asked for something other than a NumPy array."""


class _ArrayOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):  # noqa: D401 - pickle API
        target = _ALLOWED_GLOBALS.get((module, name))
        if target is None:
            raise UnsafePickleError(
                f"Refusing to unpickle {module}.{name}: this loader admits NumPy arrays only. "
                "The file is not an Animal Shape data file; reinstall animal-shape-mnist."
            )
        mod = __import__(target[0], fromlist=[target[1]])
        return getattr(mod, target[1])


def safe_unpickle(payload: bytes) -> np.ndarray:
    """Unpickle ``payload`` admitting NumPy arrays only (chapter 5).

    Raises :class:`UnsafePickleError` (a ``ValueError``) for anything else, e.g. a pickle that
    would call ``os.system``.
    """
    if not isinstance(payload, bytes | bytearray | memoryview):
        raise TypeError(
            f"safe_unpickle expects the pickle's bytes, got {type(payload).__name__}. Read the "
            "file first, e.g. Path(name).read_bytes()."
        )
    try:
        obj = _ArrayOnlyUnpickler(io.BytesIO(payload)).load()
    except UnsafePickleError:
        raise
    except Exception as exc:  # truncated or garbled pickle
        raise ValueError(
            f"Could not unpickle the data: {exc}. Expected a pickled NumPy array; the file is "
            "damaged, so reinstall animal-shape-mnist or use an intact copy."
        ) from exc
    if not isinstance(obj, np.ndarray) or obj.dtype == object:
        found = type(obj).__name__ if not isinstance(obj, np.ndarray) else "an object array"
        raise UnsafePickleError(
            f"Expected a numeric NumPy array in the pickle, found {found}. The file is not an "
            "Animal Shape data file; reinstall animal-shape-mnist."
        )
    return obj


def _default_dir() -> Path:
    try:
        root = resources.files("animal_shape_mnist")
    except ModuleNotFoundError as exc:
        raise ValueError(
            "The package animal-shape-mnist is not installed, so the cat images cannot be read. "
            "Install the course with `pip install -e .` (or `pip install animal-shape-mnist==0.39`)."
        ) from exc
    return Path(str(root / "data" / "Animal Shape"))


def default_data_dir() -> Path:
    """The installed package's Animal Shape folder, read when ``data_dir=None`` (chapter 5).

    Raises ValueError (with the install command) when animal-shape-mnist is not installed.
    """
    return _default_dir()


def _read_checked(directory: Path, name: str) -> np.ndarray:
    if directory.exists() and not directory.is_dir():
        raise ValueError(
            f"data_dir {directory} is a file. Expected the folder holding {DATA_FILE} and "
            f"{LABEL_FILE}; pass that folder, or data_dir=None for the installed package."
        )
    path = directory / name
    if not path.is_file():
        raise ValueError(
            f"Data file not found: {path}. Expected the Animal Shape files {DATA_FILE} and "
            f"{LABEL_FILE} in {directory}; pass data_dir=None to use the installed package."
        )
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != FILE_SHA256[name]:
        raise ValueError(
            f"Checksum mismatch for {path}: SHA-256 is {digest}, expected {FILE_SHA256[name]}. "
            "The file is corrupted or not the one animal-shape-mnist 0.39 ships, so it was not "
            "unpickled. Reinstall the package (pip install --force-reinstall "
            "animal-shape-mnist==0.39) or point data_dir at an intact copy."
        )
    try:
        payload = gzip.decompress(raw)
    except (OSError, EOFError) as exc:  # unreachable with a matching checksum, kept for safety
        raise ValueError(
            f"{path} is not a valid gzip file ({exc}). Expected the gzip'd pickle that "
            "animal-shape-mnist ships; reinstall the package."
        ) from exc
    return safe_unpickle(payload)


@lru_cache(maxsize=4)
def _load_raw(data_dir: str | None) -> tuple[np.ndarray, np.ndarray]:
    directory = _default_dir() if data_dir is None else Path(data_dir)
    images = _read_checked(directory, DATA_FILE)
    labels = _read_checked(directory, LABEL_FILE)
    if images.shape != (10000, 28, 28) or labels.shape != (10000,):
        raise ValueError(
            f"Unexpected Animal Shape arrays {images.shape} / {labels.shape}. Expected "
            "(10000, 28, 28) images and (10000,) labels; reinstall animal-shape-mnist==0.39."
        )
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels.astype(np.int64)


def rescale(images_uint8: np.ndarray, value_range=(-1.0, 1.0)) -> np.ndarray:
    """Map 0..255 pixels linearly onto ``value_range`` as float32 (chapter 5).

    Pixels that are already scaled (floats within [-1, 1]) or outside 0..255 are a
    ``ValueError``: scaling twice squeezes every image into a sliver of the range.
    """
    lo, hi = check_value_range(value_range)
    x = as_numeric_array(images_uint8, "images")
    if x.size:
        mn, mx = float(np.min(x)), float(np.max(x))
        if not (np.isfinite(mn) and np.isfinite(mx)):
            check_finite("images", x)
        if mn < 0 or mx > 255:
            raise ValueError(
                f"rescale expects 0..255 pixels, got values in [{mn:g}, {mx:g}]. If the images "
                "are already scaled, use them as they are; otherwise clip them to 0..255 first."
            )
        if not np.issubdtype(x.dtype, np.integer) and x.dtype != bool and 0 < mx <= 1.0:
            raise ValueError(
                f"rescale expects 0..255 pixels, but these floats lie in [{mn:g}, {mx:g}]: they "
                "look already scaled to [0, 1]. Map them with lo + (hi - lo) * x instead, or "
                "pass the original 0..255 pixels."
            )
    x = np.asarray(x, dtype=np.float32) / 255.0
    return (lo + (hi - lo) * x).astype(np.float32)


def _dir_arg(data_dir) -> str | None:
    if data_dir is None:
        return None
    if not isinstance(data_dir, str | os.PathLike):
        raise TypeError(
            f"data_dir must be a path or None, got {type(data_dir).__name__}. Pass the folder "
            "holding the Animal Shape files, or None for the installed package."
        )
    return str(Path(data_dir).resolve())


def class_indices(classes) -> list[int]:
    """The label indices of ``classes`` (names or labels 0-9; None for all ten)."""
    if classes is None:
        return list(range(len(CLASS_NAMES)))
    if isinstance(classes, str | int | np.integer):
        classes = [classes]
    if not isinstance(classes, Sequence | np.ndarray) or len(classes) == 0:
        raise ValueError(
            f"classes must be a non-empty list of class names, got {classes!r}. Pass e.g. "
            "classes=['cat'] or classes=['cat', 'dog'], or None for all ten."
        )
    out = []
    for c in classes:
        if isinstance(c, str):
            if c not in CLASS_NAMES:
                close = difflib.get_close_matches(c.lower(), CLASS_NAMES, n=1)
                hint = f"Did you mean {close[0]!r}? " if close else ""
                raise ValueError(
                    f"Unknown class {c!r}. Expected one of {', '.join(CLASS_NAMES)}. {hint}"
                    "Use the names of cl.data.CLASS_NAMES."
                )
            out.append(CLASS_NAMES.index(c))
        elif isinstance(c, int | np.integer) and not isinstance(c, bool) and 0 <= c < 10:
            out.append(int(c))
        else:
            raise ValueError(
                f"Unknown class {c!r}: expected a name from {CLASS_NAMES} or a label 0-9. "
                "Pass e.g. classes=['cat'] or classes=[2]."
            )
    return out


def load_animal_shapes(classes=None, value_range=(-1.0, 1.0), data_dir=None):
    """All 10,000 silhouettes (or those of ``classes``) as ``(images, labels)`` (chapter 5).

    ``images`` is float32 ``(n, 28, 28, 1)`` scaled linearly onto ``value_range``; ``labels``
    are int64 indices into :data:`CLASS_NAMES`.
    """
    idx = class_indices(classes)
    lo_hi = check_value_range(value_range)
    raw, labels = _load_raw(_dir_arg(data_dir))
    mask = np.isin(labels, idx)
    return rescale(raw[mask], lo_hi)[..., None], labels[mask].copy()


def load_cats(value_range=(-1.0, 1.0), data_dir=None) -> np.ndarray:
    """The 1,000 real cat silhouettes as float32 ``(1000, 28, 28, 1)`` (chapter 5)."""
    images, _ = load_animal_shapes(["cat"], value_range=value_range, data_dir=data_dir)
    return images


def as_dataset(images, batch_size: int, seed: int = 0, epochs: int | None = None,
               start_epoch: int = 0):
    """A ``tf.data.Dataset`` of shuffled full batches whose order depends only on (seed, epoch).

    Epoch ``e`` is shuffled by ``np.random.default_rng([seed, e])``, so a run resumed at epoch
    ``start_epoch`` sees exactly the batches an uninterrupted run would (chapter 5). The dataset
    holds epochs ``start_epoch .. epochs - 1`` (one epoch with ``epochs=None``); the last
    partial batch of each epoch is dropped, as GAN training usually does. Each epoch's shuffle
    is drawn only when the dataset reaches it, so memory does not grow with ``epochs``.
    """
    images = check_images(images, "images")
    index = _batch_indices(len(images), batch_size, seed, epochs, start_epoch, "images")
    data = tf.constant(images)
    return without_autotune(index.map(lambda i: tf.gather(data, i)).prefetch(2))


def as_labelled_dataset(images, labels, batch_size: int, seed: int = 0,
                        epochs: int | None = None, start_epoch: int = 0):
    """:func:`as_dataset` with the labels: batches ``(images, labels)`` (chapter 6).

    The same ``(seed, epoch)`` shuffle as :func:`as_dataset` (so the same images in the same
    order), and each label travels with its image. Labels are int32 indices.
    """
    images = check_images(images, "images")
    labels = np.asarray(labels)
    if labels.shape != (len(images),) or labels.dtype.kind not in "iu":
        raise ValueError(
            f"labels must be whole numbers, one per image: shape ({len(images)},), got "
            f"{labels.shape} of {labels.dtype}. Pass the labels of load_animal_shapes()."
        )
    index = _batch_indices(len(images), batch_size, seed, epochs, start_epoch, "images")
    x, y = tf.constant(images), tf.constant(labels.astype(np.int32))
    return without_autotune(index.map(lambda i: (tf.gather(x, i), tf.gather(y, i))).prefetch(2))


def without_autotune(dataset):
    """``dataset`` with tf.data's autotuning off (chapter 4's speed section).

    The autotuner's background thread wakes at periods that double (10 ms, 20 ms, ...), and
    when ``fit`` ends, the input pipeline it read from waits for that thread's next wake-up:
    measured here, a DCGAN ``fit`` call of 1.3 s of training returned after 2.57 s about half
    the time. The course's pipelines (an index gather and a two-batch prefetch) have nothing
    to tune, so they turn it off; the batches are the same.
    """
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.with_options(options)


def _batch_indices(n: int, batch_size, seed, epochs, start_epoch, name: str):
    """The index batches of :func:`as_dataset`: epochs ``start_epoch .. epochs - 1``."""
    batch_size = check_positive_int("batch_size", batch_size)
    start_epoch = check_positive_int("start_epoch", start_epoch, minimum=0)
    if epochs is not None:
        epochs = check_positive_int("epochs", epochs)
        if start_epoch >= epochs:
            raise ValueError(
                f"start_epoch={start_epoch} must be smaller than epochs={epochs}, or the "
                "dataset would be empty. Pass the total number of epochs, larger than the "
                "epoch you resume from."
            )
    if n < batch_size:
        raise ValueError(
            f"batch_size={batch_size} is larger than the {n} {name}, so no full batch can be "
            "formed. Use a smaller batch size."
        )
    stop = start_epoch + 1 if epochs is None else epochs
    steps = n // batch_size

    def epoch_batches(epoch):  # one epoch's shuffle at a time: memory does not grow with epochs
        perm = np.random.default_rng([seed, int(epoch)]).permutation(n)
        return perm[: steps * batch_size].reshape(steps, batch_size).astype(np.int64)

    def epoch_index(epoch):
        rows = tf.numpy_function(epoch_batches, [epoch], tf.int64, stateful=False)
        return tf.data.Dataset.from_tensor_slices(tf.ensure_shape(rows, (steps, batch_size)))

    ds = tf.data.Dataset.range(start_epoch, stop).flat_map(epoch_index)
    return ds.apply(tf.data.experimental.assert_cardinality((stop - start_epoch) * steps))
