"""Figures for the notebooks: one helper per kind of figure, so every notebook looks alike.

Every helper builds a Matplotlib figure and returns it; none calls ``plt.show()``. The figures are not
left open in ``pyplot`` (each is closed before it is returned): Jupyter shows a figure when it is the
value of a cell's last line, exactly once, and scripts can ``fig.savefig(...)`` it; nothing piles up
in pyplot's list of open figures.

=============================  ==============================================================
:func:`show_images`            a row (or grid) of grayscale images, e.g. an EMNIST character
                               and its edge maps; signed images (gradients) get a diverging
                               colour map
:func:`show_kernels`           small filters (3x3, 5x5, ...) with their weights in the cells
:func:`show_feature_maps`      the channels of one feature map ``(H, W, C)`` as a grid
:func:`plot_curve`             one or more curves over steps (a loss while a filter is fitted)
:func:`plot_bars`              a few named numbers side by side
:func:`plot_confusion_matrix`  a ``(K, K)`` confusion matrix, rows as fractions of the class
:func:`plot_training_curves`   loss / error per epoch of several runs (train dashed)
:func:`plot_weight_histograms` how weight distributions shift over epochs (TensorBoard's data)
:func:`show_boxes`             lines of text or frames with found (red) and true (green) boxes
:func:`plot_roc`               ROC curves and operating points (the smile classifier)
:func:`plot_precision_recall`  precision over recall
:func:`show_frames`            a strip of video frames, the ones where the shutter fired in red
=============================  ==============================================================
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

#: Colour map of images with values >= 0 (pixels, magnitudes, pooled ReLU features).
GRAY = "gray"
#: Colour map of signed images (gradients, kernels): blue negative, white zero, red positive.
DIVERGING = "RdBu_r"


def _grid(n: int, ncols: int | None, max_cols: int = 8) -> tuple[int, int]:
    ncols = min(n, max_cols) if ncols is None else max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    return nrows, ncols


def _per_item(value, n: int, what: str) -> list:
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{what} has {len(value)} entries for {n} images")
        return list(value)
    return [value] * n


def _imshow(ax, image: np.ndarray, signed: bool, vmax: float | None = None) -> None:
    image = np.asarray(image, dtype=float)
    if signed:
        lim = vmax if vmax is not None else float(np.abs(image).max()) or 1.0
        ax.imshow(image, cmap=DIVERGING, vmin=-lim, vmax=lim, interpolation="nearest")
    else:
        ax.imshow(image, cmap=GRAY, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])


def show_images(
    images: Sequence[np.ndarray] | np.ndarray,
    titles: Sequence[str] | None = None,
    *,
    signed: bool | Sequence[bool] = False,
    ncols: int | None = None,
    suptitle: str | None = None,
    size: float = 2.4,
) -> Figure:
    """Show grayscale images side by side.

    Args:
        images: a sequence of ``(H, W)`` arrays (sizes may differ), or an array ``(N, H, W)``.
        titles: one title per image, or ``None``.
        signed: ``True`` for images with negative values (e.g. a horizontal gradient): they are
            drawn blue (negative) - white (zero) - red (positive), symmetric around zero. One bool
            for all images, or one per image.
        ncols: images per row (default: all in one row, at most 8).
        suptitle: a title above the whole figure.
        size: width and height of one panel in inches.

    Returns:
        The figure (not shown; the notebook shows it when it is the cell's last value).
    """
    images = [np.asarray(im) for im in images]
    n = len(images)
    if n == 0:
        raise ValueError("show_images needs at least one image")
    for i, im in enumerate(images):
        if im.ndim != 2:
            raise ValueError(f"image {i} has shape {im.shape}; expected (H, W)")
    titles_ = _per_item(None, n, "titles") if titles is None else _per_item(list(titles), n, "titles")
    signed_ = _per_item(signed, n, "signed")
    nrows, ncols = _grid(n, ncols)
    fig = plt.figure(figsize=(size * ncols, size * nrows + (0.4 if suptitle else 0)))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax in axes.flat[n:]:
        ax.axis("off")
    for ax, im, title, sgn in zip(axes.flat, images, titles_, signed_):
        _imshow(ax, im, sgn)
        if title:
            ax.set_title(title, fontsize=10)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    plt.close(fig)  # Jupyter shows the returned figure once; pyplot keeps no reference
    return fig


def show_kernels(
    kernels: Sequence[np.ndarray] | np.ndarray,
    titles: Sequence[str] | None = None,
    *,
    annotate: bool = True,
    decimals: int = 1,
    suptitle: str | None = None,
    size: float = 1.9,
) -> Figure:
    """Show small filters with a diverging colour map and, optionally, their weights as numbers.

    Args:
        kernels: a sequence of ``(kh, kw)`` arrays, or a Keras-layout array ``(kh, kw, 1, F)`` /
            ``(kh, kw, F)`` whose ``F`` filters are shown one per panel.
        titles: one title per kernel, or ``None``.
        annotate: write each weight in its cell (readable up to about 5x5).
        decimals: digits after the point of the written weights.
        suptitle: a title above the whole figure.
        size: width and height of one panel in inches.

    Returns:
        The figure.
    """
    if isinstance(kernels, np.ndarray) and kernels.ndim in (3, 4):
        arr = kernels.reshape(kernels.shape[0], kernels.shape[1], -1)
        kernels = [arr[:, :, f] for f in range(arr.shape[2])]
    kernels = [np.asarray(k, dtype=float) for k in kernels]
    n = len(kernels)
    titles_ = [None] * n if titles is None else _per_item(list(titles), n, "titles")
    nrows, ncols = _grid(n, None)
    fig = plt.figure(figsize=(size * ncols, size * nrows + (0.4 if suptitle else 0)))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax in axes.flat[n:]:
        ax.axis("off")
    for ax, k, title in zip(axes.flat, kernels, titles_):
        lim = float(np.abs(k).max()) or 1.0
        _imshow(ax, k, signed=True, vmax=lim)
        if annotate and k.size <= 49:
            for (r, c), v in np.ndenumerate(k):
                color = "white" if abs(v) > 0.6 * lim else "black"
                ax.text(c, r, f"{v:.{decimals}f}", ha="center", va="center", fontsize=8, color=color)
        if title:
            ax.set_title(title, fontsize=10)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    plt.close(fig)  # Jupyter shows the returned figure once; pyplot keeps no reference
    return fig


def show_feature_maps(
    maps: np.ndarray,
    *,
    max_maps: int = 16,
    ncols: int | None = None,
    title: str | None = None,
    signed: bool = False,
    size: float = 1.8,
) -> Figure:
    """Show the channels of one feature map as a grid of small images.

    Args:
        maps: ``(H, W, C)`` (one example's output of a convolution or pooling layer); a batch
            ``(1, H, W, C)`` is accepted too.
        max_maps: show at most this many channels (the first ones).
        ncols: panels per row (default: up to 8).
        title: a title above the grid.
        signed: draw with the diverging colour map (for features before a ReLU).
        size: width and height of one panel in inches.

    Returns:
        The figure.
    """
    maps = np.asarray(maps)
    if maps.ndim == 4 and maps.shape[0] == 1:
        maps = maps[0]
    if maps.ndim != 3:
        raise ValueError(f"feature maps have shape {maps.shape}; expected (H, W, C)")
    c = min(maps.shape[-1], max_maps)
    return show_images([maps[:, :, i] for i in range(c)], [f"channel {i}" for i in range(c)],
                       signed=signed, ncols=ncols, suptitle=title, size=size)


def plot_curve(
    curves: dict[str, Sequence[float]] | Sequence[float],
    *,
    xlabel: str = "step",
    ylabel: str = "loss",
    title: str | None = None,
    logy: bool = False,
) -> Figure:
    """Plot one or more curves over steps.

    Args:
        curves: values per step, or ``{label: values}`` for several curves.
        xlabel, ylabel, title: axis labels and title.
        logy: logarithmic y axis (losses that fall over orders of magnitude).

    Returns:
        The figure.
    """
    if not isinstance(curves, dict):
        curves = {"": curves}
    fig = plt.figure(figsize=(5.5, 3.4))
    ax = fig.subplots()
    for label, values in curves.items():
        ax.plot(np.arange(len(values)), np.asarray(values, dtype=float), label=label or None)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if any(curves.keys()):
        ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    plt.close(fig)  # Jupyter shows the returned figure once; pyplot keeps no reference
    return fig


def plot_bars(
    values: dict[str, float],
    *,
    ylabel: str = "",
    title: str | None = None,
    fmt: str = "{:.2f}",
) -> Figure:
    """Compare a few named numbers as bars, each labelled with its value.

    Args:
        values: ``{name: value}`` in the order to draw them.
        ylabel, title: axis label and title.
        fmt: format of the value written on each bar.

    Returns:
        The figure.
    """
    names = list(values)
    heights = [float(values[k]) for k in names]
    fig = plt.figure(figsize=(max(3.5, 1.3 * len(names) + 1.5), 3.4))
    ax = fig.subplots()
    bars = ax.bar(names, heights, color="tab:blue")
    for bar, h in zip(bars, heights):
        ax.text(bar.get_x() + bar.get_width() / 2, h, fmt.format(h), ha="center", va="bottom", fontsize=9)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.set_ylim(0, max(heights + [0]) * 1.18 or 1)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    plt.close(fig)  # Jupyter shows the returned figure once; pyplot keeps no reference
    return fig


# --- trained CNNs (a3, a4, a8) -----------------------------------------------------------------


def plot_confusion_matrix(
    cm: np.ndarray,
    labels: Sequence[str] | None = None,
    *,
    title: str | None = None,
    size: float = 8.5,
) -> Figure:
    """Show a confusion matrix, each row as fractions of its true class.

    Args:
        cm: ``(K, K)`` counts, rows = true labels, columns = predicted labels (the layout of
            ``tf.math.confusion_matrix``).
        labels: the ``K`` class names (e.g. EMNIST characters), or ``None`` for 0..K-1.
        title: a title above the matrix.
        size: width and height of the figure in inches.

    Returns:
        The figure. Colours are ``cm[i, j] / cm[i].sum()`` on a square-root scale, so that
        confusions of a few percent stand out next to a diagonal near 1.
    """
    from matplotlib.colors import PowerNorm

    cm = np.asarray(cm, dtype=float)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"a confusion matrix is square (K, K); got shape {cm.shape}")
    k = cm.shape[0]
    labels = [str(i) for i in range(k)] if labels is None else [str(lab) for lab in labels]
    if len(labels) != k:
        raise ValueError(f"{len(labels)} labels for a {k}x{k} matrix")
    fractions = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    fig = plt.figure(figsize=(size, size))
    ax = fig.subplots()
    image = ax.imshow(fractions, cmap="viridis", norm=PowerNorm(0.5, vmin=0, vmax=1), interpolation="nearest")
    fontsize = 9 if k <= 20 else 7
    ax.set_xticks(range(k), labels, fontsize=fontsize)
    ax.set_yticks(range(k), labels, fontsize=fontsize)
    ax.set_xlabel("predicted label")
    ax.set_ylabel("true label")
    if title:
        ax.set_title(title)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.03, label="fraction of the true class")
    fig.tight_layout()
    plt.close(fig)  # Jupyter shows the returned figure once; pyplot keeps no reference
    return fig


def plot_training_curves(
    runs: dict[str, dict[str, Sequence[float]]],
    *,
    metrics: Sequence[str] = ("loss", "error"),
    title: str | None = None,
) -> Figure:
    """Training curves: one panel per metric, one line per run, over epochs 1, 2, ...

    Args:
        runs: ``{label: {metric: values per epoch}}``, e.g.
            ``{"train": {"loss": [...], "accuracy": [...]}, "validation": {...}, "test": {...}}``;
            the keys of ``history.history`` or of :func:`cnnkit.models.read_scalars` without their
            ``epoch_`` prefix both work.
        metrics: the panels: any metric the runs have, plus ``"error"`` = 1 - ``"accuracy"``.
        title: a title above the panels.

    Returns:
        The figure. A run without a metric is left out of that panel (a panel that no run has says
        so); runs whose label ends in ``train`` are drawn dashed, so that training and held-out
        curves are told apart.
    """
    def values(run: dict[str, Sequence[float]], metric: str) -> np.ndarray | None:
        run = {key.removeprefix("epoch_"): val for key, val in run.items()}
        if metric == "error" and "accuracy" in run:
            return 1.0 - np.asarray(run["accuracy"], dtype=float)
        return np.asarray(run[metric], dtype=float) if metric in run else None

    fig = plt.figure(figsize=(5.0 * len(metrics), 3.6 + (0.3 if title else 0)))
    axes = fig.subplots(1, len(metrics), squeeze=False)[0]
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, metric in zip(axes, metrics):
        for i, (label, run) in enumerate(runs.items()):
            y = values(run, metric)
            if y is None or y.size == 0:
                continue
            style = "--" if label.endswith("train") else "-"
            ax.plot(np.arange(1, y.size + 1), y, style, marker="o", markersize=3, label=label,
                    color=colors[i % len(colors)])
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        if ax.get_lines():
            ax.legend(fontsize=8)
        else:  # e.g. a student's unfinished training function returned no history yet
            ax.text(0.5, 0.5, f"no run has {metric!r} yet", transform=ax.transAxes, ha="center", va="center")
        ax.xaxis.get_major_locator().set_params(integer=True)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    plt.close(fig)  # Jupyter shows the returned figure once; pyplot keeps no reference
    return fig


def plot_weight_histograms(
    histograms: dict[str, Sequence[tuple[int, np.ndarray, np.ndarray]]],
    *,
    title: str | None = None,
) -> Figure:
    """How the weights of some layers shift during training: one panel per weight tensor.

    Args:
        histograms: ``{name: [(step, edges, counts), ...]}`` as :func:`cnnkit.models.read_histograms`
            returns them (``edges`` ``(B + 1,)``, ``counts`` ``(B,)``), one entry per epoch; step
            ``k`` is drawn as "epoch k + 1", a negative step as "before training" (dashed grey).
        title: a title above the panels.

    Returns:
        The figure: each epoch's histogram as an outline, coloured from dark (first epoch) to
        yellow (last), as density (area 1) so that epochs compare whatever the bucket widths.
    """
    names = list(histograms)
    if not names:
        raise ValueError("no histograms to plot")
    fig = plt.figure(figsize=(5.0 * len(names), 3.4 + (0.3 if title else 0)))
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    for ax, name in zip(axes, names):
        series = list(histograms[name])
        cmap = plt.get_cmap("viridis")
        for i, (step, edges, counts) in enumerate(series):
            edges, counts = np.asarray(edges, float), np.asarray(counts, float)
            widths = np.maximum(np.diff(edges), 1e-12)
            density = counts / max(counts.sum(), 1) / widths
            if step < 0:
                ax.stairs(density, edges, color="0.4", linestyle="--", label="before training")
            else:
                ax.stairs(density, edges, color=cmap(i / max(len(series) - 1, 1)), label=f"epoch {step + 1}")
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("weight value")
        ax.set_ylabel("density")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    plt.close(fig)  # Jupyter shows the returned figure once; pyplot keeps no reference
    return fig


# --- detection (a6, a7) ------------------------------------------------------------------------


def show_boxes(
    images: np.ndarray | Sequence[np.ndarray],
    boxes: Sequence[Sequence[Sequence[float]]] | Sequence[Sequence[float]],
    *,
    true_boxes: Sequence[Sequence[Sequence[float]]] | Sequence[Sequence[float]] | None = None,
    labels: Sequence[str] | Sequence[Sequence[str]] | None = None,
    titles: Sequence[str] | str | None = None,
    width: float = 12.0,
) -> Figure:
    """Images (lines of text, camera frames) with rectangles drawn on them, one image per row.

    Args:
        images: one ``(H, W)`` grayscale or ``(H, W, 3)`` BGR image (OpenCV's order), or a sequence.
        boxes: the found boxes ``(x, y, w, h)`` in pixels, drawn red: a list of boxes for one image,
            or one list per image.
        true_boxes: the ground truth, drawn green underneath, in the same layout (or ``None``).
        labels: text written above each found box (e.g. the character read), same layout.
        titles: one title per image (or one string for a single image).
        width: figure width in inches; heights follow the images' aspect ratios.

    Returns:
        The figure.
    """
    from matplotlib.patches import Rectangle

    single = isinstance(images, np.ndarray) and images.ndim in (2, 3) and not (
        images.ndim == 3 and images.shape[-1] != 3)
    if single:
        images, boxes = [images], [boxes]
        true_boxes = None if true_boxes is None else [true_boxes]
        labels = None if labels is None else [labels]
        titles = None if titles is None else [titles] if isinstance(titles, str) else titles
    images = [np.asarray(im) for im in images]
    n = len(images)
    heights = [im.shape[0] / im.shape[1] * width for im in images]
    fig = plt.figure(figsize=(width, sum(heights) + 0.45 * n))
    axes = fig.subplots(n, 1, squeeze=False, gridspec_kw={"height_ratios": heights})[:, 0]
    for i, (ax, im) in enumerate(zip(axes, images)):
        if im.ndim == 3:
            ax.imshow(im[..., ::-1], interpolation="nearest")
        else:
            ax.imshow(im, cmap=GRAY, vmin=0, vmax=255, interpolation="nearest")
        for (x, y, w, h) in ([] if true_boxes is None else true_boxes[i]):
            ax.add_patch(Rectangle((x - 0.5, y - 0.5), w, h, fill=False, edgecolor="tab:green", linewidth=2.2))
        for j, (x, y, w, h) in enumerate(boxes[i]):
            ax.add_patch(Rectangle((x - 0.5, y - 0.5), w, h, fill=False, edgecolor="tab:red", linewidth=1.1))
            if labels is not None and j < len(labels[i]):
                ax.text(x + w / 2, y - 1.5, str(labels[i][j]), color="tab:red", fontsize=9, ha="center", va="bottom")
        ax.set_xticks([])
        ax.set_yticks([])
        if titles is not None and i < len(titles) and titles[i]:
            ax.set_title(titles[i], fontsize=10)
    fig.tight_layout()
    plt.close(fig)  # Jupyter shows the returned figure once; pyplot keeps no reference
    return fig


def _rate_curves(
    curves: dict[str, tuple[Sequence[float], Sequence[float]]],
    points: dict[str, tuple[float, float]] | None,
    *,
    xlabel: str,
    ylabel: str,
    title: str | None,
    legend_loc: str,
    chance_diagonal: bool,
) -> Figure:
    """Curves and single operating points ``{label: (x, y)}`` on the unit square (both axes rates)."""
    fig = plt.figure(figsize=(4.6, 4.3))
    ax = fig.subplots()
    for label, (x, y) in curves.items():
        ax.plot(np.asarray(x, float), np.asarray(y, float), label=label)
    for label, (x, y) in (points or {}).items():
        ax.plot([x], [y], marker="o", linestyle="none", markersize=7, label=label)
    if chance_diagonal:
        ax.plot([0, 1], [0, 1], color="0.6", linestyle=":", linewidth=1, label="chance")
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc=legend_loc)
    fig.tight_layout()
    plt.close(fig)  # Jupyter shows the returned figure once; pyplot keeps no reference
    return fig


def plot_roc(
    curves: dict[str, tuple[Sequence[float], Sequence[float]]],
    *,
    points: dict[str, tuple[float, float]] | None = None,
    title: str | None = "ROC curve",
) -> Figure:
    """Receiver operating characteristic: true-positive rate over false-positive rate.

    Args:
        curves: ``{label: (fpr, tpr)}``; put the area under the curve in the label if wanted.
        points: single operating points ``{label: (fpr, tpr)}``, e.g. a classifier with a fixed
            threshold or a detector without scores (drawn as markers).
        title: the axes' title.

    Returns:
        The figure (the diagonal is a classifier that guesses).
    """
    return _rate_curves(curves, points, xlabel="false-positive rate (non-smiles called smiles)",
                        ylabel="true-positive rate (recall)", title=title, legend_loc="lower right",
                        chance_diagonal=True)


def plot_precision_recall(
    curves: dict[str, tuple[Sequence[float], Sequence[float]]],
    *,
    points: dict[str, tuple[float, float]] | None = None,
    title: str | None = "Precision and recall",
) -> Figure:
    """Precision over recall as the decision threshold moves.

    Args:
        curves: ``{label: (recall, precision)}``.
        points: single operating points ``{label: (recall, precision)}``.
        title: the axes' title.

    Returns:
        The figure.
    """
    return _rate_curves(curves, points, xlabel="recall", ylabel="precision", title=title,
                        legend_loc="lower left", chance_diagonal=False)


def show_frames(
    frames: np.ndarray | Sequence[np.ndarray],
    *,
    titles: Sequence[str] | None = None,
    highlight: Sequence[bool] | None = None,
    boxes: Sequence[Sequence[float] | None] | None = None,
    ncols: int = 8,
    size: float = 1.6,
) -> Figure:
    """A strip (or grid) of video frames, e.g. what a selfie app saw, one panel per frame.

    Args:
        frames: ``(T, H, W, 3)`` BGR or ``(T, H, W)`` grayscale frames.
        titles: one short title per frame (e.g. ``"t=12 0.93"``).
        highlight: frames to frame in red (e.g. where the shutter fired).
        boxes: one box ``(x, y, w, h)`` or ``None`` per frame (e.g. the detected face), drawn yellow.
        ncols: panels per row.
        size: width of one panel in inches.

    Returns:
        The figure.
    """
    from matplotlib.patches import Rectangle

    frames = [np.asarray(f) for f in frames]
    n = len(frames)
    if n == 0:
        raise ValueError("show_frames needs at least one frame")
    for what, value in (("titles", titles), ("highlight", highlight), ("boxes", boxes)):
        if value is not None and len(value) != n:
            raise ValueError(f"{what} has {len(value)} entries for {n} frames")
    nrows, ncols = _grid(n, ncols, max_cols=ncols)
    aspect = frames[0].shape[0] / frames[0].shape[1]
    fig = plt.figure(figsize=(size * ncols, size * aspect * nrows + 0.3 * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax in axes.flat[n:]:
        ax.axis("off")
    for i, (ax, frame) in enumerate(zip(axes.flat, frames)):
        if frame.ndim == 3:
            ax.imshow(frame[..., ::-1], interpolation="nearest")
        else:
            ax.imshow(frame, cmap=GRAY, vmin=0, vmax=255, interpolation="nearest")
        if boxes is not None and boxes[i] is not None:
            x, y, w, h = boxes[i]
            ax.add_patch(Rectangle((x - 0.5, y - 0.5), w, h, fill=False, edgecolor="gold", linewidth=1.2))
        ax.set_xticks([])
        ax.set_yticks([])
        if highlight is not None and highlight[i]:
            for spine in ax.spines.values():
                spine.set_edgecolor("tab:red")
                spine.set_linewidth(4)
        if titles is not None:
            ax.set_title(titles[i], fontsize=8, color="tab:red" if highlight is not None and highlight[i] else "black")
    fig.tight_layout()
    plt.close(fig)  # Jupyter shows the returned figure once; pyplot keeps no reference
    return fig
