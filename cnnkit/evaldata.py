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
    """The file that serves the current configuration (it may not exist yet)."""
    agdir = config.settings().autograder_dir
    if agdir is None:
        raise FileNotFoundError("hidden evaluation data exists only where the course's autograder/ is")
    _, key = DATASETS[name]
    return eval_path(agdir.parent, name, *key())


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
