"""Toy data for GANs in one and two dimensions, and tools to look inside them (chapters 3 and 6).

In one dimension everything about a GAN can be drawn: the data density p_data, the density p_g
of the generated samples, the trained discriminator D(x) and the optimal one
D*(x) = p_data(x) / (p_data(x) + p_g(x)). On a mixture of well-separated Gaussians (a row of
modes in 1-D, the classic ring of 8 in 2-D) mode collapse becomes a number:
:func:`mode_coverage` counts the modes that receive samples and the samples near no mode.

All samplers take an explicit ``seed`` and return float32 arrays of shape ``(n, dim)``, the
shape ``cl.training.GAN.fit`` expects.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import keras
import numpy as np
import tensorflow as tf
from matplotlib.patches import Circle

from course_lib import distributions, losses
from course_lib.training import latent_batch
from course_lib.validation import check_positive_int, check_positive_number, check_sigma

# matplotlib.pyplot is imported where a figure is drawn (importing it picks a backend).
__all__ = [
    "Coverage",
    "DensitySnapshots",
    "density_on_grid",
    "generator_gradient_norm",
    "learning_rate_ratio_sweep",
    "mode_coverage",
    "optimal_discriminator",
    "plot_gan_1d",
    "plot_modes_2d",
    "ring_means",
    "sample_mixture",
    "sample_normal_data",
]


# ------------------------------------------------------------------------------ samplers
def sample_normal_data(n, mu=0.0, sigma=1.0, seed=None) -> np.ndarray:
    """``n`` draws from N(mu, sigma^2) as float32 of shape ``(n, 1)`` (chapter 3).

    The training data of the 1-D GAN; ``sigma`` is the standard deviation.
    """
    n = check_positive_int("n", n)
    return distributions.sample_normal(n, mu, check_sigma(sigma), seed=seed).astype(np.float32)[:, None]


def ring_means(k=8, radius=2.0) -> np.ndarray:
    """The centres of ``k`` modes evenly spaced on a circle, shape ``(k, 2)`` (chapter 3).

    The first centre is at angle 0, i.e. ``(radius, 0)``.
    """
    k = check_positive_int("k", k)
    radius = check_positive_number("radius", radius)
    angles = 2 * np.pi * np.arange(k) / k
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def _means(means) -> np.ndarray:
    m = np.asarray(means, dtype=np.float64)
    if m.ndim == 1:
        m = m[:, None]
    if m.ndim != 2 or m.shape[0] == 0 or not np.all(np.isfinite(m)):
        raise ValueError(
            f"means must be a non-empty list of 1-D centres (k,) or of points (k, dim) with "
            f"finite values, got shape {np.shape(means)}. Example: [-4, 0, 4] or "
            "cl.toy.ring_means(8)."
        )
    return m


def sample_mixture(n, means, sigma=0.1, weights=None, seed=None, return_labels=False):
    """``n`` draws from a mixture of isotropic Gaussians, float32 ``(n, dim)`` (chapter 3).

    Args:
        means: ``(k,)`` centres for a 1-D mixture or ``(k, dim)`` points, e.g.
            :func:`ring_means`.
        sigma: the standard deviation of every component (the same in every direction).
        weights: mixing probabilities (default: equal); normalised if they do not sum to 1.
        return_labels: also return the component index of each sample.
    """
    n = check_positive_int("n", n)
    m = _means(means)
    sigma = check_sigma(sigma)
    k = len(m)
    if weights is None:
        w = np.full(k, 1.0 / k)
    else:
        w = np.asarray(weights, dtype=np.float64)
        if w.shape != (k,) or np.any(~np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise ValueError(
                f"weights must be {k} non-negative numbers (one per mode) with a positive sum, "
                f"got {weights!r}."
            )
        w = w / w.sum()
    rng = np.random.default_rng(seed)
    labels = rng.choice(k, size=n, p=w)
    x = (m[labels] + sigma * rng.standard_normal((n, m.shape[1]))).astype(np.float32)
    return (x, labels) if return_labels else x


# ------------------------------------------------------------------------------ densities
def _density_values(p, x, name):
    vals = p(x) if callable(p) else p
    vals = np.asarray(vals, dtype=np.float64)
    if vals.shape != np.shape(x):
        raise ValueError(
            f"{name} must give one density value per point of x: expected shape "
            f"{np.shape(x)}, got {vals.shape}. Pass a function of x or an array of densities "
            "evaluated at x."
        )
    if np.any(vals < 0) or not np.all(np.isfinite(vals)):
        raise ValueError(f"{name} must be finite and non-negative (it is a density).")
    return vals


def optimal_discriminator(x, p_data, p_g) -> np.ndarray:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)), the best discriminator for a fixed G (chapter 3).

    ``p_data`` and ``p_g`` are density functions of ``x`` or arrays of densities at ``x``.
    Where both densities are zero no sample of either kind ever lands; any value is optimal
    there, and this returns 0.5 ("cannot tell").
    """
    x = np.asarray(x, dtype=np.float64)
    pd = _density_values(p_data, x, "p_data")
    pg = _density_values(p_g, x, "p_g")
    total = pd + pg
    return np.where(total > 0, pd / np.where(total > 0, total, 1.0), 0.5)


def density_on_grid(samples, grid, bandwidth=None) -> np.ndarray:
    """A Gaussian kernel density estimate of 1-D ``samples`` evaluated at ``grid`` (chapter 3).

    This is how p_g, the density of the generator's samples, is estimated: a GAN can sample
    but cannot evaluate its own density. ``bandwidth`` defaults to Silverman's rule
    0.9 min(std, IQR / 1.34) n^(-1/5).
    """
    s = np.asarray(samples, dtype=np.float64)
    if s.ndim == 2 and s.shape[1] == 1:
        s = s[:, 0]
    if s.ndim != 1 or s.size < 2:
        raise ValueError(
            f"density_on_grid expects at least 2 one-dimensional samples, shape (n,) or (n, 1), "
            f"got shape {np.shape(samples)}."
        )
    if not np.all(np.isfinite(s)):
        raise ValueError("density_on_grid: the samples contain NaN or infinite values.")
    g = np.asarray(grid, dtype=np.float64)
    if bandwidth is None:
        q75, q25 = np.percentile(s, [75, 25])
        spread = min(float(np.std(s)), float(q75 - q25) / 1.34) or float(np.std(s))
        bandwidth = 0.9 * spread * s.size ** (-0.2) if spread > 0 else 1e-3
    bandwidth = check_positive_number("bandwidth", bandwidth)
    flat = g.ravel()
    out = np.empty(flat.shape)
    for i in range(0, flat.size, 256):  # chunks keep memory at 256 * n floats
        u = (flat[i:i + 256, None] - s[None, :]) / bandwidth
        out[i:i + 256] = np.exp(-0.5 * u**2).sum(axis=1)
    out /= s.size * bandwidth * np.sqrt(2 * np.pi)
    return out.reshape(g.shape)


# ------------------------------------------------------------------------------ coverage
@dataclass
class Coverage:
    """How well samples cover the modes of a mixture (see :func:`mode_coverage`)."""

    counts: np.ndarray  #: samples within ``radius`` of each mode
    covered: np.ndarray  #: True where a mode received at least ``min_count`` samples
    num_modes: int
    num_covered: int
    fraction_covered: float  #: covered modes / all modes
    fraction_off_mode: float  #: samples farther than ``radius`` from every mode
    min_count: int

    def __str__(self) -> str:
        return (f"{self.num_covered} of {self.num_modes} modes covered; "
                f"{self.fraction_off_mode:.0%} of samples near no mode")


def mode_coverage(samples, means, radius, min_count=None) -> Coverage:
    """Count which modes of a mixture the samples cover (chapters 3 and 6).

    A sample belongs to its nearest mode if it lies within ``radius`` (e.g. 3 sigma) of it,
    otherwise it is *off-mode*. A mode is *covered* if it receives at least ``min_count``
    samples (default: 1% of the samples, at least 1). A GAN that has collapsed covers few
    modes; one that smears its samples between modes has a large off-mode fraction.
    """
    m = _means(means)
    s = np.asarray(samples, dtype=np.float64)
    if s.ndim == 1 and m.shape[1] == 1:
        s = s[:, None]
    if s.ndim != 2 or s.shape[1] != m.shape[1] or len(s) == 0:
        raise ValueError(
            f"samples must have shape (n, {m.shape[1]}) to match means of dimension "
            f"{m.shape[1]}, got shape {np.shape(samples)}."
        )
    radius = check_positive_number("radius", radius)
    if min_count is None:
        min_count = max(1, int(np.ceil(0.01 * len(s))))
    min_count = check_positive_int("min_count", min_count)
    dist = np.sqrt(((s[:, None, :] - m[None, :, :]) ** 2).sum(axis=-1))
    nearest = dist.argmin(axis=1)
    near = dist[np.arange(len(s)), nearest] <= radius
    counts = np.bincount(nearest[near], minlength=len(m))
    covered = counts >= min_count
    return Coverage(counts=counts, covered=covered, num_modes=len(m),
                    num_covered=int(covered.sum()), fraction_covered=float(covered.mean()),
                    fraction_off_mode=float(1.0 - near.mean()), min_count=min_count)


# ------------------------------------------------------------------------------ recording
def generator_gradient_norm(gan, n=512, seed=0) -> float:
    """The norm of the generator's loss gradient on ``n`` fixed latent vectors (chapter 3).

    Uses the loss the GAN was compiled with (``"non_saturating"`` or ``"minimax"``). When the
    discriminator rejects the fakes confidently, the minimax loss gives almost no gradient.
    """
    if not hasattr(gan, "generator_loss_name"):
        raise ValueError("generator_gradient_norm needs a compiled GAN: call gan.compile(...) first.")
    z = tf.constant(_latent(n, gan.latent_dim, seed))
    loss_fn = losses.GENERATOR_LOSSES[gan.generator_loss_name]
    weights = gan.generator.trainable_weights
    with tf.GradientTape() as tape:
        loss = loss_fn(gan.discriminator(gan.generator(z, training=False), training=False))
    grads = tape.gradient(loss, weights)
    return float(tf.linalg.global_norm([g for g in grads if g is not None]))


def _latent(n, latent_dim, seed):
    return latent_batch(n, latent_dim, seed)


class DensitySnapshots(keras.callbacks.Callback):
    """Record a 1-D GAN every ``every`` epochs: samples, p_g, D(x) and D*(x) (chapter 3).

    Args:
        grid: 1-D array of x values where densities and D are evaluated.
        p_data: the data density, a function of x (e.g. ``lambda x: cl.distributions.
            normal_pdf(x, 4, 1.25)``).
        num_samples: generated samples per snapshot, always from the same latent batch.

    ``snapshots`` is a list of dicts with keys ``epoch`` (0 = before training), ``samples``,
    ``p_g`` (a kernel density estimate on ``grid``), ``d`` (the trained D(x) = sigmoid(logit)),
    ``d_star`` (the optimal discriminator against this generator) and ``g_grad_norm``
    (:func:`generator_gradient_norm`). Calling ``fit`` again continues the epoch numbering.
    """

    def __init__(self, grid, p_data, every=1, num_samples=5000, seed=0):
        super().__init__()
        self.grid = np.asarray(grid, dtype=np.float64).ravel()
        if self.grid.size < 2:
            raise ValueError("grid must hold at least two x values, e.g. np.linspace(-2, 8, 401).")
        self.p_data = p_data
        self.every = check_positive_int("every", every)
        self.num_samples = check_positive_int("num_samples", num_samples)
        self.seed = seed
        self.snapshots: list[dict] = []
        self._offset = 0

    def record(self, epoch):
        gan = self.model
        z = _latent(self.num_samples, gan.latent_dim, self.seed)
        samples = gan.generate(z=z)[:, 0].astype(np.float64)
        logits = np.asarray(gan.discriminator(self.grid[:, None].astype(np.float32),
                                              training=False))[:, 0]
        p_g = density_on_grid(samples, self.grid)
        self.snapshots.append({
            "epoch": int(epoch),
            "samples": samples,
            "p_g": p_g,
            "d": 1.0 / (1.0 + np.exp(-logits.astype(np.float64))),
            "d_star": optimal_discriminator(self.grid, self.p_data, p_g),
            "g_grad_norm": generator_gradient_norm(gan, seed=self.seed + 1),
        })

    def on_train_begin(self, logs=None):
        if self.snapshots:
            self._offset = self.snapshots[-1]["epoch"]
        else:
            self.record(0)
        self._seen = 0

    def on_epoch_end(self, epoch, logs=None):
        self._seen += 1
        if self._seen % self.every == 0:
            self.record(self._offset + self._seen)

    def at_epoch(self, epoch) -> dict:
        """The snapshot recorded at ``epoch`` (or the last one before it)."""
        if not self.snapshots:
            raise ValueError("No snapshots yet: pass this callback to gan.fit(..., callbacks=[...]).")
        best = [s for s in self.snapshots if s["epoch"] <= epoch] or self.snapshots[:1]
        return best[-1]


# ------------------------------------------------------------------------------ learning rates
# The two toy problems of chapter 3, as its sections 5 and 6 train them.
_SWEEP_PROBLEMS = {
    "normal": {"latent_dim": 4, "dim": 1, "hidden_units": 32, "batch_size": 128, "epochs": 20},
    "ring": {"latent_dim": 2, "dim": 2, "hidden_units": 64, "batch_size": 256, "epochs": 24},
}


def _sweep_one(problem, data, g_learning_rate, d_learning_rate, seed):
    from course_lib import models, training
    from course_lib.runtime import set_seed

    cfg = _SWEEP_PROBLEMS[problem]
    set_seed(seed)  # the same initial weights for every ratio
    gan = training.GAN(models.vector_generator(latent_dim=cfg["latent_dim"], output_dim=cfg["dim"],
                                               hidden_units=cfg["hidden_units"]),
                       models.vector_discriminator(input_dim=cfg["dim"],
                                                   hidden_units=cfg["hidden_units"]),
                       latent_dim=cfg["latent_dim"], seed=0)
    gan.compile(d_optimizer=keras.optimizers.Adam(d_learning_rate, beta_1=0.5),
                g_optimizer=keras.optimizers.Adam(g_learning_rate, beta_1=0.5))
    keep = training.SampleGrid(num_samples=2000, seed=1, every=cfg["epochs"])  # the end only
    gan.fit(data, batch_size=cfg["batch_size"], epochs=cfg["epochs"], verbose=0, callbacks=[keep])
    return [samples for _, samples in keep.grids]


def learning_rate_ratio_sweep(problem, ratios=(0.25, 0.5, 1.0, 2.0, 4.0), d_learning_rate=1e-3,
                              seed=42) -> list[dict]:
    """Train chapter 3's toy GAN once per generator/discriminator learning-rate ratio (chapter 3).

    ``problem`` is ``"normal"`` (N(4, 1.25^2) in 1-D, 640 steps) or ``"ring"`` (8 Gaussians on a
    circle of radius 2, sigma 0.1, 768 steps). D's Adam rate stays ``d_learning_rate``; G's is
    ``ratio * d_learning_rate``; both use beta_1 = 0.5, the same seed and the same data. Returns one
    dict per ratio: ``ratio``, ``g_learning_rate`` and, for ``"normal"``, ``w1`` (the 1-Wasserstein
    distance of 2,000 samples to the target, from their quantiles), ``mean`` and ``std``; for
    ``"ring"``, ``modes`` (modes covered by 2,000 samples at the end, of 8) and ``off_mode`` (the
    fraction of those samples near no mode). One seed per ratio: a small sweep, not a survey.
    """
    if problem not in _SWEEP_PROBLEMS:
        raise ValueError(f"problem must be one of {sorted(_SWEEP_PROBLEMS)}, got {problem!r}.")
    if not ratios or any(not np.isfinite(r) or r <= 0 for r in ratios):
        raise ValueError(f"ratios must be positive numbers, e.g. (0.5, 1, 2); got {ratios!r}.")
    if problem == "normal":
        data = sample_normal_data(4096, 4.0, 1.25, seed=0)
        levels = (np.arange(2000) + 0.5) / 2000
        target = np.array([NormalDist(4.0, 1.25).inv_cdf(q) for q in levels])
    else:
        means = ring_means(8, radius=2.0)
        data = sample_mixture(8192, means, sigma=0.1, seed=0)
    rows = []
    for ratio in ratios:
        g_lr = float(ratio) * d_learning_rate
        snaps = _sweep_one(problem, data, g_lr, d_learning_rate, seed)
        row = {"ratio": float(ratio), "g_learning_rate": g_lr}
        if problem == "normal":
            x = np.sort(snaps[-1][:, 0].astype(np.float64))
            row.update(w1=float(np.mean(np.abs(x - target))), mean=float(x.mean()),
                       std=float(x.std()))
        else:
            cov = mode_coverage(snaps[-1], means, 0.3)
            row.update(modes=cov.num_covered, off_mode=cov.fraction_off_mode)
        rows.append(row)
    return rows


# ------------------------------------------------------------------------------ plotting
def plot_gan_1d(snapshot, grid, p_data, ax=None, show_d_star=True, legend=True, title=None):
    """Draw one 1-D GAN snapshot: p_data, the generated histogram, D(x) and D*(x) (chapter 3).

    ``snapshot`` is one entry of :attr:`DensitySnapshots.snapshots`. Densities use the left
    axis; D(x) and D*(x) (probabilities) the right one, with 0.5, the equilibrium value,
    dotted. D* is drawn only where p_data + p_g exceeds 1% of its peak. Returns the left axes.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    grid = np.asarray(grid, dtype=np.float64)
    pd = np.asarray(p_data(grid) if callable(p_data) else p_data, dtype=np.float64)
    lo, hi = float(grid.min()), float(grid.max())
    ax.hist(np.clip(snapshot["samples"], lo, hi), bins=60, range=(lo, hi), density=True,
            color="tab:orange", alpha=0.45, label="generated (histogram)")
    ax.plot(grid, pd, color="tab:blue", lw=2, label="p_data")
    ax.set_xlim(lo, hi)
    ax.set_ylim(0, 1.35 * max(float(pd.max()), 1e-9))
    ax.set_xlabel("x")
    ax.set_ylabel("density")
    ax2 = ax.twinx()
    ax2.plot(grid, snapshot["d"], color="black", lw=1.5, label="trained D(x)")
    if show_d_star:
        # D* is a ratio of two densities; where both are tiny it is a ratio of noise, and no
        # sample ever lands there, so it is drawn only where p_data + p_g is not negligible.
        mass = pd + np.asarray(snapshot["p_g"], dtype=np.float64)
        d_star = np.where(mass > 0.01 * mass.max(), snapshot["d_star"], np.nan)
        ax2.plot(grid, d_star, color="tab:red", lw=1.2, ls="--", label="optimal D*(x)")
    ax2.axhline(0.5, color="gray", lw=0.8, ls=":")
    ax2.set_ylim(-0.02, 1.02)
    ax2.set_ylabel("D(x)")
    ax.set_title(title if title is not None else f"epoch {snapshot['epoch']}")
    if legend:
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        # upper right: no generated sample or data reaches x beyond the target's right tail
        ax.legend(h1 + h2, l1 + l2, loc="upper right", fontsize="small", framealpha=0.8)
    return ax


def plot_modes_2d(samples, means, radius, ax=None, title=None):
    """Scatter 2-D samples over the modes of a mixture (chapter 3).

    Each mode gets a circle of ``radius``: green if :func:`mode_coverage` counts it as covered,
    red if not. The title is the coverage summary unless ``title`` is given. Returns ``ax``.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    m = _means(means)
    if m.shape[1] != 2:
        raise ValueError(f"plot_modes_2d draws 2-D mixtures; the means have dimension {m.shape[1]}.")
    s = np.asarray(samples, dtype=np.float64)
    cov = mode_coverage(s, m, radius)
    ax.scatter(s[:, 0], s[:, 1], s=3, alpha=0.3, color="tab:orange", label="generated")
    for (cx, cy), ok in zip(m, cov.covered, strict=True):
        ax.add_patch(Circle((cx, cy), radius, fill=False, lw=1.5,
                            color="tab:green" if ok else "tab:red"))
    ax.scatter(m[:, 0], m[:, 1], marker="x", color="black", label="mode centres")
    span = float(np.abs(m).max()) + 4 * radius
    ax.set_xlim(-span, span)
    ax.set_ylim(-span, span)
    ax.set_aspect("equal")
    ax.set_title(title if title is not None else str(cov))
    return ax
