"""Plot helpers: image grids, loss curves, densities, comparisons (chapters 1-7).

Every helper takes an optional matplotlib ``ax`` and returns the axes it drew on; none changes
global settings or writes a file unless asked (``save_image_grid``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from course_lib.validation import check_value_range

# ``matplotlib.pyplot`` is imported inside the functions that draw on pyplot's figures: importing
# it chooses a backend, a side effect that ``import course_lib`` must not have.
__all__ = [
    "class_rows",
    "family_comparison",
    "image_grid",
    "loss_curves",
    "loss_stability",
    "pairs_grid",
    "sample_size_curves",
    "save_class_rows",
    "save_image_grid",
    "tile",
]


def tile(images, ncols=None) -> np.ndarray:
    """Tile ``(n, h, w[, 1])`` images into one 2-D array with 1-pixel gaps (chapter 4)."""
    imgs = np.asarray(images, dtype=np.float32)
    if imgs.ndim == 4 and imgs.shape[-1] == 1:
        imgs = imgs[..., 0]
    if imgs.ndim == 2 and imgs.shape[1] == 784:
        imgs = imgs.reshape(-1, 28, 28)
    if imgs.ndim != 3 or len(imgs) == 0:
        raise ValueError(
            f"tile expects a non-empty batch of grayscale images (n, h, w) or (n, h, w, 1), "
            f"got shape {np.shape(images)}."
        )
    n, h, w = imgs.shape
    ncols = int(ncols or int(np.ceil(np.sqrt(n))))
    nrows = int(np.ceil(n / ncols))
    lo = float(np.nanmin(imgs))
    out = np.full((nrows * (h + 1) - 1, ncols * (w + 1) - 1), lo, dtype=np.float32)
    for i, im in enumerate(imgs):
        r, c = divmod(i, ncols)
        out[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = im
    return out


def _value_range(images, value_range):
    if value_range is not None:
        return check_value_range(value_range)
    lo = float(np.nanmin(images))
    return (-1.0, 1.0) if lo < 0 else (0.0, 1.0)


def image_grid(images, ncols=None, ax=None, title=None, value_range=None, cmap="gray_r"):
    """Draw a batch of images as one grid on ``ax`` and return ``ax`` (chapter 4).

    ``value_range`` defaults to (-1, 1) when any pixel is negative, else (0, 1), so the same
    silhouette looks the same whichever scaling it uses. Silhouettes are drawn dark on light.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    grid = tile(images, ncols)
    lo, hi = _value_range(images, value_range)
    ax.imshow(grid, cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def save_image_grid(images, path, ncols=None, title=None, value_range=None) -> Path:
    """Write an image grid to ``path`` (PNG) without touching pyplot's global state."""
    path = Path(path)
    if path.exists() and path.is_dir():
        raise ValueError(f"save_image_grid: {path} is a directory; pass a file name like grid.png.")
    fig = Figure(figsize=(4, 4), dpi=100)
    ax = fig.add_subplot()
    image_grid(images, ncols=ncols, ax=ax, title=title, value_range=value_range)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    from course_lib.rundir import atomic_write

    with atomic_write(path, "wb") as f:  # a full disk leaves the previous grid, no temp file
        fig.savefig(f, format="png")
    return path


def loss_curves(history, keys=("d_loss", "g_loss"), ax=None, title="Losses"):
    """Plot per-epoch losses from a Keras ``History`` or a dict of lists; return ``ax``."""
    import matplotlib.pyplot as plt

    hist = getattr(history, "history", history)
    if not isinstance(hist, dict):
        raise TypeError(f"loss_curves expects a History or a dict, got {type(history).__name__}.")
    missing = [k for k in keys if k not in hist]
    if missing:
        raise ValueError(f"loss_curves: {missing} not in the history; it has {sorted(hist)}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3))
    for k in keys:
        ys = np.asarray(hist[k], dtype=float)
        ax.plot(np.arange(1, len(ys) + 1), ys, label=k)
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))  # whole epochs, no 1.5
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.legend()
    return ax


def pairs_grid(top, bottom, ax=None, title=None, labels=None, value_range=None):
    """Draw ``top[i]`` directly above ``bottom[i]``, one pair per column; return ``ax`` (chapter 5).

    Made for "each sample above its nearest training image". ``labels`` (one string per pair,
    e.g. the distance) are written under the columns.
    """
    import matplotlib.pyplot as plt

    top, bottom = np.asarray(top), np.asarray(bottom)
    if top.shape != bottom.shape:
        raise ValueError(
            f"pairs_grid needs two batches of the same shape, got {top.shape} and {bottom.shape}."
        )
    n = len(top)
    if labels is not None and len(labels) != n:
        raise ValueError(f"pairs_grid: {len(labels)} labels for {n} pairs; give one per pair.")
    if ax is None:
        _, ax = plt.subplots(figsize=(1.1 * n, 2.6))
    if value_range is None:
        value_range = _value_range(np.concatenate([top, bottom]), None)
    image_grid(np.concatenate([top, bottom]), ncols=n, ax=ax, title=title,
               value_range=value_range)
    if labels is not None:
        width = tile(top[:1]).shape[1] + 1
        height = 2 * (tile(top[:1]).shape[0] + 1) - 1
        for i, label in enumerate(labels):
            ax.text(i * width + (width - 1) / 2, height, str(label), ha="center", va="top",
                    fontsize=9)
    return ax


def sample_size_curves(sizes, curves, ax=None, errors=None, ylabel=None, title=None, log=False):
    """One line per ``{label: values}`` against the sample size, labelled ticks; return ``ax``.

    Chapter 5 draws a metric and its real-vs-real floor as the sample size grows. ``errors``
    (``{label: spread}``, optional) adds error bars; ``log`` puts both axes on a log scale,
    otherwise only the sizes.
    """
    import matplotlib.pyplot as plt

    sizes = np.asarray(sizes)
    errors = dict(errors or {})
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.8))
    for label, values in curves.items():
        values = np.asarray(values, dtype=float)
        if values.shape != sizes.shape:
            raise ValueError(f"sample_size_curves: {label!r} has {values.size} values for "
                             f"{sizes.size} sizes; give one per size.")
        ax.errorbar(sizes, values, yerr=errors.get(label), fmt="o-", capsize=3, label=label)
    ax.set_xscale("log")
    if log:
        ax.set_yscale("log")
    ax.set_xticks(sizes, [str(s) for s in sizes])
    ax.set_xticks([], minor=True)  # no minor labels over ours
    ax.set(xlabel="images in each set", ylabel=ylabel, title=title)
    ax.legend(fontsize=9)
    return ax


def class_rows(images, labels, class_names=None, ax=None, title=None, value_range=None):
    """One row per class present in ``labels`` (in label order), its name at the row's left;
    return ``ax`` (chapter 6, "the animal you ask for"). Rows are as long as the largest class;
    ``class_names`` defaults to ``cl.data.CLASS_NAMES``."""
    import matplotlib.pyplot as plt

    images, labels = np.asarray(images), np.asarray(labels).ravel()
    if len(images) != len(labels) or len(images) == 0:
        raise ValueError(f"class_rows needs one label per image, got {len(images)} images and "
                         f"{len(labels)} labels.")
    if class_names is None:
        from course_lib.data import CLASS_NAMES as class_names
    classes = sorted({int(k) for k in labels})
    rows = [images[labels == k] for k in classes]
    ncols = max(len(r) for r in rows)
    lo = -1.0 if float(np.nanmin(images)) < 0 else 0.0
    pad = np.full((1, *images.shape[1:]), lo, dtype=np.float32)
    grid = np.concatenate([np.concatenate([r, *([pad] * (ncols - len(r)))]) for r in rows])
    if ax is None:
        _, ax = plt.subplots(figsize=(min(12.0, 0.6 * ncols + 1.2), 0.6 * len(rows) + 0.4))
    image_grid(grid, ncols=ncols, ax=ax, title=title, value_range=value_range)
    height = images.shape[1] + 1
    for i, k in enumerate(classes):
        ax.text(-2, i * height + height / 2, str(class_names[k]), ha="right", va="center",
                fontsize=9)
    return ax


def save_class_rows(images, labels, path, class_names=None, title=None) -> Path:
    """Write :func:`class_rows` to ``path`` (PNG) without touching pyplot's global state."""
    path = Path(path)
    ncols = max(np.unique(np.asarray(labels), return_counts=True)[1])
    fig = Figure(figsize=(min(12.0, 0.6 * ncols + 1.6), 0.6 * len(set(np.ravel(labels))) + 0.6),
                 dpi=100)
    class_rows(images, labels, class_names, ax=fig.add_subplot(), title=title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    from course_lib.files import atomic_write

    with atomic_write(path, "wb") as f:
        fig.savefig(f, format="png")
    return path


def family_comparison(rows, axes=None):
    """Every family by the same numbers (chapter 7): Fréchet distance against training seconds
    (left) and against the seconds to sample 1,000 images (right), each point labelled, the
    real cats' floor dashed. ``rows`` are ``benchmarks/bench_families.py``'s (its JSON's
    ``"rows"``: dicts with ``label``, ``fd``, ``fd_floor``, ``train_seconds`` and
    ``sample_seconds``). Returns the two axes."""
    rows = list(rows)
    if not rows or not all(isinstance(r, dict) for r in rows):
        raise TypeError("family_comparison expects a non-empty list of bench_families rows "
                        "(dicts), e.g. json.load(f)['rows'].")
    missing = {"label", "fd", "fd_floor", "train_seconds", "sample_seconds"} - set(rows[0])
    if missing:
        raise ValueError(f"the rows lack {sorted(missing)}. Pass the rows that "
                         "benchmarks/bench_families.py writes.")
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 4))
    floor = float(np.mean([r["fd_floor"] for r in rows]))
    for ax, key, xlabel in ((axes[0], "train_seconds", "training seconds (2 CPU cores)"),
                            (axes[1], "sample_seconds", "seconds to sample 1,000 images")):
        for k, r in enumerate(rows):
            ax.scatter(r[key], r["fd"], color=f"C{k % 10}", s=45, zorder=3)
            ax.annotate(r["label"], (r[key], r["fd"]), textcoords="offset points",
                        xytext=(5, 4), fontsize=8)
        ax.axhline(floor, color="grey", lw=0.8, ls="--", label=f"real cats' floor ({floor:.1f})")
        ax.set(xlabel=xlabel, ylabel="Fréchet distance (lower is better)", yscale="log")
        ax.legend(fontsize=8, loc="upper right")
    axes[1].set_xscale("log")
    return axes


_STATUS_MARKERS = {"ok": "o", "collapsed": "v", "diverged": "x"}


def loss_stability(result, ax=None):
    """Chapter 6's experiment in one figure: every run's Fréchet distance (log scale) at each
    learning rate, one colour per loss, the marker its verdict (o ok, v collapsed, x diverged),
    a run without an FD (NaN) at the top, and the 'diverged' bound dashed. ``result`` is
    ``benchmarks/bench_losses.py``'s JSON (a dict with ``"runs"`` and ``"fd_bound"``). Returns
    the axes."""
    if not isinstance(result, dict) or not isinstance(result.get("runs"), list) or not result["runs"]:
        raise TypeError("loss_stability expects benchmarks/bench_losses.py's result: a dict "
                        "with a non-empty list 'runs', e.g. json.load(f).")
    runs = result["runs"]
    missing = {"loss", "learning_rate", "fd", "status"} - set(runs[0])
    if missing:
        raise ValueError(f"the runs lack {sorted(missing)}. Pass the result that "
                         "benchmarks/bench_losses.py writes.")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4))
    bound = float(result.get("fd_bound", 40.0))
    names = list(dict.fromkeys(r["loss"] for r in runs))
    rates = sorted({r["learning_rate"] for r in runs})
    top = 1.5 * max([r["fd"] for r in runs if r["fd"] is not None] + [bound])
    step = 0.7 / len(names)
    for k, name in enumerate(names):
        for r in (r for r in runs if r["loss"] == name):
            x = rates.index(r["learning_rate"]) + step * (k - (len(names) - 1) / 2)
            ax.scatter(x, top if r["fd"] is None else r["fd"], color=f"C{k % 10}", s=40,
                       marker=_STATUS_MARKERS[r["status"]], zorder=3)
    ax.axhline(bound, color="grey", lw=0.8, ls="--")
    handles = [Line2D([], [], color=f"C{k % 10}", marker="s", ls="", label=n)
               for k, n in enumerate(names)]
    handles += [Line2D([], [], color="black", marker=m, ls="", label=s)
                for s, m in _STATUS_MARKERS.items()]
    handles.append(Line2D([], [], color="grey", lw=0.8, ls="--", label=f"'diverged' above FD {bound:g}"))
    ax.set(xticks=range(len(rates)), xticklabels=[f"{v:g}" for v in rates], yscale="log",
           xlim=(-0.5, len(rates) - 0.5), xlabel="Adam learning rate",
           ylabel="FD of 1,000 samples (NaN: at the top)",
           title="Each run's Fréchet distance, by loss and learning rate")
    ax.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax
