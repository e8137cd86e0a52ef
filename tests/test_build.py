"""The generated files: public test extraction, staleness of what is committed, no leaks."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from cnnkit import notebooks
from cnnkit.checks import load_test_file
from cnnkit.build import CoursePaths, build, otter_zip_tests, public_test_source, wheel_sources
from cnnkit.config import settings
from tests.conftest import ROOT, course_env

ASSIGNMENTS = list(settings().assignments) if (ROOT / "course_config.py").is_file() else []

FULL_TEST_FILE = '''"""demo: a docstring."""
import numpy as np
from otter.test_files import test_case

name = "demo"
points = 2
all_or_nothing = True

_SECRET = 42
LAYERS = ("a", "b")


def _reference(x):
    return x + _SECRET


@test_case(points=1, hidden=False)
def public_case(f):
    assert f(1) == 43


@test_case(points=1, hidden=True)
def hidden_case(f):
    assert f(2) == _reference(2)
'''


def test_public_test_source_keeps_public_cases_only():
    """The release copy keeps settings, imports and public cases; hidden cases and helpers go."""
    public = public_test_source(FULL_TEST_FILE)
    assert "def public_case" in public and '"""demo: a docstring."""' in public
    assert "points = 2" in public and "all_or_nothing = True" in public and "LAYERS = " in public
    for secret in ("hidden_case", "_reference", "SECRET"):
        assert secret not in public
    namespace: dict = {}
    exec(compile(public, "public.py", "exec"), namespace)  # still a valid test file
    assert namespace["name"] == "demo"


@pytest.fixture(scope="module")
def fresh_build(tmp_path_factory) -> CoursePaths:
    """A build of every assignment into a scratch folder (solutions not executed)."""
    paths = CoursePaths(ROOT, tmp_path_factory.mktemp("build"))
    with course_env():
        build(paths, ASSIGNMENTS, execute_solutions=False)
    return paths


def _cells(path: Path) -> list[tuple[str, str, dict]]:
    nb = nbformat.read(path, as_version=4)
    return [(c.cell_type, c.source, dict(c.metadata.get("nbgrader", {}))) for c in nb.cells]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_committed_files_are_up_to_date(fresh_build: CoursePaths, assignment: str):
    """release/, examples/, solutions/ and the otter zip match their sources (run `cnnkit build`)."""
    committed = CoursePaths(ROOT, ROOT)
    hint = "stale generated files: run `cnnkit build` and commit the result"
    for path_of in (lambda p: p.release_dir(assignment) / f"{assignment}.ipynb",
                    *(lambda p, s=s: p.example_dir(s, assignment) / f"{assignment}.ipynb"
                      for s in ("correct", "partial", "untouched"))):
        assert _cells(path_of(committed)) == _cells(path_of(fresh_build)), f"{path_of(committed)}: {hint}"
    fresh_tests = sorted((fresh_build.release_dir(assignment) / "tests").glob("*.py"))
    committed_tests = sorted((committed.release_dir(assignment) / "tests").glob("*.py"))
    assert [p.name for p in committed_tests] == [p.name for p in fresh_tests], hint
    for ours, theirs in zip(committed_tests, fresh_tests):
        assert ours.read_text() == theirs.read_text(), f"{ours}: {hint}"
    assert otter_zip_tests(committed.otter_zip(assignment)) == otter_zip_tests(fresh_build.otter_zip(assignment)), hint
    # Solutions: compare cell sources (outputs of an execution are not bit-exact).
    expected = notebooks.publishable_solution(notebooks.read_notebook(committed.source_notebook(assignment)))
    solution = notebooks.read_notebook(committed.solution_notebook(assignment))
    assert [c.source for c in solution.cells] == [c.source for c in expected.cells], f"solutions/{assignment}: {hint}"


def test_student_package_is_up_to_date(fresh_build: CoursePaths):
    """release/ ships the current cnnkit wheel (course_config.py included) and its requirements."""
    committed = sorted((ROOT / "release").glob("cnnkit-*.whl"))
    fresh = sorted((fresh_build.out / "release").glob("cnnkit-*.whl"))
    assert [p.name for p in committed] == [p.name for p in fresh] and len(fresh) == 1
    sources = wheel_sources(committed[0])
    assert "course_config.py" in sources and "cnnkit/data.py" in sources
    assert sources == wheel_sources(fresh[0]), "stale cnnkit wheel in release/: run `cnnkit build`"
    assert not [name for name in sources if not name.startswith(("cnnkit/", "course_config.py"))]
    requirements = (ROOT / "release" / "requirements.txt").read_text()
    assert requirements == (fresh_build.out / "release" / "requirements.txt").read_text()
    assert f"./{committed[0].name}" in requirements


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solutions_were_executed_without_errors(assignment: str):
    """The published solutions carry their outputs (figures included) and no error."""
    nb = notebooks.read_notebook(CoursePaths(ROOT, ROOT).solution_notebook(assignment))
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), "no figure in the executed solution"
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code" and c.source.strip())


def _released_texts(assignment: str) -> list[str]:
    """Every released file of an assignment as text (notebooks: their cell sources)."""
    texts = []
    for path in (ROOT / "release" / assignment).rglob("*"):
        if path.suffix == ".ipynb":
            texts += [cell.source for cell in notebooks.read_notebook(path).cells]
        elif path.is_file() and path.suffix in (".py", ".txt", ".md", ".json"):
            texts.append(path.read_text(errors="replace"))
    return texts


def _hidden_case_bodies(test_file: Path) -> list[list[str]]:
    """The source lines of each hidden test case and private helper of a full test file."""
    source = test_file.read_text()
    lines = source.splitlines()
    public = set(public_test_source(source).splitlines())
    bodies = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef):
            body = lines[node.lineno - 1:node.end_lineno]
            if not set(body) <= public:
                bodies.append(body)
    return bodies


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_has_no_solutions_and_no_hidden_tests(assignment: str):
    """No solution code and no hidden-test code under release/<id>/: no three consecutive lines
    of a solution region or of a hidden test case appear there."""
    released_texts = _released_texts(assignment)
    released = "\n".join(released_texts)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "hidden=True"):
        assert marker not in released
    shown = set().union(*(_windows(text.splitlines()) for text in released_texts))
    source_nb = notebooks.read_notebook(CoursePaths(ROOT, ROOT).source_notebook(assignment))
    secrets = [region.splitlines() for cell in source_nb.cells
               for region in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source, re.S)]
    secrets += [body for test_file in (ROOT / "autograder" / assignment / "tests").glob("*.py")
                for body in _hidden_case_bodies(test_file)]
    windows = set().union(*(_windows(secret) for secret in secrets))
    assert windows, "found nothing to look for: the check would be vacuous"
    # Code the notebook shows students on purpose (e.g. the model a test rebuilds) is no leak.
    public_material = set().union(*(
        _windows(re.sub(r"### BEGIN SOLUTION\n.*?### END SOLUTION", "", notebooks.strip_hidden_tests(cell.source), flags=re.S).splitlines())
        for cell in source_nb.cells if not notebooks.is_solution_cell(cell)))
    leaked = sorted((windows & shown) - public_material)
    assert not leaked, f"release/{assignment} leaks: {leaked[:3]}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_test_files_and_points_agree(assignment: str):
    """Each test file is in otter's exception format (``OK_FORMAT = False``, all or nothing), named
    after its question, with public and hidden cases whose points sum to the file's; each test cell
    of the source notebook has its file and the same points; course_config has the totals."""
    source_nb = notebooks.read_notebook(CoursePaths(ROOT, ROOT).source_notebook(assignment))
    cells = {re.search(r'grader\.check\("(\w+)"\)', cell.source).group(1): notebooks.nbgrader_meta(cell)["points"]
             for cell in source_nb.cells if notebooks.is_autograded_test(cell)}
    paths = sorted((ROOT / "autograder" / assignment / "tests").glob("*.py"))
    assert sorted(cells) == [p.stem for p in paths], "every test cell needs a test file and vice versa"
    for path in paths:
        declared = {node.targets[0].id: ast.literal_eval(node.value) for node in ast.parse(path.read_text()).body
                    if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
                    and node.targets[0].id in ("OK_FORMAT", "name", "points", "all_or_nothing")}
        assert declared == {"OK_FORMAT": False, "name": path.stem, "points": declared.get("points"),
                            "all_or_nothing": True}, path
        cases = load_test_file(path, public_only=False).test_cases
        assert sum(tc.points for tc in cases) == pytest.approx(declared["points"]) == pytest.approx(cells[path.stem])
        assert any(tc.hidden for tc in cases) and any(not tc.hidden for tc in cases), f"{path}: public and hidden cases"
    manual = sum(notebooks.nbgrader_meta(c)["points"] for c in source_nb.cells
                 if c.cell_type == "markdown" and notebooks.nbgrader_meta(c).get("grade"))
    entry = settings().assignments[assignment]
    assert entry["auto_points"] == pytest.approx(sum(cells.values()))
    assert entry["manual_points"] == pytest.approx(manual)


def _windows(lines: list[str], size: int = 3) -> set[tuple[str, ...]]:
    lines = [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
    return {tuple(lines[i:i + size]) for i in range(len(lines) - size + 1)}


def test_cnnkit_package_holds_no_hidden_tests():
    """Students get the cnnkit package: no hidden test case and no solution (three consecutive
    lines of a solution region) may live there."""
    sources = [p.read_text() for p in (ROOT / "cnnkit").rglob("*.py")]
    assert not any(re.search(r"@test_case\(.*hidden=True", text) for text in sources)
    package = set().union(*(_windows(text.splitlines()) for text in sources))
    for assignment in ASSIGNMENTS:
        source_nb = notebooks.read_notebook(CoursePaths(ROOT, ROOT).source_notebook(assignment))
        for cell in source_nb.cells:
            for region in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source, re.S):
                shared = _windows(region.splitlines()) & package
                assert not shared, f"{assignment}: solution code in cnnkit: {sorted(shared)[:2]}"
