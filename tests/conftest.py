"""Shared fixtures: the course repository and one grading run of the example submissions."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Collection, Iterator
from pathlib import Path

import pytest

from cnnkit import notebooks

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
    folder = ROOT / ("release" if released else "source") / assignment
    nb = notebooks.read_notebook(folder / f"{assignment}.ipynb")
    return [notebooks.strip_solution_markers(cell.source) for cell in nb.cells
            if cell.cell_type == "code"
            and (notebooks.is_solution_cell(cell) or notebooks.nbgrader_meta(cell).get("grade_id") in with_cells)]


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
