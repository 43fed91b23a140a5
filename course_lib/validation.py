"""Input checks shared by the public API (chapter 4 shows why they matter).

Every message answers the three questions of the Keras API guidelines: what happened, what was
expected, and how to fix it. User mistakes raise ``TypeError`` (wrong kind of value) or
``ValueError`` (right kind, wrong value), never ``AssertionError`` or a deep TensorFlow error.
"""

from __future__ import annotations

import numbers

import keras
import numpy as np
import tensorflow as tf

from course_lib import compat

__all__ = [
    "as_numeric_array",
    "check_augment",
    "check_gan_compiled",
    "check_binary_images",
    "check_choice",
    "check_dataset",
    "check_dataset_batch",
    "check_dataset_sample",
    "check_ddim_steps",
    "check_ema_decay",
    "check_feature_sets",
    "check_finite",
    "check_fit_data",
    "check_gan_loss",
    "check_gan_optimizers",
    "check_generator_loss",
    "check_images",
    "check_label_smoothing",
    "check_labels",
    "check_latent",
    "check_learning_rate",
    "check_levels",
    "check_mask_type",
    "check_models",
    "check_on_levels",
    "check_positive_int",
    "check_positive_number",
    "check_r1_weight",
    "check_same_shape",
    "check_seed",
    "check_sigma",
    "check_time_indices",
    "check_timesteps",
    "check_value_range",
    "output_range",
]

#: Seeds are what every random number generator in the course accepts: 0 <= seed < 2**32.
SEED_LIMIT = 2**32


def check_positive_int(name: str, value, minimum: int = 1) -> int:
    """``value`` as an int >= ``minimum``, or a ``TypeError``/``ValueError`` saying why not."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an int, got {type(value).__name__} ({value!r}). "
            f"Pass a whole number such as {name}={max(minimum, 1)}."
        )
    if value < minimum:
        raise ValueError(
            f"{name} must be >= {minimum}, got {value}. Pass a whole number of at least "
            f"{minimum}."
        )
    return int(value)


def check_seed(value, name: str = "seed", allow_none: bool = False, example: str | None = None):
    """``value`` as an int in [0, 2**32 - 1] (or None with ``allow_none``), else an error.

    ``example`` is the call shown in the message (default ``{name}=0``).
    """
    if value is None and allow_none:
        return None
    example = example or f"{name}=0"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        kind = "an int or None" if allow_none else "an int"
        raise TypeError(
            f"{name} must be {kind}, got {type(value).__name__} ({value!r}). "
            f"Pass a whole number such as {example}."
        )
    if not 0 <= value < SEED_LIMIT:
        raise ValueError(
            f"{name} must be between 0 and 2**32 - 1, got {value}. Use a smaller number, "
            f"e.g. {example}."
        )
    return int(value)


def check_sigma(sigma, name: str = "sigma"):
    """A standard deviation (a number or an array of them) that is finite and > 0.

    Returns a float for a number and a float64 array for an array (chapter 1 evaluates
    likelihoods on a grid of sigmas).
    """
    if isinstance(sigma, bool | str | bytes) or sigma is None:
        raise TypeError(f"{name} must be a number, got {type(sigma).__name__} ({sigma!r}). "
                        f"Pass a standard deviation such as {name}=1.0.")
    try:
        arr = np.asarray(sigma, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, got {type(sigma).__name__} ({sigma!r}). "
                        f"Pass a standard deviation such as {name}=1.0.") from None
    if np.any(~np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(
            f"{name} must be positive and finite, got {arr.tolist()!r}. {name} is the standard "
            f"deviation (the square root of the variance); pass a number > 0 such as "
            f"{name}=1.0."
        )
    return float(arr) if arr.ndim == 0 else arr


def check_value_range(value_range) -> tuple[float, float]:
    """``(low, high)`` as two finite floats with low < high, or an error saying why not."""
    try:
        lo, hi = (float(v) for v in value_range)
    except (TypeError, ValueError):
        raise TypeError(
            f"value_range must be a pair of numbers such as (-1.0, 1.0), got {value_range!r}."
        ) from None
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo >= hi:
        raise ValueError(
            f"value_range must be (low, high) with low < high, got {value_range!r}. "
            "Use (-1, 1) for a tanh generator or (0, 1) for a sigmoid one."
        )
    return lo, hi


def check_positive_number(name: str, value, allow_zero: bool = False) -> float:
    """``value`` as a finite float > 0 (>= 0 with ``allow_zero``), or an error saying why not."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a number, got {type(value).__name__} ({value!r}). "
            f"Pass a float such as {name}=0.1."
        )
    value = float(value)
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(
            f"{name} must be a finite number {bound}, got {value}. Pass a value {bound}, "
            "e.g. a small positive float."
        )
    return value


def check_learning_rate(value, name: str = "learning_rate") -> float:
    """An optimizer's learning rate: a number strictly between 0 and 1."""
    value = check_positive_number(name, value)
    if value >= 1:
        raise ValueError(f"{name} must be between 0 and 1 (exclusive), got {value}. Typical "
                         "rates for Adam are 1e-4 to 1e-3.")
    return value


def check_finite(name: str, x: np.ndarray) -> None:
    """Raise a ``ValueError`` that counts and locates NaN or infinite values in ``x``."""
    finite = np.isfinite(x)
    if not np.all(finite):
        bad = int(np.size(x) - np.count_nonzero(finite))
        first = tuple(int(i) for i in np.argwhere(~finite)[0])
        raise ValueError(
            f"{name} contains {bad} NaN or infinite values (the first at index {first}). "
            "Expected finite numbers; check the preprocessing (e.g. a division by zero) or "
            f"drop those samples, e.g. {name}[np.isfinite({name}).all(axis=tuple(range(1, "
            f"{name}.ndim)))]."
        )


def output_range(generator) -> tuple[float, float] | None:
    """The value range of a generator's last activation: tanh (-1, 1), sigmoid (0, 1), else None."""
    try:
        layer = generator.layers[-1]
        if not hasattr(layer, "activation"):
            layer = next(lay for lay in reversed(generator.layers) if hasattr(lay, "activation"))
        name = getattr(layer.activation, "__name__", "")
    except (AttributeError, IndexError, StopIteration, TypeError):
        return None
    return {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}.get(name)


def as_numeric_array(x, name: str) -> np.ndarray:
    """``x`` as a real-valued NumPy array, or a ``TypeError``/``ValueError`` saying why not."""
    if isinstance(x, str | bytes) or x is None:
        raise TypeError(
            f"{name} must be a numeric NumPy array, got {type(x).__name__}. Pass the images "
            "themselves, e.g. cl.data.load_cats(), not a file name or None."
        )
    try:
        arr = np.asarray(x)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(
            f"{name} could not be turned into one array ({exc}). Expected samples that all "
            "have the same shape; resize or drop the odd ones before stacking them."
        ) from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(
            f"{name} must hold numbers, got dtype {arr.dtype}. Expected a numeric array; "
            f"convert it with np.asarray({name}, dtype='float32') after checking every entry "
            "is numeric."
        )
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(
            f"{name} holds complex numbers (dtype {arr.dtype}). Expected real pixel values; "
            f"take np.abs({name}) or {name}.real first."
        )
    return arr


def check_feature_sets(a, b, names=("a", "b"), min_samples: int = 2):
    """Two feature sets ``(n, d)`` and ``(m, d)`` as float64 arrays, or an error saying why not.

    Rows are samples, columns features (chapter 5's KID and precision/recall). Each set needs at
    least ``min_samples`` rows, both the same width ``d``, and finite values.
    """
    out = []
    for x, name in zip((a, b), names, strict=True):
        arr = as_numeric_array(x, name)
        if arr.ndim != 2:
            raise ValueError(
                f"{name} has shape {arr.shape}, expected feature vectors of shape (n, d): one "
                f"row per sample. Embed images first (cl.evaluation.features(images)), or "
                f"reshape a single vector with {name}[None]."
            )
        if len(arr) < min_samples:
            raise ValueError(
                f"{name} holds {len(arr)} samples, but at least {min_samples} are needed. "
                "Pass more samples (rows)."
            )
        arr = arr.astype(np.float64)
        check_finite(name, arr)
        out.append(arr)
    if out[0].shape[1] != out[1].shape[1]:
        raise ValueError(
            f"{names[0]} has {out[0].shape[1]} features per sample but {names[1]} has "
            f"{out[1].shape[1]}: the sets must come from the same feature extractor. Embed "
            "both with the same network (e.g. cl.evaluation.features)."
        )
    return out[0], out[1]


def check_images(x, name: str = "images", shape=None, value_range=None) -> np.ndarray:
    """Check a batch of training data and return it as float32.

    ``shape`` is the per-sample shape the discriminator expects; ``value_range`` the generator's
    output range. Data outside that range is the most common learner mistake: the discriminator
    then tells real from fake by brightness alone.
    """
    arr = as_numeric_array(x, name)
    if arr.ndim == 0 or arr.shape[0] == 0:
        raise ValueError(
            f"{name} is empty (shape {arr.shape}). Expected at least one sample; check the "
            "filter or class names used to select the data."
        )
    if shape is not None:
        expected = tuple(shape)
        got = tuple(arr.shape[1:])
        if got != expected:
            if int(np.prod(got)) == int(np.prod(expected)):
                fix = f"Reshape it: {name}.reshape(-1, {', '.join(map(str, expected))})."
            else:
                fix = (
                    f"Use data whose samples have shape {expected}, or build the discriminator "
                    f"for your data with keras.Input(shape={got})."
                )
            raise ValueError(
                f"{name} has samples of shape {got} (array shape {arr.shape}), but the "
                f"discriminator expects {expected}. {fix}"
            )
    arr = arr.astype(np.float32, copy=False)
    check_finite(name, arr)
    if value_range is not None:
        lo, hi = value_range
        mn, mx = float(arr.min()), float(arr.max())
        tol = 1e-3 * (hi - lo)
        if mn < lo - tol or mx > hi + tol:
            looks = " They look like raw 0..255 pixels." if mx > 2.0 and mn >= 0.0 else ""
            fix = (
                "Scale 0..255 pixels with x / 127.5 - 1 (or cl.data.load_cats(value_range=(-1, 1)))."
                if lo == -1.0
                else "Scale 0..255 pixels with x / 255 (or cl.data.load_cats(value_range=(0, 1)))."
            )
            raise ValueError(
                f"{name} lie in [{mn:g}, {mx:g}], but the generator's output activation "
                f"produces values in [{lo:g}, {hi:g}], so the discriminator could tell real from "
                f"fake by their range alone.{looks} {fix}"
            )
        if (lo, hi) == (-1.0, 1.0) and arr.ndim >= 3 and mn >= 0.0 and mx > 0.5:
            raise ValueError(
                f"{name} lie in [{mn:g}, {mx:g}]: images scaled to [0, 1], but the generator's "
                "tanh output spans [-1, 1], so every fake pixel below 0 would give it away. "
                f"Map them with {name} * 2 - 1 (or cl.data.load_cats(value_range=(-1, 1)))."
            )
    return arr


def check_dataset_sample(dataset, shape=None, value_range=None) -> None:
    """Check a ``tf.data.Dataset``'s first batch as :func:`check_images` checks an array.

    One rule for data, whatever its container (chapter 5): raw 0..255 ``uint8`` pixels in a
    dataset are refused like the same NumPy array, instead of training silently on a range the
    generator cannot produce. Only one batch is read; elements may be ``x`` or ``(x, ...)``.
    """
    spec = dataset.element_spec
    spec = spec[0] if isinstance(spec, tuple) else spec
    dtype = getattr(spec, "dtype", None)
    if dtype is not None and not (dtype.is_floating or dtype.is_integer or dtype == tf.bool):
        raise TypeError(
            f"The dataset yields {dtype.name} elements. Expected numeric image batches; map it "
            "to float32 first, e.g. ds.map(lambda x: tf.cast(x, tf.float32))."
        )
    batch = next(iter(dataset.take(1)), None)
    if batch is None:
        raise ValueError("The dataset is empty: it yields no batch. Expected batches of images; "
                         "check the source and any filter in the pipeline.")
    check_dataset_batch(batch, shape, value_range)


def check_dataset_batch(batch, shape=None, value_range=None) -> None:
    """Check one batch read from a dataset (``x`` or ``(x, ...)``) as :func:`check_images`
    checks an array; the rule of :func:`check_dataset_sample` (chapter 5)."""
    batch = batch[0] if isinstance(batch, tuple | list) else batch
    try:
        check_images(np.asarray(batch), "the dataset's first batch", shape=shape,
                     value_range=value_range)
    except ValueError as exc:
        if value_range is None or "lie in" not in str(exc):
            raise
        fix = "/ 127.5 - 1" if value_range[0] == -1.0 else "/ 255"
        raise ValueError(f"{exc} For a tf.data.Dataset, map it: ds = ds.map(lambda x: "
                         f"tf.cast(x, tf.float32) {fix}).") from None


def _shape(model, attr):
    try:
        s = getattr(model, attr)
    except (AttributeError, ValueError):
        return None
    if isinstance(s, list):
        s = s[0] if len(s) == 1 else None
    return None if s is None else tuple(s)


def check_models(generator, discriminator, latent_dim) -> None:
    """Check that noise -> generator -> discriminator fits together (chapter 4)."""
    for nm, m in (("generator", generator), ("discriminator", discriminator)):
        if not isinstance(m, keras.Model):
            raise TypeError(
                f"{nm} must be a keras.Model, got {type(m).__name__}. Build one with "
                f"cl.models.mlp_{nm}() or keras.Sequential([keras.Input(...), ...])."
            )
    if generator is discriminator:
        raise ValueError(
            "generator and discriminator are the same model. Expected two networks that play "
            "against each other; build one of each, e.g. cl.models.mlp_generator() and "
            "cl.models.mlp_discriminator()."
        )
    check_positive_int("latent_dim", latent_dim)
    g_in, g_out = _shape(generator, "input_shape"), _shape(generator, "output_shape")
    d_in, d_out = _shape(discriminator, "input_shape"), _shape(discriminator, "output_shape")
    if g_in is not None and len(g_in) != 2:
        raise ValueError(
            f"The generator takes inputs of shape {g_in[1:]}, but noise is a batch of flat "
            f"vectors (n, latent_dim). Start the generator with "
            f"keras.Input(shape=({latent_dim},))."
        )
    if g_in is not None and g_in[-1] is not None and g_in[-1] != latent_dim:
        raise ValueError(
            f"latent_dim={latent_dim} disagrees with the generator, whose input has "
            f"{g_in[-1]} features. Pass latent_dim={g_in[-1]} or rebuild the generator with "
            f"latent_dim={latent_dim}."
        )
    if g_out is not None and d_in is not None and tuple(g_out[1:]) != tuple(d_in[1:]):
        if int(np.prod([d for d in g_out[1:] if d])) == int(np.prod([d for d in d_in[1:] if d])):
            fix = f"Add keras.layers.Reshape({tuple(d_in[1:])}) at the end of the generator."
        else:
            fix = ("Build both networks for the same sample shape (e.g. keras.Input(shape="
                   f"{tuple(g_out[1:])}) for the discriminator).")
        raise ValueError(
            f"The generator emits samples of shape {tuple(g_out[1:])}, but the discriminator "
            f"expects {tuple(d_in[1:])}. {fix}"
        )
    if d_out is not None and tuple(d_out[1:]) != (1,):
        raise ValueError(
            f"The discriminator must output one logit per sample, shape (n, 1), but it outputs "
            f"{tuple(d_out[1:])}. End it with keras.layers.Dense(1)."
        )


# ------------------------------------------------------------------ GAN.compile, fit, generate
def check_gan_optimizers(d_optimizer, g_optimizer, discriminator, generator) -> None:
    """Two distinct Keras optimizers, each fresh or already used on its own network only."""
    for nm, opt in (("d_optimizer", d_optimizer), ("g_optimizer", g_optimizer)):
        if not isinstance(opt, keras.optimizers.Optimizer):
            raise TypeError(
                f"GAN.compile: {nm} must be a keras optimizer instance, got "
                f"{type(opt).__name__}. Pass e.g. {nm}=keras.optimizers.Adam(2e-4, beta_1=0.5)."
            )
    if d_optimizer is g_optimizer:
        raise ValueError(
            "GAN.compile: d_optimizer and g_optimizer are the same object. Each network "
            "needs its own optimizer (its own moment estimates); create two."
        )
    for nm, opt, net in (("d_optimizer", d_optimizer, discriminator),
                         ("g_optimizer", g_optimizer, generator)):
        used = compat.optimizer_variables(opt)
        if used is not None and {id(v) for v in used} != {id(v) for v in net.trainable_variables}:
            raise ValueError(
                f"GAN.compile: {nm} was already used to train other weights than the "
                f"{net.name}'s. Each network needs a fresh optimizer; create a new one, "
                f"e.g. {nm}=keras.optimizers.Adam(2e-4, beta_1=0.5)."
            )


def check_generator_loss(name, known) -> str:
    """``name`` if it is one of the generator losses ``known``, else a ``ValueError``."""
    if name not in known:
        raise ValueError(
            f"GAN.compile: unknown generator_loss {name!r}. Expected one of "
            f"{sorted(known)}; pass generator_loss='non_saturating' (the usual choice, chapter 3)."
        )
    return name


def check_gan_loss(loss, generator_loss, label_smoothing, known) -> str:
    """The name of the GAN's game from ``compile``'s ``loss`` (one of ``known``, chapter 6) or,
    when ``loss`` is None, its older ``generator_loss`` (chapter 3); label smoothing is a
    cross-entropy idea, so it is refused for the other games."""
    if loss is None:
        return check_generator_loss(generator_loss, {"non_saturating", "minimax"})
    if not isinstance(loss, str):
        raise TypeError(f"GAN.compile: loss must be a name (str), got {type(loss).__name__} "
                        f"({loss!r}). Pass one of {sorted(known)}, e.g. loss='wgan-gp'.")
    if loss not in known:
        raise ValueError(
            f"GAN.compile: unknown loss {loss!r}. Expected one of {sorted(known)}; pass "
            "loss='non_saturating' (chapter 3) or loss='wgan-gp' (chapter 6)."
        )
    if generator_loss != "non_saturating" and generator_loss != loss:
        raise ValueError(
            f"GAN.compile: loss={loss!r} and generator_loss={generator_loss!r} disagree. "
            "loss names the whole game; leave generator_loss out."
        )
    if label_smoothing and not known[loss].cross_entropy:
        raise ValueError(
            f"GAN.compile: label_smoothing={label_smoothing} softens cross-entropy targets, "
            f"but loss={loss!r} has none. Leave label_smoothing out (0.0) for this loss."
        )
    return loss


def check_label_smoothing(value) -> float:
    """One-sided label smoothing: a number in [0, 0.5)."""
    value = check_positive_number("label_smoothing", value, allow_zero=True)
    if value >= 0.5:
        raise ValueError(
            f"GAN.compile: label_smoothing must be < 0.5, got {value}: at 0.5 the "
            "real target equals the fake one and D learns nothing. Use 0.0 (none) or 0.1."
        )
    return value


def check_r1_weight(value, loss) -> float:
    """R1's weight gamma (chapter 5): a number >= 0 (0: no penalty), refused for WGAN-GP,
    whose gradient penalty already constrains the critic's gradient."""
    value = check_positive_number("r1_weight", value, allow_zero=True)
    if value and loss == "wgan-gp":
        raise ValueError(
            f"r1_weight={value} adds an R1 penalty, but loss='wgan-gp' already penalises the "
            "critic's gradient (gp_weight). Leave r1_weight (--r1-weight) out for WGAN-GP, or "
            "use R1 with loss='non_saturating'."
        )
    return value


def check_dataset(ds, sample_shape) -> None:
    """A batched ``tf.data.Dataset`` whose samples have the discriminator's ``sample_shape``."""
    spec = ds.element_spec
    spec = spec[0] if isinstance(spec, tuple) else spec
    got = tuple(spec.shape[1:]) if spec.shape.rank else None
    if sample_shape is not None and got is not None and None not in got and got != sample_shape:
        raise ValueError(
            f"The dataset yields samples of shape {got}, but the discriminator expects "
            f"{sample_shape}. Batch the dataset (ds.batch(64)) and reshape its elements."
        )


def check_fit_data(x, y, batch_size, sample_shape, value_range, replicas=1, read_sample=True):
    """The real samples of ``GAN.fit``: return ``(x, batch_size)``, checked.

    ``x`` is a ``tf.data.Dataset`` (checked for its sample shape, and, unless ``read_sample``
    is False because the caller checks the first batch it trains on with
    :func:`check_dataset_batch`, its first batch as an array is) or an array (checked for
    shape, NaN and ``value_range``, and that ``batch_size`` fits it and splits evenly over
    ``replicas``).
    """
    if y is not None:
        raise ValueError(
            "GAN.fit takes real samples only (y must be None): the labels real=1 / fake=0 "
            "are made inside train_step."
        )
    if x is None:
        raise ValueError(
            "GAN.fit needs the real samples: x is None. Pass an array of images, e.g. "
            "gan.fit(cl.data.load_cats(), batch_size=64, epochs=5)."
        )
    if isinstance(x, tf.data.Dataset):
        check_dataset(x, sample_shape)
        if read_sample:
            check_dataset_sample(x, sample_shape, value_range)  # one rule, as for arrays
        return x, batch_size
    x = check_images(x, "x", shape=sample_shape, value_range=value_range)
    if batch_size is None:
        return x, None
    batch_size = check_positive_int("batch_size", batch_size)
    if batch_size > len(x):
        raise ValueError(
            f"batch_size={batch_size} is larger than the {len(x)} samples. "
            "Use a batch size no larger than the data."
        )
    if batch_size % replicas:
        raise ValueError(
            f"batch_size={batch_size} cannot be split evenly over the {replicas} "
            "replicas of the distribution strategy. Use a multiple of "
            f"{replicas} (the batch size is the global batch)."
        )
    return x, batch_size


def check_latent(z, n, latent_dim: int) -> np.ndarray:
    """Latent vectors ``z`` as float32 ``(n, latent_dim)``; ``n``, if given, must match."""
    if n is not None and n != len(z):
        raise ValueError(
            f"generate got n={n} but {len(z)} latent vectors z. Pass n (seeded noise is "
            "drawn for you) or z (your own latent vectors), not both."
        )
    try:
        z = np.asarray(z, dtype=np.float32)
    except (TypeError, ValueError):
        raise TypeError(
            f"z must be a numeric array of shape (n, {latent_dim}), got "
            f"{type(z).__name__}. Draw it with cl.training.latent_batch(n, {latent_dim})."
        ) from None
    if z.ndim != 2 or z.shape[1] != latent_dim or len(z) == 0:
        raise ValueError(
            f"z must have shape (n, {latent_dim}) with n >= 1, got {z.shape}. Draw it "
            f"with cl.training.latent_batch(n, {latent_dim})."
        )
    check_finite("z", z)
    return z


def check_labels(labels, num_classes: int, names=(), n: int | None = None) -> np.ndarray:
    """Class labels as int32 ``(n,)``: integers in ``0 .. num_classes - 1`` or names from
    ``names`` (chapter 6, the conditional GAN); ``n``, if given, must match."""
    if isinstance(labels, str | int | np.integer):
        labels = [labels]
    arr = np.asarray(labels)
    if arr.ndim != 1 or len(arr) == 0:
        raise ValueError(
            f"labels must be a non-empty 1-D list of classes, got shape {arr.shape}. Pass one "
            "label per sample, e.g. np.repeat(np.arange(10), 8) or ['cat', 'dog']."
        )
    if arr.dtype.kind in "US":
        unknown = sorted({str(v) for v in arr} - set(names))
        if unknown:
            raise ValueError(f"Unknown class names {unknown}. Expected names from {tuple(names)}.")
        arr = np.array([list(names).index(str(v)) for v in arr])
    elif arr.dtype.kind not in "iu" and not (arr.dtype.kind == "f" and np.all(arr == np.round(arr))):
        raise TypeError(f"labels must be whole numbers or class names, got dtype {arr.dtype}.")
    if arr.min() < 0 or arr.max() >= num_classes:
        raise ValueError(
            f"labels lie in [{int(arr.min())}, {int(arr.max())}], but there are {num_classes} "
            f"classes. Expected labels 0 .. {num_classes - 1}."
        )
    if n is not None and len(arr) != n:
        raise ValueError(f"{len(arr)} labels for {n} samples: give exactly one label per sample.")
    return arr.astype(np.int32)


# ------------------------------------------------------------ autoregressive models (chapter 7)
def check_levels(levels) -> int:
    """The number of grey levels of a pixel: an int from 2 (black/white) to 256."""
    levels = check_positive_int("levels", levels, minimum=2)
    if levels > 256:
        raise ValueError(f"levels must be at most 256 (8-bit pixels), got {levels}. Use 2 "
                         "(black/white) or a few grey levels such as 4.")
    return levels


def check_mask_type(mask_type) -> str:
    """A causal mask's type: ``"A"`` (hides the pixel itself) or ``"B"`` (keeps it)."""
    if mask_type not in ("A", "B"):
        raise ValueError(f"mask_type must be 'A' or 'B', got {mask_type!r}. Use 'A' for the "
                         "first layer (it must not see the pixel it predicts) and 'B' after.")
    return mask_type


def check_on_levels(images, level_values) -> np.ndarray:
    """Images ``(n, 28, 28, 1)`` whose every pixel is one of ``level_values`` (exactly).

    A discrete likelihood is defined only for discrete images: a grey pixel between two
    levels has no probability.
    """
    x = check_images(images, "images", shape=(28, 28, 1), value_range=(-1.0, 1.0))
    levels = np.asarray(level_values, dtype=np.float32)
    off = np.min(np.abs(x[..., None] - levels), axis=-1) > 1e-4
    if np.any(off):
        raise ValueError(
            f"images has {int(off.sum())} pixels that are not on the model's {len(levels)} "
            f"levels {np.round(levels, 3).tolist()} (e.g. {float(x[off][0]):g}). A discrete "
            "likelihood needs discrete pixels: pass model.quantise(images) instead."
        )
    return x


def check_binary_images(images, name: str = "binary_images") -> np.ndarray:
    """Images ``(n, 28, 28, 1)`` whose pixels are exactly -1 or 1 (a Bernoulli's outcomes)."""
    x = check_images(images, name, shape=(28, 28, 1), value_range=(-1.0, 1.0))
    grey = np.abs(np.abs(x) - 1.0) > 1e-6
    if np.any(grey):
        raise ValueError(
            f"{name} has {int(grey.sum())} pixels that are neither -1 nor 1 (e.g. "
            f"{float(x[grey][0]):g}). A Bernoulli likelihood is a probability only for binary "
            f"pixels: binarise first, np.where({name} > 0, 1.0, -1.0).astype('float32')."
        )
    return x


# ------------------------------------------------------------------ diffusion (chapter 7)
def check_timesteps(value, name: str = "timesteps") -> int:
    """The number T of noising steps of a diffusion schedule: an int >= 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an int (the number T of noising steps), got "
            f"{type(value).__name__} ({value!r}). Pass a whole number such as {name}=1000."
        )
    if value < 1:
        raise ValueError(
            f"{name} must be >= 1 (the number T of noising steps), got {value}. Ho et al. use "
            f"T = 1000; pass e.g. {name}=1000."
        )
    return int(value)


def check_ddim_steps(steps, timesteps: int, name: str = "steps") -> int:
    """The number of steps a sampler takes: an int in 1 .. T (the schedule's length)."""
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral):
        raise TypeError(
            f"{name} must be an int (how many denoising steps to take), got "
            f"{type(steps).__name__} ({steps!r}). Pass a whole number such as {name}=50."
        )
    if not 1 <= steps <= timesteps:
        raise ValueError(
            f"{name} must be between 1 and the schedule's T = {timesteps}, got {steps}: a "
            f"sampler can visit each of the T noise levels at most once. Pass e.g. "
            f"{name}={min(50, timesteps)}."
        )
    return int(steps)


def check_choice(name: str, value, known) -> str:
    """``value`` if it is one of the names ``known``, else a ``ValueError`` listing them."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {sorted(known)}, got "
                        f"{type(value).__name__} ({value!r}).")
    if value not in known:
        raise ValueError(f"Unknown {name} {value!r}. Expected one of {sorted(known)}; pass e.g. "
                         f"{name}={sorted(known)[0]!r}.")
    return value


def check_ema_decay(value, name: str = "ema_decay") -> float:
    """The decay of an exponential moving average: a number in [0, 1)."""
    value = check_positive_number(name, value, allow_zero=True)
    if value >= 1:
        raise ValueError(
            f"{name} must be in [0, 1), got {value}: at 1 the average never moves from the "
            f"initial weights. Typical values are 0.99 to 0.9999; pass e.g. {name}=0.995."
        )
    return value


def check_time_indices(t, n: int, timesteps: int) -> np.ndarray:
    """Diffusion steps ``t``: ``n`` integers in 0 .. T-1 (one per image), as int32."""
    arr = as_numeric_array(t, "t")
    if not (np.issubdtype(arr.dtype, np.integer)):
        raise TypeError(
            f"t must hold integer steps, got dtype {arr.dtype}. Pass e.g. "
            f"t = np.full(n, 10) or rng.integers(0, {timesteps}, n)."
        )
    if arr.shape != (n,):
        raise ValueError(
            f"t must have shape ({n},), one step per image, got {arr.shape}. Pass one "
            f"integer per image, e.g. np.full({n}, 10)."
        )
    if arr.size and (arr.min() < 0 or arr.max() >= timesteps):
        raise ValueError(
            f"t must lie in 0 .. {timesteps - 1} (T = {timesteps} steps, 0-based), got "
            f"values in {int(arr.min())} .. {int(arr.max())}. Index the paper's step t with "
            "t - 1."
        )
    return arr.astype(np.int32)


def check_same_shape(name_a: str, a, name_b: str, b) -> None:
    """Two arrays that must have the same shape (e.g. x0 and its noise eps)."""
    if tuple(np.shape(a)) != tuple(np.shape(b)):
        raise ValueError(
            f"{name_a} has shape {tuple(np.shape(a))} but {name_b} has shape "
            f"{tuple(np.shape(b))}; they must match. Draw the noise with "
            f"np.random.default_rng(0).standard_normal({name_a}.shape)."
        )


# ------------------------------------------------------------------ the GAN (chapters 3-5)
def check_augment(augment) -> None:
    """A GAN's ``augment``: None or a function images -> images (e.g. DiffAugment)."""
    if augment is not None and not callable(augment):
        raise TypeError(
            f"GAN: augment must be a function images -> images or None, got "
            f"{type(augment).__name__}. Pass a function such as augment=lambda x: "
            "tf.image.flip_left_right(x), or leave it out."
        )


def check_gan_compiled(gan, action: str) -> None:
    """A GAN must be compiled (have its optimizers) before it can ``fit`` or ``checkpoint``."""
    if hasattr(gan, "d_optimizer"):
        return
    if action == "fit":
        raise ValueError("GAN.fit was called before GAN.compile. Call gan.compile(d_optimizer=..., "
                         "g_optimizer=...) first.")
    raise ValueError(
        "The GAN is not compiled, so it has no optimizers to checkpoint. Call "
        "gan.compile(d_optimizer=..., g_optimizer=...) first, with the same optimizers "
        "as the run."
    )
