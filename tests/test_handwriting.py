"""cnnkit.handwriting: the line composer, the measures, the real scans (skipped without the data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cnnkit import handwriting as hw
from cnnkit.synthetic import EMNIST_BALANCED_MAPPING, generate_emnist_like

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="module")
def glyphs():
    """Synthetic EMNIST characters (the embedded default), as compose_lines takes them."""
    images, labels = generate_emnist_like(600, seed=5)
    return images, labels, EMNIST_BALANCED_MAPPING


@pytest.fixture(scope="module")
def lines(glyphs):
    return hw.compose_lines(*glyphs, 6, seed=3)


def test_lines_have_consistent_ground_truth(lines):
    for line in lines:
        assert line.image.shape == (64, 640) and line.image.dtype == np.uint8
        assert line.boxes.shape == (len(line.labels), 4) and len(line.chars) == len(line.labels)
        assert line.chars == "".join(EMNIST_BALANCED_MAPPING[k] for k in line.labels)
        assert line.text == line.text.strip() and "  " not in line.text and " " in line.text
        xs = line.boxes[:, 0]
        assert np.all(np.diff(xs) > 0), "boxes are left to right"
        x, y, w, h = line.boxes.T
        assert np.all(x >= 0) and np.all(y >= 0) and np.all(x + w <= 640) and np.all(y + h <= 64)
        for bx, by, bw, bh in line.boxes:  # dark ink inside every box, lighter paper around
            assert line.image[by:by + bh, bx:bx + bw].min() < np.median(line.image) - 40


def test_composer_is_deterministic_and_seed_dependent(glyphs):
    a = hw.compose_lines(*glyphs, 3, seed=7)
    b = hw.compose_lines(*glyphs, 3, seed=7)
    c = hw.compose_lines(*glyphs, 3, seed=8)
    assert all(np.array_equal(x.image, y.image) and np.array_equal(x.boxes, y.boxes) and x.text == y.text for x, y in zip(a, b))
    assert not np.array_equal(a[0].image, c[0].image)
    # line k does not depend on how many lines are made
    assert np.array_equal(hw.compose_lines(*glyphs, 1, seed=7)[0].image, a[0].image)


def test_dots_are_added_to_i_and_j(glyphs):
    images, labels, mapping = glyphs
    ij = np.isin(np.array(mapping)[labels], ["I", "J"])
    stems = [k for k in np.flatnonzero(ij) if hw._dottable(images[k].astype(np.float32) / 255)]
    assert stems, "the synthetic set has narrow I/J glyphs"
    lines = hw.compose_lines(images[stems], labels[stems], mapping, 2, seed=1, dot_prob=1.0, lighting=0, noise=0)
    import cv2

    for line in lines:
        for x, y, w, h in line.boxes:
            crop = (line.image[y:y + h, x:x + w] < 128).astype(np.uint8)
            n, _ = cv2.connectedComponents(crop)
            assert n - 1 >= 2, "a dotted i is two pieces of ink inside one box"


def test_frame_layout_keeps_the_glyphs_margins(glyphs):
    """In the "frame" layout the boxes are still tight and left to right, but the gap after a narrow
    glyph is its frame's margin: gaps inside words vary more than in the "ink" layout, and the
    frames (not the ink) follow each other at about one frame's width."""
    ink = hw.compose_lines(*glyphs, 6, seed=3)
    framed = hw.compose_lines(*glyphs, 6, seed=3, layout="frame")

    def inner_gaps(lines):
        gaps, widths = [], []
        for line in lines:
            x, _, w, _ = line.boxes.T.astype(float)
            ends = np.cumsum([len(word) for word in line.text.split()])[:-1] - 1
            inside = np.setdiff1d(np.arange(len(x) - 1), ends)
            gaps += list((x[1:] - (x[:-1] + w[:-1]))[inside])
            widths += list(w[:-1][inside] + w[1:][inside])
        return np.array(gaps), np.array(widths)

    ink_gaps, _ = inner_gaps(ink)
    frame_gaps, _ = inner_gaps(framed)
    assert frame_gaps.min() > 0, "frames keep their margins: no two characters touch"
    assert frame_gaps.std() > 2 * ink_gaps.std() and frame_gaps.mean() > 2 * ink_gaps.mean()
    per_line = [np.corrcoef(*inner_gaps([line]))[0, 1] for line in framed]
    assert np.mean(per_line) < -0.5, f"narrower glyphs leave wider gaps (correlation per line {per_line})"
    for line in framed:
        assert np.all(np.diff(line.boxes[:, 0]) > 0) and line.chars == "".join(EMNIST_BALANCED_MAPPING[k] for k in line.labels)
    explicit = hw.compose_lines(*glyphs, 6, seed=3, layout="ink")
    assert all(np.array_equal(a.boxes, b.boxes) for a, b in zip(explicit, ink)), "the default layout is 'ink'"
    assert not all(np.array_equal(a.image, b.image) for a, b in zip(framed, ink))


def test_written_sizes_put_lowercase_letters_at_x_height(glyphs):
    """In the "written" sizes the lowercase letters (a, e, n, r; and C, O, S, ... half of the time)
    are about 0.55-0.7 times as tall as the capitals and digits, and g, q reach below the baseline;
    the "emnist" sizes (the default) draw every character at one height."""
    mapping = EMNIST_BALANCED_MAPPING
    written = hw.compose_lines(*glyphs, 24, seed=3, sizes="written")
    emnist = hw.compose_lines(*glyphs, 24, seed=3)
    default = hw.compose_lines(*glyphs, 24, seed=3, sizes="emnist")
    assert all(np.array_equal(a.image, b.image) for a, b in zip(default, emnist)), "the default sizes are 'emnist'"

    def heights(lines, chars):
        """Box heights of these characters, relative to their line's median capital or digit."""
        found = []
        for line in lines:
            chars_of = np.array([mapping[k] for k in line.labels])
            tall = np.isin(chars_of, list("ABDEFGHNQRT0123456789"))
            found += list(line.boxes[np.isin(chars_of, list(chars)), 3] / np.median(line.boxes[tall, 3]))
        return np.array(found)

    assert 0.5 < np.median(heights(written, "aenr")) < 0.75
    assert 0.85 < np.median(heights(emnist, "aenr")) < 1.15
    merged = heights(written, "CMOSUVWXZ")
    assert 0.3 < np.mean(merged < 0.8) < 0.7, "capitals that stand for their lowercase letter: half small"
    checked = 0
    for line in written:
        chars_of = np.array([mapping[k] for k in line.labels])
        bottoms = line.boxes[:, 1] + line.boxes[:, 3]
        low, others = np.isin(chars_of, ["g", "q"]), np.isin(chars_of, list("aenr"))
        if low.any() and others.any():
            checked += 1
            assert np.median(bottoms[low]) > np.median(bottoms[others]) + 3, "g and q reach below the baseline"
    assert checked >= 5, checked


def test_options_are_checked(glyphs):
    with pytest.raises(ValueError, match="layout must be 'ink' or 'frame'"):
        hw.compose_lines(*glyphs, 1, layout="grid")
    with pytest.raises(ValueError, match="sizes must be 'emnist' or 'written'"):
        hw.compose_lines(*glyphs, 1, sizes="cursive")
    with pytest.raises(ValueError, match="too low for characters"):
        hw.compose_lines(*glyphs, 1, height=40)
    with pytest.raises(ValueError, match=r"need \(N, 28, 28\) images"):
        hw.compose_lines(np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64), EMNIST_BALANCED_MAPPING, 1)


def test_lighting_gradient():
    page = np.full((20, 100), 200, np.uint8)
    dark = hw.add_lighting_gradient(page, 0.75)
    assert dark[:, 0].max() <= 51 and dark[:, -1].min() >= 199
    vertical = hw.add_lighting_gradient(np.stack([page] * 3, -1), 0.5, angle_deg=90)
    assert vertical.shape == (20, 100, 3) and vertical[0].mean() < vertical[-1].mean()


def test_arrays_round_trip(lines):
    arrays = hw.lines_to_arrays(lines, EMNIST_BALANCED_MAPPING)
    back = hw.lines_from_arrays(arrays)
    assert [line.text for line in back] == [line.text for line in lines]
    assert all(np.array_equal(a.boxes, b.boxes) and np.array_equal(a.labels, b.labels) for a, b in zip(lines, back))
    prefixed = {("x_" + k if k != "mapping" else k): v for k, v in arrays.items()}
    assert [line.text for line in hw.lines_from_arrays(prefixed, "x_")] == [line.text for line in lines]


def test_box_measures():
    assert hw.box_iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert hw.box_iou((0, 0, 10, 10), (5, 0, 10, 10)) == pytest.approx(50 / 150)
    assert hw.box_iou((0, 0, 10, 10), (20, 0, 5, 5)) == 0.0
    truth = np.array([[0, 0, 10, 10], [20, 0, 10, 10]])
    line = hw.Line(np.zeros((10, 40), np.uint8), truth, np.array([0, 1]), "01")
    score = hw.box_recall([line], [[(0, 0, 10, 10), (21, 0, 10, 10), (35, 0, 2, 2)]])
    assert score["recall"] == 1.0 and score["precision"] == pytest.approx(2 / 3) and score["exact_count"] == 0.0
    assert hw.match_boxes(truth, [(0, 0, 10, 10), (0, 0, 10, 10)]) == [(0, 0, 1.0)], "one-to-one matching"


def test_stroke_width_of_bars_and_of_nothing():
    bars = np.zeros((200, 400), np.uint8)
    for x in range(20, 380, 40):
        bars[20:180, x:x + 6] = 255                 # 6 px strokes, 160 px long: any non-zero value is ink
    assert hw.stroke_width(bars) == pytest.approx(6, rel=0.1)
    assert hw.stroke_width(bars > 0) == hw.stroke_width(bars), "a boolean mask reads the same"
    assert hw.stroke_width(np.zeros((5, 5))) == 0.0


def test_character_accuracy():
    assert hw.edit_distance("kitten", "sitting") == 3
    assert hw.character_accuracy("AB CD", "AB CD") == 1.0
    assert hw.character_accuracy("ABCD", "AB CD") == pytest.approx(0.8)
    assert hw.character_accuracy("ABCD", "AB CD", spaces=False) == 1.0
    assert hw.character_accuracy(["A", "B"], ["A", "C"]) == 0.5
    assert hw.character_accuracy("XXXXXXXX", "A") == 0.0


def test_scans_absent_or_forced_synthetic(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNKIT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CNNKIT_DATA_SOURCE", raising=False)
    with pytest.raises(FileNotFoundError, match="CNNKIT_DATA_DIR"):
        hw.load_scanned_lines()
    (tmp_path / "handwriting").mkdir()
    import cv2

    rgba = np.zeros((10, 20, 4), np.uint8)
    rgba[..., 3] = 0  # fully transparent: white paper
    rgba[2:8, 5:7] = (0, 0, 0, 255)
    cv2.imwrite(str(tmp_path / "handwriting" / "a.png"), rgba)
    scans = hw.load_scanned_lines()
    assert list(scans) == ["a"] and scans["a"].shape == (10, 20) and scans["a"][0, 0] == 255 and scans["a"][4, 5] == 0
    monkeypatch.setenv("CNNKIT_DATA_SOURCE", "synthetic")
    with pytest.raises(FileNotFoundError, match="synthetic"):
        hw.load_scanned_lines()


@pytest.mark.skipif(not (SHARED_DATA / "handwriting").is_dir(), reason=f"real scans not present at {SHARED_DATA / 'handwriting'}")
def test_real_scans(monkeypatch):
    monkeypatch.setenv("CNNKIT_DATA_DIR", str(SHARED_DATA))
    monkeypatch.delenv("CNNKIT_DATA_SOURCE", raising=False)
    scans = hw.load_scanned_lines()
    assert len(scans) >= 2
    for name, image in scans.items():
        assert image.ndim == 2 and image.dtype == np.uint8
        assert abs(np.median(image) - 127.5) > 50, f"{name}: the background is paper (light) or a dark scan, not gray"
    assert sum(np.median(image) > 180 for image in scans.values()) >= 2, "dark ink on light paper"


@pytest.mark.skipif(not (SHARED_DATA / "emnist" / "emnist.zip").is_file(),
                    reason=f"real EMNIST not present at {SHARED_DATA / 'emnist'}")
def test_composer_on_real_emnist(monkeypatch):
    monkeypatch.setenv("CNNKIT_DATA_DIR", str(SHARED_DATA))
    monkeypatch.setenv("CNNKIT_EMNIST_SPLIT", "bymerge")
    monkeypatch.delenv("CNNKIT_DATA_SOURCE", raising=False)
    from cnnkit.data import load_emnist

    images, labels, mapping = load_emnist(usage="test", limit=500)
    lines = hw.compose_lines(images, labels, mapping, 2, seed=0)
    assert all(len(line.boxes) >= 10 for line in lines)

