"""Checks for the chapter 7 exercises on the autoregressive model (notebook 07b)."""

from __future__ import annotations

import math

import numpy as np

from course_lib.checks import Failure, as_array, close, register
from course_lib.checks.diagnose import Probe, known
from course_lib.checks.messages import tr


# ------------------------------------------------------------------------ the causal mask
def _mask(k, mask_type):
    """The right mask: rows above the centre, the centre row's left part, the centre for B."""
    m = np.zeros((k, k))
    c = k // 2
    m[:c, :] = 1.0
    m[c, :c] = 1.0
    m[c, c] = float(mask_type == "B")
    return m


_MASK_CASES = [(k, t) for k in (3, 5, 7) for t in ("A", "B")]

#: (name, test on (found, right, k, type) for every case, message), checked in this order.
_MASK_MISTAKES = [
    ("transposed", lambda f, m, k, t: np.array_equal(f.T, m),
     "Your mask is transposed: it orders pixels column by column. Rows are the first index: "
     "keep mask[:c, :] (the rows above) and mask[c, :c] (left of the centre)."),
    ("future", lambda f, m, k, t: np.array_equal(f[::-1, ::-1], m),
     "Your mask keeps the future instead of the past (rows below, pixels to the right). Raster "
     "order runs top to bottom, left to right: keep the rows above and the left part."),
    ("types swapped", lambda f, m, k, t: np.array_equal(f, _mask(k, "B" if t == "A" else "A")),
     "Types A and B are swapped: type A (the first layer) must hide the centre, the pixel "
     "being predicted; type B keeps it."),
    ("below", lambda f, m, k, t: f[k // 2 + 1:].any(),
     "Your mask keeps taps in the rows below the centre: those pixels come later in raster "
     "order, so the model would see the future. Zero mask[c + 1:, :]."),
    ("right", lambda f, m, k, t: f[k // 2, k // 2 + 1:].any(),
     "Your mask keeps the centre row right of the centre: those pixels come later in raster "
     "order. Keep only the left part, mask[c, :c]."),
    ("centre A", lambda f, m, k, t: t == "A" and f[k // 2, k // 2] != 0,
     "Your type A mask keeps the centre: the first layer would see the very pixel it "
     "predicts, and training would learn to copy it."),
    ("centre B", lambda f, m, k, t: t == "B" and f[k // 2, k // 2] != 1,
     "Your type B mask hides the centre. Type B layers may see their own position: a hidden "
     "layer's value there was computed from earlier pixels only."),
    ("left", lambda f, m, k, t: not f[k // 2, : k // 2].all(),
     "Your mask hides the pixels left of the centre in its row: they come earlier in raster "
     "order and the model needs them (mask[c, :c] = 1)."),
]


def _mask_mistake(found) -> str | None:
    """The message of the first listed mistake that every (or, for a leak, any) case shows."""
    for name, test, message in _MASK_MISTAKES:
        hits = [bool(test(f, _mask(k, t), k, t)) for f, (k, t) in zip(found, _MASK_CASES,
                                                                       strict=True)]
        leak = name in ("below", "right", "centre A", "centre B", "left")
        if (any(hits) if leak else all(hits)):
            return message
    return None


@register("ch07.causal_mask", "The causal mask of a masked convolution (types A and B)",
          expects="a (k, k) array of 0s and 1s")
def _causal_mask(answer):
    found = []
    for k, t in _MASK_CASES:
        value = as_array(answer(k, t), f"causal_mask({k}, {t!r})",
                         expects="a (k, k) array of 0s and 1s")
        if value.shape != (k, k):
            raise Failure(tr("{call} must have shape ({k}, {k}).", call=f"causal_mask({k}, {t!r})", k=k),
                          expected=tr("shape ({k}, {k})", k=k), found=tr("shape {shape}", shape=value.shape),
                          hint="One entry per kernel tap: np.zeros((k, k)), then set the kept "
                          "taps to 1.")
        found.append(value)
    mistake = _mask_mistake(found)
    if mistake is not None:
        raise Failure(mistake, expected=tr("{mask} for (3, 'A')", mask=str(_mask(3, "A").astype(int).tolist())),
                      found=str(found[0].astype(int).tolist()), key="ch07.causal_mask.listed")
    for (k, t), value in zip(_MASK_CASES, found, strict=True):
        close(value, _mask(k, t), f"causal_mask({k}, {t!r})", rtol=0, atol=1e-9,
              hint="Keep (1) the rows above the centre and, in the centre row, the taps left "
              "of it; the centre itself only for type 'B'.")
    return ("Your masks hide every later pixel: type A hides the centre too, type B keeps it "
            "— the 7x7 type A keeps 24 of 49 taps.")


# ------------------------------------------------------------------------ bits per pixel
def _bpp(log_likelihood, pixels):
    return -float(np.mean(log_likelihood)) / (pixels * math.log(2))


_BPP_CASES = [([-300.0, -200.0, -250.0], 784), ([-100.0], 100), ([-900.0, -1100.0], 1000)]


@register("ch07.bits_per_pixel", "Bits per pixel from log-likelihoods in nats",
          expects="one number: bits per pixel")
def _bits_per_pixel(answer):
    found, expected = [], []
    for ll, pixels in _BPP_CASES:
        value = as_array(answer(np.array(ll), pixels), "bits_per_pixel(log_likelihood, pixels)",
                         expects="one number: bits per pixel")
        if value.size != 1:
            raise Failure("Return one number: the mean over the images, in bits per pixel.",
                          expected="a float", found=tr("shape {shape}", shape=value.shape),
                          hint="Average over the images with np.mean.")
        found.append(float(value.reshape(())))
        expected.append(_bpp(ll, pixels))
    found, expected = np.array(found), np.array(expected)
    means = np.array([float(np.mean(ll)) for ll, _ in _BPP_CASES])
    px = np.array([p for _, p in _BPP_CASES], dtype=np.float64)
    relations = [
        known(-expected, "Your bits per pixel are negative: the log-likelihood is negative, "
              "and the cost in bits is its negative.", "Put a minus sign in front.",
              key="ch07.bits_per_pixel.sign"),
        known(expected * px, "You returned bits per image: divide by the number of pixels.",
              "Divide by pixels as well.", key="ch07.bits_per_pixel.per_image"),
        known(-means / px, "You returned nats per pixel: a bit is ln 2 nats.",
              "Divide by math.log(2) to turn nats into bits.", key="ch07.bits_per_pixel.nats"),
        known(-means * math.log(2) / px, "You multiplied by ln 2 instead of dividing by it.",
              "bits = nats / ln 2.", key="ch07.bits_per_pixel.times_ln2"),
        known(expected * np.array([len(ll) for ll, _ in _BPP_CASES]), "You summed over the "
              "images: bits per pixel is an average, so take np.mean over them.",
              "np.mean(log_likelihood), not np.sum.", key="ch07.bits_per_pixel.sum"),
        known(-means / (px * math.log(10)), "You divided by ln 10: that gives digits "
              "(decimal units), not bits.", "Use math.log(2).", key="ch07.bits_per_pixel.log10"),
    ]
    close(found, expected, "Your bits per pixel", rtol=1e-6, atol=1e-9,
          probe=Probe(labels=[tr("{n_ll} images of {p} pixels", n_ll=len(ll), p=p) for ll, p in _BPP_CASES],
                      counts={"pixels": 784}),
          relations=relations, hint="bits per pixel = -mean(log_likelihood) / (pixels * ln 2).")
    return ("Right: -mean(log p) / (pixels ln 2). A uniform guess over 2 levels costs exactly "
            "1 bit per pixel.")
