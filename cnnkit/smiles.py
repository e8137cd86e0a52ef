"""SMILEsmileD for the smile detector (Assignment 7): find it, download it, read it, hide a slice.

SMILEsmileD (https://github.com/hromi/SMILEsmileD) holds 13,165 grayscale face crops of 64x64
pixels, 3,690 of them smiling. Where the faces come from is the rule of :mod:`cnnkit.sources`
(first match wins), as for EMNIST:

1. ``data_dir`` -- ``settings().data_dir / "smiles" / "SMILEsmileD-master.zip"``
   (``CNNKIT_DATA_DIR`` overrides; default ``~/.cache/cnnkit``);
2. ``cache`` -- the same file in the kit's own download cache (``~/.cache/cnnkit``), when the data
   folder is somewhere else;
3. ``download`` -- GitHub's archive of the repository (``course_config.SMILES["url"]``, about
   40 MB) saved at the path of 1., verified *by content* (the numbers of positive and negative
   images; the archive's bytes change whenever GitHub rebuilds it);
4. ``synthetic`` -- the embedded default: drawn faces (:func:`generate_faces`), announced by one line.

The zip has the repository's layout: ``SMILEsmileD-master/SMILEs/positives/positives7/<id>.jpg``
(smiling, label 1) and ``SMILEsmileD-master/SMILEs/negatives/negatives7/<id>.jpg`` (label 0).
Faces are returned sorted by (numeric id, label): a fixed order in which both classes are mixed.

The held-out slice: of the real faces, the fraction ``SMILES["hidden_fraction"]`` chosen by
:func:`cnnkit.sources.held_out_split` with ``SMILES["hidden_slice_seed"]`` is kept for the
autograder: :func:`load_smiles` never returns it. Synthetic faces need no slice: the public ones
are drawn with ``SMILES["synthetic_seed"]``, the autograder's with a seed only the course holds.
"""

from __future__ import annotations

import functools
import hashlib
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from cnnkit.config import default_cache_dir, settings
from cnnkit.sources import DataSource, download_verified, held_out_split

__all__ = [
    "SIDE",
    "SmilesData",
    "fetch_smiles",
    "generate_faces",
    "load_smiles",
    "load_smiles_data",
    "make_selfie_frames",
    "SmilesSource",
    "read_smiles_zip",
    "smiles_source",
    "split_faces",
    "synthetic_faces",
    "SecondFaces",
    "genki_part",
    "load_second_faces",
    "read_genki",
]


#: Side of a face image, px.
SIDE = 64
#: The zip's name, in the data folder's ``smiles/``.
ZIP_NAME = "SMILEsmileD-master.zip"
_MEMBER_RE = re.compile(r"^SMILEsmileD-master/SMILEs/(positives/positives7|negatives/negatives7)/(\d+)\.jpg$")


def smile_training_budget(kind: str | None = None) -> dict[str, int]:
    """``course_config.SMILE_TRAINING_BUDGET[kind]`` (``epochs``, ``batch_size``); ``kind`` defaults
    to the faces :func:`load_smiles` returns now (``"real"`` or ``"synthetic"``)."""
    return dict(settings().smile_training_budget[kind or smiles_kind()])


def smiles_settings() -> dict:
    """``course_config.SMILES``: the URL, the expected counts, the held-out slice, the synthetic faces."""
    return settings().smiles


@dataclass(frozen=True)
class SmilesData:
    """Face crops with where they came from.

    Attributes:
        images: (N, 64, 64) uint8 grayscale faces.
        labels: (N,) int64, 1 = smiling, 0 = not smiling.
        source: ``"data_dir"``, ``"cache"``, ``"download"`` or ``"synthetic"``.
    """

    images: np.ndarray
    labels: np.ndarray
    source: str

    @property
    def kind(self) -> str:
        """``"synthetic"`` or ``"real"``."""
        return "synthetic" if self.source == "synthetic" else "real"


# --- the embedded default: drawn faces ----------------------------------------------------------

_UP = 2  # faces are drawn at twice the size, then reduced (anti-aliasing)
_RAMP = (np.arange(SIDE, dtype=np.float32) + 0.5) / SIDE - 0.5  # -0.5 .. 0.5 across a face


def _draw_face(rng: np.random.Generator, smile: bool) -> np.ndarray:
    """One 64x64 face: head, hair, eyes, brows, nose and a mouth curved up (smile) or not."""
    c = SIDE * _UP
    u = float(_UP)
    img = np.full((c, c), rng.uniform(25, 210), np.float32)  # background
    cx = c / 2 + rng.normal(0, 2.0) * u
    cy = c / 2 + (rng.normal(0, 2.0) + 5) * u
    s = rng.uniform(0.9, 1.1) * u  # pose: scale
    ang = float(np.clip(rng.normal(0, 6), -15, 15))  # pose: roll, degrees
    fw, fh = 30 * s * rng.uniform(0.9, 1.08), 38 * s
    skin = rng.uniform(100, 215)

    def ell(center, axes, value, start=0, end=360, thickness=-1):
        cv2.ellipse(img, (int(round(center[0])), int(round(center[1]))),
                    (max(1, int(round(axes[0]))), max(1, int(round(axes[1])))), ang, start, end,
                    float(value), thickness, cv2.LINE_AA)

    ell((cx, cy - 7 * s), (fw * 1.06, fh), rng.uniform(10, 95), 180, 360)  # hair
    ell((cx, cy), (fw, fh), skin)  # head
    rot = np.deg2rad(ang)
    along = np.array([np.cos(rot), np.sin(rot)])  # the face's horizontal axis in the image
    down = np.array([-np.sin(rot), np.cos(rot)])

    def at(dx, dy):
        dx, dy = np.asarray(dx, np.float64)[..., None], np.asarray(dy, np.float64)[..., None]
        return np.array([cx, cy]) + dx * along + dy * down

    eye_dx = 11 * s * rng.uniform(0.9, 1.1)
    eye_w, eye_h = 5 * s, 2.4 * s * rng.uniform(0.7, 1.2)
    eye_v, brow_v = skin * rng.uniform(0.15, 0.4), skin * rng.uniform(0.2, 0.6)
    brow_dy = 6 * s * rng.uniform(0.8, 1.2)
    for side in (-1, 1):
        ell(at(side * eye_dx, -8 * s), (eye_w * 1.4, eye_h * 2.2), skin * 0.78)  # eye socket
        ell(at(side * eye_dx, -8 * s), (eye_w, eye_h), eye_v)
        ell(at(side * eye_dx, -8 * s - brow_dy), (eye_w * 1.3, 2 * s), brow_v, 190, 350,
            max(1, int(round(2 * s))))
    ell(at(0, 4 * s), (4 * s, 2 * s), skin * 0.62, 0, 180, max(1, int(round(1.5 * u))))  # nose
    # The mouth: y = curve * (1 - x^2) below its corners; smiles curve up (corners above the centre).
    curve = rng.uniform(0.25, 0.9) if smile else rng.uniform(-0.35, 0.18)
    mw = 9 * s * rng.uniform(0.85, 1.2)
    xs = np.linspace(-1, 1, 41)
    lower = at(xs * mw, 15 * s + curve * mw * 0.45 * (1 - xs * xs) - curve * mw * 0.2)
    lip = skin * rng.uniform(0.3, 0.6)
    if smile and rng.random() < 0.6:  # an open smile: dark mouth and a band of teeth
        upper = at(xs * mw, 15 * s - curve * mw * 0.2 + 0.1 * curve * mw * (1 - xs * xs))
        cv2.fillPoly(img, [np.concatenate([lower, upper[::-1]]).round().astype(np.int32)], float(lip * 0.6), cv2.LINE_AA)
        teeth = lower - 0.16 * curve * mw * down
        cv2.fillPoly(img, [np.concatenate([teeth, upper[::-1]]).round().astype(np.int32)],
                     float(min(250.0, skin * 1.25)), cv2.LINE_AA)
    cv2.polylines(img, [lower.round().astype(np.int32)], False, float(lip), max(1, int(round(2 * s))), cv2.LINE_AA)
    # Lighting: a linear gradient in a random direction; then reduce, blur a little, add noise.
    grad = rng.normal(0, 0.25, 2)
    img = cv2.resize(img, (SIDE, SIDE), interpolation=cv2.INTER_AREA)
    img *= 1 + grad[0] * _RAMP[None, :] + grad[1] * _RAMP[:, None]
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 1.0))
    img += rng.normal(0, rng.uniform(2, 8), img.shape).astype(np.float32)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def generate_faces(n: int, seed: int, smile_fraction: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` synthetic 64x64 faces (the embedded default of :func:`load_smiles`).

    Each face is an ellipse with hair, eyes, brows and a nose, with random pose (position, scale,
    roll), skin and background tones, a lighting gradient, blur and noise. Smiling faces (label 1)
    have a mouth curved up, often open with teeth; the others a straight or slightly down-turned
    mouth. About ``smile_fraction`` of the faces smile (SMILEsmileD: 28%).

    Args:
        n: number of faces (>= 0).
        seed: non-negative; face ``i`` draws its random numbers from ``default_rng([seed, i])``,
            so the same seed gives the same bytes and the first ``n`` faces do not depend on ``n``.
        smile_fraction: probability that a face smiles (``None``: ``SMILES["synthetic_smile_fraction"]``).

    Returns:
        images (n, 64, 64) uint8 and labels (n,) int64 (1 = smiling).
    """
    if n < 0 or seed < 0:
        raise ValueError(f"n and seed must be >= 0, got n={n}, seed={seed}")
    p = smiles_settings()["synthetic_smile_fraction"] if smile_fraction is None else smile_fraction
    images = np.empty((n, SIDE, SIDE), np.uint8)
    labels = np.empty(n, np.int64)
    for i in range(n):
        rng = np.random.default_rng([seed, i])
        labels[i] = int(rng.random() < p)
        images[i] = _draw_face(rng, bool(labels[i]))
    return images, labels


@functools.lru_cache(maxsize=4)
def _synthetic(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    images, labels = generate_faces(n, seed)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def synthetic_faces(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` drawn faces made with ``seed`` (cached; fresh writable copies), see :func:`generate_faces`."""
    images, labels = _synthetic(n, seed)
    return images.copy(), labels.copy()


# --- the zip ------------------------------------------------------------------------------------


def _count_members(path: Path) -> dict[str, int] | None:
    """``{"positives": n, "negatives": m}`` of the face images in a zip; ``None`` if unreadable."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (OSError, zipfile.BadZipFile):
        return None
    counts = {"positives": 0, "negatives": 0}
    for name in names:
        m = _MEMBER_RE.match(name)
        if m:
            counts["positives" if m.group(1).startswith("positives") else "negatives"] += 1
    return counts


def _zip_status(path: Path) -> str:
    """``"ok"`` if ``path`` is a SMILEsmileD archive with the expected counts, else why not."""
    if not path.is_file():
        return "missing"
    counts = _count_members(path)
    if counts is None:
        return "not a readable zip"
    expected = smiles_settings()["counts"]
    if counts != expected:
        return (f"has {counts['positives']} positive and {counts['negatives']} negative faces, "
                f"expected {expected['positives']} and {expected['negatives']}")
    return "ok"


@functools.lru_cache(maxsize=2)
def _read_zip(path: str, mtime_ns: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Decode every face of a zip (cached; mtime and size make a replaced file re-read).

    Returns:
        read-only (N, 64, 64) uint8 images and (N,) int64 labels, sorted by (id, label).
    """
    entries = []
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            m = _MEMBER_RE.match(name)
            if m:
                entries.append((int(m.group(2)), int(m.group(1).startswith("positives")), name))
        entries.sort()
        images = np.empty((len(entries), SIDE, SIDE), np.uint8)
        for i, (_, _, name) in enumerate(entries):
            img = cv2.imdecode(np.frombuffer(zf.read(name), np.uint8), cv2.IMREAD_GRAYSCALE)
            if img is None:
                raise ValueError(f"{path}: {name} is not a readable image")
            if img.shape != (SIDE, SIDE):
                img = cv2.resize(img, (SIDE, SIDE), interpolation=cv2.INTER_AREA)
            images[i] = img
    labels = np.array([label for _, label, _ in entries], np.int64)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def read_smiles_zip(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Every face of a SMILEsmileD zip (held-out slice included; cached per file version).

    Returns:
        read-only (N, 64, 64) uint8 images and (N,) int64 labels, sorted by (id, label).
    """
    st = path.stat()
    return _read_zip(str(path.resolve()), st.st_mtime_ns, st.st_size)


def clear_cache() -> None:
    """Forget every decoded or generated array kept in this process."""
    from cnnkit import sources

    _read_zip.cache_clear()
    _read_genki.cache_clear()
    _synthetic.cache_clear()
    sources.clear_cache()


# --- where the faces are ------------------------------------------------------------------------


def _data_dir_zip() -> Path:
    """``settings().data_dir / "smiles" / ZIP_NAME``: source 1 and the download target."""
    return settings().data_dir / "smiles" / ZIP_NAME


def _cache_zip() -> Path:
    """The kit's own download cache."""
    return default_cache_dir() / "smiles" / ZIP_NAME


class SmilesSource(DataSource):
    """Where SMILEsmileD comes from (:mod:`cnnkit.sources`)."""

    title = "SMILEsmileD"

    def candidates(self) -> list[tuple[str, Path]]:
        return [("data_dir", _data_dir_zip()), ("cache", _cache_zip())]

    def check(self, path: Path) -> str:
        return _zip_status(path)

    def url(self) -> str:
        return str(smiles_settings()["url"])

    def fetch(self) -> Path:
        return fetch_smiles()


def smiles_source() -> str:
    """The source :func:`load_smiles` would use now, without loading anything.

    Returns:
        ``"data_dir"``, ``"cache"``, ``"download"`` (would try; may still end synthetic) or
        ``"synthetic"``.
    """
    return SmilesSource().resolve().source


def smiles_kind() -> str:
    """``"real"`` or ``"synthetic"``: what :func:`load_smiles` returns now (a download counts as real)."""
    return "synthetic" if smiles_source() == "synthetic" else "real"


# --- download -----------------------------------------------------------------------------------


def _workaround(url: str, dest: Path) -> str:
    return (f"download {url} in a browser and save it, unchanged, as {dest} "
            "(or set CNNKIT_DATA_DIR to a folder holding smiles/" + ZIP_NAME + ")")


def _verify_archive(path: Path) -> None:
    """Raise ValueError unless ``path`` is SMILEsmileD (checked by content: archive bytes are not stable)."""
    status = _zip_status(path)
    if status != "ok":
        raise ValueError(f"the downloaded archive is not SMILEsmileD: {status}")


def fetch_smiles(force: bool = False) -> Path:
    """Download SMILEsmileD (GitHub's archive of the repository) to the data folder.

    Args:
        force: download even if a valid archive is already there (replaced only once verified).

    Returns:
        The path of the zip (``settings().data_dir / "smiles" / "SMILEsmileD-master.zip"``).

    Raises:
        RuntimeError: offline, or the download failed or did not verify; the message names the
            URL and the manual work-around.
    """
    dest = _data_dir_zip()
    url = smiles_settings()["url"]
    if not force and _zip_status(dest) == "ok":
        return dest
    if settings().offline:
        raise RuntimeError(f"cnnkit is offline (CNNKIT_OFFLINE / OFFLINE): not downloading SMILEsmileD; "
                           f"{_workaround(url, dest)}")
    try:
        download_verified(url, dest, desc="SMILEsmileD", verify=_verify_archive)
    except Exception as exc:  # noqa: BLE001 - any failure is reported with the work-around
        raise RuntimeError(f"could not download SMILEsmileD from {url} ({exc}); {_workaround(url, dest)}") from exc
    return dest


# --- loading ------------------------------------------------------------------------------------


def load_smiles_data(*, limit: int | None = None) -> SmilesData:
    """Load the faces from the first available source (see the module docstring).

    Args:
        limit: keep only the first ``limit`` faces (after the held-out slice is removed).

    Returns:
        :class:`SmilesData` with fresh writable arrays.
    """
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")
    source = SmilesSource()
    found = source.obtain()
    cfg = smiles_settings()
    if found.source == "synthetic":
        size = int(cfg["synthetic_sizes"]["public"])
        source.announce_synthetic(found, f"the embedded synthetic faces ({size} drawn 64x64 faces)",
                                  f"Set CNNKIT_DATA_DIR or download {cfg['url']} for the real SMILEsmileD.")
        images, labels = synthetic_faces(size, int(cfg["synthetic_seed"]))
        return SmilesData(images[:limit], labels[:limit], "synthetic")
    assert found.path is not None
    images, labels = read_smiles_zip(found.path)
    idx, _ = held_out_split(len(labels), float(cfg["hidden_fraction"]), int(cfg["hidden_slice_seed"]))
    idx = idx[:limit]
    return SmilesData(images[idx], labels[idx], found.source)


def load_smiles(*, limit: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """SMILEsmileD faces (or the embedded synthetic faces), see :func:`load_smiles_data`.

    Returns:
        images (N, 64, 64) uint8 grayscale, labels (N,) int64 with 1 = smiling; a fixed order.
    """
    data = load_smiles_data(limit=limit)
    return data.images, data.labels


def split_faces(images: np.ndarray, labels: np.ndarray, test_fraction: float = 0.2, seed: int = 0
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A stratified random split: the same fraction of each class goes to the test set.

    Returns:
        x_train, y_train, x_test, y_test (each class in the test set by ``round(test_fraction * n_class)``).
    """
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    test = np.zeros(len(labels), bool)
    for cls in np.unique(labels):
        idx = np.flatnonzero(labels == cls)
        test[rng.permutation(idx)[: int(round(test_fraction * len(idx)))]] = True
    return images[~test], labels[~test], images[test], labels[test]


# --- the selfie app's frames ----------------------------------------------------------------------


def make_selfie_frames(faces: np.ndarray, *, size: tuple[int, int] = (240, 320), face_px: int = 120,
                       seed: int = 0, empty: np.ndarray | None = None, with_boxes: bool = False
                       ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Turn a sequence of face crops into camera-like frames, for the selfie app's demo.

    Each face is enlarged to ``face_px`` pixels and placed near the middle of a frame with a
    background of soft gradients, moving a little from frame to frame (a hand-held phone), with
    sensor noise. Frames where ``empty[i]`` is true show the background alone (nobody in view).

    Args:
        faces: (T, 64, 64) uint8 face crops, one per frame.
        size: (height, width) of a frame, px.
        face_px: side of the face in the frame, px.
        seed: seed of the background, the motion and the noise.
        empty: (T,) bool, frames without a face (default: none).
        with_boxes: also return where each face is.

    Returns:
        (T, height, width, 3) uint8 BGR frames (OpenCV's colour order, as a webcam gives them);
        with ``with_boxes``, also (T, 4) int64 boxes ``(x, y, w, h)`` of the face crops in the
        frames (``-1`` rows for empty frames).
    """
    faces = np.asarray(faces)
    t_count = len(faces)
    h, w = size
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    background = 90 + 50 * np.sin(xx / w * 3.0 + rng.uniform(0, 6)) + 30 * np.cos(yy / h * 2.0 + rng.uniform(0, 6))
    tint = rng.uniform(0.85, 1.15, 3)
    empty = np.zeros(t_count, bool) if empty is None else np.asarray(empty, bool)
    walk = np.cumsum(rng.normal(0, 1.5, (t_count, 2)), axis=0)
    pad = face_px // 5
    side = face_px + 2 * pad
    if side > min(h, w):
        raise ValueError(f"a face of {face_px} px (with its margin, {side} px) does not fit a {h}x{w} frame")
    dist = np.minimum(np.arange(side), np.arange(side)[::-1]).astype(np.float32)
    edge = np.minimum.outer(dist, dist)  # px from the nearest border of the head region
    alpha = np.clip(edge / pad, 0, 1) ** 1.5
    ring = edge < pad
    frames = np.empty((t_count, h, w, 3), np.uint8)
    boxes = np.full((t_count, 4), -1, np.int64)
    for i in range(t_count):
        gray = background.copy()
        if not empty[i]:
            face = cv2.resize(faces[i], (face_px, face_px), interpolation=cv2.INTER_CUBIC).astype(np.float32)
            # a head around the tight crop: its border pixels stretched outwards and blurred,
            # fading into the background
            pad = face_px // 5
            head = cv2.copyMakeBorder(face, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
            head = np.where(ring, cv2.GaussianBlur(head, (0, 0), pad / 3), head)
            side = face_px + 2 * pad
            top = int(np.clip(h / 2 - side / 2 + walk[i, 1], 0, h - side))
            left = int(np.clip(w / 2 - side / 2 + walk[i, 0], 0, w - side))
            region = gray[top:top + side, left:left + side]
            gray[top:top + side, left:left + side] = alpha * head + (1 - alpha) * region
            boxes[i] = (left + pad, top + pad, face_px, face_px)
        gray += rng.normal(0, 3, gray.shape).astype(np.float32)
        frames[i] = np.clip(gray[..., None] * tint, 0, 255).astype(np.uint8)
    return (frames, boxes) if with_boxes else frames


# --- a second data set: GENKI-4K, or drawn faces from another camera -------------------------------

#: GENKI-4K's folder in the data folder's ``smiles/``: ``0/`` (not smiling) and ``1/`` (smiling).
GENKI_FOLDER = "genki4k"
#: Where GENKI-4K comes from: the GENKI-4K subset of "The MPLab GENKI Database" (Machine Perception
#: Laboratory, UC San Diego; for research and teaching), as its citation names it.
GENKI_URL = "http://mplab.ucsd.edu"


@dataclass(frozen=True)
class SecondFaces:
    """One part of the second face data set, for evaluation across data sets.

    Attributes:
        images: (N, 64, 64) uint8 grayscale faces (GENKI-4K's photos reduced to gray, resized).
        labels: (N,) int64, 1 = smiling.
        name: ``"GENKI-4K"`` or ``"drawn faces, second camera"``.
        kind: ``"real"`` or ``"synthetic"``.
    """

    images: np.ndarray
    labels: np.ndarray
    name: str
    kind: str


def genki_part(file_name: str, shares: dict[str, float] | None = None) -> str:
    """The part a GENKI-4K photo belongs to, decided by a hash of its file name alone.

    ``SMILES["genki_parts"]`` gives the shares (train, val, test); the first 8 hex digits of the
    SHA-256 of the name, modulo 100, pick the part: the same name always lands in the same part,
    whatever else the folder holds. The test part is the autograder's: :func:`load_second_faces`
    never returns it.

    Args:
        file_name: the photo's file name (without folders), e.g. ``"file0001.jpg"``.
        shares: ``{"train": ..., "val": ..., "test": ...}`` (default: ``SMILES["genki_parts"]``).

    Returns:
        ``"train"``, ``"val"`` or ``"test"``.
    """
    shares = shares or smiles_settings()["genki_parts"]
    bucket = int(hashlib.sha256(file_name.encode()).hexdigest()[:8], 16) % 100
    train, val = round(100 * shares["train"]), round(100 * shares["val"])
    return "train" if bucket < train else "val" if bucket < train + val else "test"


def genki_folder() -> Path | None:
    """``settings().data_dir / "smiles" / "genki4k"`` if it holds GENKI-4K's ``0/`` and ``1/``, else
    ``None`` (GENKI-4K is never downloaded: see :data:`GENKI_URL`)."""
    folder = settings().data_dir / "smiles" / GENKI_FOLDER
    if settings().data_source == "synthetic" or not all((folder / c).is_dir() for c in ("0", "1")):
        return None
    return folder


@functools.lru_cache(maxsize=2)
def _read_genki(folder: str, mtime_ns: int) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    paths = sorted((p for c in ("0", "1") for p in (Path(folder) / c).glob("*.jpg")), key=lambda p: (p.name, p.parent.name))
    images = np.empty((len(paths), SIDE, SIDE), np.uint8)
    for i, path in enumerate(paths):
        img = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if img is None:
            raise ValueError(f"{path} is not a readable image: replace or remove it")
        images[i] = img if img.shape == (SIDE, SIDE) else cv2.resize(img, (SIDE, SIDE), interpolation=cv2.INTER_AREA)
    labels = np.array([int(p.parent.name) for p in paths], np.int64)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels, tuple(p.name for p in paths)


def read_genki(folder: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every photo of a GENKI-4K folder (all parts; cached per folder version).

    Returns:
        read-only (N, 64, 64) uint8 gray faces, (N,) int64 labels (the sub-folder), and (N,) str
        parts (:func:`genki_part`), sorted by file name.
    """
    mtime = max(folder.stat().st_mtime_ns, *((folder / c).stat().st_mtime_ns for c in ("0", "1")))
    images, labels, names = _read_genki(str(folder.resolve()), mtime)
    shares = smiles_settings()["genki_parts"]
    return images, labels, np.array([genki_part(n, shares) for n in names])


def _second_camera(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A drawn face as another camera sees it: warmer exposure (gamma), less contrast, softer focus,
    more sensor noise."""
    img = image.astype(np.float32) / 255
    img = img ** rng.uniform(0.55, 0.8)
    img = 0.5 + (img - 0.5) * rng.uniform(0.6, 0.8)
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.8, 1.4))
    img += rng.normal(0, rng.uniform(0.02, 0.05), img.shape).astype(np.float32)
    return np.clip(np.rint(img * 255), 0, 255).astype(np.uint8)


def second_camera_faces(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` drawn faces with GENKI-4K's share of smiles (``SMILES["second_smile_fraction"]``), seen
    by another camera (:func:`_second_camera`): the second data set of the embedded default.

    Returns:
        images (n, 64, 64) uint8 and labels (n,) int64 (1 = smiling).
    """
    images, labels = generate_faces(n, seed, smile_fraction=smiles_settings()["second_smile_fraction"])
    for i in range(n):
        images[i] = _second_camera(images[i], np.random.default_rng([seed, i, 2]))
    return images, labels


def load_second_faces() -> tuple[SecondFaces, SecondFaces]:
    """The second face data set's training and validation parts, to measure and train a smile
    detector on faces from another camera.

    GENKI-4K (``<data folder>/smiles/genki4k/{0,1}/*.jpg``) when it is there, split by
    :func:`genki_part`; otherwise drawn faces of a second camera (:func:`second_camera_faces`,
    ``SMILES["second_sizes"]["train"]`` and ``["val"]`` of them, one seed per part), announced by
    one line. The test part is kept for the autograder.

    Returns:
        (train, val) :class:`SecondFaces`.
    """
    folder = genki_folder()
    if folder is not None:
        images, labels, parts = read_genki(folder)
        train, val = (SecondFaces(images[parts == p], labels[parts == p], "GENKI-4K", "real") for p in ("train", "val"))
        return train, val
    cfg = smiles_settings()
    print(f"GENKI-4K is not in {settings().data_dir / 'smiles' / GENKI_FOLDER}: the second data set is "
          f"drawn faces seen by another camera (get GENKI-4K from {GENKI_URL}).")
    seed = int(cfg["synthetic_seed"])
    train, val = (SecondFaces(*second_camera_faces(int(cfg["second_sizes"][p]), seed + k), "drawn faces, second camera",
                              "synthetic") for k, p in ((1, "train"), (2, "val")))
    return train, val
