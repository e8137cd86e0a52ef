"""Which cells the grader leaves out (cnnkit_course/grading/demonstrations.py), and in which order
a batch grades its submissions."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from cnnkit_course import notebooks
from cnnkit_course.grading import demonstrations
from cnnkit_course.grading.batch import Submission, longest_first
from cnnkit_course.paths import CoursePaths
from tests.conftest import ROOT, course_env

COURSE = CoursePaths.of(ROOT)
TESTS = '''
from otter.test_files import test_case

@test_case(points=1)
def case(shown_table, helper_argument=None):
    def inner(unrelated):
        return unrelated
    return inner(shown_table)
'''


def _cell(source: str, demonstration: bool = False) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    if demonstration:
        cell.metadata["cnnkit"] = {"demonstration": True}
    return cell


def _skipped(cells: list[nbformat.NotebookNode], submitted: dict[int, str] | None = None,
             tests: str = TESTS) -> set[int]:
    release = nbformat.v4.new_notebook(cells=cells)
    nb = nbformat.v4.new_notebook(cells=[_cell(submitted.get(i, c.source)) if submitted else _cell(c.source)
                                         for i, c in enumerate(cells)])
    return demonstrations.cells_to_skip(nb, release, [tests], set(range(len(cells))))


def test_a_demonstration_nothing_reads_is_skipped_and_chains_of_them_too():
    """A marked cell whose names nobody reads later is left out; so is a marked cell read only by
    a skipped one; unmarked cells always run."""
    cells = [_cell("data = [1, 2, 3]"), _cell("best = max(data)", True), _cell("print(best * 2)\nfigure = 1", True),
             _cell("unmarked = sum(data)")]
    assert _skipped(cells) == {1, 2}


@pytest.mark.parametrize("later", [
    "print(best)", "def f():\n    return best", "if True:\n    best = 1\nprint(best)", "x = [best for _ in range(2)]",
    "for _ in []:\n    best = 1\nprint(best)", "print(globals()['zzz'])", "%timeit 1", "eval('1')",
], ids=["read", "read in a function", "read after a branch binds it", "read in a comprehension",
        "read after a loop binds it", "globals()", "magic (does not parse)", "eval"])
def test_a_demonstration_runs_when_a_later_cell_may_read_its_names(later: str):
    cells = [_cell("best = 3", True), _cell(later)]
    assert _skipped(cells) == set()


@pytest.mark.parametrize("later", [
    "for best in range(3):\n    print(best)", "def f(best):\n    return best", "best = 4\nprint(best)",
    "with open('f') as best:\n    print(best)", "g = lambda best: best", "y = [best for best in range(2)]",
], ids=["loop variable", "parameter", "assigned before it is read", "with target", "lambda parameter",
        "comprehension variable"])
def test_names_a_later_cell_binds_before_reading_them_are_not_reads(later: str):
    assert _skipped([_cell("best = 3", True), _cell(later)]) == {0}


@pytest.mark.parametrize("demonstration", ["ys = [best := y for y in range(3)]", "total = sum(best := y for y in [1])"],
                         ids=["list comprehension", "generator"])
def test_a_name_an_assignment_expression_binds_in_a_comprehension_is_the_cells(demonstration: str):
    """``:=`` in a comprehension binds in the cell's scope: a later read of it keeps the cell."""
    assert _skipped([_cell(demonstration, True), _cell("print(best)")]) == set()
    assert _skipped([_cell(demonstration, True), _cell("print(y)")]) == {0}


def test_a_demonstration_the_student_changed_or_a_test_asks_for_runs():
    """A submitted cell that is not exactly the release's runs; so does one binding a name a test
    case takes (a parameter of a test_case function, not of a helper inside it)."""
    cells = [_cell("best = 3", True), _cell("shown_table = {}", True), _cell("unrelated = 1", True)]
    assert _skipped(cells, submitted={0: "best = 3  # mine"}) == {2}


def test_a_test_file_that_does_not_parse_keeps_every_cell():
    assert _skipped([_cell("best = 3", True)], tests="def broken(:\n") == set()


@pytest.mark.parametrize("assignment", sorted(p.name for p in (ROOT / "release").iterdir() if (p / f"{p.name}.ipynb").is_file()))
def test_every_marked_cell_of_a_release_is_left_out_when_its_solution_is_graded(assignment: str):
    """The author's marks are consistent: on the solved notebook (what a correct submission is)
    each marked cell is skipped, so a mark never sits on a cell that something later needs."""
    release = notebooks.read_notebook(COURSE.release_notebook(assignment))
    solved = notebooks.solved_notebook(release, notebooks.read_notebook(COURSE.source_notebook(assignment)))
    tests = [p.read_text() for p in sorted(COURSE.full_tests(assignment).glob("*.py"))]
    run = {i for i, c in enumerate(solved.cells) if c.cell_type == "code" and not notebooks.is_autograded_test(c)}
    marked = {i for i, c in enumerate(solved.cells) if c.source in {r.source for r in release.cells
                                                                    if demonstrations.is_demonstration(r)}}
    assert demonstrations.cells_to_skip(solved, release, tests, run) == marked


def test_a_batch_grades_the_assignments_with_the_most_hidden_test_code_first():
    subs = [Submission(student, a, Path(student) / a) for student in ("ann", "bob")
            for a in ("a2_pooling", "a6_text_segmentation", "a1_convolution")]
    with course_env():
        order = [(s.assignment, s.student_id) for s in longest_first(subs)]
    assert order == [("a6_text_segmentation", "ann"), ("a6_text_segmentation", "bob"), ("a1_convolution", "ann"),
                     ("a1_convolution", "bob"), ("a2_pooling", "ann"), ("a2_pooling", "bob")]
