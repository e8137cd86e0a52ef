"""Shared fixtures: the course repository, one build of it and one grading run of the examples."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Collection, Iterator
from pathlib import Path

import pytest

from cnnkit_course import notebooks
from cnnkit_course.paths import CoursePaths

ROOT = Path(__file__).resolve().parents[1]
#: The course repository's paths (its committed files, its store of trained models).
COURSE = CoursePaths.of(ROOT)


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


def copy_course_files(names: Collection[str], into: Path) -> Path:
    """Copy files and folders of the course repository (paths relative to it, e.g.
    ``"source/a1_convolution"``) to the same places under ``into``; returns ``into``."""
    for name in names:
        target = into / name
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, target)
    return into


def solution_code(assignment: str, *, released: bool = False, with_cells: Collection[str] = ()) -> list[str]:
    """The code of an assignment's solution cells, and of the cells whose grade id is in ``with_cells``.

    Args:
        assignment: the assignment id.
        released: ``False``: the source notebook with its ``### BEGIN/END SOLUTION`` lines removed
            (the reference solution). ``True``: the committed release notebook, as students receive
            it (nbgrader replaced each solution region by ``raise NotImplementedError()``).
        with_cells: grade ids of other code cells the solutions need (e.g. ``"setup"``).

    Returns:
        The cells' sources, in notebook order.
    """
    path = COURSE.release_notebook(assignment) if released else COURSE.source_notebook(assignment)
    return notebooks.solution_cells(path, with_cells=with_cells)


@pytest.fixture(scope="session", autouse=True)
def course_eval_data() -> None:
    """The course repository's evaluation data (git-ignored ``autograder/_eval/``), built once per
    session when a clean clone lacks it: hidden tests run straight from the repository read it."""
    from cnnkit.config import settings
    from cnnkit_course import hidden_data

    with course_env():
        hidden_data.ensure(ROOT, list(settings().assignments))


@pytest.fixture(scope="session")
def course_root() -> Path:
    """The course repository (the folder with course_config.py)."""
    return ROOT


@pytest.fixture(scope="session")
def course_build(tmp_path_factory) -> CoursePaths:
    """``cnnkit build --no-execute`` of every assignment into a scratch folder, once per session:
    the release, the otter zips, the example submissions (carrying the stored models) and, in the
    course repository's git-ignored ``autograder/_eval/``, the evaluation data."""
    from cnnkit.config import settings
    from cnnkit_course.build import build

    paths = CoursePaths(ROOT, tmp_path_factory.mktemp("build"))
    with course_env():
        build(paths, list(settings().assignments), execute_solutions=False)
    return paths


@pytest.fixture(scope="session")
def examples_dir(course_build: CoursePaths) -> Path:
    """The example submissions (correct, partial, untouched) in nbgrader's ``submitted/`` layout."""
    return course_build.examples_dir


@pytest.fixture(scope="session")
def graded_examples(tmp_path_factory, examples_dir: Path):
    """``cnnkit grade`` on the example submissions, once per session.

    Returns ``({(student_id, assignment): GradeResult}, out_dir)``.
    """
    from cnnkit_course.grading.batch import grade_batch

    out = tmp_path_factory.mktemp("graded")
    with course_env():
        results = grade_batch(examples_dir, out, workers=2)
    return {(r.student_id, r.assignment): r for r in results}, out


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep the two passes of ``make test`` sound: a ``serial`` test is also ``slow`` (so the fast
    tier never holds one), and a test reading the session's grading of the examples is ``serial``
    (that batch is graded once, by the one process of the serial pass)."""
    for item in items:
        serial = item.get_closest_marker("serial") is not None
        if serial and item.get_closest_marker("slow") is None:
            raise pytest.UsageError(f"{item.nodeid} is marked serial but not slow: mark it slow too")
        if "graded_examples" in getattr(item, "fixturenames", ()) and not serial:
            raise pytest.UsageError(f"{item.nodeid} uses graded_examples: mark it serial")
