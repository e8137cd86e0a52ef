"""cnnkit.font_lines: lines written in handwriting fonts, the line reader's second kind of training
line. The tests write with matplotlib's DejaVu fonts: no npm fonts are needed."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import matplotlib
import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from cnnkit import font_lines as fl  # noqa: E402
from cnnkit import line_reader as lr  # noqa: E402
from cnnkit.synthetic import EMNIST_BALANCED_MAPPING, generate_emnist_like  # noqa: E402

MAPPING = EMNIST_BALANCED_MAPPING
DEJAVU = Path(matplotlib.get_data_path()) / "fonts" / "ttf"


@pytest.fixture()
def fonts(tmp_path: Path) -> list[Path]:
    for name in ("DejaVuSans.ttf", "DejaVuSerif-Italic.ttf"):
        shutil.copy(DEJAVU / name, tmp_path / name)
    return fl.find_fonts(tmp_path)


def test_label_text_keeps_the_classes_files_the_merged_lowercase_letters_and_drops_punctuation():
    # 47 classes: a b d e f g h n q r t have their own; c i j k l m o p s u v w x y z are filed under capitals
    assert fl.label_text('Don\'t  stop, "Mr. Kennedy" - 357!', MAPPING) == "DOnt StOP Mr KennedY 357"
    assert fl.label_text("...", MAPPING) == ""
    assert fl.label_text("a\tb", list("ab")) == "a b"


def test_font_lines_need_no_keras():
    """Writing lines takes NumPy, OpenCV and Pillow: importing the module loads no Keras."""
    import subprocess
    import sys

    code = "import sys, cnnkit.font_lines; assert 'keras' not in sys.modules, sorted(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_find_fonts_takes_font_files_and_only_the_latin_regular_web_fonts(tmp_path: Path, monkeypatch):
    package = tmp_path / "node_modules" / "@fontsource" / "caveat" / "files"
    package.mkdir(parents=True)
    for name in ("caveat-latin-400-normal.woff", "caveat-latin-ext-400-normal.woff", "caveat-latin-700-normal.woff",
                 "caveat-latin-400-normal.woff2"):
        (package / name).write_bytes(b"")
    (tmp_path / "b.otf").write_bytes(b"")
    (tmp_path / "a.ttf").write_bytes(b"")
    assert [p.name for p in fl.find_fonts(tmp_path)] == ["a.ttf", "b.otf", "caveat-latin-400-normal.woff"]
    monkeypatch.setenv("CNNKIT_FONTS_DIR", str(tmp_path))
    assert fl.fonts_dir() == tmp_path and len(fl.find_fonts()) == 3


def test_without_fonts_the_error_says_what_to_run(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("CNNKIT_FONTS_DIR", raising=False)
    (tmp_path / "course_config.py").write_text("")
    monkeypatch.setenv("CNNKIT_COURSE_ROOT", str(tmp_path))
    assert fl.fonts_dir() == tmp_path.resolve() / "build" / "fonts"
    with pytest.raises(FileNotFoundError, match="make fonts.*CNNKIT_FONTS_DIR"):
        fl.find_fonts(tmp_path)


def test_written_lines_are_dark_ink_on_paper_words_of_the_vocabulary_and_deterministic(fonts):
    lines = fl.write_lines(fonts, 12, seed=4, max_words=3)
    words, _ = fl._vocabulary()
    vocabulary = set(words)
    assert len(lines) == 12
    for image, text in lines:
        assert image.dtype == np.uint8 and image.ndim == 2 and image.shape[0] >= 36 // 2
        assert np.median(image) > 150 and image.min() < np.median(image) - 60, "dark ink on light paper"
        tokens = text.split(" ")
        assert 1 <= len(tokens) <= 3
        for token in tokens:
            bare = token.strip("\".,;:-").removesuffix("'s")
            assert bare.isdigit() or bare.lower() in vocabulary, token
    again = fl.write_lines(fonts, 12, seed=4, max_words=3)
    assert all(np.array_equal(a, b) and s == t for (a, s), (b, t) in zip(lines, again)), "deterministic for a seed"
    first = fl.write_lines(fonts, 3, seed=4, max_words=3)
    assert all(np.array_equal(a, b) for (a, _), (b, _) in zip(first, lines)), "line k does not depend on n_lines"
    assert not np.array_equal(fl.write_lines(fonts, 1, seed=5, max_words=3)[0][0], lines[0][0])


def test_no_ink_leaves_the_canvas_of_a_long_drifting_line(fonts):
    for k in range(60):
        rng = np.random.default_rng([9, k])
        pen = fl._pen(fonts, rng)
        ink = fl._written([fl._token(rng) for _ in range(8)], pen, rng)
        assert ink[0].max() < 0.35 and ink[-1].max() < 0.35, f"line {k}: ink cut at the top or bottom"


def test_training_batch_puts_the_written_lines_first_with_their_text_as_targets(fonts):
    images, labels = generate_emnist_like(400, seed=5)
    x, y = lr.training_batch(images, labels, MAPPING, 7, seed=2, fonts=fonts, font_lines=3)
    assert x.shape == (7, 32, 384, 1) and (x[..., 0].sum(axis=(1, 2)) > 0).all()
    for (_, text), row in zip(fl.write_lines(fonts, 3, seed=2), y[:3]):
        target = lr.encode_text(fl.label_text(text, MAPPING), MAPPING)
        assert list(row[:len(target)]) == target and not row[len(target):].any()
    composed, _ = lr.training_batch(images, labels, MAPPING, 4, seed=2)
    assert composed.shape == (4, 32, 384, 1)


@pytest.mark.parametrize("n_lines, font_lines, with_fonts", [(4, 5, True), (4, -1, True), (4, 1, False)],
                         ids=["more than the lines", "negative", "no fonts"])
def test_training_batch_refuses_a_share_of_written_lines_it_cannot_write(fonts, n_lines, font_lines, with_fonts):
    images, labels = generate_emnist_like(40, seed=5)
    with pytest.raises(ValueError, match="font_lines"):
        lr.training_batch(images, labels, MAPPING, n_lines, seed=0, fonts=fonts if with_fonts else (),
                          font_lines=font_lines)
