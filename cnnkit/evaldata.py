"""The autograder's hidden evaluation data: built by ``cnnkit build``, read by hidden tests.

Each data set has a builder (instructor side: it needs the hidden slice or the hidden seed) and a
key telling which file serves the current configuration. Files live in
``autograder/_eval/<name>_<kind>_<tag>.npz``: ``kind`` is ``synthetic`` (committed) or ``real``
(built on the instructor's machine, git-ignored); ``tag`` is e.g. the EMNIST split.

Add a data set by writing its builder and key function and registering both in :data:`DATASETS`;
an assignment asks for it with ``"eval_data": ["<name>"]`` in ``course_config.ASSIGNMENTS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnnkit import config


@dataclass(frozen=True)
class EvalSet:
    """Arrays of one evaluation file and the key it is stored under."""

    arrays: dict[str, np.ndarray]
    kind: str
    tag: str


def _emnist_kind() -> str:
    from cnnkit.data import emnist_source

    return "synthetic" if emnist_source() == "synthetic" else "real"


def emnist_key() -> tuple[str, str]:
    """(kind, split) of the EMNIST the course runs on now."""
    return _emnist_kind(), config.settings().emnist_split


def build_emnist() -> EvalSet:
    """The hidden slice of the test split (real) or images made with the hidden seed (synthetic):
    ``images`` (N, 28, 28) uint8, ``labels`` (N,) int64, ``mapping`` (47,) str."""
    from cnnkit.data import load_hidden_emnist

    data = load_hidden_emnist()
    kind = "synthetic" if data.source == "synthetic" else "real"
    return EvalSet({"images": data.images, "labels": data.labels, "mapping": np.array(data.mapping)}, kind, data.split)


#: name -> (builder, key of the file that serves the current configuration)
DATASETS: dict[str, tuple[Callable[[], EvalSet], Callable[[], tuple[str, str]]]] = {
    "emnist": (build_emnist, emnist_key),
}


def eval_path(root: Path, name: str, kind: str, tag: str) -> Path:
    """``<root>/autograder/_eval/<name>_<kind>_<tag>.npz``."""
    return root / "autograder" / "_eval" / f"{name}_{kind}_{tag}.npz"


def write(root: Path, name: str) -> Path:
    """Build data set ``name`` for the current configuration and save it under ``root``."""
    builder, _ = DATASETS[name]
    evalset = builder()
    path = eval_path(root, name, evalset.kind, evalset.tag)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **evalset.arrays)
    return path


def current_path(name: str) -> Path:
    """The file that serves the current configuration (it may not exist yet): in the course
    repository's ``autograder/_eval/``, else in ``./_eval/`` (where otter's autograder zip puts
    its support files on a grading service)."""
    _, key = DATASETS[name]
    agdir = config.settings().autograder_dir
    candidates = ([eval_path(agdir.parent, name, *key())] if agdir is not None else [])
    candidates.append(Path.cwd() / "_eval" / eval_path(Path(), name, *key()).name)
    return next((path for path in candidates if path.is_file()), candidates[0])


def kind(name: str) -> str:
    """``real`` or ``synthetic``: the data the course runs on now, for data set ``name``."""
    return DATASETS[name][1]()[0]


def load(name: str) -> dict[str, np.ndarray]:
    """The arrays of data set ``name`` for the current configuration.

    Raises:
        FileNotFoundError: not built yet; the message says how to build it.
    """
    path = current_path(name)
    if not path.is_file():
        raise FileNotFoundError(f"hidden evaluation data {path} is missing: run `cnnkit build` "
                                "(`cnnkit build --real --out build/real` for the real data)")
    with np.load(path) as archive:
        return {key: archive[key] for key in archive.files}


# --- a6_text_segmentation and a7_smile_detection ---------------------------------------------------


def build_emnist_lines() -> EvalSet:
    """Lines of handwriting composed (:func:`cnnkit.handwriting.compose_lines`) from the hidden
    EMNIST characters of :func:`build_emnist`, with seeds derived from the hidden seed.

    Three sets, each stored as the arrays of :func:`cnnkit.handwriting.lines_to_arrays`
    (``images`` (L, H, W) uint8, ``boxes``, ``box_line``, ``labels``, ``texts``, ``mapping``):
    the main lines (no prefix, ``HANDWRITING["hidden_lines"]`` of them), ``ij_*`` (8 lines, half of
    their characters an i or j that gets a dot) and ``touch_*`` (8 lines in which half of the
    neighbouring characters touch).
    """
    from cnnkit.data import load_hidden_emnist
    from cnnkit.handwriting import _dottable, compose_lines, lines_to_arrays

    cfg = getattr(config.load_course_config(), "HANDWRITING", {})
    height, width = cfg.get("line_size", (64, 640))
    data = load_hidden_emnist()
    seed = config.hidden_seed() + 606
    arrays = lines_to_arrays(compose_lines(data.images, data.labels, data.mapping, int(cfg.get("hidden_lines", 32)),
                                           seed=seed, height=height, width=width), data.mapping)
    ij = np.isin(np.asarray(data.mapping)[data.labels], ["I", "J", "i", "j"])
    ij &= np.array([_dottable(g.astype(np.float32) / max(float(g.max()), 1.0)) for g in data.images])
    rng = np.random.default_rng(seed)
    pool = np.concatenate([np.flatnonzero(ij), rng.choice(np.flatnonzero(~ij), int(ij.sum()), replace=False)])
    for prefix, images, labels, options in [
        ("ij_", data.images[pool], data.labels[pool], {"dot_prob": 1.0}),
        ("touch_", data.images, data.labels, {"touch_prob": 0.5}),
    ]:
        lines = compose_lines(images, labels, data.mapping, 8, seed=seed + len(prefix), height=height, width=width,
                              **options)
        arrays.update({prefix + key: value for key, value in lines_to_arrays(lines, data.mapping).items()
                       if key != "mapping"})
    kind = "synthetic" if data.source == "synthetic" else "real"
    return EvalSet(arrays, kind, data.split)


def smiles_key() -> tuple[str, str]:
    """(kind, ``"smiles"``) of the faces :func:`cnnkit.smiles.load_smiles` returns now."""
    from cnnkit.smiles import smiles_kind

    return smiles_kind(), "smiles"


def build_smiles() -> EvalSet:
    """The hidden SMILEsmileD slice (real) or faces drawn with the hidden seed (synthetic):
    ``images`` (N, 64, 64) uint8, ``labels`` (N,) int64 (1 = smiling)."""
    from cnnkit.smiles import load_hidden_smiles

    data = load_hidden_smiles()
    return EvalSet({"images": data.images, "labels": data.labels}, data.kind, "smiles")


DATASETS["emnist_lines"] = (build_emnist_lines, emnist_key)
DATASETS["smiles"] = (build_smiles, smiles_key)
