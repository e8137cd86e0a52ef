"""Reads the autograder's evaluation data (the files the hidden tests evaluate on).

Each data set is stored as ``autograder/_eval/<name>_<kind>_<tag>.npz``: ``kind`` is
``synthetic`` (committed) or ``real`` (built on the instructor's machine, git-ignored); ``tag`` is
e.g. the EMNIST split. :data:`KEYS` tells which file serves the current configuration. The course
tooling builds the files (``cnnkit build``, :mod:`cnnkit_course.hidden_data`); otter's autograder
zip carries them as support files in ``./_eval/``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from cnnkit import config


def emnist_key() -> tuple[str, str]:
    """(kind, split) of the EMNIST the course runs on now."""
    from cnnkit.data import emnist_source

    kind = "synthetic" if emnist_source() == "synthetic" else "real"
    return kind, config.settings().emnist_split


def smiles_key() -> tuple[str, str]:
    """(kind, ``"smiles"``) of the faces :func:`cnnkit.smiles.load_smiles` returns now."""
    from cnnkit.smiles import smiles_kind

    return smiles_kind(), "smiles"


def second_faces_key() -> tuple[str, str]:
    """(``"real"``, ``"genki4k"``) where GENKI-4K is in the data folder, else (``"synthetic"``,
    ``"second_camera"``): the second face data set of :func:`cnnkit.smiles.load_second_faces`."""
    from cnnkit.smiles import genki_folder

    return ("real", "genki4k") if genki_folder() is not None else ("synthetic", "second_camera")


#: data set name -> the (kind, tag) of the file that serves the current configuration.
KEYS: dict[str, Callable[[], tuple[str, str]]] = {
    "emnist": emnist_key,
    "emnist_lines": emnist_key,
    "smiles": smiles_key,
    "second_faces": second_faces_key,
}


def eval_path(root: Path, name: str, kind: str, tag: str) -> Path:
    """``<root>/autograder/_eval/<name>_<kind>_<tag>.npz``."""
    return root / "autograder" / "_eval" / f"{name}_{kind}_{tag}.npz"


def current_path(name: str) -> Path:
    """The file that serves the current configuration (it may not exist yet): in the course
    repository's ``autograder/_eval/``, else in ``./_eval/`` (where otter's autograder zip puts
    its support files on a grading service)."""
    key = KEYS[name]()
    agdir = config.settings().autograder_dir
    candidates = ([eval_path(agdir.parent, name, *key)] if agdir is not None else [])
    candidates.append(Path.cwd() / "_eval" / eval_path(Path(), name, *key).name)
    return next((path for path in candidates if path.is_file()), candidates[0])


def kind(name: str) -> str:
    """``real`` or ``synthetic``: the data the course runs on now, for data set ``name``."""
    return KEYS[name]()[0]


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
