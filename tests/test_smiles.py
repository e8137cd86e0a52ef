"""cnnkit.smiles: the face loader (data folder, cache, verified download, embedded default), the
hidden slice, the drawn faces and the selfie frames. A fake SMILEsmileD archive stands in for the
real one; the real-data checks are skipped when ../shared/data is absent."""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest

from cnnkit import smiles
from cnnkit_course.hidden_data import build_second_faces, load_hidden_smiles

SHARED_ZIP = Path(__file__).resolve().parents[2] / "shared" / "data" / "smiles" / smiles.ZIP_NAME
SHARED_GENKI = SHARED_ZIP.parent / smiles.GENKI_FOLDER
PREFIX = "SMILEsmileD-master/SMILEs/"


def _fake_archive(path: Path, positives: int = 6, negatives: int = 14) -> Path:
    """A zip laid out like GitHub's archive of SMILEsmileD, with tiny made-up faces."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(PREFIX + "negatives/smiles_01_neg.idx", "negatives7/2.jpg\n")
        for label, folder, count in [(1, "positives/positives7", positives), (0, "negatives/negatives7", negatives)]:
            for k in range(count):
                face = np.full((64, 64), 40 + 200 * label, np.uint8)
                face[:16, :16] = 10 * k  # tells the faces apart (survives JPEG)
                ok, jpg = cv2.imencode(".jpg", face)
                assert ok
                zf.writestr(f"{PREFIX}{folder}/{2 * k + label}.jpg", jpg.tobytes())
    return path


def _marker(face: np.ndarray) -> int:
    return int(round(face[4:12, 4:12].mean() / 10))


@pytest.fixture
def fake_env(tmp_path, monkeypatch):
    """A data folder and a kit cache in tmp_path, counts and a small synthetic size to match."""
    monkeypatch.setenv("CNNKIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CNNKIT_DATA_SOURCE", raising=False)
    monkeypatch.delenv("CNNKIT_GRADING", raising=False)
    monkeypatch.setenv("CNNKIT_OFFLINE", "1")
    real = smiles.smiles_settings()
    fake = {**real, "counts": {"positives": 6, "negatives": 14}, "hidden_fraction": 0.25,
            "synthetic_sizes": {"public": 40, "hidden": 10}}
    monkeypatch.setattr(smiles, "smiles_settings", lambda: fake)
    smiles.clear_cache()
    yield tmp_path
    smiles.clear_cache()


def test_generate_faces_is_deterministic():
    a, la = smiles.generate_faces(30, seed=4)
    b, lb = smiles.generate_faces(30, seed=4)
    c, _ = smiles.generate_faces(10, seed=4)
    assert a.shape == (30, 64, 64) and a.dtype == np.uint8 and la.dtype == np.int64
    assert np.array_equal(a, b) and np.array_equal(la, lb) and np.array_equal(a[:10], c)
    assert not np.array_equal(a, smiles.generate_faces(30, seed=5)[0])
    _, labels = smiles.generate_faces(400, seed=1)
    assert 0.2 < labels.mean() < 0.36, "about 28% of the drawn faces smile"
    with pytest.raises(ValueError, match="n and seed must be >= 0"):
        smiles.generate_faces(-1, seed=0)


def test_drawn_smiles_differ_from_neutral_faces():
    images, labels = smiles.generate_faces(300, seed=2)
    mouth = images[:, 40:58, 16:48].astype(float)
    # the mean smiling mouth differs from the mean neutral one
    assert np.abs(mouth[labels == 1].mean(0) - mouth[labels == 0].mean(0)).max() > 10


def test_synthetic_when_nothing_found(fake_env, capsys):
    images, labels = smiles.load_smiles()
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "synthetic faces" in out and "download skipped (offline)" in out
    assert images.shape == (40, 64, 64) and labels.shape == (40,)
    assert smiles.smiles_source() == "synthetic" and smiles.smiles_kind() == "synthetic"


def test_forced_synthetic_ignores_the_data_folder(fake_env, monkeypatch, capsys):
    _fake_archive(fake_env / "data" / "smiles" / smiles.ZIP_NAME)
    monkeypatch.setenv("CNNKIT_DATA_SOURCE", "synthetic")
    assert smiles.smiles_source() == "synthetic"
    smiles.load_smiles(limit=5)
    assert "CNNKIT_DATA_SOURCE" in capsys.readouterr().out


def test_data_folder_order_and_hidden_slice(fake_env, capsys):
    _fake_archive(fake_env / "data" / "smiles" / smiles.ZIP_NAME)
    assert smiles.smiles_source() == "data_dir"
    full = smiles.SmilesData(*smiles.read_smiles_zip(fake_env / "data" / "smiles" / smiles.ZIP_NAME), "data_dir")
    smiles.load_smiles_data()
    assert capsys.readouterr().out == "", "real data is not announced"
    assert full.images.shape == (20, 64, 64) and full.labels.sum() == 6 and full.kind == "real"
    # sorted by (file id, label): negative k has id 2k, positive k id 2k + 1
    assert list(full.labels[:4]) == [0, 1, 0, 1] and [_marker(img) for img in full.images[:4]] == [0, 0, 1, 1]
    public = smiles.load_smiles_data()
    hidden = load_hidden_smiles()
    assert len(public.labels) == 15 and len(hidden.labels) == 5
    keys = lambda d: {(_marker(i), int(lab)) for i, lab in zip(d.images, d.labels)}  # noqa: E731
    assert keys(public) | keys(hidden) == keys(full) and not keys(public) & keys(hidden)
    assert len(smiles.load_smiles(limit=3)[0]) == 3


def test_wrong_counts_are_not_used(fake_env, capsys):
    _fake_archive(fake_env / "data" / "smiles" / smiles.ZIP_NAME, positives=2)
    assert smiles.smiles_source() == "synthetic"
    smiles.load_smiles()
    assert "expected 6 and 14" in capsys.readouterr().out


def test_kit_cache_is_second(fake_env):
    _fake_archive(fake_env / "cache" / "cnnkit" / "smiles" / smiles.ZIP_NAME)
    assert smiles.smiles_source() == "cache"
    assert smiles.load_smiles_data().source == "cache" and load_hidden_smiles().source == "cache"
    assert len(smiles.load_smiles_data().labels) + len(load_hidden_smiles().labels) == 20


def test_download_is_verified_and_atomic(fake_env, monkeypatch):
    source = _fake_archive(fake_env / "remote" / "archive.zip")
    monkeypatch.setenv("CNNKIT_OFFLINE", "0")
    settings = {**smiles.smiles_settings(), "url": source.as_uri()}
    monkeypatch.setattr(smiles, "smiles_settings", lambda: settings)
    dest = fake_env / "data" / "smiles" / smiles.ZIP_NAME
    assert smiles.smiles_source() == "download"
    assert smiles.fetch_smiles() == dest and dest.is_file()
    assert not dest.with_name(dest.name + ".partial").exists()
    assert smiles.smiles_source() == "data_dir"


def test_bad_download_leaves_nothing(fake_env, monkeypatch):
    wrong = _fake_archive(fake_env / "remote" / "other.zip", positives=1)
    monkeypatch.setenv("CNNKIT_OFFLINE", "0")
    settings = {**smiles.smiles_settings(), "url": wrong.as_uri()}
    monkeypatch.setattr(smiles, "smiles_settings", lambda: settings)
    dest = fake_env / "data" / "smiles" / smiles.ZIP_NAME
    with pytest.raises(RuntimeError) as err:
        smiles.fetch_smiles()
    assert wrong.as_uri() in str(err.value) and str(dest) in str(err.value), "the URL and the manual work-around"
    assert not dest.exists() and not dest.with_name(dest.name + ".partial").exists()


def test_failed_download_falls_back(fake_env, monkeypatch, capsys, caplog):
    monkeypatch.setenv("CNNKIT_OFFLINE", "0")
    settings = {**smiles.smiles_settings(), "url": (fake_env / "nowhere.zip").as_uri()}
    monkeypatch.setattr(smiles, "smiles_settings", lambda: settings)
    with caplog.at_level(logging.WARNING, logger="cnnkit.smiles"):
        images, _ = smiles.load_smiles()
    assert images.shape == (40, 64, 64)
    assert "could not download SMILEsmileD" in caplog.text
    assert "download failed" in capsys.readouterr().out
    assert smiles.smiles_source() == "synthetic", "a failed download is not retried implicitly"


def test_offline_never_downloads(fake_env):
    with pytest.raises(RuntimeError, match="offline"):
        smiles.fetch_smiles()


def test_split_faces_is_stratified():
    labels = np.array([1] * 30 + [0] * 70)
    images = np.arange(100)[:, None, None] * np.ones((1, 2, 2))
    x_tr, y_tr, x_te, y_te = smiles.split_faces(images, labels, 0.2, seed=0)
    assert len(y_te) == 20 and y_te.sum() == 6 and len(y_tr) == 80
    assert not set(x_tr[:, 0, 0]) & set(x_te[:, 0, 0])


def test_selfie_frames():
    faces, _ = smiles.generate_faces(3, seed=0)
    frames, boxes = smiles.make_selfie_frames(faces, seed=1, empty=np.array([False, True, False]), with_boxes=True)
    assert frames.shape == (3, 240, 320, 3) and frames.dtype == np.uint8
    assert list(boxes[1]) == [-1, -1, -1, -1] and boxes[0][2] == 120
    x, y, w, h = boxes[0]
    assert 0 <= x and x + w <= 320 and 0 <= y and y + h <= 240
    again = smiles.make_selfie_frames(faces, seed=1, empty=np.array([False, True, False]))
    assert np.array_equal(frames, again)
    with pytest.raises(ValueError, match="does not fit a 240x320 frame"):
        smiles.make_selfie_frames(faces, face_px=220)


def test_haar_finds_drawn_faces():
    """The drawn faces are meant to be found by OpenCV's frontal-face cascade (the selfie demo)."""
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    faces, _ = smiles.generate_faces(6, seed=9)
    frames = smiles.make_selfie_frames(faces, seed=2)
    found = [len(cascade.detectMultiScale(cv2.cvtColor(f, cv2.COLOR_BGR2GRAY), 1.1, 5, minSize=(48, 48))) > 0 for f in frames]
    assert sum(found) >= 5


@pytest.mark.skipif(not SHARED_ZIP.is_file(), reason=f"real SMILEsmileD not present at {SHARED_ZIP}")
def test_real_smiles(monkeypatch):
    monkeypatch.setenv("CNNKIT_DATA_DIR", str(SHARED_ZIP.parents[1]))
    monkeypatch.delenv("CNNKIT_DATA_SOURCE", raising=False)
    smiles.clear_cache()
    full = smiles.SmilesData(*smiles.read_smiles_zip(SHARED_ZIP), "data_dir")
    assert full.images.shape == (13165, 64, 64) and int(full.labels.sum()) == 3690 and full.source == "data_dir"
    public, hidden = smiles.load_smiles_data(), load_hidden_smiles()
    assert len(public.labels) + len(hidden.labels) == 13165 and len(hidden.labels) == 1316
    smiles.clear_cache()


# --- the second data set ------------------------------------------------------------------------
def _fake_genki(folder: Path, count: int = 60) -> dict[str, int]:
    """Colour photos of several sizes in GENKI-4K's layout; returns file name -> label. Photo k's
    gray level encodes k (survives JPEG and the reduction to 64x64 gray)."""
    names = {}
    for k in range(count):
        label = k % 3 == 0
        side = (64, 96, 170)[k % 3]
        photo = np.full((side, side, 3), 4 * k, np.uint8)
        (folder / str(int(label))).mkdir(parents=True, exist_ok=True)
        name = f"file{k:04d}.jpg"
        assert cv2.imwrite(str(folder / str(int(label)) / name), photo)
        names[name] = int(label)
    return names


def test_genki_parts_depend_on_the_name_alone():
    names = [f"file{k:04d}.jpg" for k in range(4000)]
    parts = np.array([smiles.genki_part(n) for n in names])
    shares = smiles.smiles_settings()["genki_parts"]
    for part, share in shares.items():
        assert abs(np.mean(parts == part) - share) < 0.03, (part, np.mean(parts == part))
    everything_test = {"train": 0.0, "val": 0.0, "test": 1.0}
    assert {smiles.genki_part(n, everything_test) for n in names[:200]} == {"test"}
    halves = {"train": 0.5, "val": 0.0, "test": 0.5}
    moved = [smiles.genki_part(n, halves) for n in names]
    assert "val" not in moved and abs(moved.count("train") / len(names) - 0.5) < 0.03
    assert all(m == "train" for m, p in zip(moved, parts) if p == "train"), "the same train share keeps the same photos"


def test_second_faces_from_genki_keep_the_test_part_hidden(fake_env, capsys):
    folder = fake_env / "data" / "smiles" / smiles.GENKI_FOLDER
    names = _fake_genki(folder)
    train, val = smiles.load_second_faces()
    assert capsys.readouterr().out == "", "real data is not announced"
    hidden = build_second_faces()
    assert hidden.kind == "real" and hidden.tag == "genki4k"
    by_part = {"train": train, "val": val}
    for part, faces in by_part.items():
        expected = sorted(n for n in names if smiles.genki_part(n) == part)
        assert faces.name == "GENKI-4K" and faces.kind == "real" and faces.images.dtype == np.uint8
        assert faces.images.shape == (len(expected), 64, 64)
        assert list(faces.labels) == [names[n] for n in expected]
        assert [int(round(img.mean() / 4)) for img in faces.images] == [int(n[4:8]) for n in expected]
    test = sorted(n for n in names if smiles.genki_part(n) == "test")
    assert len(test) > 0 and list(hidden.arrays["labels"]) == [names[n] for n in test]
    assert [int(round(img.mean() / 4)) for img in hidden.arrays["images"]] == [int(n[4:8]) for n in test]


def test_second_faces_without_genki_are_a_second_camera(fake_env, capsys):
    train, val = smiles.load_second_faces()
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "GENKI-4K is not in" in out and smiles.GENKI_URL in out
    sizes = smiles.smiles_settings()["second_sizes"]
    assert train.images.shape == (sizes["train"], 64, 64) and val.images.shape == (sizes["val"], 64, 64)
    assert train.kind == val.kind == "synthetic" and train.name == "drawn faces, second camera"
    assert abs(np.concatenate([train.labels, val.labels]).mean() - smiles.smiles_settings()["second_smile_fraction"]) < 0.05
    again, _ = smiles.load_second_faces()
    assert np.array_equal(again.images, train.images), "the drawn faces are the same every time"
    first, _ = smiles.generate_faces(50, 7)
    assert train.images[:50].std() < first.std(), "the second camera has less contrast than the first"
    hidden = build_second_faces()
    assert hidden.kind == "synthetic" and len(hidden.arrays["labels"]) == sizes["hidden"]
    assert not np.array_equal(hidden.arrays["images"][:10], train.images[:10])


@pytest.mark.skipif(not SHARED_GENKI.is_dir(), reason=f"real GENKI-4K not present at {SHARED_GENKI}")
def test_real_genki(monkeypatch):
    monkeypatch.setenv("CNNKIT_DATA_DIR", str(SHARED_ZIP.parents[1]))
    monkeypatch.delenv("CNNKIT_DATA_SOURCE", raising=False)
    smiles.clear_cache()
    train, val = smiles.load_second_faces()
    hidden = build_second_faces().arrays
    assert len(train.labels) + len(val.labels) + len(hidden["labels"]) == 2800
    assert int(train.labels.sum() + val.labels.sum() + hidden["labels"].sum()) == 1562
    assert len(hidden["labels"]) > 700 and len(val.labels) > 450
    smiles.clear_cache()
