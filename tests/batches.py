"""Batches for the after-deadline commands (``cnnkit report``, ``similarity``, ``export-lms``), for
tests/test_after_deadline.py and benchmarks/after_deadline.py, built in seconds without grading:

- submitted/ folders of a1_convolution made from the committed release notebook, as students fill
  it in: the reference solution, a copy of it with renamed variables, the independent loop-style
  solution of ``tests/fixtures/a1_loops_solution.py``, untouched releases;
- result files written with :class:`~cnnkit_course.grading.batch.GradeResult` directly, with the
  questions and cases of the assignment's real test files.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import random
import re
import sys
import tokenize
import warnings
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path

import nbformat

from cnnkit.checks import load_test_file
from cnnkit.config import settings
from cnnkit_course import notebooks
from cnnkit_course.grading.batch import GradeResult
from cnnkit_course.paths import CoursePaths

ROOT = Path(__file__).resolve().parents[1]
COURSE = CoursePaths.of(ROOT)
A1 = "a1_convolution"
FIXTURES = ROOT / "tests" / "fixtures"
LOOP_SOLUTION = FIXTURES / "a1_loops_solution.py"
#: nbgrader's stub in a release solution cell (its indentation in group 1).
_STUB = re.compile(r"^([ \t]*)# YOUR CODE HERE\n[ \t]*raise NotImplementedError\(\)[ \t]*$", re.M)


def release_notebook(assignment: str = A1) -> nbformat.NotebookNode:
    """The committed release notebook, as every student receives it."""
    return notebooks.read_notebook(COURSE.release_notebook(assignment))


def reference_notebook(assignment: str = A1) -> nbformat.NotebookNode:
    """The release with every solution cell filled in with the reference solution."""
    return notebooks.solved_notebook(release_notebook(assignment), notebooks.read_notebook(COURSE.source_notebook(assignment)))


def function_bodies(path: Path) -> dict[str, str]:
    """The body source of each top-level function of a module (its original indentation kept)."""
    source = path.read_text()
    lines = source.splitlines(keepends=True)
    return {node.name: "".join(lines[node.body[0].lineno - 1:node.body[-1].end_lineno])
            for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)}


def fill_stubs(nb: nbformat.NotebookNode, bodies: dict[str, str]) -> nbformat.NotebookNode:
    """A copy of a release notebook whose solution cells named in ``bodies`` (grade id -> body code,
    indented as a function body) have their stub replaced by that code."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        gid = notebooks.nbgrader_meta(cell).get("grade_id")
        if notebooks.is_solution_cell(cell) and gid in bodies:
            cell.source = _STUB.sub(lambda _m: bodies[gid].rstrip("\n"), cell.source, count=1)
    return nb


def loop_notebook() -> nbformat.NotebookNode:
    """The release filled in with the independent loop-style solution."""
    return fill_stubs(release_notebook(), function_bodies(LOOP_SOLUTION))


def _local_names(code: str) -> set[str]:
    """Names a cell's functions bind locally (assignments, loop targets, nested functions), their
    parameters excepted (a student keeps the stub's signature)."""
    names: set[str] = set()
    for func in (n for n in ast.walk(ast.parse(code)) if isinstance(n, ast.FunctionDef)):
        params = {a.arg for a in func.args.args + func.args.kwonlyargs}
        for node in ast.walk(func):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id not in params:
                names.add(node.id)
            elif isinstance(node, ast.FunctionDef) and node is not func:
                names.add(node.name)
    return names


def rename_locals(code: str, new_name: Callable[[str], str]) -> str:
    """``code`` with every local variable renamed by ``new_name`` (formatting and comments kept;
    attributes and keyword arguments untouched)."""
    local = _local_names(code)
    tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    out, depth = [], 0
    for i, tok in enumerate(tokens):
        depth += tok.string in "([{" and tok.type == tokenize.OP
        depth -= tok.string in ")]}" and tok.type == tokenize.OP
        after = tokens[i + 1].string if i + 1 < len(tokens) else ""
        before = tokens[i - 1].string if i else ""
        keyword_arg = depth > 0 and after == "=" and before in "(,"
        if tok.type == tokenize.NAME and tok.string in local and before != "." and not keyword_arg:
            tok = tok._replace(string=new_name(tok.string))
        out.append(tok)
    return tokenize.untokenize(out)


def renamed_copy(nb: nbformat.NotebookNode, new_name: Callable[[str], str]) -> nbformat.NotebookNode:
    """A copy of ``nb`` whose solution code cells have their local variables renamed."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if notebooks.is_solution_cell(cell) and cell.cell_type == "code":
            cell.source = rename_locals(cell.source, new_name)
    return nb


def write_submission(submitted: Path, student: str, nb: nbformat.NotebookNode, assignment: str = A1) -> Path:
    """``submitted/<student>/<assignment>/<assignment>.ipynb``."""
    path = submitted / student / assignment / f"{assignment}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def write_similarity_batch(submitted: Path) -> None:
    """Five a1 submissions: ``reference`` (the reference solution), ``copycat`` (it, with renamed
    variables), ``loops`` (the independent loop-style solution), ``untouched1`` and ``untouched2``
    (the release as received)."""
    write_submission(submitted, "reference", reference_notebook())
    write_submission(submitted, "copycat", renamed_copy(reference_notebook(), lambda name: f"my_{name}"))
    write_submission(submitted, "loops", loop_notebook())
    write_submission(submitted, "untouched1", release_notebook())
    write_submission(submitted, "untouched2", release_notebook())


# --- result files --------------------------------------------------------------------------------


def otter_cases(assignment: str = A1) -> dict[str, list]:
    """question -> its otter test cases (name, hidden, points), from the full test files."""
    return {path.stem: load_test_file(path, public_only=False).test_cases
            for path in sorted(COURSE.full_tests(assignment).glob("*.py"))}


def make_result(student: str, assignment: str, failing: dict[str, str], *, status: str = "graded",
                seconds: float = 10.0, cases: dict[str, list] | None = None) -> GradeResult:
    """A result as ``cnnkit grade`` writes it: every case passes but those in ``failing`` (case name
    -> message); each question scores the points of its passing cases. ``status`` ``invalid`` runs no case."""
    cases = otter_cases(assignment) if cases is None else cases
    questions = []
    for question, tcs in ({} if status == "invalid" else cases).items():
        rows = [{"name": tc.name, "hidden": tc.hidden, "passed": tc.name not in failing, "points": float(tc.points or 0),
                 "message": failing.get(tc.name, "✅ Test case passed")} for tc in tcs]
        total = float(sum(r["points"] for r in rows))
        questions.append({"question": question, "score": float(sum(r["points"] for r in rows if r["passed"])),
                          "max_points": total, "cases": rows})
    max_score = float(settings().assignments[assignment]["auto_points"])
    return GradeResult(student, assignment, float(sum(q["score"] for q in questions)), max_score, status,
                       "" if status == "graded" else f"example {status}", questions, seconds, "full")


def write_result(grades: Path, result: GradeResult) -> Path:
    """``grades/results/<student>__<assignment>.json``."""
    path = grades / "results" / f"{result.student_id}__{result.assignment}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(result), indent=1))
    return path


def write_result_batch(grades: Path, students: int, seed: int = 0, assignment: str = A1) -> list[GradeResult]:
    """``students`` results of ``assignment`` with random failures: each case fails for about one
    student in (2 + its position) with one of two messages; a few timeouts, errors and invalid
    notebooks; grading times of 5-40 s."""
    rng = random.Random(seed)
    cases = otter_cases(assignment)
    names = [tc.name for tcs in cases.values() for tc in tcs]
    results = []
    for i in range(students):
        failing = {name: rng.choice(["AssertionError: wrong shape", "ValueError: operands could not be broadcast"])
                   for k, name in enumerate(names) if rng.random() < 1 / (2 + k % 7)}
        status = rng.choices(["graded", "timeout", "error", "invalid"], [0.9, 0.04, 0.03, 0.03])[0]
        result = make_result(f"student{i:03d}", assignment, failing, status=status,
                             seconds=round(rng.uniform(5, 40), 2), cases=cases)
        write_result(grades, result)
        results.append(result)
    return results


# --- nbgrader's gradebook -------------------------------------------------------------------------


@contextlib.contextmanager
def _tools_on_path() -> Iterator[None]:
    """This interpreter's folder first on PATH: a new gradebook runs ``alembic`` from there."""
    saved = os.environ.get("PATH", "")
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), saved])
    try:
        yield
    finally:
        os.environ["PATH"] = saved


def write_gradebook(path: Path, grades: dict[str, dict[str, float]], assignment: str = A1) -> str:
    """An nbgrader gradebook at ``path`` with ``assignment``'s cells as ``nbgrader generate_assignment``
    records them (from the release notebook), and one autograded submission per student of
    ``grades`` (student -> grade id -> score; an answer cell's score is a grader's, the others the
    autograder's; cells not named score 0 and still need grading by hand if they are answers).

    Returns:
        The database URL.
    """
    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    url = f"sqlite:///{path}"
    cells = [(notebooks.nbgrader_meta(c), c.cell_type) for c in release_notebook(assignment).cells]
    with _tools_on_path(), warnings.catch_warnings(), Gradebook(url) as gb:
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's add_submission, harmless
        gb.add_assignment(assignment)
        gb.add_notebook(assignment, assignment)
        for meta, cell_type in cells:
            if meta.get("grade"):
                gb.add_grade_cell(meta["grade_id"], assignment, assignment, max_score=meta["points"], cell_type=cell_type)
            if meta.get("solution"):
                gb.add_solution_cell(meta["grade_id"], assignment, assignment)
        for student, scores in grades.items():
            gb.add_student(student)
            gb.add_submission(assignment, student)
            for meta, _cell_type in cells:
                if meta.get("grade"):
                    grade = gb.find_grade(meta["grade_id"], assignment, assignment, student)
                    answer = bool(meta.get("solution"))
                    grade.auto_score = None if answer else scores.get(meta["grade_id"], 0.0)
                    grade.manual_score = scores.get(meta["grade_id"]) if answer else None
                    grade.needs_manual_grade = answer and meta["grade_id"] not in scores
        gb.db.commit()
    return url
