"""The generated files: public test extraction, staleness of what is committed, no leaks."""

from __future__ import annotations

import ast
import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from cnnkit_course import notebooks
from cnnkit.checks import load_test_file
from cnnkit.config import settings
from cnnkit_course import store
from cnnkit_course.build import (otter_zip_tests, public_test_source, student_sources, student_version,
                                 student_wheel, wheel_sources)
from cnnkit_course.paths import CoursePaths
from tests.conftest import COURSE, ROOT, copy_course_files, course_env

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


def _cells(path: Path) -> list[tuple[str, str, dict]]:
    nb = nbformat.read(path, as_version=4)
    return [(c.cell_type, c.source, dict(c.metadata.get("nbgrader", {}))) for c in nb.cells]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_committed_files_are_up_to_date(course_build: CoursePaths, assignment: str):
    """release/ and solutions/ match their sources (run `cnnkit build`); the generated otter zip
    holds the full test files."""
    hint = "stale generated files: run `cnnkit build` and commit the result"
    assert _cells(COURSE.release_notebook(assignment)) == _cells(course_build.release_notebook(assignment)), \
        f"{COURSE.release_notebook(assignment)}: {hint}"
    fresh_tests = sorted((course_build.release_dir(assignment) / "tests").glob("*.py"))
    committed_tests = sorted((COURSE.release_dir(assignment) / "tests").glob("*.py"))
    assert [p.name for p in committed_tests] == [p.name for p in fresh_tests], hint
    for ours, theirs in zip(committed_tests, fresh_tests):
        assert ours.read_text() == theirs.read_text(), f"{ours}: {hint}"
    full_tests = {p.name: p.read_text() for p in COURSE.full_tests(assignment).glob("*.py")}
    assert otter_zip_tests(course_build.otter_zip(assignment)) == full_tests
    # Solutions: compare cell sources (outputs of an execution are not bit-exact).
    expected = notebooks.publishable_solution(notebooks.read_notebook(COURSE.source_notebook(assignment)))
    solution = notebooks.read_notebook(COURSE.solution_notebook(assignment))
    assert [c.source for c in solution.cells] == [c.source for c in expected.cells], f"solutions/{assignment}: {hint}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_stored_models_match_what_trains_them(assignment: str):
    """trained/ and the release files hold what the manifest records, trained from today's
    solution cells, settings and data generator (else: `cnnkit build --assignment ID`)."""
    assert store.problems(COURSE, assignment) == []


def test_a_changed_training_cell_makes_the_store_stale(tmp_path: Path):
    """Editing a code cell of a solution that trains (say, its build_cnn) marks its stored models
    stale, as does editing a model file or a file named in ``trained_with`` (a6's pinned fonts);
    the untouched assignments stay fresh."""
    copy_course_files(("course_config.py", "autograder", "source", "trained", "release", "deploy/fonts"), tmp_path)
    copy = CoursePaths.of(tmp_path)
    notebook = copy.source_notebook("a3_emnist_cnn")
    nb = nbformat.read(notebook, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code" and "def build_cnn" in c.source)
    cell.source += "\n# a changed line\n"
    nbformat.write(nb, notebook)
    (copy.trained("a4_regularization") / "dense_small.keras").write_bytes(b"not the trained model")
    with course_env(CNNKIT_COURSE_ROOT=str(tmp_path)):
        assert store.problems(copy, "a6_text_segmentation") == []
        fonts = tmp_path / "deploy" / "fonts" / "package.json"
        fonts.write_text(fonts.read_text().replace('"dependencies": {', '"dependencies": {"@fontsource/kalam": "5.0.0", ', 1))
        assert any("deploy/fonts/package.json" in p for p in store.problems(copy, "a6_text_segmentation"))
        fonts.unlink()
        with pytest.raises(FileNotFoundError, match="deploy/fonts/package.json, named in a6_text_segmentation's trained_with"):
            store.problems(copy, "a6_text_segmentation")
        assert any("solution code cells changed" in p for p in store.problems(copy, "a3_emnist_cnn"))
        assert any("dense_small.keras is not the file" in p for p in store.problems(copy, "a4_regularization"))
        assert store.problems(copy, "a5_mobile_export") == []


def test_nbgraders_generate_in_the_course_folder_gives_the_committed_release(tmp_path: Path):
    """The formgrader's *Generate* (``nbgrader generate_assignment --force`` in the course folder
    itself, which first removes that release) gives what ``cnnkit build`` commits: nbgrader's
    notebook and the kit's public test files beside it."""
    assignment = "a1_convolution"
    course = tmp_path / "course"
    copy_course_files(("course_config.py", "nbgrader_config.py", f"source/{assignment}", f"autograder/{assignment}/tests",
                       f"release/{assignment}"), course)
    shutil.rmtree(course / "release" / assignment / "tests")
    done = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force", "--no-db"],
                          cwd=course, capture_output=True, text=True, timeout=300, env=notebooks.kernel_env())
    assert done.returncode == 0, done.stderr[-3000:]
    released, committed = (root / "release" / assignment for root in (course, ROOT))
    assert sorted(p.name for p in (released / "tests").iterdir()) == sorted(p.name for p in (committed / "tests").iterdir())
    for test_file in (committed / "tests").iterdir():
        assert (released / "tests" / test_file.name).read_text() == test_file.read_text(), test_file.name
    assert [c.source for c in nbformat.read(released / f"{assignment}.ipynb", as_version=4).cells] == \
        [c.source for c in nbformat.read(committed / f"{assignment}.ipynb", as_version=4).cells]


def test_student_package_is_up_to_date(course_build: CoursePaths):
    """release/ ships the current student wheel: the student library and course_config.py, no
    course tooling, no grader; its version names its content; no test tool in its requirements."""
    committed, fresh = student_wheel(COURSE), student_wheel(course_build)
    assert committed.name == fresh.name, "stale cnnkit wheel in release/: run `cnnkit build`"
    sources = wheel_sources(committed)
    assert sources == wheel_sources(fresh), "stale cnnkit wheel in release/: run `cnnkit build`"
    student_modules = {f"cnnkit/{p.name}" for p in (ROOT / "cnnkit").glob("*.py")}
    assert set(sources) == student_modules | {"course_config.py"}
    assert {"cnnkit/checks.py", "cnnkit/data.py", "cnnkit/guards.py"} <= set(sources)
    assert committed.name == f"cnnkit-{student_version(student_sources(ROOT))}-py3-none-any.whl"
    requirements = (COURSE.release_root / "requirements.txt").read_text()
    assert requirements == (course_build.release_root / "requirements.txt").read_text()
    assert f"./{committed.name}" in requirements
    assert not re.search(r"(?m)^(pytest|playwright|pyflakes)\b", requirements)


def test_the_wheel_version_follows_its_content():
    """Any change of a student module or of course_config.py gives another version."""
    sources = student_sources(ROOT)
    versions = {student_version(sources)}
    for name in ("cnnkit/sandbox_free.py", "cnnkit/plots.py", "course_config.py"):
        versions.add(student_version({**sources, name: sources.get(name, b"") + b"\n# edited\n"}))
    assert len(versions) == 4


def test_no_binary_is_committed_twice():
    """Every committed model, zip, wheel or array file is distinct (one copy of each)."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    binaries = [ROOT / name.decode() for name in listed
                if name.decode().endswith((".keras", ".tflite", ".h5", ".npz", ".zip", ".whl"))]
    assert binaries, "found no committed binary: the check would be vacuous"
    digests = [hashlib.sha256(path.read_bytes()).hexdigest() for path in binaries if path.is_file()]
    assert len(set(digests)) == len(digests)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solutions_were_executed_without_errors(assignment: str):
    """The published solutions carry their outputs (figures included) and no error."""
    nb = notebooks.read_notebook(COURSE.solution_notebook(assignment))
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), "no figure in the executed solution"
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code" and c.source.strip())


def _released_texts(assignment: str) -> list[str]:
    """Every released file of an assignment as text (notebooks: their cell sources)."""
    texts = []
    for path in COURSE.release_dir(assignment).rglob("*"):
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
    source_nb = notebooks.read_notebook(COURSE.source_notebook(assignment))
    secrets = [region.splitlines() for cell in source_nb.cells
               for region in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source, re.S)]
    secrets += [body for test_file in COURSE.full_tests(assignment).glob("*.py")
                for body in _hidden_case_bodies(test_file)]
    windows = set().union(*(_windows(secret) for secret in secrets))
    assert windows, "found nothing to look for: the check would be vacuous"
    # Code the notebook shows students on purpose (e.g. the model a test rebuilds) is no leak.
    public_material = set().union(*(
        _windows(re.sub(r"### BEGIN SOLUTION\n.*?### END SOLUTION", "", notebooks.strip_hidden_tests(cell.source), flags=re.S).splitlines())
        for cell in source_nb.cells if not notebooks.is_solution_cell(cell)))
    # ... and so are the public cases' own lines (a hidden case may repeat a public assertion).
    public_material |= set().union(*(_windows(public_test_source(path.read_text()).splitlines())
                                     for path in COURSE.full_tests(assignment).glob("*.py")))
    leaked = sorted((windows & shown) - public_material)
    assert not leaked, f"release/{assignment} leaks: {leaked[:3]}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_test_files_and_points_agree(assignment: str):
    """Each test file is in otter's exception format (``OK_FORMAT = False``), scored per case (not
    ``all_or_nothing``), named after its question, with public and hidden cases whose points sum to
    the file's and a ``hidden_checks`` sentence; each test cell of the source notebook has its file
    and the same points; course_config has the totals."""
    source_nb = notebooks.read_notebook(COURSE.source_notebook(assignment))
    cells = {re.search(r'grader\.check\("(\w+)"\)', cell.source).group(1): notebooks.nbgrader_meta(cell)["points"]
             for cell in source_nb.cells if notebooks.is_autograded_test(cell)}
    paths = sorted(COURSE.full_tests(assignment).glob("*.py"))
    assert sorted(cells) == [p.stem for p in paths], "every test cell needs a test file and vice versa"
    for path in paths:
        declared = {node.targets[0].id: ast.literal_eval(node.value) for node in ast.parse(path.read_text()).body
                    if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
                    and node.targets[0].id in ("OK_FORMAT", "name", "points", "all_or_nothing", "hidden_checks")}
        hidden_checks = declared.pop("hidden_checks", "")
        assert declared == {"OK_FORMAT": False, "name": path.stem, "points": declared.get("points")}, path
        assert isinstance(hidden_checks, str) and hidden_checks.strip(), f"{path}: say what the hidden cases verify"
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
        source_nb = notebooks.read_notebook(COURSE.source_notebook(assignment))
        for cell in source_nb.cells:
            for region in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source, re.S):
                shared = _windows(region.splitlines()) & package
                assert not shared, f"{assignment}: solution code in cnnkit: {sorted(shared)[:2]}"


def test_student_library_stands_alone():
    """No module of the student wheel imports the course tooling or the grader (their absence
    on a student's machine breaks nothing), and the guards know the grader's stand-ins by a marker."""
    from cnnkit import guards
    from cnnkit_course.grading.judge import RemoteObject

    for path in sorted((ROOT / "cnnkit").glob("*.py")):
        imported = {node.module if isinstance(node, ast.ImportFrom) else alias.name
                    for node in ast.walk(ast.parse(path.read_text()))
                    if isinstance(node, (ast.Import, ast.ImportFrom))
                    for alias in (node.names if isinstance(node, ast.Import) else [None])}
        assert not {name for name in imported if name and name.startswith("cnnkit_course")}, path
    assert getattr(RemoteObject, guards.REMOTE_MARKER) is True


def test_code_has_no_unused_names_or_imports():
    """pyflakes finds nothing in the kit's packages, tests and benchmarks."""
    done = subprocess.run([sys.executable, "-m", "pyflakes", "cnnkit", "cnnkit_course", "tests", "benchmarks"],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
