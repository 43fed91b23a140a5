"""Checks for the chapter 5 exercises (the cat case study)."""

from __future__ import annotations

import numpy as np

from course_lib.checks import Failure, as_array, close, register
from course_lib.checks.diagnose import Probe
from course_lib.checks.messages import tr


# ------------------------------------------------------------------------ Fréchet distance
def _fd(x, y, *, ddof=1, rowvar=False, factor=2.0, sqrt="matrix", squared=True):
    """Reference FD and its typical wrong variants (for diagnosis)."""
    mx, my = x.mean(axis=0), y.mean(axis=0)
    cx, cy = np.cov(x, rowvar=rowvar, ddof=ddof), np.cov(y, rowvar=rowvar, ddof=ddof)
    d = mx - my
    mean_term = float(d @ d) if squared else float(np.sqrt(d @ d))
    if sqrt == "matrix":
        w, v = np.linalg.eigh(cx)
        s = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
        tr = float(np.sum(np.sqrt(np.clip(np.linalg.eigvalsh(s @ cy @ s), 0, None))))
    elif sqrt == "elementwise":
        tr = float(np.trace(np.sqrt(np.abs(cx @ cy))))
    else:  # "separate": tr(sqrt(C1)) * tr(sqrt(C2))-style confusion: sqrt of each, then product
        def msqrt(c):
            w, v = np.linalg.eigh(c)
            return (v * np.sqrt(np.clip(w, 0, None))) @ v.T

        tr = float(np.trace(msqrt(cx) @ msqrt(cy)))
    return mean_term + float(np.trace(cx) + np.trace(cy)) - factor * tr


def _fd_data():
    rng = np.random.default_rng(5)
    a = rng.normal(size=(4, 4))
    b = rng.normal(size=(4, 4))
    x = rng.normal(size=(300, 4)) @ a + np.array([1.0, -0.5, 0.0, 2.0])
    y = rng.normal(size=(240, 4)) @ b + np.array([0.5, 0.5, -1.0, 1.5])
    return x, y


def _as_float(value, what):
    arr = as_array(value, what, expects="one number (a float)")
    if arr.size != 1:
        raise Failure(tr("{what} must be one number.", what=what), expected="a float",
                      found=tr("{kind} of shape {shape}", kind=type(value).__name__, shape=arr.shape))
    return float(arr.reshape(()))


#: Known mistakes in frechet_distance: the reference's options that reproduce each one.
_FD_MISTAKES = [
    (dict(factor=1.0), "You forgot the factor 2 in front of the trace of the square root.",
     "FD = |mu1 - mu2|^2 + tr(C1) + tr(C2) - 2 tr((C1 C2)^(1/2))."),
    (dict(factor=-2.0), "The square-root term must be subtracted, not added.",
     "FD = |mu1 - mu2|^2 + tr(C1) + tr(C2) - 2 tr((C1 C2)^(1/2))."),
    (dict(sqrt="elementwise"), "You took the square root of each entry of C1 C2.",
     "np.sqrt works entry by entry. Use a matrix square root, e.g. via "
     "np.linalg.eigh: sqrt(C) = V diag(sqrt(w)) V^T, and tr((C1 C2)^(1/2)) = "
     "tr((S C2 S)^(1/2)) with S = sqrt(C1)."),
    (dict(sqrt="separate"), "You used tr(sqrt(C1) sqrt(C2)), not tr(sqrt(C1 C2)).",
     "The square roots do not split over the product unless C1 and C2 commute. Take "
     "the square root of S C2 S, with S = sqrt(C1)."),
    (dict(squared=False), "The mean term must be the *squared* distance |mu1 - mu2|^2.",
     "Use d @ d (or np.sum(d**2)), not np.linalg.norm(d)."),
]


def _check_fd_same_size(answer, xs, ys, width) -> None:
    """On sets of equal size: a finite distance, covariances over features."""
    small = _as_float(answer(xs.copy(), ys.copy()), "frechet_distance(x, y)")
    if not np.isfinite(small):
        raise Failure(
            "Your distance is NaN or infinite.", found=str(small),
            hint="np.sqrt of a matrix takes the square root of each entry, and entries of "
            "C1 @ C2 can be negative. You need a *matrix* square root: with the symmetric "
            "eigendecomposition C = V diag(w) V^T, sqrt(C) = V diag(sqrt(w)) V^T.",
        )
    wrong_axis = [_fd(xs, ys, rowvar=True), _fd(xs, ys, rowvar=True, ddof=0)]
    if any(np.isclose(small, w, rtol=1e-6) for w in wrong_axis):
        raise Failure(
            "Your covariance is over the wrong axis: it compares samples, not features.",
            expected=tr("covariances of shape ({width}, {width})", width=width),
            found=tr("covariances of shape ({n_xs}, {n_xs})", n_xs=len(xs)),
            hint="Rows are samples, columns are features: np.cov(x, rowvar=False).",
        )


@register("ch05.frechet_distance", "The Fréchet distance between two sets of features")
def _frechet_distance(answer):
    x, y = _fd_data()
    # same sample sizes first: the wrong covariance axis then still runs, and can be named
    xs, ys = x[:40], y[:40]
    _check_fd_same_size(answer, xs, ys, x.shape[1])
    try:
        found = _as_float(answer(x.copy(), y.copy()), "frechet_distance(x, y)")
    except ValueError as exc:
        raise Failure(
            tr("Your function failed on sets of different sizes (300 and 240 samples): {exc}", exc=exc),
            hint="Rows are samples and may differ in number; covariances are over features: "
            "np.cov(x, rowvar=False) has shape (d, d) whatever the number of samples.",
        ) from None
    right = [_fd(x, y), _fd(x, y, ddof=0)]
    if any(np.isclose(found, r, rtol=1e-5) for r in right):
        itself = _as_float(answer(x.copy(), x.copy()), "frechet_distance(x, x)")
        if not np.isclose(itself, 0.0, atol=1e-6):
            raise Failure("The distance of a set to itself must be 0.", expected="0",
                          found=f"{itself:.3g}",
                          hint="Clip tiny negative eigenvalues (rounding) to 0 before sqrt.")
        return (tr("FD = {found:.4f}: squared mean difference plus the covariance term, with a true matrix "
                   "square root.", found=found))
    for kwargs, message, hint in _FD_MISTAKES:
        if any(np.isclose(found, _fd(x, y, ddof=dd, **kwargs), rtol=1e-5) for dd in (0, 1)):
            raise Failure(message, expected=f"{right[0]:.4f}", found=f"{found:.4f}", hint=hint)
    # an unlisted mistake: diagnose it on four pairs of feature sets
    pairs = [(x, y), (xs, ys), (x[100:], y[:200] * 1.5), (y, x[:100] + 2.0)]
    values = np.array([_as_float(answer(a.copy(), b.copy()), "frechet_distance(x, y)")
                       for a, b in pairs])
    close(values, np.array([_fd(a, b) for a, b in pairs]), "The Fréchet distance", rtol=1e-5,
          probe=Probe(reference=_fd, calls=pairs, stacked=True, names=("x", "y"),
                      labels=[tr("{n_a} and {n_b} samples", n_a=len(a), n_b=len(b)) for a, b in pairs]),
          hint="Means over axis 0, np.cov(x, rowvar=False), squared mean difference, and "
          "tr(C1) + tr(C2) - 2 tr((C1 C2)^(1/2)) with a matrix square root.")
    close(found, right[0], "The Fréchet distance", rtol=1e-5,
          hint="Means over axis 0, np.cov(x, rowvar=False), squared mean difference, and "
          "tr(C1) + tr(C2) - 2 tr((C1 C2)^(1/2)) with a matrix square root.")
    return "Correct."


# ------------------------------------------------------------------------ interpolation
def _np(x, what="The path"):
    return as_array(x, what)


@register("ch05.interpolate", "A straight line through the latent space")
def _interpolate(answer):
    z0 = np.array([1.0, -2.0, 0.5], dtype=np.float32)
    z1 = np.array([-1.0, 2.0, 4.5], dtype=np.float32)
    out = _np(answer(z0.copy(), z1.copy(), 5))
    t = np.linspace(0.0, 1.0, 5)[:, None]
    want = (1 - t) * z0 + t * z1
    if out.shape == (3, 5):
        raise Failure("One row per step, please: the output is transposed.",
                      expected="(5, 3)", found=str(out.shape),
                      hint="np.stack([...], axis=0), or (1 - t) * z0 + t * z1 with t of shape "
                      "(num, 1).")
    if out.shape != want.shape:
        raise Failure("The output has the wrong shape.", expected=str(want.shape),
                      found=str(out.shape), hint="num rows, each a latent vector.")
    if np.allclose(out, want[::-1]):
        raise Failure("The path runs backwards: it must start at z0 and end at z1.",
                      hint="At t = 0 the vector is z0; at t = 1 it is z1.")
    t_open = np.arange(5)[:, None] / 5
    if np.allclose(out, (1 - t_open) * z0 + t_open * z1):
        raise Failure("The path stops one step short of z1.",
                      expected=tr("last row {row}", row=want[-1]), found=tr("last row {row}", row=out[-1]),
                      hint="np.linspace(0, 1, num) includes both ends; arange(num) / num "
                      "does not.")
    if not np.allclose(out[0], z0) or not np.allclose(out[-1], z1):
        raise Failure("The path must start exactly at z0 and end exactly at z1.",
                      expected=tr("first {z0}, last {z1}", z0=z0, z1=z1), found=tr("first {z0}, last {z1}", z0=out[0], z1=out[-1]),
                      hint="t runs from 0 to 1: (1 - t) * z0 + t * z1.")
    close(out, want, "interpolate(z0, z1, 5)",
          probe=Probe(inputs={"t": t}, reference=lambda a, b, n: (1 - np.linspace(0, 1, n)[
              :, None]) * a + np.linspace(0, 1, n)[:, None] * b, calls=[(z0, z1, 5)],
              names=("z0", "z1", "num")),
          hint="Equal steps: t = np.linspace(0, 1, num), then (1 - t) * z0 + t * z1.")
    two = _np(answer(z0, z1, 2))
    close(two, np.stack([z0, z1]), "interpolate(z0, z1, 2)", hint="Just the two ends.")
    return "A straight line from z0 to z1 in equal steps, both ends included."


# ------------------------------------------------------------------------ kernel distance
def _kid(x, y, *, diagonal=False, pairs="unbiased", scale=True, degree=3, offset=1.0,
         factor=2.0, y_pairs_of_x=False):
    """Reference KID (the unbiased MMD^2, cubic kernel) and its typical wrong variants.

    ``diagonal``: keep the pairs i == j; ``pairs``: divide the within-set sums by n(n - 1)
    ("unbiased") or by n^2 ("all"); ``y_pairs_of_x``: divide y's sum by x's number of pairs.
    """
    d = x.shape[1] if scale else 1.0

    def within(a, count):
        k = (a @ a.T / d + offset) ** degree
        total = k.sum() if diagonal else k.sum() - np.trace(k)
        return total / (count * (count - 1) if pairs == "unbiased" else count * count)

    n, m = len(x), len(y)
    cross = ((x @ y.T / d + offset) ** degree).mean()
    return float(within(x, n) + within(y, n if y_pairs_of_x else m) - factor * cross)


def _kid_pairs():
    rng = np.random.default_rng(15)
    x = rng.normal(size=(30, 4))
    y = rng.normal(size=(24, 4)) * 1.2 + 0.4
    return [(x, y), (x[:12], y[:20] - 0.5), (y, x[5:]), (np.abs(x), np.abs(y[:10]) * 2.0)]


_KID_MISTAKES = [
    (dict(diagonal=True, pairs="all"),
     "You kept the pairs of a sample with itself (i = j) and divided by n^2: that is the biased "
     "V-statistic, whose average over sets from one distribution is above 0.",
     "Leave out the diagonal of each within-set kernel matrix (K.sum() - np.trace(K)) and "
     "divide by n(n - 1), the number of pairs i != j."),
    (dict(diagonal=False, pairs="all"),
     "You left out the pairs i = j but still divided by n^2: there are only n(n - 1) pairs "
     "i != j.",
     "Divide each within-set sum by n * (n - 1) (and by m * (m - 1) for y)."),
    (dict(diagonal=True, pairs="unbiased"),
     "You divided by n(n - 1) but kept the pairs of a sample with itself (i = j) in the sum.",
     "Subtract the diagonal: K.sum() - np.trace(K), then divide by n * (n - 1)."),
    (dict(y_pairs_of_x=True),
     "You divided y's within-set sum by x's number of pairs: the sets have different sizes.",
     "Use m = len(y) for y: its sum over i != j is divided by m * (m - 1)."),
    (dict(scale=False), "Your kernel does not divide the dot product by d, the number of features.",
     "k(x, y) = (x . y / d + 1) ** 3 with d = x.shape[1]."),
    (dict(offset=0.0), "Your kernel is missing the + 1: (x . y / d) ** 3.",
     "k(x, y) = (x . y / d + 1) ** 3."),
    (dict(degree=2), "Your kernel is squared; KID's polynomial kernel is a cube.",
     "k(x, y) = (x . y / d + 1) ** 3."),
    (dict(degree=1), "Your kernel has no power at all; KID's polynomial kernel is a cube.",
     "k(x, y) = (x . y / d + 1) ** 3."),
    (dict(factor=1.0), "The cross term needs the factor 2: -2 * mean k(x_i, y_j).",
     "MMD^2 = mean k(x, x') + mean k(y, y') - 2 mean k(x, y)."),
]


@register("ch05.kernel_distance", "The unbiased kernel distance (KID)",
          expects="one number (a float)")
def _kernel_distance(answer):
    pairs = _kid_pairs()
    found = np.array([_as_float(answer(a.copy(), b.copy()), "kernel_distance(x, y)")
                      for a, b in pairs])
    want = np.array([_kid(a, b) for a, b in pairs])
    if np.allclose(found, want, rtol=1e-6, atol=1e-9):
        return (tr("KID = {kid:.4f}: the pairs i = j left out, so it is 0 on average for two sets from one "
                   "distribution.", kid=found[0]))
    for kwargs, message, hint in _KID_MISTAKES:
        variant = np.array([_kid(a, b, **kwargs) for a, b in pairs])
        if np.allclose(found, variant, rtol=1e-6, atol=1e-9):
            raise Failure(message, expected=f"{want[0]:.4f}", found=f"{found[0]:.4f}", hint=hint)
    close(found, want, "The kernel distance", rtol=1e-6, atol=1e-9,
          probe=Probe(reference=_kid, calls=pairs, stacked=True, names=("x", "y"),
                      labels=[tr("{n_a} and {n_b} samples", n_a=len(a), n_b=len(b)) for a, b in pairs]),
          hint="Within each set: the mean of k over the pairs i != j; across: the mean over all "
          "pairs; KID = within x + within y - 2 * across, with k(a, b) = (a . b / d + 1) ** 3.")
    return "Correct."
