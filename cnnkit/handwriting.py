"""Lines of handwriting for Assignment 6: composed from EMNIST characters, or real scans.

:func:`compose_lines` writes lines of "handwriting" from EMNIST character images (real ones or the
embedded synthetic default, whatever :func:`cnnkit.data.load_emnist` returns), so that every
character's box and label is known: the ground truth a segmenter is measured against. A line is
dark ink on light paper, as a scanner or a phone camera sees it, with:

- words of 1 to 7 characters, small gaps inside a word (now and then two characters touch) and
  wide gaps between words;
- per line: character size, slant (a shear) and a slowly drifting baseline; per character: size
  and baseline jitter;
- the lowercase i and j that EMNIST's 47-class set files under ``I`` and ``J``: a share of those
  characters is written with a dot above a shortened stem (a character of two pieces);
- paper tone, ink contrast, a lighting gradient in a random direction, blur and sensor noise.

Everything is deterministic for a seed: line ``k`` draws its random numbers from
``numpy.random.default_rng([seed, k])``.

:func:`load_scanned_lines` reads the real scanned lines of the data folder
(``settings().data_dir / "handwriting" / "*.png"``), and :func:`box_recall`,
:func:`match_boxes` and :func:`character_accuracy` are the measures the assignment and its tests use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from cnnkit.config import settings

__all__ = [
    "Line",
    "add_lighting_gradient",
    "box_iou",
    "box_recall",
    "character_accuracy",
    "compose_lines",
    "edit_distance",
    "lines_from_arrays",
    "lines_to_arrays",
    "load_scanned_lines",
    "match_boxes",
    "stack_lines",
    "stroke_width",
]

#: Ink level (0..1) above which a pixel counts as part of a character's box.
BOX_THRESHOLD = 0.35


@dataclass(frozen=True)
class Line:
    """One composed line of handwriting and its ground truth.

    Attributes:
        image: (H, W) uint8 grayscale, dark ink on light paper.
        boxes: (n, 4) int64 character boxes ``(x, y, w, h)`` in pixels, left to right: the
            smallest rectangle holding the character's ink (ink level above ``BOX_THRESHOLD``),
            the dot of an i or j included.
        labels: (n,) int64 EMNIST labels of the characters.
        text: the characters (``mapping[label]``) with one space between words.
    """

    image: np.ndarray
    boxes: np.ndarray
    labels: np.ndarray
    text: str

    @property
    def chars(self) -> str:
        """The characters of the boxes, without spaces."""
        return self.text.replace(" ", "")


# --- composing lines --------------------------------------------------------------------------------


def _dot_chars(mapping: Sequence[str]) -> set[str]:
    """Characters written as a dotted i/j: ``i``/``j`` where the mapping has them, else ``I``/``J``."""
    lower = {"i", "j"} & set(mapping)
    return lower if lower else {"I", "J"} & set(mapping)


def _has_dot(glyph: np.ndarray) -> bool:
    """Whether an EMNIST glyph already has a small separate piece in its top third (a dot)."""
    n, _, stats, _ = cv2.connectedComponentsWithStats((glyph > 0.35).astype(np.uint8), connectivity=8)
    if n <= 2:
        return False
    areas = stats[1:, cv2.CC_STAT_AREA]
    tops = stats[1:, cv2.CC_STAT_TOP] + stats[1:, cv2.CC_STAT_HEIGHT]
    small = areas < 0.25 * areas.max()
    return bool(np.any(small & (tops < glyph.shape[0] * 0.45)))


def _dottable(glyph: np.ndarray) -> bool:
    """Whether a glyph looks like a stem or a hook that a dot turns into an i or j: its ink is
    less than half as wide as it is tall (an I with wide serifs is left alone)."""
    ys, xs = np.nonzero(glyph > BOX_THRESHOLD)
    return len(ys) > 0 and np.ptp(xs) + 1 < 0.5 * (np.ptp(ys) + 1)


def _add_dot(glyph: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A lowercase i/j from an I/J glyph: the stem shortened to ~65% and a round dot above it."""
    ys, xs = np.nonzero(glyph > BOX_THRESHOLD)
    if len(ys) == 0:
        return glyph
    y0, y1, x0, x1 = ys.min(), ys.max(), xs.min(), xs.max()
    ink = glyph[y0:y1 + 1, x0:x1 + 1]
    h, w = ink.shape
    f = rng.uniform(0.55, 0.72)
    new_h = max(4, int(round(h * f)))
    stem = cv2.resize(ink, (w, new_h), interpolation=cv2.INTER_AREA)
    stroke = float(np.clip((ink > 0.5).sum() / max(h, 1), 1.6, 4.0))  # ink px per row ~ stroke width
    radius = stroke * rng.uniform(0.55, 0.8)
    gap = rng.uniform(2.0, 3.5) + radius
    out = np.zeros_like(glyph)
    top = y1 + 1 - new_h
    out[top:y1 + 1, x0:x1 + 1] = stem
    # the dot sits above the top of the stem, centred on the top row's ink
    top_cols = np.nonzero(stem[: max(2, new_h // 6)].max(axis=0) > 0.3)[0]
    cx = x0 + (top_cols.mean() if len(top_cols) else w / 2)
    cy = top - gap
    yy, xx = np.mgrid[0:glyph.shape[0], 0:glyph.shape[1]]
    dot = np.clip(radius + 0.5 - np.hypot(xx - cx, yy - cy), 0, 1)
    return np.maximum(out, dot.astype(glyph.dtype))


def _shear(glyph: np.ndarray, slant: float) -> np.ndarray:
    """Shear a glyph so that its top moves right by ``slant`` px per px of height (italic);
    the bottom row stays in place."""
    h, w = glyph.shape
    extra = int(np.ceil(abs(slant) * h)) + 2
    offset = 1.0 if slant >= 0 else 1.0 + abs(slant) * (h - 1)
    m = np.array([[1.0, -slant, slant * (h - 1) + offset], [0.0, 1.0, 0.0]], np.float32)
    return cv2.warpAffine(glyph, m, (w + extra, h), flags=cv2.INTER_LINEAR, borderValue=0)


def _glyph(image: np.ndarray, rng: np.random.Generator, height_px: float, slant: float, dot: bool,
           keep_frame: bool = False) -> np.ndarray:
    """One EMNIST image as ink (0..1) scaled, slanted and cropped to its ink (1 px margin); with
    ``keep_frame`` cropped in height only (the glyph keeps the side margins of its EMNIST frame)."""
    g = image.astype(np.float32) / max(float(image.max()), 1.0)
    if dot and not _has_dot(g) and _dottable(g):
        g = _add_dot(g, rng)
    g = np.pad(g, 2)
    f = height_px / 24.0  # EMNIST characters fill about 24 of 28 px
    g = cv2.resize(g, None, fx=f, fy=f, interpolation=cv2.INTER_LINEAR)
    g = _shear(g, slant)
    ys, xs = np.nonzero(g > 0.02)
    if len(ys) == 0:
        return np.zeros((1, 1), np.float32)
    x0, x1 = (0, g.shape[1]) if keep_frame else (max(xs.min() - 1, 0), xs.max() + 2)
    return np.ascontiguousarray(g[max(ys.min() - 1, 0):ys.max() + 2, x0:x1])


def _tight_box(layer: np.ndarray) -> tuple[int, int, int, int] | None:
    ys, xs = np.nonzero(layer > BOX_THRESHOLD)
    if len(ys) == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)


@dataclass(frozen=True)
class _LineStyle:
    """The options of :func:`compose_lines` (sizes in px; see its docstring)."""

    height: int
    width: int
    char_height: tuple[float, float]
    dot_prob: float
    touch_prob: float
    lighting: float
    noise: float
    layout: str = "ink"
    sizes: str = "emnist"


#: Letters written at x-height, and those that reach below the baseline (``sizes="written"``).
_X_HEIGHT, _DESCENDERS = set("acemnorsuvwxz"), set("gpqy")
#: Capitals under which the 47-class sets file the lowercase letter of the same shape too.
_MERGED_CASES = set("CIJKLMOPSUVWXYZ")


def _written_size(char: str, rng: np.random.Generator, style: _LineStyle) -> tuple[float, float]:
    """How tall a character is written and how far below the baseline it reaches, both in the
    line's character heights: (1, 0) for every character in the "emnist" sizes; in the "written"
    sizes a lowercase letter is drawn at x-height (0.55-0.7) and g, p, q, y reach 0.25-0.35 below
    the baseline; a capital that also stands for its lowercase letter (C, K, O, ...) is written as
    that lowercase letter half of the time."""
    if style.sizes == "emnist":
        return 1.0, 0.0
    if char in _MERGED_CASES and rng.random() < 0.5:
        char = char.lower()
    if char in _X_HEIGHT:
        return float(rng.uniform(0.55, 0.7)), 0.0
    if char in _DESCENDERS:
        return float(rng.uniform(0.8, 0.95)), float(rng.uniform(0.25, 0.35))
    return 1.0, 0.0


def _next_x(x: int, glyph_w: int, box: tuple[int, int, int, int], ch: float, rng: np.random.Generator,
            style: _LineStyle) -> int:
    """Where the next character of a word starts, px: after this one's ink with a small gap (now
    and then touching it), or, in the "frame" layout, after this glyph's frame (its EMNIST
    28 px square, drawn ``glyph_w`` px wide from ``x``) with a small gap."""
    if style.layout == "frame":
        return x + glyph_w + int(round(rng.uniform(0.0, 0.15) * ch))
    right = box[0] + box[2]
    gap = -rng.uniform(0.0, 0.06) * ch if rng.random() < style.touch_prob else rng.uniform(0.06, 0.28) * ch
    return max(int(round(right + gap)) - 1, box[0] + 1)


def _lay_out_ink(images: np.ndarray, labels: np.ndarray, mapping: Sequence[str], rng: np.random.Generator,
                 style: _LineStyle) -> tuple[np.ndarray, list, list[int], list[str]]:
    """Place characters left to right in words on a wavy baseline.

    Returns:
        ink (height, width) float32 in 0..1, the characters' tight boxes (x, y, w, h), their labels
        and the words written.
    """
    height, width = style.height, style.width
    ch = rng.uniform(*style.char_height)  # nominal character height of this line, px
    slant = float(np.clip(rng.normal(0.1, 0.12), -0.2, 0.4))
    dots = _dot_chars(mapping)
    drift = rng.normal(0, 0.04 * ch, 3)  # baseline: a slow quadratic wave
    ink = np.zeros((height, width), np.float32)
    boxes, labs, words = [], [], []
    x = int(rng.uniform(0.2, 0.6) * ch)
    margin = int(0.3 * ch)
    done = False
    while not done:
        word = ""
        for _ in range(int(rng.integers(1, 8))):
            k = int(rng.integers(len(images)))
            label = int(labels[k])
            char = mapping[label]
            size, drop = _written_size(char, rng, style)
            g = _glyph(images[k], rng, size * ch * rng.uniform(0.88, 1.1), slant + rng.normal(0, 0.03),
                       char in dots and rng.random() < style.dot_prob, keep_frame=style.layout == "frame")
            gh, gw = g.shape
            if x + gw > width - margin:
                done = True
                break
            u = x / width - 0.5
            baseline = (height + ch) / 2 + drift[0] + drift[1] * u * 4 + drift[2] * (u * 4) ** 2 / 4
            bottom = int(round(baseline + drop * ch + rng.normal(0, 0.04 * ch)))
            top = int(np.clip(bottom - gh, 0, height - gh))
            layer = np.zeros_like(ink)
            layer[top:top + gh, x:x + gw] = g
            box = _tight_box(layer)
            if box is None:
                continue
            ink = np.maximum(ink, layer)
            boxes.append(box)
            labs.append(label)
            word += char
            x = _next_x(x, gw, box, ch, rng, style)
        if word:
            words.append(word)
        x += int(round(rng.uniform(0.6, 1.0) * ch))
        if x > width - margin - ch:
            done = True
    return ink, boxes, labs, words


def stroke_width(ink: np.ndarray) -> float:
    """Mean stroke width of an ink mask (H, W), px: twice its area over its boundary pixels (the
    ink pixels that a 3x3 erosion removes). Any non-zero value is ink; 0.0 for a mask without ink."""
    binary = (np.asarray(ink) > 0).astype(np.uint8)
    boundary = binary - cv2.erode(binary, np.ones((3, 3), np.uint8))
    return 2.0 * float(binary.sum()) / max(float(boundary.sum()), 1.0)


def _photograph(ink: np.ndarray, rng: np.random.Generator, lighting: float, noise: float) -> np.ndarray:
    """Ink (0..1) on paper under a lighting gradient of at most ``lighting``, blurred, with noise of
    up to ``noise`` grey levels: (height, width) uint8, dark ink on light paper."""
    height, width = ink.shape
    paper = rng.uniform(175, 240)
    contrast = rng.uniform(0.65, 0.9)
    angle = rng.uniform(0, 2 * np.pi)
    strength = rng.uniform(0, lighting)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    ramp = (np.cos(angle) * (xx / width - 0.5) + np.sin(angle) * (yy / height - 0.5) * height / width)
    light = 1 + strength * 2 * ramp
    img = paper * light * (1 - contrast * ink)
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.4, 0.8))
    img += rng.normal(0, rng.uniform(0.3, 1.0) * noise, img.shape).astype(np.float32)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def _compose_one(images: np.ndarray, labels: np.ndarray, mapping: Sequence[str], rng: np.random.Generator,
                 style: _LineStyle) -> Line:
    ink, boxes, labs, words = _lay_out_ink(images, labels, mapping, rng, style)
    image = _photograph(ink, rng, style.lighting, style.noise)
    # placed left to right: every box starts right of the one before
    return Line(image, np.array(boxes, np.int64).reshape(-1, 4), np.array(labs, np.int64), " ".join(words))


def compose_lines(
    images: np.ndarray,
    labels: np.ndarray,
    mapping: Sequence[str],
    n_lines: int,
    *,
    seed: int = 0,
    height: int = 64,
    width: int = 640,
    char_height: tuple[float, float] = (26.0, 38.0),
    dot_prob: float = 0.8,
    touch_prob: float = 0.04,
    lighting: float = 0.35,
    noise: float = 5.0,
    layout: str = "ink",
    sizes: str = "emnist",
) -> list[Line]:
    """Compose ``n_lines`` lines of handwriting from EMNIST characters.

    Args:
        images: (N, 28, 28) uint8 EMNIST images, upright, white ink on black (as
            :func:`cnnkit.data.load_emnist` returns them; real or synthetic).
        labels: (N,) their labels; ``mapping[label]`` is the character.
        mapping: label -> character.
        n_lines: number of lines.
        seed: line ``k`` uses ``numpy.random.default_rng([seed, k])``.
        height, width: size of each line image, px.
        char_height: range of a line's nominal character height, px (EMNIST's 24 px of ink are
            scaled to it).
        dot_prob: share of the i/j characters (``I``/``J`` in the 47-class set) written with a dot
            (those whose image has no dot yet and is narrow: a stem or a hook, not an I with serifs).
        touch_prob: probability that a character touches or overlaps the next one.
        lighting: largest strength of the lighting gradient (0: even light; 0.35: the paper's
            brightness varies by up to +-35% across the line).
        noise: largest standard deviation of the sensor noise, in grey levels.
        layout: ``"ink"``: the next character of a word starts a small gap after this one's ink
            (``touch_prob`` of the time, overlapping it). ``"frame"``: each character keeps the
            side margins of its EMNIST frame and the frames follow each other with a small gap, as
            with a fixed pitch: narrow glyphs (1, I, l) sit in wide margins, so the gaps between
            boxes inside a word vary as much as the gaps between words (``touch_prob`` unused).
        sizes: ``"emnist"``: every character is as tall as the line's character height, as EMNIST
            frames them all. ``"written"``: as a hand writes them: lowercase letters at x-height
            (0.55-0.7 of it), g, p, q and y reaching below the baseline, and each capital that the
            47 classes also file its lowercase letter under (C, I, J, K, L, M, O, P, S, U, V, W, X,
            Y, Z) written as that lowercase letter half of the time (I and J as i and j: stems).

    Returns:
        A list of :class:`Line`.
    """
    images = np.asarray(images)
    labels = np.asarray(labels)
    if images.ndim != 3 or len(images) != len(labels) or len(images) == 0:
        raise ValueError(f"need (N, 28, 28) images and (N,) labels, got {images.shape} and {labels.shape}")
    if height < char_height[1] * 1.6:
        raise ValueError(f"a line of height {height} px is too low for characters of {char_height[1]} px")
    if layout not in ("ink", "frame"):
        raise ValueError(f"layout must be 'ink' or 'frame', got {layout!r}")
    if sizes not in ("emnist", "written"):
        raise ValueError(f"sizes must be 'emnist' or 'written', got {sizes!r}")
    style = _LineStyle(height, width, char_height, dot_prob, touch_prob, lighting, noise, layout, sizes)
    return [_compose_one(images, labels, mapping, np.random.default_rng([seed, k]), style) for k in range(n_lines)]


def stack_lines(lines: Sequence[Line], spacing: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A page of several lines: each line's paper evened to one level, the lines stacked top to bottom.

    Args:
        lines: lines of one width. Compose them with ``lighting=0``: a page is lit as a whole
            (apply :func:`add_lighting_gradient` to the page).
        spacing: rows of paper added between two lines; negative: the margins of two neighbouring
            lines overlap by that many rows (the darker pixel wins).

    Returns:
        ``(page, tops)``: the (H, W) uint8 page, dark ink on paper of the first line's paper level,
        and the (L,) int64 row of the page at which each line's image starts (line k's boxes are
        its boxes moved down by ``tops[k]``).
    """
    if not lines or len({line.image.shape[1] for line in lines}) != 1:
        raise ValueError("need at least one line, all of one width")
    if spacing <= -min(line.image.shape[0] for line in lines):
        raise ValueError(f"spacing {spacing} overlaps whole lines")
    paper = float(np.median(lines[0].image))
    page = np.ones((0, lines[0].image.shape[1]), np.float32)
    tops = []
    for k, line in enumerate(lines):
        evened = line.image.astype(np.float32) / max(float(np.median(line.image)), 1.0)
        top = page.shape[0] + (spacing if k else 0)
        bottom = top + evened.shape[0]
        grown = np.ones((max(bottom, page.shape[0]), page.shape[1]), np.float32)
        grown[:page.shape[0]] = page
        grown[top:bottom] = np.minimum(grown[top:bottom], evened)
        page, tops = grown, tops + [top]
    return np.clip(np.rint(page * paper), 0, 255).astype(np.uint8), np.array(tops, np.int64)


def add_lighting_gradient(image: np.ndarray, strength: float = 0.75, angle_deg: float = 0.0) -> np.ndarray:
    """Darken an image progressively, as uneven light does to a phone photo of a page.

    Args:
        image: (H, W) or (H, W, 3) uint8.
        strength: the darkest side keeps ``1 - strength`` of its brightness (0..1).
        angle_deg: direction in which the light gets brighter (0: left dark, right bright).

    Returns:
        uint8 image of the same shape.
    """
    image = np.asarray(image)
    h, w = image.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    a = np.deg2rad(angle_deg)
    proj = np.cos(a) * xx + np.sin(a) * yy
    proj = (proj - proj.min()) / max(float(np.ptp(proj)), 1.0)
    factor = (1 - strength) + strength * proj
    if image.ndim == 3:
        factor = factor[..., None]
    return np.clip(np.rint(image.astype(np.float32) * factor), 0, 255).astype(np.uint8)


# --- storing lines (hidden evaluation data) ------------------------------------------------------


def lines_to_arrays(lines: Sequence[Line], mapping: Sequence[str]) -> dict[str, np.ndarray]:
    """Lines of one size as plain arrays (for ``np.savez``): ``images`` (L, H, W) uint8, ``boxes``
    (M, 4) int64, ``box_line`` (M,) int64 (the line of each box), ``labels`` (M,) int64,
    ``texts`` (L,) str and ``mapping`` (K,) str."""
    return {
        "images": np.stack([line.image for line in lines]),
        "boxes": np.concatenate([line.boxes for line in lines]).astype(np.int64),
        "box_line": np.concatenate([np.full(len(line.boxes), i, np.int64) for i, line in enumerate(lines)]),
        "labels": np.concatenate([line.labels for line in lines]).astype(np.int64),
        "texts": np.array([line.text for line in lines]),
        "mapping": np.array(list(mapping)),
    }


def lines_from_arrays(arrays: dict[str, np.ndarray], prefix: str = "") -> list[Line]:
    """The inverse of :func:`lines_to_arrays`; ``prefix`` selects a set stored with prefixed keys
    (``"ij_"`` reads ``ij_images``, ``ij_boxes``, ...)."""
    out = []
    box_line, boxes, labels = (arrays[prefix + k] for k in ("box_line", "boxes", "labels"))
    for i, image in enumerate(arrays[prefix + "images"]):
        sel = box_line == i
        out.append(Line(image, boxes[sel], labels[sel], str(arrays[prefix + "texts"][i])))
    return out


# --- real scans ---------------------------------------------------------------------------------


def handwriting_dir() -> Path:
    """``settings().data_dir / "handwriting"``: where the real scanned lines are looked for."""
    return settings().data_dir / "handwriting"


def load_scanned_lines() -> dict[str, np.ndarray]:
    """The real scans of handwriting in the data folder (``handwriting/*.png``): lines, and pages.

    Returns:
        ``{file stem: (H, W) uint8 grayscale image}`` as scanned (most are dark ink on light paper,
        some pages light ink on black; a transparent background becomes white), sorted by name.

    Raises:
        FileNotFoundError: the folder has no PNG file, or the data source is forced to the
            embedded default (``CNNKIT_DATA_SOURCE=synthetic``, as in the committed build); the
            message says where it looked and how to point the kit at the data (``CNNKIT_DATA_DIR``).
    """
    if settings().data_source == "synthetic":
        raise FileNotFoundError(
            "the data source is set to 'synthetic' (CNNKIT_DATA_SOURCE / DATA_SOURCE): the real scans of "
            "handwriting are not used; unset it and set CNNKIT_DATA_DIR to try them")
    folder = handwriting_dir()
    files = sorted(folder.glob("*.png")) if folder.is_dir() else []
    if not files:
        raise FileNotFoundError(
            f"no scanned handwriting found: {folder} has no *.png files. Set CNNKIT_DATA_DIR to a "
            "data folder with handwriting/*.png (dark ink on light paper) to try the real scans; "
            "everything else in the assignment works without them."
        )
    out = {}
    for path in files:
        img = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        if img is None:
            continue
        if img.ndim == 3 and img.shape[2] == 4:  # transparent background -> white paper
            alpha = img[..., 3:4].astype(np.float32) / 255
            img = (img[..., :3].astype(np.float32) * alpha + 255 * (1 - alpha)).astype(np.uint8)
        if img.ndim == 3:
            img = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
        out[path.stem] = img
    return out


# --- measures -----------------------------------------------------------------------------------


def box_iou(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over union of two boxes ``(x, y, w, h)``."""
    ax, ay, aw, ah = (float(v) for v in a)
    bx, by, bw, bh = (float(v) for v in b)
    iw = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    inter = iw * ih
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


def match_boxes(true_boxes: np.ndarray, found: Sequence[Sequence[float]], min_iou: float = 0.5
                ) -> list[tuple[int, int, float]]:
    """Match found boxes to true ones one-to-one, greedily by decreasing IoU.

    Returns:
        ``[(true index, found index, iou), ...]`` for the pairs with IoU >= ``min_iou``.
    """
    pairs = []
    for i, t in enumerate(np.asarray(true_boxes).reshape(-1, 4)):
        for j, f in enumerate(found):
            iou = box_iou(t, f)
            if iou >= min_iou:
                pairs.append((iou, i, j))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))  # best first; ties: lower indices first
    used_t, used_f, out = set(), set(), []
    for iou, i, j in pairs:
        if i not in used_t and j not in used_f:
            used_t.add(i)
            used_f.add(j)
            out.append((i, j, iou))
    return out


def box_recall(lines: Sequence[Line], found: Sequence[Sequence[Sequence[float]]], min_iou: float = 0.5
               ) -> dict[str, float]:
    """How well found boxes cover the true ones over several lines.

    Returns:
        ``recall`` (true boxes matched with IoU >= ``min_iou``), ``precision`` (found boxes
        matched), ``mean_iou`` (over the matched pairs), ``exact_count`` (share of lines where the
        number of boxes is right).
    """
    n_true = n_found = n_match = exact = 0
    ious = []
    for line, boxes in zip(lines, found):
        boxes = [tuple(b) for b in boxes]
        pairs = match_boxes(line.boxes, boxes, min_iou)
        n_true += len(line.boxes)
        n_found += len(boxes)
        n_match += len(pairs)
        ious += [p[2] for p in pairs]
        exact += len(boxes) == len(line.boxes)
    return {
        "recall": n_match / max(n_true, 1),
        "precision": n_match / max(n_found, 1),
        "mean_iou": float(np.mean(ious)) if ious else 0.0,
        "exact_count": exact / max(len(lines), 1),
    }


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: the fewest insertions, deletions and substitutions turning a into b."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def character_accuracy(predicted: str | Sequence[str], truth: str | Sequence[str], *, spaces: bool = True) -> float:
    """1 - (edit distance / length of the truth), over one or several lines (0 at worst).

    Args:
        predicted, truth: a string each, or equal-length sequences of strings.
        spaces: count spaces as characters; ``False`` compares the characters alone.
    """
    if isinstance(predicted, str):
        predicted, truth = [predicted], [truth]
    if len(predicted) != len(truth):
        raise ValueError(f"{len(predicted)} predicted lines for {len(truth)} true ones")
    dist = total = 0
    for p, t in zip(predicted, truth):
        p, t = str(p), str(t)
        if not spaces:
            p, t = p.replace(" ", ""), t.replace(" ", "")
        dist += edit_distance(p, t)
        total += len(t)
    return max(0.0, 1 - dist / max(total, 1))
