"""Notebook plumbing shared by the commands: nbgrader cell roles, marker handling, execution.

Source notebooks are in nbgrader's format: solution regions between ``### BEGIN SOLUTION`` and
``### END SOLUTION``, hidden tests between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``,
cell roles in ``metadata.nbgrader``.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

NB_VERSION = 4
_HIDDEN_TESTS = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[^\n]*\n?", re.M | re.S)
_SOLUTION_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[^\n]*\n?", re.M)


class InvalidNotebook(ValueError):
    """A file that is not a readable notebook (of the expected assignment)."""


def read_notebook(path: Path) -> NotebookNode:
    """Read and validate a notebook.

    Raises:
        InvalidNotebook: missing, empty, not JSON, or not a valid nbformat-4 notebook.
    """
    if not path.is_file():
        raise InvalidNotebook(f"{path.name} is missing")
    if path.stat().st_size == 0:
        raise InvalidNotebook(f"{path.name} is an empty file")
    try:
        nb = nbformat.read(path, as_version=NB_VERSION)
        nbformat.validate(nb)
    except Exception as exc:  # nbformat raises several unrelated exception types
        raise InvalidNotebook(f"{path.name} is not a readable notebook: {type(exc).__name__}: {exc}") from exc
    return nb


def nbgrader_meta(cell: NotebookNode) -> dict[str, Any]:
    """The cell's ``metadata.nbgrader`` (empty for plain cells)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def is_solution_cell(cell: NotebookNode) -> bool:
    """A cell the student writes (code or free text)."""
    return bool(nbgrader_meta(cell).get("solution"))


def is_autograded_test(cell: NotebookNode) -> bool:
    """An nbgrader autograder-test cell (graded code cell that is not a solution)."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution") and cell.cell_type == "code"


def checked_question(cell: NotebookNode) -> str | None:
    """The question an autograder-test cell checks: ``q`` of its first ``grader.check("q")``."""
    found = re.search(r"""grader\.check\(\s*["'](\w+)["']""", cell.source)
    return found.group(1) if found else None


def grade_ids(nb: NotebookNode) -> list[str]:
    """The nbgrader grade ids of a notebook's cells, in order."""
    return [meta["grade_id"] for cell in nb.cells if (meta := nbgrader_meta(cell)).get("grade_id")]


def strip_hidden_tests(source: str) -> str:
    """Remove ``### BEGIN/END HIDDEN TESTS`` regions."""
    return _HIDDEN_TESTS.sub("", source)


def strip_solution_markers(source: str) -> str:
    """Keep the solution code, drop its ``### BEGIN/END SOLUTION`` marker lines."""
    return _SOLUTION_MARKER.sub("", source)


def solved_notebook(release_nb: NotebookNode, source_nb: NotebookNode, solve: set[str] | None = None) -> NotebookNode:
    """A student's notebook with the solution cells filled in from the source notebook.

    Args:
        release_nb: the released (student) notebook; its metadata and checksums are kept.
        source_nb: the solution notebook in nbgrader format.
        solve: grade ids of the solution cells to fill in (``None``: all of them).
    """
    solutions = {
        nbgrader_meta(cell)["grade_id"]: strip_solution_markers(strip_hidden_tests(cell.source))
        for cell in source_nb.cells
        if is_solution_cell(cell)
    }
    nb = nbformat.from_dict(release_nb)
    for cell in nb.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if is_solution_cell(cell) and gid in solutions and (solve is None or gid in solve):
            cell.source = solutions[gid]
    return nb


def publishable_solution(source_nb: NotebookNode) -> NotebookNode:
    """The solution notebook students may see after the deadline: no hidden tests, no markers."""
    nb = nbformat.from_dict(source_nb)
    for cell in nb.cells:
        cell.source = strip_solution_markers(strip_hidden_tests(cell.source))
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def code_cells(nb: NotebookNode, select: Callable[[dict[str, Any]], bool]) -> list[str]:
    """The sources of the code cells whose ``metadata.nbgrader`` satisfies ``select``, in order,
    with their ``### BEGIN/END SOLUTION`` marker lines removed (the solution code stays)."""
    return [strip_solution_markers(cell.source) for cell in nb.cells
            if cell.cell_type == "code" and select(nbgrader_meta(cell))]


def solution_cells(assignment_notebook: Path, *, with_cells: Iterable[str] = ()) -> list[str]:
    """:func:`code_cells` of the solution cells and of the cells whose grade id is in ``with_cells``."""
    extra = set(with_cells)
    return code_cells(read_notebook(assignment_notebook),
                      lambda meta: bool(meta.get("solution")) or meta.get("grade_id") in extra)


def run_cells(cells: Iterable[str], env: dict[str, Any] | None = None, *,
              tolerate: tuple[type[BaseException], ...] = (), label: str = "cell") -> dict[str, Any]:
    """Execute notebook cells, in order, in one namespace of this process (as a kernel runs them):
    for the kit's tests and benchmarks of the course's own notebooks, never for submissions.

    Args:
        cells: the cells' sources.
        env: the namespace (default: a fresh one named ``__main__``); it is changed in place.
        tolerate: exceptions a cell may raise without stopping the rest (e.g. a release stub's
            ``NotImplementedError``); any other exception propagates.
        label: how tracebacks name the cells.

    Returns:
        The namespace.
    """
    env = {"__name__": "__main__"} if env is None else env
    for code in cells:
        try:
            exec(compile(code, f"<{label}>", "exec"), env)  # noqa: S102 - the course's own notebook cells
        except tolerate:
            pass
    return env


def kernel_env(**overrides: str) -> dict[str, str]:
    """Environment for a kernel: the current one, TensorFlow's C++ log quietened, plus overrides."""
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # Tools the kernel and nbgrader start (alembic, jupyter) live beside this interpreter.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update(overrides)
    return env


def execute_notebook(nb: NotebookNode, cwd: Path, *, timeout_s: int, env: dict[str, str],
                     allow_errors: bool) -> NotebookNode:
    """Execute ``nb`` in a fresh Python kernel whose working directory is ``cwd``.

    Args:
        timeout_s: limit for each cell, in seconds.
        env: the kernel's environment.
        allow_errors: go on after a failing cell (grading) or raise (building solutions).
    """
    from nbclient import NotebookClient

    client = NotebookClient(nb, timeout=timeout_s, kernel_name="python3", allow_errors=allow_errors,
                            resources={"metadata": {"path": str(cwd)}})
    client.execute(env=env)
    return nb
