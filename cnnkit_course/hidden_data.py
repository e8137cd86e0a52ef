"""The autograder's hidden evaluation data: the held-out slices and the hidden seed (instructor side).

Real data: the slice of each test set that :func:`cnnkit.sources.held_out_split` keeps from
students. Synthetic data: drawn with the course's hidden seed (``autograder/hidden_seed.txt``,
never released) plus an offset per data set. ``cnnkit build`` writes each data set an assignment
names (``"eval_data"`` in ``course_config.ASSIGNMENTS``) to the file :mod:`cnnkit.evaldata` reads.

Add a data set by writing its builder, registering it in :data:`BUILDERS` and its key in
:data:`cnnkit.evaldata.KEYS`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnnkit import config, data, smiles
from cnnkit.evaldata import KEYS, eval_path
from cnnkit.sources import held_out_split

#: Added to the hidden seed for each synthetic data set (EMNIST's characters use the seed itself).
LINES_SEED_OFFSET = 606
FACES_SEED_OFFSET = 707
SECOND_FACES_SEED_OFFSET = 808


@dataclass(frozen=True)
class EvalSet:
    """Arrays of one evaluation file and the key it is stored under."""

    arrays: dict[str, np.ndarray]
    kind: str
    tag: str


def hidden_seed() -> int:
    """Seed of the hidden synthetic evaluation data (``autograder/hidden_seed.txt``).

    Raises:
        FileNotFoundError: outside the instructor's repository, where it does not exist.
    """
    agdir = config.settings().autograder_dir
    path = None if agdir is None else agdir / "hidden_seed.txt"
    if path is None or not path.is_file():
        raise FileNotFoundError("the hidden seed exists only in the course repository's autograder/")
    return int(path.read_text().strip())


def load_hidden_emnist(split: str | None = None) -> data.EmnistData:
    """The autograder's EMNIST: exactly the held-out slice of the real test split (file order),
    or ``settings().hidden_synthetic_size`` synthetic images drawn with the hidden seed. Never
    downloads."""
    settings = config.settings()
    split = split or settings.emnist_split
    found = data.EmnistSource(split).resolve()
    if found.source in ("data_dir", "emnist_cache"):
        assert found.path is not None
        images, labels, mapping = data.read_emnist_zip(found.path, split, "test")
        _, hidden = held_out_split(len(labels), settings.hidden_fraction, settings.hidden_slice_seed)
        return data.EmnistData(images[hidden], labels[hidden], mapping, found.source, split)
    mapping = data.synthetic_mapping(split)
    images, labels = data.synthetic_images(settings.hidden_synthetic_size, hidden_seed(), mapping)
    return data.EmnistData(images, labels, list(mapping), "synthetic", split)


def load_hidden_smiles() -> smiles.SmilesData:
    """The autograder's faces: exactly the held-out slice of SMILEsmileD (source order), or
    ``SMILES["synthetic_sizes"]["hidden"]`` faces drawn with the hidden seed. Never downloads."""
    found = smiles.SmilesSource().resolve()
    cfg = smiles.smiles_settings()
    if found.source in ("data_dir", "cache"):
        assert found.path is not None
        images, labels = smiles.read_smiles_zip(found.path)
        _, hidden = held_out_split(len(labels), float(cfg["hidden_fraction"]), int(cfg["hidden_slice_seed"]))
        return smiles.SmilesData(images[hidden], labels[hidden], found.source)
    images, labels = smiles.synthetic_faces(int(cfg["synthetic_sizes"]["hidden"]), hidden_seed() + FACES_SEED_OFFSET)
    return smiles.SmilesData(images, labels, "synthetic")


def build_emnist() -> EvalSet:
    """:func:`load_hidden_emnist` as ``images`` (N, 28, 28) uint8, ``labels`` (N,) int64,
    ``mapping`` (47,) str."""
    hidden = load_hidden_emnist()
    kind = "synthetic" if hidden.source == "synthetic" else "real"
    return EvalSet({"images": hidden.images, "labels": hidden.labels, "mapping": np.array(hidden.mapping)},
                   kind, hidden.split)


def build_emnist_lines() -> EvalSet:
    """Lines of handwriting composed (:func:`cnnkit.handwriting.compose_lines`) from the hidden
    EMNIST characters of :func:`build_emnist`, with seeds derived from the hidden seed.

    Five sets, each stored as the arrays of :func:`cnnkit.handwriting.lines_to_arrays`
    (``images`` (L, H, W) uint8, ``boxes``, ``box_line``, ``labels``, ``texts``, ``mapping``):
    the main lines (no prefix, ``HANDWRITING["hidden_lines"]`` of them), ``ij_*`` (8 lines, half of
    their characters an i or j that gets a dot), ``touch_*`` (8 lines in which half of the
    neighbouring characters touch), ``frame_*`` (8 lines in the "frame" layout: each character
    keeps the margins of its EMNIST frame, so narrow glyphs sit in wide gaps) and ``page_*`` (8
    lines in even light, which the tests stack into pages with
    :func:`cnnkit.handwriting.stack_lines`).
    """
    from cnnkit.handwriting import _dottable, compose_lines, lines_to_arrays

    cfg = config.settings().handwriting
    height, width = cfg["line_size"]
    hidden = load_hidden_emnist()
    seed = hidden_seed() + LINES_SEED_OFFSET
    arrays = lines_to_arrays(compose_lines(hidden.images, hidden.labels, hidden.mapping, int(cfg["hidden_lines"]),
                                           seed=seed, height=height, width=width), hidden.mapping)
    ij = np.isin(np.asarray(hidden.mapping)[hidden.labels], ["I", "J", "i", "j"])
    ij &= np.array([_dottable(g.astype(np.float32) / max(float(g.max()), 1.0)) for g in hidden.images])
    rng = np.random.default_rng(seed)
    pool = np.concatenate([np.flatnonzero(ij), rng.choice(np.flatnonzero(~ij), int(ij.sum()), replace=False)])
    for prefix, offset, images, labels, options in [
        ("ij_", 3, hidden.images[pool], hidden.labels[pool], {"dot_prob": 1.0}),
        ("touch_", 6, hidden.images, hidden.labels, {"touch_prob": 0.5}),
        ("frame_", 9, hidden.images, hidden.labels, {"layout": "frame"}),
        ("page_", 12, hidden.images, hidden.labels, {"lighting": 0.0}),
    ]:
        lines = compose_lines(images, labels, hidden.mapping, 8, seed=seed + offset, height=height, width=width,
                              **options)
        arrays.update({prefix + key: value for key, value in lines_to_arrays(lines, hidden.mapping).items()
                       if key != "mapping"})
    kind = "synthetic" if hidden.source == "synthetic" else "real"
    return EvalSet(arrays, kind, hidden.split)


def build_smiles() -> EvalSet:
    """The hidden SMILEsmileD slice (real) or faces drawn with the hidden seed (synthetic):
    ``images`` (N, 64, 64) uint8, ``labels`` (N,) int64 (1 = smiling)."""
    hidden = load_hidden_smiles()
    return EvalSet({"images": hidden.images, "labels": hidden.labels}, hidden.kind, "smiles")


def build_second_faces() -> EvalSet:
    """The second face data set's hidden part: GENKI-4K's ``test`` part (:func:`cnnkit.smiles.genki_part`),
    or ``SMILES["second_sizes"]["hidden"]`` faces of the second camera drawn with the hidden seed:
    ``images`` (N, 64, 64) uint8, ``labels`` (N,) int64 (1 = smiling)."""
    folder = smiles.genki_folder()
    if folder is not None:
        images, labels, parts = smiles.read_genki(folder)
        return EvalSet({"images": images[parts == "test"], "labels": labels[parts == "test"]}, "real", "genki4k")
    size = int(smiles.smiles_settings()["second_sizes"]["hidden"])
    images, labels = smiles.second_camera_faces(size, hidden_seed() + SECOND_FACES_SEED_OFFSET)
    return EvalSet({"images": images, "labels": labels}, "synthetic", "second_camera")


#: data set name -> its builder.
BUILDERS: dict[str, Callable[[], EvalSet]] = {
    "emnist": build_emnist,
    "emnist_lines": build_emnist_lines,
    "smiles": build_smiles,
    "second_faces": build_second_faces,
}


def write(root: Path, name: str) -> Path:
    """Build data set ``name`` for the current configuration and save it under ``root`` (atomically:
    a concurrent reader sees the old file or the new one)."""
    evalset = BUILDERS[name]()
    path = eval_path(root, name, evalset.kind, evalset.tag)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.stem}.{os.getpid()}.npz")
    np.savez_compressed(partial, **evalset.arrays)
    os.replace(partial, path)
    return path


def ensure(root: Path, assignments: list[str]) -> None:
    """Build the evaluation data of ``assignments`` that the course root lacks for the current
    configuration (the files are not committed: they are rebuilt in seconds)."""
    wanted = {name for a in assignments for name in config.settings().assignments.get(a, {}).get("eval_data", [])}
    for name in sorted(wanted):
        if not eval_path(root, name, *KEYS[name]()).is_file():
            write(root, name)
