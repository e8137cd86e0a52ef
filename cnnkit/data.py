"""EMNIST for the course: find it, download it, read it, hide the autograder's slice.

Where the images come from is the rule of :mod:`cnnkit.sources` (first match wins):

1. ``data_dir`` -- ``settings().data_dir / "emnist" / "emnist.zip"`` (``CNNKIT_DATA_DIR``
   overrides; default ``~/.cache/cnnkit``), if that zip holds the requested split;
2. ``emnist_cache`` -- the ``emnist`` package's cache ``~/.cache/emnist/emnist.zip``, same test;
3. ``download`` -- NIST's ``gzip.zip`` (about 560 MB, ``settings().emnist_urls``) downloaded into
   the path of 1.;
4. ``synthetic`` -- the embedded default of :mod:`cnnkit.synthetic`, announced by one line.

All zips have NIST's layout: ``gzip/emnist-<split>-{train,test}-{images-idx3,labels-idx1}-ubyte.gz``
and ``gzip/emnist-<split>-mapping.txt`` (lines ``label ascii_code``). NIST stores the images
transposed; everything returned here is upright (row 0 = top).

The held-out slice: of every *real* test split, the fraction ``settings().hidden_fraction``
chosen by :func:`cnnkit.sources.held_out_split` with ``settings().hidden_slice_seed`` is kept
for the autograder: ``load_emnist(usage="test")`` never returns it. Train data is never touched.
Synthetic data needs no slice: the public test set is made with ``settings().synthetic_seeds["test"]``,
the autograder's with a seed that only the course repository holds.
"""

from __future__ import annotations

import functools
import gzip
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from cnnkit.config import settings
from cnnkit.sources import DataSource, Resolution, download_verified, held_out_split
from cnnkit.synthetic import EMNIST_BALANCED_MAPPING, generate_emnist_like

__all__ = [
    "EMNIST_BALANCED_MAPPING",
    "EmnistData",
    "clear_cache",
    "data_info",
    "emnist_source",
    "EmnistSource",
    "fetch_emnist",
    "load_emnist",
    "load_emnist_data",
    "read_emnist_zip",
    "read_idx",
    "synthetic_images",
    "synthetic_mapping",
]


USAGES = ("train", "test")
#: Path of an EMNIST member inside NIST's zip.
ZIP_MEMBER = "gzip/emnist-{split}-{usage}-{kind}-ubyte.gz"
ZIP_MAPPING = "gzip/emnist-{split}-mapping.txt"
_SPLIT_RE = re.compile(r"gzip/emnist-(.+)-test-images-idx3-ubyte\.gz$")
#: Where the ``emnist`` package caches NIST's zip (its ``CACHE_FILE_PATH``).
_EMNIST_PACKAGE_CACHE = "~/.cache/emnist/emnist.zip"

#: Character sets of the splits the synthetic default can stand in for.
_SYNTHETIC_MAPPINGS: dict[str, list[str]] = {
    "balanced": EMNIST_BALANCED_MAPPING,
    "bymerge": EMNIST_BALANCED_MAPPING,
    "byclass": list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
    "digits": list("0123456789"),
    "mnist": list("0123456789"),
}

# IDX type codes -> big-endian NumPy dtypes.
_IDX_DTYPES: dict[int, str] = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

SOURCES = ("data_dir", "emnist_cache", "download", "synthetic")

@dataclass(frozen=True)
class EmnistData:
    """EMNIST images with where they came from.

    Attributes:
        images: (N, 28, 28) uint8, upright, white ink on black (0..255).
        labels: (N,) int64, indices into ``mapping``.
        mapping: label -> character (``mapping[label]``).
        source: ``"data_dir"``, ``"emnist_cache"``, ``"download"`` or ``"synthetic"``.
        split: the EMNIST split (``"balanced"``, ``"bymerge"``, ...).
    """

    images: np.ndarray
    labels: np.ndarray
    mapping: list[str]
    source: str
    split: str


# --- IDX files ----------------------------------------------------------------------------------


def read_idx(fileobj: IO[bytes]) -> np.ndarray:
    """Parse one IDX file (the format of MNIST/EMNIST), already decompressed.

    Args:
        fileobj: binary file object positioned at the start of the IDX data (e.g. from
            ``gzip.open``).

    Returns:
        Array in native byte order with the file's shape, e.g. (N, 28, 28) uint8 images or (N,)
        uint8 labels (NIST's storage, i.e. images transposed).

    Raises:
        ValueError: bad magic number, unknown type code, or too few bytes for the header's shape.
    """
    header = fileobj.read(4)
    if len(header) != 4 or header[0] != 0 or header[1] != 0 or header[2] not in _IDX_DTYPES:
        raise ValueError(f"not an IDX file: bad magic number {header.hex() or '(empty)'}")
    dtype = np.dtype(_IDX_DTYPES[header[2]])
    ndim = header[3]
    dims_raw = fileobj.read(4 * ndim)
    if len(dims_raw) != 4 * ndim:
        raise ValueError("truncated IDX file: incomplete header")
    shape = tuple(int(d) for d in np.frombuffer(dims_raw, ">u4"))
    count = int(np.prod(shape, dtype=np.int64))
    data = fileobj.read(count * dtype.itemsize)
    if len(data) != count * dtype.itemsize:
        raise ValueError(f"truncated IDX file: expected {count} items of shape {shape}")
    return np.frombuffer(data, dtype).astype(dtype.newbyteorder("="), copy=True).reshape(shape)


def _parse_mapping(text: str) -> list[str]:
    """Lines ``label ascii_code [more codes]`` -> list with ``mapping[label] = chr(code)``."""
    pairs = [line.split() for line in text.splitlines() if line.strip()]
    table = {int(p[0]): chr(int(p[1])) for p in pairs}
    return [table.get(i, "") for i in range(max(table) + 1)] if table else []


# --- zips ---------------------------------------------------------------------------------------


def _zip_splits(path: Path) -> set[str] | None:
    """The EMNIST splits in a NIST-layout zip (test images present); ``None`` if unreadable."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (OSError, zipfile.BadZipFile):
        return None
    splits = {m.group(1) for n in names if (m := _SPLIT_RE.match(n))}
    return {s for s in splits if _members(s) <= names}


def _members(split: str) -> set[str]:
    files = {
        ZIP_MEMBER.format(split=split, usage=u, kind=k)
        for u in USAGES
        for k in ("images-idx3", "labels-idx1")
    }
    return files | {ZIP_MAPPING.format(split=split)}


@functools.lru_cache(maxsize=8)
def _read_zip(path: str, mtime_ns: int, size: int, split: str, usage: str) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Parse one split/usage of a zip (cached; mtime and size make a replaced file re-read).

    Returns:
        read-only upright (N, 28, 28) uint8 images, read-only (N,) int64 labels, mapping.
    """
    with zipfile.ZipFile(path) as zf:
        with zf.open(ZIP_MEMBER.format(split=split, usage=usage, kind="images-idx3")) as raw:
            images = read_idx(gzip.GzipFile(fileobj=raw))
        with zf.open(ZIP_MEMBER.format(split=split, usage=usage, kind="labels-idx1")) as raw:
            labels = read_idx(gzip.GzipFile(fileobj=raw))
        mapping = _parse_mapping(zf.read(ZIP_MAPPING.format(split=split)).decode("ascii"))
    if images.ndim != 3 or images.dtype != np.uint8 or len(images) != len(labels):
        raise ValueError(f"{path}: {split}/{usage} has images {images.shape} {images.dtype}, labels {labels.shape}")
    images = np.ascontiguousarray(images.transpose(0, 2, 1))  # NIST stores each image transposed
    labels = labels.astype(np.int64)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels, tuple(mapping)


def read_emnist_zip(path: Path, split: str, usage: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Every image of one split and usage of a NIST-layout zip (held-out slice included).

    Returns:
        read-only upright (N, 28, 28) uint8 images, read-only (N,) int64 labels, the mapping.
    """
    st = path.stat()
    images, labels, mapping = _read_zip(str(path.resolve()), st.st_mtime_ns, st.st_size, split, usage)
    return images, labels, list(mapping)


@functools.lru_cache(maxsize=8)
def _synthetic(n: int, seed: int, mapping: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    images, labels = generate_emnist_like(n, seed, list(mapping))
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def clear_cache() -> None:
    """Forget every parsed or generated array kept in this process."""
    from cnnkit import sources

    _read_zip.cache_clear()
    _synthetic.cache_clear()
    sources.clear_cache()


# --- where the data is --------------------------------------------------------------------------


def _data_dir_zip() -> Path:
    """``settings().data_dir / "emnist" / "emnist.zip"``: source 1 and the download target."""
    return settings().data_dir / "emnist" / "emnist.zip"


def _emnist_cache_zip() -> Path:
    """The ``emnist`` package's cache file, user-expanded."""
    try:
        import emnist

        raw = str(getattr(emnist, "CACHE_FILE_PATH", _EMNIST_PACKAGE_CACHE))
    except Exception:  # the package is optional: its path is a constant  # noqa: BLE001
        raw = _EMNIST_PACKAGE_CACHE
    return Path(os.path.expanduser(raw))


def _local_status(path: Path, split: str) -> str:
    """``"ok"`` if ``path`` holds ``split``, else why not (for the announcement)."""
    if not path.is_file():
        return "missing"
    splits = _zip_splits(path)
    if splits is None:
        return "not a readable zip"
    if split not in splits:
        return f"no '{split}' split; has {', '.join(sorted(splits)) or 'none'}"
    return "ok"


class EmnistSource(DataSource):
    """Where EMNIST's ``split`` comes from (:mod:`cnnkit.sources`)."""

    def __init__(self, split: str) -> None:
        self.split = split
        self.title = f"EMNIST '{split}'"

    def candidates(self) -> list[tuple[str, Path]]:
        return [("data_dir", _data_dir_zip()), ("emnist_cache", _emnist_cache_zip())]

    def check(self, path: Path) -> str:
        return _local_status(path, self.split)

    def url(self) -> str:
        return settings().emnist_urls[0]

    def fetch(self) -> Path:
        return fetch_emnist()


def _check_split_usage(split: str | None, usage: str) -> str:
    if usage not in USAGES:
        raise ValueError(f"usage must be one of {USAGES}, got {usage!r}")
    return split or settings().emnist_split


def emnist_source(split: str | None = None) -> str:
    """The source :func:`load_emnist` would use now, without loading anything.

    Returns:
        ``"data_dir"``, ``"emnist_cache"``, ``"download"`` (would try; may still end synthetic)
        or ``"synthetic"``.
    """
    return EmnistSource(_check_split_usage(split, "train")).resolve().source


# --- download -----------------------------------------------------------------------------------


def _workaround(url: str, dest: Path) -> str:
    return f"download gzip.zip from {url} and save it as {dest}, or set CNNKIT_DATA_DIR"


def _verify_zip(path: Path) -> None:
    """Raise ValueError unless ``path`` is an intact zip holding EMNIST test images."""
    try:
        with zipfile.ZipFile(path) as zf:
            if not any(_SPLIT_RE.match(n) for n in zf.namelist()):
                raise ValueError("the zip holds no gzip/emnist-*-test-images-idx3-ubyte.gz")
            bad = zf.testzip()
            if bad is not None:
                raise ValueError(f"corrupt member {bad}")
    except zipfile.BadZipFile as exc:
        raise ValueError(f"not a zip file ({exc})") from exc


def fetch_emnist(force: bool = False) -> Path:
    """Download NIST's EMNIST zip (about 560 MB) into ``settings().data_dir/emnist/emnist.zip``.

    Args:
        force: download even if a valid zip is already there (replaced only once verified).

    Returns:
        The path of the zip.

    Raises:
        RuntimeError: offline, or every URL failed; the message names the URL and the manual
            work-around.
    """
    dest = _data_dir_zip()
    urls = settings().emnist_urls
    if not force and dest.is_file() and _zip_splits(dest):
        return dest
    if settings().offline:
        raise RuntimeError(
            f"cnnkit is offline (CNNKIT_OFFLINE / OFFLINE): not downloading EMNIST; "
            f"{_workaround(urls[0], dest)}"
        )
    errors = []
    for url in urls:
        try:
            download_verified(url, dest, desc="EMNIST", verify=_verify_zip)
            return dest
        except Exception as exc:  # noqa: BLE001 - any failure: try the next URL, then report
            errors.append(f"{url}: {exc}")
    raise RuntimeError(
        f"could not download EMNIST ({'; '.join(errors)}); {_workaround(urls[0], dest)}"
    )


# --- loading ------------------------------------------------------------------------------------


def synthetic_mapping(split: str) -> list[str]:
    """The characters the synthetic default draws for ``split`` (raises ValueError for others)."""
    try:
        return _SYNTHETIC_MAPPINGS[split]
    except KeyError:
        raise ValueError(
            f"EMNIST split {split!r} is not available and the synthetic default only stands in "
            f"for {sorted(_SYNTHETIC_MAPPINGS)}"
        ) from None


def load_emnist_data(split: str | None = None, usage: str = "train", *, limit: int | None = None) -> EmnistData:
    """Load EMNIST from the first available source (see the module docstring).

    Args:
        split: EMNIST split; ``None`` means ``settings().emnist_split``.
        usage: ``"train"`` or ``"test"`` (real test data: without the held-out slice).
        limit: keep only the first ``limit`` items (after the held-out slice is removed).

    Returns:
        :class:`EmnistData`; its arrays are fresh writable copies.
    """
    split = _check_split_usage(split, usage)
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")
    source = EmnistSource(split)
    found = source.obtain()
    if found.source == "synthetic":
        return _synthetic_data(source, found, usage, limit)
    assert found.path is not None
    images, labels, mapping = read_emnist_zip(found.path, split, usage)
    if usage == "test":
        cfg = settings()
        public, _ = held_out_split(len(labels), cfg.hidden_fraction, cfg.hidden_slice_seed)
        idx = public if limit is None else public[:limit]
        images, labels = images[idx], labels[idx]
    else:
        images, labels = images[:limit].copy(), labels[:limit].copy()
    return EmnistData(images, labels, mapping, found.source, split)


def _synthetic_data(source: EmnistSource, found: Resolution, usage: str, limit: int | None) -> EmnistData:
    """The embedded default for ``usage``, announced (see :meth:`DataSource.announce_synthetic`)."""
    mapping = synthetic_mapping(source.split)
    size = settings().synthetic_sizes[usage]
    source.announce_synthetic(
        found, f"the embedded synthetic EMNIST-like default ({size} {usage} images, {len(mapping)} classes)",
        "Run 'cnnkit data fetch' or set CNNKIT_DATA_DIR for the real data.")
    n = size if limit is None else min(limit, size)
    images, labels = synthetic_images(n, settings().synthetic_seeds[usage], mapping)
    return EmnistData(images, labels, list(mapping), "synthetic", source.split)


def synthetic_images(n: int, seed: int, mapping: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """``n`` synthetic characters of ``mapping`` made with ``seed`` (cached; fresh writable copies).

    Returns:
        images (n, 28, 28) uint8, labels (n,) int64.
    """
    images, labels = _synthetic(n, seed, tuple(mapping))
    return images.copy(), labels.copy()


def load_emnist(split: str | None = None, usage: str = "train", *,
                limit: int | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Like :func:`load_emnist_data`, as a tuple.

    Returns:
        images (N, 28, 28) uint8 upright, labels (N,) int64, mapping (label -> character).
    """
    data = load_emnist_data(split, usage, limit=limit)
    return data.images, data.labels, data.mapping


def data_info() -> list[dict]:
    """One row per course data set: what is there and what would be used.

    Returns:
        Dicts with ``name`` (``"emnist"``, ``"smiles"``, ``"handwriting"``), ``source``
        (for EMNIST: :func:`emnist_source`; else ``"data_dir"`` or ``"missing"``), ``path`` (str:
        the file used, or where it is expected), ``present`` (real data found locally) and
        ``detail`` (one line for people).
    """
    cfg = settings()
    split = cfg.emnist_split
    found = EmnistSource(split).resolve()
    real = found.source in ("data_dir", "emnist_cache")
    rows: list[dict] = [
        {
            "name": "emnist",
            "source": found.source,
            "path": str(found.path if real else _data_dir_zip()),
            "present": real,
            "detail": f"split '{split}'" + ("" if real else f"; {'; '.join(found.notes)}"),
        }
    ]
    smiles = cfg.data_dir / "smiles" / "SMILEsmileD-master.zip"
    hw_dir = cfg.data_dir / "handwriting"
    hw_files = sorted(hw_dir.glob("*.png")) if hw_dir.is_dir() else []
    rows.append(
        {
            "name": "smiles",
            "source": "data_dir" if smiles.is_file() else "missing",
            "path": str(smiles),
            "present": smiles.is_file(),
            "detail": "SMILEsmileD face crops" if smiles.is_file() else "not found",
        }
    )
    rows.append(
        {
            "name": "handwriting",
            "source": "data_dir" if hw_files else "missing",
            "path": str(hw_dir),
            "present": bool(hw_files),
            "detail": f"{len(hw_files)} png files" if hw_files else "not found",
        }
    )
    return rows
