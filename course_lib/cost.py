"""What training costs: parameters, FLOPs and seconds per epoch (chapter 6).

FLOPs are counted analytically, per image and per forward pass, for the layers that do almost
all the arithmetic: ``Dense``, ``Conv2D`` and ``Conv2DTranspose``. One multiply-add counts as
two FLOPs. Bias additions, activations, batch norm and reshapes are not counted; for the
course's models they add a few per cent at most. The counts per layer are::

    Dense            2 * (positions) * in_features * units
    Conv2D           2 * H_out * W_out * k_h * k_w * (C_in / groups) * C_out
    Conv2DTranspose  2 * H_in  * W_in  * k_h * k_w * C_in * C_out

(a transposed convolution spreads each of its H_in * W_in input pixels over a k_h x k_w x C_out
patch). A backward pass costs about twice a forward pass, so one training step costs about
three forward passes; :func:`training_flops_per_image` applies that rule to a VAE and a GAN.
"""

from __future__ import annotations

import math
import time

import keras
import numpy as np
from keras import layers

__all__ = [
    "EpochTimer",
    "count_params",
    "flops",
    "flops_by_layer",
    "human",
    "training_flops_per_image",
]


def count_params(model) -> dict[str, int]:
    """``{"trainable": ..., "non_trainable": ..., "total": ...}`` parameter counts (chapter 6)."""
    if not isinstance(model, keras.layers.Layer):
        raise TypeError(f"count_params expects a keras model or layer, got {type(model).__name__}.")
    trainable = int(sum(math.prod(w.shape) for w in model.trainable_weights))
    non_trainable = int(sum(math.prod(w.shape) for w in model.non_trainable_weights))
    return {"trainable": trainable, "non_trainable": non_trainable,
            "total": trainable + non_trainable}


def _shape(layer, attr):
    try:
        shape = getattr(layer, attr).shape
    except (AttributeError, ValueError) as exc:
        raise ValueError(
            f"Cannot read the {attr} shape of layer {layer.name!r}: FLOPs are counted for layers "
            "inside a built Sequential or functional model (one that starts with keras.Input) "
            "and called once. Build the model with keras.Input(shape=...) first."
        ) from exc
    if any(d is None for d in shape[1:]):
        raise ValueError(
            f"Layer {layer.name!r} has an unknown {attr} size {tuple(shape)}; FLOPs need fixed "
            "image sizes. Give keras.Input a full shape such as (28, 28, 1)."
        )
    return tuple(int(d) for d in shape[1:])


def _layer_flops(layer) -> int:
    if isinstance(layer, layers.Conv2DTranspose):
        h, w, c_in = _shape(layer, "input")
        k_h, k_w = layer.kernel_size
        return 2 * h * w * k_h * k_w * c_in * layer.filters
    if isinstance(layer, layers.Conv2D):
        c_in = _shape(layer, "input")[-1]
        h, w, c_out = _shape(layer, "output")
        k_h, k_w = layer.kernel_size
        return 2 * h * w * k_h * k_w * (c_in // layer.groups) * c_out
    if isinstance(layer, layers.Dense):
        shape = _shape(layer, "input")
        return 2 * math.prod(shape[:-1]) * shape[-1] * layer.units
    return 0


def flops_by_layer(model) -> list[tuple[str, str, int]]:
    """``(path, layer type, FLOPs per image)`` for every layer, nested models walked (chapter 6)."""
    if not isinstance(model, keras.layers.Layer):
        raise TypeError(f"flops expects a keras model, got {type(model).__name__}.")
    rows = []
    for layer in getattr(model, "layers", [model]):
        if isinstance(layer, keras.Model):
            rows += [(f"{layer.name}/{p}", t, f) for p, t, f in flops_by_layer(layer)]
        else:
            rows.append((layer.name, type(layer).__name__, _layer_flops(layer)))
    return rows


def flops(model) -> int:
    """FLOPs of one forward pass for one image (chapter 6).

    A model made of sub-models (the ``VAE``: encoder and decoder; the ``GAN``: generator and
    discriminator) counts each sub-model once.
    """
    return int(sum(f for _, _, f in flops_by_layer(model)))


def training_flops_per_image(model) -> int:
    """Approximate FLOPs to train on one real image, with backward = 2 x forward (chapter 6).

    * a model with ``generator`` and ``discriminator`` (``cl.training.GAN``): the D step runs G
      forward (G), D forward and backward on a real and a fake image (2 x 3D); the G step runs G
      and D forward and backward (3G + 3D): in total 4G + 9D;
    * any other model (``VAE``, a classifier): 3 x forward.
    """
    g, d = getattr(model, "generator", None), getattr(model, "discriminator", None)
    if isinstance(g, keras.Model) and isinstance(d, keras.Model):
        return 4 * flops(g) + 9 * flops(d)
    return 3 * flops(model)


def human(n: float, unit: str = "") -> str:
    """``1234567`` -> ``"1.23 M"``: a count with an SI prefix (k, M, G, T, P, E, Z, Y)."""
    n = float(n)
    prefixes = ["", "k", "M", "G", "T", "P", "E", "Z", "Y"]
    i = 0
    while abs(n) >= 1000 and i < len(prefixes) - 1:
        n /= 1000.0
        i += 1
    text = f"{n:.0f}" if i == 0 else f"{n:.3g}"
    return f"{text} {prefixes[i]}{unit}".rstrip()


class EpochTimer(keras.callbacks.Callback):
    """A fit callback that times every epoch, in wall-clock and in CPU seconds (chapter 6).

    ``wall`` and ``cpu`` hold one entry per epoch. The first epoch includes tracing the
    training function into a graph, so :meth:`seconds_per_epoch` leaves it out when there are
    later ones. On a shared machine wall time depends on the neighbours; CPU time (all threads
    of this process) depends less on them, but counts every core that worked.
    """

    def __init__(self):
        super().__init__()
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self._start = None

    def on_epoch_begin(self, epoch, logs=None):
        self._start = (time.perf_counter(), time.process_time())

    def on_epoch_end(self, epoch, logs=None):
        wall0, cpu0 = self._start
        self.wall.append(time.perf_counter() - wall0)
        self.cpu.append(time.process_time() - cpu0)

    def seconds_per_epoch(self, kind: str = "wall") -> float:
        """The median seconds per epoch after the first (``kind`` is ``"wall"`` or ``"cpu"``)."""
        if kind not in ("wall", "cpu"):
            raise ValueError(f"kind must be 'wall' or 'cpu', got {kind!r}.")
        values = self.wall if kind == "wall" else self.cpu
        if not values:
            raise ValueError("No epoch was timed yet: pass the timer to fit(callbacks=[timer]).")
        return float(np.median(values[1:] if len(values) > 1 else values))
