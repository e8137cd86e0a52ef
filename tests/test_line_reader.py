"""cnnkit.line_reader: the line tensor, the CTC targets and loss, the network and its training data."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import matplotlib
import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from cnnkit import line_reader as lr  # noqa: E402
from cnnkit.synthetic import EMNIST_BALANCED_MAPPING, generate_emnist_like  # noqa: E402

MAPPING = EMNIST_BALANCED_MAPPING


def test_line_tensor_crops_to_the_ink_and_scales_it_to_the_height():
    mask = np.zeros((100, 300), np.uint8)
    mask[30:70, 50:210] = 1                       # ink 40 rows x 160 columns
    mask[5, 120] = 1                              # a speck: one pixel, far below 2 % of the inkiest row
    tensor = lr.line_tensor(mask)
    assert tensor.dtype == np.float32 and tensor.ndim == 3 and tensor.shape[0] == 32 and tensor.shape[2] == 1
    margin = 40 // 8                              # an eighth of the ink's height on every side
    expected_width = round((160 + 2 * margin) * 32 / (40 + 2 * margin))
    assert tensor.shape[1] == -(-expected_width // 4) * 4, tensor.shape
    assert 0 <= tensor.min() and tensor.max() <= 1
    rows = np.flatnonzero(tensor[..., 0].max(axis=1) > 0.5)
    cols = np.flatnonzero(tensor[..., 0].max(axis=0) > 0.5)
    assert rows[0] in (3, 4) and rows[-1] in (27, 28), rows      # 5 of 50 rows of margin, scaled to 32
    assert cols[0] in (3, 4) and expected_width - 5 <= cols[-1] <= expected_width - 3, (cols, expected_width)
    assert np.all(tensor[:, expected_width:] == 0), "padding on the right is paper"
    assert lr.line_tensor(mask * 255).tolist() == tensor.tolist(), "any value above 0 is ink"
    assert lr.line_tensor(mask, height=48).shape[0] == 48


def test_line_tensor_thickens_fine_strokes_only():
    fine = np.zeros((120, 400), np.uint8)
    fine[10:110, 20:380:20] = 1                   # 1 px strokes, 100 rows tall: 0.01 of the ink's height
    tensor = lr.line_tensor(fine)[..., 0]
    scale = 32 / (100 + 2 * (100 // 8))
    column_ink = tensor[16].sum() / 18             # ink per stroke across the middle row, px
    assert column_ink >= 0.8 * lr.STROKE * 100 * scale, column_ink
    thick = np.zeros((120, 400), np.uint8)
    for x in range(20, 380, 40):
        thick[10:110, x:x + 12] = 1               # strokes 0.12 of the ink's height: left as they are
    assert abs(lr.line_tensor(thick)[16, :, 0].sum() / 9 - 12 * scale) < 0.5


def test_line_tensor_of_an_empty_or_tiny_mask():
    assert lr.line_tensor(np.zeros((64, 200), np.uint8)).tolist() == np.zeros((32, 4, 1)).tolist()
    dot = np.zeros((64, 200), np.uint8)
    dot[10, 10] = 1
    assert lr.line_tensor(dot).shape == (32, 32, 1) and lr.line_tensor(dot).max() > 0
    with pytest.raises(ValueError, match=r"\(H, W\) mask"):
        lr.line_tensor(np.zeros((4, 4, 3)))


def test_encode_text():
    assert lr.encode_text("AB 0", MAPPING) == [MAPPING.index("A") + 1, MAPPING.index("B") + 1, len(MAPPING) + 1, 1]
    assert lr.encode_text("  a   b ", MAPPING) == [MAPPING.index("a") + 1, len(MAPPING) + 1, MAPPING.index("b") + 1]
    assert 0 not in lr.encode_text("".join(MAPPING), MAPPING), "0 is the blank"
    with pytest.raises(ValueError, match="'!' is not one of the 47 classes"):
        lr.encode_text("HI!", MAPPING)


def test_network_shapes_and_logits():
    model = lr.line_reader_model(len(MAPPING))
    assert model.input_shape == (None, 32, None, 1) and model.output_shape == (None, None, len(MAPPING) + 2)
    assert 200_000 < model.count_params() < 350_000, model.count_params()
    for width in (4, 96, 384):
        out = np.asarray(model(np.random.default_rng(0).random((2, 32, width, 1)).astype("float32"), training=False))
        assert out.shape == (2, width // 4, len(MAPPING) + 2)
    assert not np.allclose(out.sum(axis=-1), 1), "the network gives logits: no softmax before the CTC loss"


def test_ctc_loss_of_the_right_and_of_a_wrong_alignment():
    targets = np.array([[3, 5, 5, 0, 0], [7, 0, 0, 0, 0]], np.int32)  # padded with the blank
    right = np.full((2, 8, 10), -10.0, np.float32)
    for step, symbol in enumerate([3, 3, 0, 5, 0, 5, 0, 0]):           # reads 3 5 5
        right[0, step, symbol] = 10
    for step, symbol in enumerate([0, 7, 7, 0, 0, 0, 0, 0]):           # reads 7
        right[1, step, symbol] = 10
    wrong = right.copy()
    wrong[0, 4] = wrong[0, 3]                                          # 5 5 merge: reads 3 5
    good, bad = float(lr.ctc_loss(targets, right)), float(lr.ctc_loss(targets, wrong))
    assert good < 0.01 and bad > 5, (good, bad)


def test_training_batch_mixes_layouts_and_sizes():
    images, labels = generate_emnist_like(400, seed=5)
    x, y = lr.training_batch(images, labels, MAPPING, 9, seed=3)
    assert x.shape == (9, 32, 384, 1) and x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1
    assert y.dtype == np.int32 and y.shape[0] == 9 and (y > 0).sum(axis=1).min() > 0
    for row in y:  # targets first, then padding
        length = (row > 0).sum()
        assert np.all(row[:length] > 0) and np.all(row[length:] == 0) and row[length - 1] != len(MAPPING) + 1
    again, _ = lr.training_batch(images, labels, MAPPING, 9, seed=3)
    assert np.array_equal(x, again), "deterministic for a seed"
    assert (x[..., 0].sum(axis=(1, 2)) > 0).all(), "every line has ink"


def test_width_batches_cut_each_batch_to_its_widest_line_and_cover_every_line_once_an_epoch():
    x = np.zeros((10, 4, 128, 1), np.float32)
    ink = [10, 120, 33, 64, 5, 100, 128, 40, 70, 0]        # last inked column + 1; line 9 has no ink
    for k, width in enumerate(ink):
        x[k, 1, :width] = 1
    y = np.zeros((10, 20), np.int32)
    y[:, 0] = 1
    y[4, :20] = [3, 3] * 10                                # 20 symbols, 19 repeats: 39 steps = 156 px
    y[0, :10] = 5                                          # 10 repeats of one symbol: 19 steps = 76 px
    batches = lr._WidthBatches(x, y, batch_size=3, seed=1)
    assert list(batches.widths) == [96, 128, 64, 64, 128, 128, 128, 64, 96, 32]
    assert len(batches) == 4
    epochs = []
    for _ in range(3):
        seen = []
        for index in range(len(batches)):
            xb, yb = batches[index]
            lines = batches.batches[index]
            assert xb.shape == (len(lines), 4, int(batches.widths[lines].max()), 1)
            assert np.array_equal(xb, x[lines, :, :xb.shape[2]]) and np.array_equal(yb, y[lines])
            seen += list(lines)
        assert sorted(seen) == list(range(10))
        widths = [sorted(batches.widths[lines]) for lines in batches.batches]
        assert sorted(w for batch in widths for w in batch) == sorted(batches.widths)
        # batches are runs of the sorted widths: no batch's widths straddle another's
        ranges = sorted((batch[0], batch[-1]) for batch in widths)
        assert all(a[1] <= b[0] for a, b in zip(ranges, ranges[1:])), ranges
        epochs.append([list(lines) for lines in batches.batches])
        batches.on_epoch_end()
    assert epochs[0] != epochs[1] or epochs[1] != epochs[2], "reshuffled every epoch"


def test_train_line_reader_saves_a_network_that_loads_and_reads(tmp_path, monkeypatch):
    """A tiny recipe (32 lines, half of them written in a font; one epoch) trains and saves the
    network alone: it loads without custom objects and maps a line tensor of any width to (1, W / 4, K + 2) logits."""
    import keras

    from cnnkit import config, data

    synthetic = data.load_emnist_data(usage="train", limit=1000)
    monkeypatch.setattr(data, "load_emnist_data", lambda **_: synthetic)
    cfg = config.load_course_config()  # the cached module: changed through monkeypatch, so that it is restored
    monkeypatch.setattr(cfg, "HANDWRITING", {**cfg.HANDWRITING, "line_reader": {
        **cfg.HANDWRITING["line_reader"], "lines": 32, "font_lines": 16, "epochs": 1}})
    (tmp_path / "fonts").mkdir()
    shutil.copy(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf", tmp_path / "fonts")
    monkeypatch.setenv("CNNKIT_FONTS_DIR", str(tmp_path / "fonts"))
    path = lr.train_line_reader(tmp_path / "line_reader.keras")
    model = keras.models.load_model(path, compile=False)
    assert model.name == "line_reader" and not model.compiled
    mask = np.zeros((64, 300), np.uint8)
    mask[20:44, 30:270] = 1
    logits = np.asarray(model(lr.line_tensor(mask)[None], training=False))
    assert logits.shape == (1, lr.line_tensor(mask).shape[1] // 4, len(synthetic.mapping) + 2)
    assert np.isfinite(logits).all()
