"""A deterministic, fast generator of EMNIST-like handwritten characters: the embedded default.

When the real EMNIST files are not available (no data folder, no ``emnist`` cache, no network),
:mod:`cnnkit.data` falls back to images made here. They have the EMNIST format: 28x28 ``uint8``
arrays, white ink (255) on black (0), upright (row 0 is the top), with labels indexing a
mapping such as :data:`EMNIST_BALANCED_MAPPING`.

How an image is made
--------------------
1. *Templates* (once per process): every character is drawn with OpenCV's Hershey stroke fonts
   (simplex, plain, duplex, complex, triplex, script simplex, script complex, each also italic)
   at several stroke widths, on a 64x64 canvas with the ink's bounding box (longest side
   ``TEMPLATE_SIZE`` px) centred, then slightly blurred (anti-aliasing). All templates are
   packed into one atlas image.
2. *Jitter* (vectorised over a block of images): a random rotation, shear and aspect change, a
   smooth random elastic displacement field (a 4x4 grid of random offsets, interpolated), and
   an occasional occluding stroke.
3. *EMNIST normalisation*: the transformed character is scaled so that the longer side of its
   bounding box is ``FIT_SIZE`` px (aspect ratio preserved) and placed so that its centre of
   mass is at the centre of the 28x28 frame. ``FIT_SIZE`` is 22 px: measured on the real
   EMNIST files, whose characters fill about 24x24 px once blurred (MNIST uses 20x20).
4. A light Gaussian blur (EMNIST is blurred too) and scaling of each image to a maximum of 255.

Steps 2-4 are one ``cv2.remap`` of the atlas per block of images (no per-image Python loop),
which gives several tens of thousands of images per second on one core.

Determinism: images come in blocks of :data:`BLOCK` images; block ``b`` draws all its random
numbers from ``numpy.random.default_rng([seed, b])``. The same ``seed`` therefore gives the same
bytes whatever else ran before, and ``generate_emnist_like(n, seed)`` is always the first ``n``
images of ``generate_emnist_like(m, seed)`` for ``m >= n``.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence

import cv2
import numpy as np

#: The 47 classes of EMNIST ``balanced`` and ``bymerge`` (label = index).
EMNIST_BALANCED_MAPPING: list[str] = list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabdefghnqrt")

#: Images per block of random numbers (see the module docstring); changing it changes the data.
BLOCK = 1024
#: Side of the output images, px.
SIDE = 28
#: Longest side of a character's bounding box in the output, px (before the final blur).
FIT_SIZE = 22.0
#: Side of one template cell in the atlas, px; longest side of a template's ink, px.
CELL = 64
TEMPLATE_SIZE = 44

_FACES: tuple[int, ...] = (
    cv2.FONT_HERSHEY_SIMPLEX,
    cv2.FONT_HERSHEY_PLAIN,
    cv2.FONT_HERSHEY_DUPLEX,
    cv2.FONT_HERSHEY_COMPLEX,
    cv2.FONT_HERSHEY_TRIPLEX,
    cv2.FONT_HERSHEY_SCRIPT_SIMPLEX,
    cv2.FONT_HERSHEY_SCRIPT_COMPLEX,
)
#: Every face upright and italic.
FONTS: tuple[int, ...] = _FACES + tuple(face | cv2.FONT_ITALIC for face in _FACES)
#: Stroke widths of the templates, in template px (x FIT_SIZE/TEMPLATE_SIZE = 0.5 in the output).
THICKNESSES: tuple[int, ...] = (2, 3, 4, 6)


class _Atlas:
    """All templates of one character set, packed into one image.

    Attributes:
        image: (rows*CELL, cols*CELL) uint8 atlas; template ``k`` is the cell at
            ``(k // cols, k % cols)``.
        cols: templates per atlas row.
        hull: (K, P, 2) float32 convex-hull points (x, y) of each template's ink, relative to the
            cell centre, padded by repetition to a common length P.
        com: (K, 2) float32 centre of mass (x, y) of each template, relative to the cell centre.
    """

    def __init__(self, image: np.ndarray, cols: int, hull: np.ndarray, com: np.ndarray) -> None:
        self.image, self.cols, self.hull, self.com = image, cols, hull, com


def _render_template(char: str, font: int, thickness: int) -> np.ndarray:
    """One character, ink bounding box with longest side ~TEMPLATE_SIZE, centred in CELL x CELL.

    Returns:
        (CELL, CELL) uint8, white ink on black.
    """

    def draw(scale: float) -> np.ndarray:
        canvas = np.zeros((3 * CELL, 3 * CELL), np.uint8)
        cv2.putText(canvas, char, (CELL // 2, 2 * CELL), font, scale, 255, thickness, cv2.LINE_AA)
        return canvas

    def extent(img: np.ndarray) -> tuple[int, int, int, int]:
        x, y, w, h = cv2.boundingRect((img > 64).view(np.uint8))
        return x, y, x + w - 1, y + h - 1

    scale = 1.5
    for _ in range(3):  # ink size = a*scale + thickness: a few fixed-point steps converge
        x0, y0, x1, y1 = extent(draw(scale))
        longest = max(x1 - x0, y1 - y0) + 1
        scale *= max(TEMPLATE_SIZE - thickness, 4) / max(longest - thickness, 1)
    img = draw(scale)
    x0, y0, x1, y1 = extent(img)
    crop = img[max(y0 - 2, 0) : y1 + 3, max(x0 - 2, 0) : x1 + 3]
    if max(crop.shape) > CELL - 4:  # never happens with the sizes above; keep the margin anyway
        f = (CELL - 4) / max(crop.shape)
        crop = cv2.resize(crop, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    cell = np.zeros((CELL, CELL), np.uint8)
    top, left = (CELL - crop.shape[0]) // 2, (CELL - crop.shape[1]) // 2
    cell[top : top + crop.shape[0], left : left + crop.shape[1]] = crop
    return cv2.GaussianBlur(cell, (0, 0), 1.0)


@functools.lru_cache(maxsize=4)
def _atlas(chars: tuple[str, ...]) -> _Atlas:
    """Render (once per process and character set) every char x font x thickness template."""
    templates = [
        _render_template(ch, font, t) for ch in chars for font in FONTS for t in THICKNESSES
    ]
    k = len(templates)
    cols = int(np.ceil(np.sqrt(k)))
    rows = int(np.ceil(k / cols))
    image = np.zeros((rows * CELL, cols * CELL), np.uint8)
    hulls, coms = [], []
    centre = (CELL - 1) / 2
    for i, tpl in enumerate(templates):
        r, c = divmod(i, cols)
        image[r * CELL : (r + 1) * CELL, c * CELL : (c + 1) * CELL] = tpl
        pts = cv2.findNonZero((tpl > 64).astype(np.uint8))
        hulls.append(cv2.convexHull(pts).reshape(-1, 2).astype(np.float32) - centre)
        mom = cv2.moments(tpl)
        coms.append([mom["m10"] / mom["m00"] - centre, mom["m01"] / mom["m00"] - centre])
    p = max(len(h) for h in hulls)
    hull = np.stack([np.resize(h, (p, 2)) for h in hulls]).astype(np.float32)
    image.setflags(write=False)
    return _Atlas(image, cols, hull, np.asarray(coms, np.float32))


def _upsample_matrix(coarse: int, fine: int) -> np.ndarray:
    """(fine, coarse) float32 matrix of linear interpolation from a coarse grid to a fine one."""
    pos = np.linspace(0, coarse - 1, fine)
    lo = np.minimum(np.floor(pos).astype(int), coarse - 2)
    frac = pos - lo
    m = np.zeros((fine, coarse), np.float32)
    m[np.arange(fine), lo] = 1 - frac
    m[np.arange(fine), lo + 1] = frac
    return m


def _blur_rows(stack: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Blur every row of a (B, H, W) float32 stack with a 1-D kernel, zero padding, rows independent."""
    b, h, w = stack.shape
    out = cv2.sepFilter2D(
        stack.reshape(b * h, w), cv2.CV_32F, kernel, np.ones(1, np.float32),
        borderType=cv2.BORDER_CONSTANT,
    )
    return out.reshape(b, h, w)


def _block(seed: int, index: int, chars: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Block ``index`` of the data of ``seed``: (BLOCK, 28, 28) uint8 images, (BLOCK,) int64 labels."""
    atlas = _atlas(chars)
    rng = np.random.default_rng([seed, index])
    n, n_cls, n_font, n_thick = BLOCK, len(chars), len(FONTS), len(THICKNESSES)
    # --- all random numbers of the block, in a fixed order ---------------------------------
    labels = rng.permutation(np.resize(np.arange(n_cls), n)).astype(np.int64)
    font = rng.integers(0, n_font, n)
    thick = rng.integers(0, n_thick, n)
    angle = np.clip(rng.normal(0.0, 9.0, n), -25, 25) * (np.pi / 180)  # degrees -> rad
    shear = np.clip(rng.normal(0.0, 0.18, n), -0.45, 0.45)
    aspect = np.exp(np.clip(rng.normal(0.0, 0.15, n), -0.4, 0.4))  # x stretch factor
    fit = rng.uniform(FIT_SIZE - 2.0, FIT_SIZE + 1.0, n)  # px, longest side in the output
    shift = rng.normal(0.0, 0.4, (n, 2))  # px, residual centring error
    elastic = rng.normal(0.0, 1.0, (n, 2, 4, 4)) * rng.uniform(0.3, 1.1, (n, 1, 1, 1))  # px
    occlude = rng.random(n) < 0.12
    occ_pts = rng.uniform(2, SIDE - 2, (n, 2, 2))  # two end points (x, y) of an occluding stroke
    occ_w = rng.uniform(1.2, 2.5, n)  # px, its width
    # --- affine map template -> output: out = f * L @ (p - com) + (13.5, 13.5) + shift ----------
    tpl = (labels * n_font + font) * n_thick + thick
    cos, sin = np.cos(angle), np.sin(angle)
    # L = R(angle) @ [[1, shear], [0, 1]] @ diag(aspect, 1)
    l00, l01 = cos * aspect, cos * shear - sin
    l10, l11 = sin * aspect, sin * shear + cos
    hull = atlas.hull[tpl]  # (n, P, 2)
    hx = l00[:, None] * hull[..., 0] + l01[:, None] * hull[..., 1]
    hy = l10[:, None] * hull[..., 0] + l11[:, None] * hull[..., 1]
    longest = np.maximum(np.ptp(hx, axis=1), np.ptp(hy, axis=1)) + 1.0
    f = fit / longest
    # inverse: p = com + L^-1 @ (out - centre - shift) / f
    det = l00 * l11 - l01 * l10
    i00, i01, i10, i11 = l11 / det / f, -l01 / det / f, -l10 / det / f, l00 / det / f
    up = _upsample_matrix(4, SIDE)
    disp = up @ elastic.astype(np.float32) @ up.T  # (n, 2, 28, 28)
    gy, gx = np.mgrid[0:SIDE, 0:SIDE].astype(np.float32)
    centre = (SIDE - 1) / 2
    dx = (gx[None] + disp[:, 0] - (centre + shift[:, 0, None, None])).astype(np.float32)
    dy = (gy[None] + disp[:, 1] - (centre + shift[:, 1, None, None])).astype(np.float32)
    com = atlas.com[tpl]
    half = (CELL - 1) / 2
    mx = (i00[:, None, None] * dx + i01[:, None, None] * dy + com[:, 0, None, None]).astype(np.float32)
    my = (i10[:, None, None] * dx + i11[:, None, None] * dy + com[:, 1, None, None]).astype(np.float32)
    outside = (np.abs(mx) > half - 1) | (np.abs(my) > half - 1)
    row, col = np.divmod(tpl, atlas.cols)
    mx += (col * CELL + half)[:, None, None]
    my += (row * CELL + half)[:, None, None]
    mx[outside], my[outside] = -10.0, -10.0  # outside the atlas: black
    out = cv2.remap(
        atlas.image, mx.reshape(n * SIDE, SIDE), my.reshape(n * SIDE, SIDE), cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT, borderValue=0,
    ).reshape(n, SIDE, SIDE).astype(np.float32)
    # --- occluding strokes: distance of each pixel to a segment, vectorised -----------------
    if occlude.any():
        idx = np.nonzero(occlude)[0]
        a, b = occ_pts[idx, 0], occ_pts[idx, 1]
        ab = (b - a)[:, None, None, :]
        pxy = np.stack([gx, gy], -1)[None] - a[:, None, None, :]
        t = np.clip((pxy * ab).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-6), 0, 1)
        dist = np.linalg.norm(pxy - t[..., None] * ab, axis=-1)
        stroke = np.clip(occ_w[idx, None, None] / 2 + 0.5 - dist, 0, 1) * 255
        out[idx] = np.maximum(out[idx], stroke.astype(np.float32))
    # --- EMNIST-like blur and contrast ------------------------------------------------------
    kernel = cv2.getGaussianKernel(5, 0.7).astype(np.float32).ravel()
    out = _blur_rows(out, kernel)
    out = _blur_rows(np.ascontiguousarray(out.transpose(0, 2, 1)), kernel).transpose(0, 2, 1)
    peak = out.reshape(n, -1).max(1)
    out *= (255.0 / np.maximum(peak, 1.0))[:, None, None]
    images = np.clip(np.rint(out), 0, 255).astype(np.uint8)
    return images, labels


def generate_emnist_like(
    n: int, seed: int, mapping: Sequence[str] = EMNIST_BALANCED_MAPPING
) -> tuple[np.ndarray, np.ndarray]:
    """Make ``n`` EMNIST-like images of the characters in ``mapping``.

    Args:
        n: number of images (>= 0).
        seed: non-negative integer; the same seed gives the same bytes (see the module docstring),
            and the first ``n`` images do not depend on ``n``.
        mapping: the characters, label ``i`` being ``mapping[i]`` (letters and digits).

    Returns:
        images: (n, 28, 28) uint8, upright, white ink (up to 255) on black (0).
        labels: (n,) int64 in ``range(len(mapping))``, balanced to within one per class and
            block of 1024 images.
    """
    if n < 0 or seed < 0:
        raise ValueError(f"n and seed must be >= 0, got n={n}, seed={seed}")
    chars = tuple(mapping)
    bad = [c for c in chars if len(c) != 1 or not c.isascii() or not c.isalnum()]
    if bad:
        raise ValueError(f"the synthetic generator draws single ASCII letters and digits, not {bad}")
    images = np.empty((n, SIDE, SIDE), np.uint8)
    labels = np.empty(n, np.int64)
    for b in range(-(-n // BLOCK)):
        img, lab = _block(seed, b, chars)
        start, stop = b * BLOCK, min((b + 1) * BLOCK, n)
        images[start:stop], labels[start:stop] = img[: stop - start], lab[: stop - start]
    return images, labels


def synthetic_rate(n: int = 20_000) -> float:
    """Images per second of :func:`generate_emnist_like` for ``n`` images (templates pre-built).

    Returns:
        Rate in images/s, measured with wall-clock time in this process.
    """
    _atlas(tuple(EMNIST_BALANCED_MAPPING))  # build the templates outside the timing
    start = time.perf_counter()
    generate_emnist_like(n, seed=12345)
    return n / (time.perf_counter() - start)
