"""Shared fixtures: the course repository and one grading run of the example submissions."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def course_env(**extra: str) -> Iterator[None]:
    """Environment for grading runs in tests: this course, the embedded synthetic data."""
    saved = dict(os.environ)
    os.environ.update({"CNNKIT_COURSE_ROOT": str(ROOT), "CNNKIT_DATA_SOURCE": "synthetic",
                       "TF_CPP_MIN_LOG_LEVEL": "2", **extra})
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="session")
def course_root() -> Path:
    """The course repository (the folder with course_config.py)."""
    return ROOT


@pytest.fixture(scope="session")
def graded_examples(tmp_path_factory):
    """``cnnkit grade`` on examples/submitted (correct, partial, untouched), once per session.

    Returns ``({(student_id, assignment): GradeResult}, out_dir)``.
    """
    from cnnkit.grading import grade_batch

    out = tmp_path_factory.mktemp("graded")
    with course_env():
        results = grade_batch(ROOT / "examples" / "submitted", out, workers=2)
    return {(r.student_id, r.assignment): r for r in results}, out
