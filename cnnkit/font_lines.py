"""Lines written in handwriting fonts: the line reader's second kind of training line (Assignment 6).

Lines composed from EMNIST characters (:func:`cnnkit.handwriting.compose_lines`) teach the line
reader the characters, but no pen joins them: a reader trained on them alone reads joined-up,
cursive handwriting poorly. Handwriting *fonts* join letters as a hand does, in many styles, and
can write any text: :func:`write_lines` writes lines of English words (drawn by how often they
occur, from ``wordfreq``'s list) in a random font, size, slant and stroke width, distorts them
elastically and photographs them (paper tone, contrast, blur, noise) as ``compose_lines`` does.

The fonts are a build input like the EMNIST data: ``make fonts`` installs the pinned Google Fonts
packages of ``deploy/fonts/package.json`` (npm's ``@fontsource``; SIL Open Font Licence) into
``build/fonts``; ``CNNKIT_FONTS_DIR`` points elsewhere (any folder of ``.ttf``/``.otf`` files).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from cnnkit import config
from cnnkit.handwriting import _photograph, stroke_width

__all__ = ["find_fonts", "fonts_dir", "label_text", "write_lines"]

#: The words lines are written with: the most frequent English words of ``wordfreq`` (letters only).
VOCABULARY_SIZE = 30000
#: The photograph of a written line: the most light changes across it (a fraction of the paper's
#: brightness) and the most noise (grey levels), as ``compose_lines`` takes them.
LIGHTING, NOISE = 0.35, 3.0


def fonts_dir() -> Path:
    """Where the handwriting fonts are: ``CNNKIT_FONTS_DIR``, else ``build/fonts`` of the course."""
    explicit = os.environ.get("CNNKIT_FONTS_DIR")
    if explicit:
        return Path(explicit).expanduser()
    root = config.course_root()
    return (root if root is not None else Path.cwd()) / "build" / "fonts"


def find_fonts(folder: Path | None = None) -> list[Path]:
    """The font files under ``folder`` (default :func:`fonts_dir`), sorted: ``.ttf`` and ``.otf``
    files, and of the ``@fontsource`` packages' web fonts the Latin, regular (400) ones.

    Raises:
        FileNotFoundError: when there is none, with what to run.
    """
    folder = Path(folder or fonts_dir())
    found = sorted({*folder.rglob("*.ttf"), *folder.rglob("*.otf"), *folder.rglob("*-latin-400-normal.woff")})
    if not found:
        raise FileNotFoundError(f"no handwriting fonts in {folder}: run 'make fonts' (npm) or set CNNKIT_FONTS_DIR "
                                "to a folder of .ttf/.otf fonts")
    return found


@cache
def _vocabulary() -> tuple[tuple[str, ...], np.ndarray]:
    """Words and their sampling probabilities (word frequency to the power 0.5: rarer words more
    often than in text, so that the lines hold many different letter sequences)."""
    import wordfreq

    words = tuple(w for w in wordfreq.top_n_list("en", VOCABULARY_SIZE) if w.isascii() and w.isalpha())
    weights = np.array([wordfreq.word_frequency(w, "en") for w in words]) ** 0.5
    return words, weights / weights.sum()


def label_text(text: str, mapping: Sequence[str]) -> str:
    """``text`` as the classes of ``mapping`` can say it: a character not in ``mapping`` becomes its
    upper case when that is (the 47-class set files c, k, o, s... under C, K, O, S...), else it is
    dropped (punctuation); single spaces between words."""
    classes = set(mapping)
    kept = [c if c in classes or c.isspace() else c.upper() if c.upper() in classes else "" for c in text]
    return " ".join("".join(kept).split())


def _token(rng: np.random.Generator) -> str:
    """A word (capitalised, in capitals) or a number, now and then with punctuation."""
    words, probs = _vocabulary()
    if rng.random() < 0.06:
        token = str(int(rng.integers(0, 10 ** int(rng.integers(1, 5)))))
    else:
        token = words[rng.choice(len(words), p=probs)]
        case = rng.random()
        token = token.capitalize() if case < 0.15 else token.upper() if case < 0.19 else token
    mark = rng.random()
    if mark < 0.08:
        return token + str(rng.choice([",", ".", ";", ":"]))
    return f'"{token}"' if mark < 0.1 else token + "'s" if mark < 0.11 else token + "-" if mark < 0.12 else token


@dataclass(frozen=True)
class _Pen:
    """One line's font and hand: size px, word gap (of the font's space), slant, stroke change."""

    font: object
    size: int
    gap: float
    slant: float
    stroke: int


@cache
def _font(path: Path, size: int):
    """The font file ``path`` at ``size`` px (loaded once per file and size)."""
    from PIL import ImageFont

    return ImageFont.truetype(str(path), size)


def _pen(fonts: Sequence[Path], rng: np.random.Generator) -> _Pen:
    size = int(rng.integers(36, 60))
    font = _font(fonts[int(rng.integers(len(fonts)))], size)
    return _Pen(font, size, float(rng.uniform(0.6, 1.8)), float(rng.uniform(-0.35, 0.25)), int(rng.integers(-1, 3)))


def _written(tokens: Sequence[str], pen: _Pen, rng: np.random.Generator) -> np.ndarray:
    """The words drawn on a slowly drifting baseline: (H, W) float32 ink in [0, 1], sheared.

    The canvas is 3 font sizes high, the baseline 1.7 sizes from its top, drifting by at most 0.4
    of a size up or down: room for the tallest ascenders and longest descenders of a script font."""
    from PIL import Image, ImageDraw

    space = pen.font.getlength(" ")
    width = int(sum(pen.font.getlength(t) for t in tokens) + len(tokens) * space * 2.5 + 40)
    canvas = Image.new("L", (width, 3 * pen.size), 0)
    draw, x, drift = ImageDraw.Draw(canvas), 10.0, rng.normal(0, 0.03)
    for token in tokens:
        shift = np.clip(drift * x + rng.normal(0, pen.size * 0.03), -0.4 * pen.size, 0.4 * pen.size)
        draw.text((x, pen.size * 1.7 + shift), token, fill=255, font=pen.font, anchor="ls")
        x += pen.font.getlength(token) + space * pen.gap * rng.uniform(0.8, 1.25)
    ink = np.asarray(canvas, np.float32) / 255
    height = ink.shape[0]
    shear = np.float32([[1, pen.slant, (abs(pen.slant) - pen.slant / 2) * height], [0, 1, 0]])  # stays inside
    return cv2.warpAffine(ink, shear, (ink.shape[1] + int(2 * abs(pen.slant) * height), height))


def _distorted(ink: np.ndarray, pen: _Pen, rng: np.random.Generator) -> np.ndarray:
    """Elastic distortion (70 % of lines), strokes thinner or thicker, cropped to the ink,
    width scaled by 0.8-1.25."""
    if rng.random() < 0.7:
        height, width = ink.shape
        alpha, sigma = rng.uniform(1.0, 3.0) * pen.size / 40, pen.size / 10
        dx, dy = (cv2.GaussianBlur(rng.uniform(-1, 1, ink.shape).astype(np.float32), (0, 0), sigma) * alpha
                  for _ in range(2))
        xx, yy = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
        ink = cv2.remap(ink, xx + dx, yy + dy, cv2.INTER_LINEAR)
    kernel = np.ones((pen.size // 20 + 1,) * 2, np.uint8)
    if pen.stroke > 1:
        ink = cv2.dilate(ink, kernel)
    elif pen.stroke < 0 and stroke_width(ink > 0.35) >= 3 * kernel.shape[0]:  # thin strokes would break
        ink = cv2.erode(ink, kernel)
    rows, columns = np.flatnonzero(ink.max(axis=1) > 0.35), np.flatnonzero(ink.max(axis=0) > 0.35)
    if len(columns):  # the ink and a margin of a quarter of the font size: no wide empty paper
        margin = pen.size // 4
        ink = ink[max(0, rows[0] - margin):rows[-1] + margin, max(0, columns[0] - margin):columns[-1] + margin]
    width = max(1, int(ink.shape[1] * rng.uniform(0.8, 1.25)))
    return np.clip(cv2.resize(ink, (width, ink.shape[0]), interpolation=cv2.INTER_AREA), 0, 1)


def write_lines(fonts: Sequence[Path], n_lines: int, *, seed: int, max_words: int = 5) -> list[tuple[np.ndarray, str]]:
    """``n_lines`` lines of 1 to ``max_words`` words, each in a font of ``fonts`` drawn at random.

    Line ``k`` draws its random numbers from ``numpy.random.default_rng([seed, k])``. Each line is
    photographed as :func:`cnnkit.handwriting.compose_lines` photographs its lines, with a
    lighting gradient of at most ``LIGHTING`` and noise of up to ``NOISE`` grey levels.

    Returns:
        ``(image, text)`` pairs: image (H, W) uint8, dark ink on light paper, cropped to the ink
        with a margin of a quarter of the font size (36-59 px); text the words as written
        (punctuation and case included: map it to classes with :func:`label_text`).
    """
    lines = []
    for k in range(n_lines):
        rng = np.random.default_rng([seed, k])
        pen = _pen(fonts, rng)
        tokens = [_token(rng) for _ in range(int(rng.integers(1, max_words + 1)))]
        ink = _distorted(_written(tokens, pen, rng), pen, rng)
        lines.append((_photograph(ink, rng, LIGHTING, NOISE), " ".join(tokens)))
    return lines
