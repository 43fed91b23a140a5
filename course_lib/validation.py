"""Input checks shared by the public API (chapter 4 shows why they matter).

Every message answers three questions: what happened, what was expected, how to fix it.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "check_finite",
    "check_images",
    "check_models",
    "check_positive_int",
    "check_positive_number",
    "output_range",
]


def check_positive_int(name: str, value, minimum: int = 1) -> int:
    """``value`` as an int >= ``minimum``, or a ``TypeError``/``ValueError`` saying why not."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} ({value!r}).")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}.")
    return int(value)


def check_positive_number(name: str, value, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} ({value!r}).")
    value = float(value)
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value}.")
    return value


def check_finite(name: str, x: np.ndarray) -> None:
    if not np.all(np.isfinite(x)):
        bad = int(np.size(x) - np.count_nonzero(np.isfinite(x)))
        raise ValueError(
            f"{name} contains {bad} NaN or infinite values. Expected finite numbers; "
            "check the preprocessing (e.g. a division by zero) or drop those samples."
        )


def output_range(generator) -> tuple[float, float] | None:
    """The value range of a generator's last activation: tanh (-1, 1), sigmoid (0, 1), else None."""
    try:
        layer = generator.layers[-1]
        if not hasattr(layer, "activation"):
            layer = next(lay for lay in reversed(generator.layers) if hasattr(lay, "activation"))
        name = getattr(layer.activation, "__name__", "")
    except (AttributeError, IndexError, StopIteration):
        return None
    return {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}.get(name)


def check_images(x, name: str = "images", shape=None, value_range=None) -> np.ndarray:
    """Check a batch of training data and return it as float32.

    ``shape`` is the per-sample shape the discriminator expects; ``value_range`` the generator's
    output range. Data outside that range is the most common learner mistake: the discriminator
    then tells real from fake by brightness alone.
    """
    if isinstance(x, str | bytes) or x is None:
        raise TypeError(f"{name} must be a numeric NumPy array, got {type(x).__name__}.")
    arr = np.asarray(x)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(
            f"{name} must hold numbers, got dtype {arr.dtype}. Convert it with "
            "np.asarray(data, dtype='float32') after checking every entry is numeric."
        )
    if arr.ndim == 0 or arr.shape[0] == 0:
        raise ValueError(
            f"{name} is empty (shape {arr.shape}). Expected at least one sample; check the "
            "filter or class names used to select the data."
        )
    if shape is not None:
        expected = tuple(shape)
        if tuple(arr.shape[1:]) != expected:
            hint = ""
            if int(np.prod(arr.shape[1:])) == int(np.prod(expected)):
                hint = f" Reshape it: {name}.reshape(-1, {', '.join(map(str, expected))})."
            raise ValueError(
                f"{name} has samples of shape {tuple(arr.shape[1:])}, but the discriminator "
                f"expects {expected}.{hint}"
            )
    arr = arr.astype(np.float32, copy=False)
    check_finite(name, arr)
    if value_range is not None:
        lo, hi = value_range
        mn, mx = float(arr.min()), float(arr.max())
        tol = 1e-3 * (hi - lo)
        if mn < lo - tol or mx > hi + tol:
            fix = (
                "Scale 0..255 pixels with x / 127.5 - 1 (or cl.data.load_cats(value_range=(-1, 1)))."
                if lo == -1.0
                else "Scale 0..255 pixels with x / 255 (or cl.data.load_cats(value_range=(0, 1)))."
            )
            raise ValueError(
                f"{name} lie in [{mn:g}, {mx:g}], but the generator's output activation "
                f"produces values in [{lo:g}, {hi:g}], so the discriminator could tell real from "
                f"fake by their range alone. {fix}"
            )
    return arr


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
    import keras

    for nm, m in (("generator", generator), ("discriminator", discriminator)):
        if not isinstance(m, keras.Model):
            raise TypeError(
                f"{nm} must be a keras.Model, got {type(m).__name__}. Build one with "
                f"cl.models.mlp_{nm}() or keras.Sequential([...])."
            )
    check_positive_int("latent_dim", latent_dim)
    g_in, g_out = _shape(generator, "input_shape"), _shape(generator, "output_shape")
    d_in, d_out = _shape(discriminator, "input_shape"), _shape(discriminator, "output_shape")
    if g_in is not None and g_in[-1] is not None and g_in[-1] != latent_dim:
        raise ValueError(
            f"latent_dim={latent_dim} disagrees with the generator, whose input has "
            f"{g_in[-1]} features. Pass latent_dim={g_in[-1]} or rebuild the generator with "
            f"latent_dim={latent_dim}."
        )
    if g_out is not None and d_in is not None and tuple(g_out[1:]) != tuple(d_in[1:]):
        hint = ""
        if int(np.prod([d for d in g_out[1:] if d])) == int(np.prod([d for d in d_in[1:] if d])):
            hint = f" Add keras.layers.Reshape({tuple(d_in[1:])}) at the end of the generator."
        raise ValueError(
            f"The generator emits samples of shape {tuple(g_out[1:])}, but the discriminator "
            f"expects {tuple(d_in[1:])}.{hint}"
        )
    if d_out is not None and tuple(d_out[1:]) != (1,):
        raise ValueError(
            f"The discriminator must output one logit per sample, shape (n, 1), but it outputs "
            f"{tuple(d_out[1:])}. End it with keras.layers.Dense(1)."
        )
