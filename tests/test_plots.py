"""cnnkit.plots: every helper returns a closed figure with what it promises, and says what is wrong
with its input."""
from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from cnnkit import plots

RNG = np.random.default_rng(0)


def _image_axes(fig: Figure) -> list:
    return [ax for ax in fig.axes if ax.images]


@pytest.fixture(autouse=True)
def no_open_figures():
    """Each helper closes its figure: nothing piles up in pyplot's list."""
    plt.close("all")
    yield
    assert plt.get_fignums() == []


def test_show_images_grid_titles_and_signed_colours():
    images = [RNG.random((28, 28)), RNG.standard_normal((28, 28)), RNG.random((10, 14))]
    fig = plots.show_images(images, ["a", "b", "c"], signed=[False, True, False], ncols=2, suptitle="x")
    axes = _image_axes(fig)
    assert len(axes) == 3 and [ax.get_title() for ax in axes] == ["a", "b", "c"]
    assert axes[0].images[0].get_cmap().name == plots.GRAY
    signed = axes[1].images[0]
    assert signed.get_cmap().name == plots.DIVERGING and signed.norm.vmin == -signed.norm.vmax
    assert len(fig.axes) == 4 and not fig.axes[3].axison  # the grid's spare panel is blank


@pytest.mark.parametrize("bad, match", [
    ([], "at least one image"),
    ([np.zeros((2, 2, 2))], r"shape \(2, 2, 2\)"),
])
def test_show_images_rejects_bad_input(bad, match):
    with pytest.raises(ValueError, match=match):
        plots.show_images(bad)


def test_show_images_rejects_titles_of_wrong_length():
    with pytest.raises(ValueError, match="titles has 1 entries for 2 images"):
        plots.show_images([np.zeros((3, 3))] * 2, ["only one"])


def test_show_kernels_from_keras_layout_writes_weights():
    kernels = RNG.standard_normal((3, 3, 1, 4))
    fig = plots.show_kernels(kernels, decimals=2)
    axes = _image_axes(fig)
    assert len(axes) == 4
    np.testing.assert_allclose(axes[2].images[0].get_array(), kernels[:, :, 0, 2])
    assert [t.get_text() for t in axes[0].texts][:2] == [f"{kernels[0, 0, 0, 0]:.2f}", f"{kernels[0, 1, 0, 0]:.2f}"]
    assert not _image_axes(plots.show_kernels([np.ones((9, 9))]))[0].texts  # too large to annotate


def test_show_feature_maps_caps_channels_and_checks_shape():
    maps = RNG.random((1, 12, 12, 20))
    fig = plots.show_feature_maps(maps, max_maps=6)
    assert [ax.get_title() for ax in _image_axes(fig)] == [f"channel {i}" for i in range(6)]
    with pytest.raises(ValueError, match=r"expected \(H, W, C\)"):
        plots.show_feature_maps(np.zeros((12, 12)))


def test_plot_curve_and_bars():
    fig = plots.plot_curve({"train": [3, 2, 1], "val": [3, 2.5, 2]}, logy=True, title="t")
    (ax,) = fig.axes
    assert [line.get_label() for line in ax.get_lines()] == ["train", "val"] and ax.get_yscale() == "log"
    (ax,) = plots.plot_bars({"dense": 0.8, "cnn": 0.9}, fmt="{:.0%}").axes
    assert [t.get_text() for t in ax.texts] == ["80%", "90%"]


def test_confusion_matrix_rows_are_true_labels():
    cm = np.array([[8, 2, 0], [0, 5, 5], [0, 0, 1]])
    fig = plots.plot_confusion_matrix(cm, ["a", "b", "c"])
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.images[0].get_array(), [[0.8, 0.2, 0], [0, 0.5, 0.5], [0, 0, 1]])
    assert ax.get_ylabel() == "true label" and [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="square"):
        plots.plot_confusion_matrix(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="2 labels for a 3x3"):
        plots.plot_confusion_matrix(cm, ["a", "b"])


def test_training_curves_derive_error_and_dash_training_runs():
    runs = {"train": {"epoch_loss": [1.0, 0.5], "epoch_accuracy": [0.6, 0.8]},
            "validation": {"loss": [1.1, 0.7]}}
    fig = plots.plot_training_curves(runs, metrics=("loss", "error"))
    loss_ax, error_ax = fig.axes
    train, val = loss_ax.get_lines()
    assert train.get_linestyle() == "--" and val.get_linestyle() == "-"
    (error,) = error_ax.get_lines()  # validation has no accuracy: left out of that panel
    np.testing.assert_allclose(error.get_ydata(), [0.4, 0.2])
    np.testing.assert_array_equal(error.get_xdata(), [1, 2])


def test_training_curves_panel_without_data_says_so_and_warns_nothing():
    runs = {"train": {"loss": [1.0, 0.5]}, "validation": {}}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an empty legend() would warn on the student's stderr
        fig = plots.plot_training_curves(runs, metrics=("loss", "accuracy"))
    loss_ax, accuracy_ax = fig.axes
    assert loss_ax.get_legend() is not None and accuracy_ax.get_legend() is None
    assert not accuracy_ax.get_lines()
    assert [text.get_text() for text in accuracy_ax.texts] == ["no run has 'accuracy' yet"]


def test_weight_histograms_are_densities():
    edges = np.linspace(-1, 1, 5)
    series = [(-1, edges, np.array([1, 1, 1, 1])), (0, edges, np.array([0, 4, 4, 0])), (1, edges, np.array([0, 2, 6, 0]))]
    fig = plots.plot_weight_histograms({"dense/kernel": series})
    (ax,) = fig.axes
    assert [p.get_label() for p in ax.patches] == ["before training", "epoch 1", "epoch 2"]
    area = np.sum(ax.patches[1].get_data().values * np.diff(edges))
    assert area == pytest.approx(1.0)
    with pytest.raises(ValueError, match="no histograms"):
        plots.plot_weight_histograms({})


def test_show_boxes_single_and_many_images():
    line = np.full((40, 120), 255, np.uint8)
    fig = plots.show_boxes(line, [(5, 5, 10, 20), (30, 5, 10, 20)], true_boxes=[(5, 5, 10, 20)],
                           labels=["A", "B"], titles="one line")
    (ax,) = fig.axes
    assert len(ax.patches) == 3 and [t.get_text() for t in ax.texts] == ["A", "B"]
    assert ax.get_title() == "one line"
    bgr = np.zeros((2, 30, 60, 3), np.uint8)
    assert len(plots.show_boxes(bgr, [[], [(1, 1, 5, 5)]]).axes) == 2


def test_roc_and_precision_recall():
    fig = plots.plot_roc({"cnn": ([0, 0.1, 1], [0, 0.9, 1])}, points={"haar": (0.3, 0.6)})
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert labels == ["cnn", "haar", "chance"] and fig.axes[0].get_xlabel().startswith("false-positive rate")
    fig = plots.plot_precision_recall({"cnn": ([0, 0.5, 1], [1, 0.9, 0.3])}, title=None)
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["cnn"] and ax.get_title() == ""
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("recall", "precision")


def test_show_frames_highlights_and_checks_lengths():
    frames = np.zeros((3, 24, 32, 3), np.uint8)
    fig = plots.show_frames(frames, titles=["a", "b", "c"], highlight=[False, True, False],
                            boxes=[None, (2, 2, 8, 8), None], ncols=2)
    axes = _image_axes(fig)
    assert len(axes) == 3 and len(axes[1].patches) == 1 and not axes[0].patches
    assert axes[1].spines["top"].get_linewidth() == 4 and axes[1].title.get_color() == "tab:red"
    with pytest.raises(ValueError, match="highlight has 2 entries for 3 frames"):
        plots.show_frames(frames, highlight=[True, False])
    with pytest.raises(ValueError, match="at least one frame"):
        plots.show_frames([])
