"""Tests of cnnkit.data (EMNIST sources, download, hidden slice) and cnnkit.synthetic.

Everything runs in a temporary HOME / cache / data folder, offline unless a test says otherwise.
The real-data part runs where ``../shared/data`` (or ``CNNKIT_REAL_DATA_DIR``) exists.
"""

from __future__ import annotations

import dataclasses
import gzip
import io
import logging
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

from cnnkit import data, sources
from cnnkit.data import EMNIST_BALANCED_MAPPING
from cnnkit.synthetic import BLOCK, generate_emnist_like
from cnnkit_course.hidden_data import load_hidden_emnist

REPO = Path(__file__).resolve().parents[1]
REAL_DIR = Path(os.environ.get("CNNKIT_REAL_DATA_DIR") or REPO.parent / "shared" / "data")
REAL_ZIP = REAL_DIR / "emnist" / "emnist.zip"


# --- helpers ------------------------------------------------------------------------------------


def idx_bytes(arr: np.ndarray) -> bytes:
    """IDX encoding of a uint8 or int32 array."""
    code = {np.dtype(np.uint8): 0x08, np.dtype(np.int32): 0x0C}[arr.dtype]
    header = bytes([0, 0, code, arr.ndim]) + np.asarray(arr.shape, ">u4").tobytes()
    return header + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


def write_nist_zip(path: Path, split: str, parts: dict[str, tuple[np.ndarray, np.ndarray]], mapping: list[str]) -> Path:
    """A zip with NIST's layout; ``parts[usage] = (upright images, labels)`` (stored transposed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        for usage, (images, labels) in parts.items():
            stored = np.ascontiguousarray(images.transpose(0, 2, 1))  # as NIST stores them
            zf.writestr(f"gzip/emnist-{split}-{usage}-images-idx3-ubyte.gz", gzip.compress(idx_bytes(stored)))
            zf.writestr(
                f"gzip/emnist-{split}-{usage}-labels-idx1-ubyte.gz",
                gzip.compress(idx_bytes(labels.astype(np.uint8))),
            )
        zf.writestr(
            f"gzip/emnist-{split}-mapping.txt",
            "".join(f"{i} {ord(c)}\n" for i, c in enumerate(mapping)),
        )
    return path


@pytest.fixture(scope="module")
def fake_parts() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Synthetic upright images: 300 train, 200 test."""
    return {"train": generate_emnist_like(300, 11), "test": generate_emnist_like(200, 12)}


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Fresh HOME, caches and data folder; offline; split balanced; course root = this repo."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("CNNKIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CNNKIT_OFFLINE", "1")
    monkeypatch.setenv("CNNKIT_EMNIST_SPLIT", "balanced")
    monkeypatch.setenv("CNNKIT_COURSE_ROOT", str(REPO))
    data.clear_cache()
    yield tmp_path
    data.clear_cache()


def data_zip(tmp_path: Path) -> Path:
    return tmp_path / "data" / "emnist" / "emnist.zip"


def emnist_cache_zip(tmp_path: Path) -> Path:
    return tmp_path / "home" / ".cache" / "emnist" / "emnist.zip"


def with_urls(monkeypatch: pytest.MonkeyPatch, *urls: str) -> None:
    """Make cnnkit.data see these EMNIST URLs and be online."""
    monkeypatch.setenv("CNNKIT_OFFLINE", "0")
    real = data.settings
    monkeypatch.setattr(data, "settings", lambda: dataclasses.replace(real(), emnist_urls=urls))


def assert_upright(images: np.ndarray, labels: np.ndarray, mapping: list[str]) -> None:
    """Orientation from mean images: '1' is a vertical bar, '7' has its ink on top, 'L' its foot at the bottom."""

    def mean(ch: str) -> np.ndarray:
        sel = labels == mapping.index(ch)
        assert sel.sum() >= 10, f"too few '{ch}'"
        return images[sel].astype(np.float64).mean(0)

    one, seven, ell = mean("1"), mean("7"), mean("L")
    assert one.sum(0).std() > 1.5 * one.sum(1).std(), "'1' is not a vertical stroke"
    assert seven[3:9].sum() > 1.5 * seven[:, 3:9].sum(), "'7' has its bar at the left, not at the top"
    assert seven[3:9].sum() > seven[19:25].sum(), "'7' has more ink at the bottom than at the top"
    assert ell[19:25].sum() > ell[3:9].sum(), "'L' has its foot at the top"


# --- IDX ----------------------------------------------------------------------------------------


def test_read_idx_uint8_and_int32() -> None:
    images = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    out = data.read_idx(io.BytesIO(idx_bytes(images)))
    assert out.dtype == np.uint8 and out.shape == (2, 3, 4)
    np.testing.assert_array_equal(out, images)
    labels = np.array([0, 7, 46, 70000, -3], np.int32)
    out = data.read_idx(io.BytesIO(idx_bytes(labels)))
    assert out.dtype == np.int32 and out.dtype.isnative
    np.testing.assert_array_equal(out, labels)


def test_read_idx_errors() -> None:
    with pytest.raises(ValueError, match="magic"):
        data.read_idx(io.BytesIO(b"\x12\x34\x08\x01\x00\x00\x00\x01\x00"))
    with pytest.raises(ValueError, match="magic"):
        data.read_idx(io.BytesIO(b""))
    with pytest.raises(ValueError, match="truncated"):
        data.read_idx(io.BytesIO(idx_bytes(np.zeros((4, 5), np.uint8))[:-3]))


# --- loading a NIST-layout zip ------------------------------------------------------------------


def test_zip_loads_upright(isolated: Path, fake_parts) -> None:
    write_nist_zip(data_zip(isolated), "balanced", fake_parts, EMNIST_BALANCED_MAPPING)
    d = data.load_emnist_data(usage="train")
    assert (d.source, d.split) == ("data_dir", "balanced")
    assert d.images.dtype == np.uint8 and d.labels.dtype == np.int64
    np.testing.assert_array_equal(d.images, fake_parts["train"][0])  # transposed back
    np.testing.assert_array_equal(d.labels, fake_parts["train"][1])
    assert d.mapping == EMNIST_BALANCED_MAPPING
    # copies: changing what we got does not change the next call
    d.images[:] = 0
    images, labels, mapping = data.load_emnist("balanced", "train", limit=5)
    np.testing.assert_array_equal(images, fake_parts["train"][0][:5])
    np.testing.assert_array_equal(labels, fake_parts["train"][1][:5])
    with pytest.raises(ValueError, match="usage"):
        data.load_emnist(usage="validation")


def test_synthetic_glyphs_are_upright() -> None:
    images, labels = generate_emnist_like(3 * BLOCK, 4)
    assert_upright(images, labels, EMNIST_BALANCED_MAPPING)
    with pytest.raises(AssertionError, match="not at the top|not a vertical stroke|foot at the top"):  # sees a transposition
        assert_upright(images.transpose(0, 2, 1), labels, EMNIST_BALANCED_MAPPING)


# --- sources ------------------------------------------------------------------------------------


def test_source_order(isolated: Path, fake_parts, capsys: pytest.CaptureFixture[str]) -> None:
    write_nist_zip(data_zip(isolated), "balanced", fake_parts, EMNIST_BALANCED_MAPPING)
    write_nist_zip(emnist_cache_zip(isolated), "balanced", {"train": (fake_parts["train"][0][:50], fake_parts["train"][1][:50]), "test": fake_parts["test"]}, EMNIST_BALANCED_MAPPING)
    assert data.emnist_source() == "data_dir"
    assert len(data.load_emnist()[0]) == 300

    data_zip(isolated).unlink()
    assert data.emnist_source() == "emnist_cache"
    d = data.load_emnist_data()
    assert d.source == "emnist_cache" and len(d.images) == 50

    emnist_cache_zip(isolated).unlink()
    capsys.readouterr()
    assert data.emnist_source() == "synthetic"
    d = data.load_emnist_data(limit=100)
    out, err = capsys.readouterr()
    assert d.source == "synthetic" and d.images.shape == (100, 28, 28) and d.mapping == EMNIST_BALANCED_MAPPING
    lines = out.strip().splitlines()
    assert len(lines) == 1 and "embedded synthetic EMNIST-like default" in lines[0]
    assert "20000 train images, 47 classes" in lines[0] and "cnnkit data fetch" in lines[0]
    assert str(data_zip(isolated)) in lines[0]
    assert err == ""
    data.load_emnist(limit=10)  # announced every time
    assert "embedded synthetic" in capsys.readouterr().out


def test_split_missing_falls_through(isolated: Path, monkeypatch, fake_parts, capsys) -> None:
    write_nist_zip(data_zip(isolated), "bymerge", fake_parts, EMNIST_BALANCED_MAPPING)
    assert data.emnist_source() == "synthetic"  # config split is balanced
    d = data.load_emnist_data(usage="test", limit=20)
    assert d.source == "synthetic"
    assert "no 'balanced' split; has bymerge" in capsys.readouterr().out
    write_nist_zip(emnist_cache_zip(isolated), "balanced", fake_parts, EMNIST_BALANCED_MAPPING)
    assert data.emnist_source() == "emnist_cache"
    monkeypatch.setenv("CNNKIT_EMNIST_SPLIT", "bymerge")
    assert data.emnist_source() == "data_dir"
    assert data.load_emnist_data().split == "bymerge"


def test_data_info(isolated: Path, fake_parts) -> None:
    rows = {r["name"]: r for r in data.data_info()}
    assert set(rows) == {"emnist", "smiles", "handwriting"}
    assert rows["emnist"]["source"] == "synthetic" and not rows["emnist"]["present"]
    assert not rows["smiles"]["present"] and not rows["handwriting"]["present"]
    write_nist_zip(data_zip(isolated), "balanced", fake_parts, EMNIST_BALANCED_MAPPING)
    row = data.data_info()[0]
    assert row["present"] and row["source"] == "data_dir" and row["path"] == str(data_zip(isolated))


# --- held-out slice (the autograder's, loaded by the course tooling) -------------------------------------------------------------------------------


def test_hidden_slice_real_source(isolated: Path, fake_parts) -> None:
    write_nist_zip(data_zip(isolated), "balanced", fake_parts, EMNIST_BALANCED_MAPPING)
    full, full_labels, _ = data.read_emnist_zip(data_zip(isolated), "balanced", "test")
    public, public_labels, _ = data.load_emnist(usage="test")
    hidden = load_hidden_emnist()
    assert len(full) == 200 and len(public) == 180 and len(hidden.images) == 20  # fraction 0.1
    assert hidden.source == "data_dir"
    rows = lambda a: {x.tobytes() for x in a}  # noqa: E731 - the synthetic images are unique
    assert len(rows(full)) == 200
    assert rows(public).isdisjoint(rows(hidden.images))
    assert rows(public) | rows(hidden.images) == rows(full)
    assert sorted(public_labels.tolist() + hidden.labels.tolist()) == sorted(full_labels.tolist())
    np.testing.assert_array_equal(data.load_emnist(usage="test", limit=7)[0], public[:7])
    assert len(data.load_emnist(usage="train")[0]) == 300  # train untouched
    np.testing.assert_array_equal(load_hidden_emnist().images, hidden.images)  # stable


def test_hidden_synthetic(isolated: Path) -> None:
    hidden = load_hidden_emnist()
    public, _, _ = data.load_emnist(usage="test", limit=2000)
    assert hidden.source == "synthetic" and hidden.images.shape == (2000, 28, 28)
    assert not np.array_equal(hidden.images, public)


# --- download -----------------------------------------------------------------------------------


def test_download_good_zip(isolated: Path, monkeypatch, fake_parts) -> None:
    src = write_nist_zip(isolated / "server" / "gzip.zip", "balanced", fake_parts, EMNIST_BALANCED_MAPPING)
    with_urls(monkeypatch, src.as_uri())
    assert data.emnist_source() == "download"
    d = data.load_emnist_data(limit=3)
    dest = data_zip(isolated)
    assert d.source == "download" and dest.read_bytes() == src.read_bytes()
    assert not dest.with_name(dest.name + ".partial").exists()
    np.testing.assert_array_equal(d.images, fake_parts["train"][0][:3])
    assert data.emnist_source() == "data_dir"
    assert data.fetch_emnist() == dest  # already there: no new download
    assert data.fetch_emnist(force=True) == dest


def test_download_corrupt(isolated: Path, monkeypatch, caplog, capsys) -> None:
    bad = isolated / "server" / "gzip.zip"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"PK\x03\x04 this is not really a zip" * 100)
    with_urls(monkeypatch, bad.as_uri())
    dest = data_zip(isolated)
    with pytest.raises(RuntimeError) as info:
        data.fetch_emnist()
    msg = str(info.value)
    assert bad.as_uri() in msg and f"save it as {dest}" in msg and "CNNKIT_DATA_DIR" in msg
    assert not dest.exists() and not dest.with_name(dest.name + ".partial").exists()
    # load_emnist does not crash: one warning, then the synthetic default
    with caplog.at_level(logging.WARNING, logger="cnnkit.data"):
        d = data.load_emnist_data(limit=5)
    assert d.source == "synthetic"
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and bad.as_uri() in warnings[0].getMessage()
    assert "download failed" in capsys.readouterr().out
    assert not dest.exists() and not dest.with_name(dest.name + ".partial").exists()
    # not retried implicitly in the same process (a slow network would stall every call)
    assert data.emnist_source() == "synthetic"
    with caplog.at_level(logging.WARNING, logger="cnnkit.data"):
        data.load_emnist(limit=5)
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1
    assert "failed earlier in this session" in capsys.readouterr().out


def test_failed_forced_download_keeps_the_good_zip(isolated: Path, monkeypatch, fake_parts) -> None:
    good = write_nist_zip(isolated / "server" / "gzip.zip", "balanced", fake_parts, EMNIST_BALANCED_MAPPING)
    with_urls(monkeypatch, good.as_uri())
    dest = data.fetch_emnist()
    verified = dest.read_bytes()
    good.write_bytes(b"truncated")  # the server now serves a broken file
    with pytest.raises(RuntimeError, match="not a zip file"):
        data.fetch_emnist(force=True)
    assert dest.read_bytes() == verified
    assert not dest.with_name(dest.name + ".partial").exists()


def test_download_missing_url(isolated: Path, monkeypatch) -> None:
    with_urls(monkeypatch, (isolated / "nowhere.zip").as_uri())
    with pytest.raises(RuntimeError, match="download gzip.zip from"):
        data.fetch_emnist()
    assert not data_zip(isolated).parent.exists() or not any(data_zip(isolated).parent.iterdir())


def test_offline_never_downloads(isolated: Path, monkeypatch) -> None:
    def boom(*args, **kwargs):
        raise AssertionError("network used while offline")

    monkeypatch.setattr(sources.urllib.request, "urlopen", boom)
    assert data.emnist_source() == "synthetic"
    assert data.load_emnist_data(limit=5).source == "synthetic"
    with pytest.raises(RuntimeError, match="offline"):
        data.fetch_emnist()


# --- generator ----------------------------------------------------------------------------------


def test_generator_deterministic_and_shaped() -> None:
    a_img, a_lab = generate_emnist_like(50, 3)
    b_img, b_lab = generate_emnist_like(BLOCK + 100, 3)  # different chunking, same prefix
    assert a_img.shape == (50, 28, 28) and a_img.dtype == np.uint8 and a_lab.dtype == np.int64
    np.testing.assert_array_equal(a_img, b_img[:50])
    np.testing.assert_array_equal(a_lab, b_lab[:50])
    c_img, _ = generate_emnist_like(BLOCK + 100, 3)
    assert c_img.tobytes() == b_img.tobytes()
    assert not np.array_equal(generate_emnist_like(50, 4)[0], a_img)
    counts = np.bincount(b_lab, minlength=47)
    assert counts.min() >= 20 and counts.max() <= 30  # balanced per block
    assert b_img.max() == 255 and b_img[:, 0, :].mean() < 10  # white ink, dark border
    assert generate_emnist_like(0, 1)[0].shape == (0, 28, 28)
    digits, dl = generate_emnist_like(20, 1, list("0123456789"))
    assert dl.max() < 10


def test_generator_rate_is_images_per_second(monkeypatch) -> None:
    """synthetic_rate(n) makes n images and divides n by the clock's seconds (the benchmark prints it)."""
    from cnnkit import synthetic

    made, ticks = [], iter([10.0, 12.5])
    monkeypatch.setattr(synthetic, "generate_emnist_like", lambda n, seed: made.append(n))
    monkeypatch.setattr(synthetic.time, "perf_counter", lambda: next(ticks))
    assert synthetic.synthetic_rate(2 * BLOCK) == pytest.approx(2 * BLOCK / 2.5) and made == [2 * BLOCK]


# --- real data ----------------------------------------------------------------------------------


@pytest.fixture
def real_dir(monkeypatch: pytest.MonkeyPatch) -> Path:
    if not REAL_ZIP.is_file():
        pytest.skip(f"real EMNIST not present at {REAL_ZIP}: real-data part skipped")
    monkeypatch.setenv("CNNKIT_DATA_DIR", str(REAL_DIR))
    monkeypatch.setenv("CNNKIT_EMNIST_SPLIT", "bymerge")
    return REAL_DIR


def test_real_bymerge(real_dir: Path) -> None:
    train = data.load_emnist_data(usage="train")
    assert train.source == "data_dir" and train.images.shape == (80_000, 28, 28)
    assert train.mapping == EMNIST_BALANCED_MAPPING and len(np.unique(train.labels)) == 47
    assert_upright(train.images, train.labels, train.mapping)
    full = data.read_emnist_zip(real_dir / "emnist" / "emnist.zip", "bymerge", "test")[0]
    public = data.load_emnist(usage="test")[0]
    hidden = load_hidden_emnist()
    assert len(full) == 20_000 and len(public) == 18_000 and len(hidden.images) == 2_000


def test_real_zip_lacks_balanced(real_dir: Path, monkeypatch) -> None:
    monkeypatch.setenv("CNNKIT_EMNIST_SPLIT", "balanced")
    assert data.emnist_source() == "synthetic"
