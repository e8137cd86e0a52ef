"""The instructor's term, end to end, with the real nbgrader command line and gradebook.

On a temporary course folder (a copy of this repository's course files, one assignment):
``cnnkit build`` -> the assignment is registered in nbgrader's gradebook -> one student's submission
arrives as an LMS download (``nbgrader zip_collect``), another in nbgrader's ``submitted/`` layout
(as ``nbgrader collect`` leaves it) -> ``nbgrader autograde`` -> the free-text answer is graded by
hand through nbgrader's gradebook API -> ``nbgrader generate_feedback`` and the kit's post-processing
(no hidden-test code in the students' HTML) -> ``nbgrader export``, whose CSV must hold the automatic
and the manual points. Every command is the one the README's instructor section shows.

Also here: ``nbgrader autograde`` stops an infinite loop at the configured cell timeout, and a
student's ``nbgrader validate`` (JupyterLab's Validate button) in the release folder alone, without
the course repository, loads the saved models instead of training and passes.
"""

from __future__ import annotations

import csv
import hashlib
import html
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from cnnkit_course import notebooks
from cnnkit_course.feedback import HIDDEN_NOTE
from cnnkit.checks import load_test_file
from tests.conftest import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.serial]  # nbgrader's commands and sandboxed grading

ASSIGNMENT = "a2_pooling"          # fast to execute (about 10 s per notebook)
FREE_TEXT = "answer_d"             # its hand-graded cell
#: How an LMS names the files of a bulk download (Blackboard's, nbgrader's documented example):
#: <assignment>_<student>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file name>. The timestamp is not captured:
#: nbgrader's parser (dateutil) reads 2026-03-02-09-30-00 as 09:00, which would misdate submissions.
LMS_REGEXP = r".*_(?P<student_id>[^_/]+)_attempt_[0-9\-]+_(?P<file_id>[^/]+)$"
COURSE_FILES = ("cnnkit", "pyproject.toml", "README.md", "requirements.txt", "course_config.py", "nbgrader_config.py",
                f"source/{ASSIGNMENT}", f"solutions/{ASSIGNMENT}", f"autograder/{ASSIGNMENT}/tests", "autograder/hidden_seed.txt")


def _env(course: Path, **extra: str) -> dict[str, str]:
    return notebooks.kernel_env(CNNKIT_COURSE_ROOT=str(course), CNNKIT_DATA_SOURCE="synthetic",
                                TF_CPP_MIN_LOG_LEVEL="3", **extra)


def _run(course: Path, *command: str, timeout: int = 600) -> subprocess.CompletedProcess:
    """A command of the README, run in the course root; it must succeed."""
    done = subprocess.run(list(command), cwd=course, env=_env(course), capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def _nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    return _run(course, sys.executable, "-m", "nbgrader", *args)


def _auto_points() -> float:
    from cnnkit.config import load_course_config

    return float(load_course_config().ASSIGNMENTS[ASSIGNMENT]["auto_points"])


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A course folder after `cnnkit build`, with the assignment in nbgrader's gradebook."""
    course = tmp_path_factory.mktemp("course")
    for name in COURSE_FILES:
        source, target = ROOT / name, course / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, target)
    # 1. build (solutions are not executed: the workflow needs the release, not the published solution)
    _run(course, sys.executable, "-m", "cnnkit_course", "build", "--assignment", ASSIGNMENT, "--no-execute")
    assert (course / "release" / ASSIGNMENT / "tests").is_dir()
    # 2. the gradebook learns the assignment; nbgrader's own release copy goes aside, so that
    #    release/ keeps the public tests that cnnkit build wrote
    _nbgrader(course, "generate_assignment", ASSIGNMENT, "--force",
              "--CourseDirectory.release_directory=build/nbgrader-release")
    assert (course / "release" / ASSIGNMENT / "tests").is_dir(), "generate_assignment must not touch release/"
    return course


def _hidden_secrets(course: Path) -> set[str]:
    from cnnkit_course.feedback import hidden_test_lines

    secrets = hidden_test_lines(course / "autograder" / ASSIGNMENT / "tests",
                                shown=[course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
                                       course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"])
    assert len(secrets) > 10, "found nothing to look for: the check would be vacuous"
    return secrets


def test_instructor_workflow_end_to_end(course: Path, examples_dir: Path):
    from nbgrader.api import Gradebook

    # 3a. alice hands in through the LMS: its bulk download is a zip of renamed files
    archive = course / "downloaded" / ASSIGNMENT / "archive"
    archive.mkdir(parents=True)
    with zipfile.ZipFile(archive / "lms_download.zip", "w") as bulk:
        bulk.write(examples_dir / "correct" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
                   f"{ASSIGNMENT}_alice_attempt_2026-03-02-09-30-00_{ASSIGNMENT}.ipynb")
        # a file the notebook saved (assignments that train submit their models and histories)
        bulk.writestr(f"{ASSIGNMENT}_alice_attempt_2026-03-02-09-30-00_histories.json", "{}")
    _nbgrader(course, "zip_collect", ASSIGNMENT, f"--FileNameCollectorPlugin.named_regexp={LMS_REGEXP}",
              '--FileNameCollectorPlugin.valid_ext=[".ipynb", ".keras", ".json"]')
    assert (course / "submitted" / "alice" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()
    assert (course / "submitted" / "alice" / ASSIGNMENT / "histories.json").read_text() == "{}"
    # 3b. bob's folder is in nbgrader's submitted/ layout (as `nbgrader collect` leaves it)
    shutil.copytree(examples_dir / "partial" / ASSIGNMENT, course / "submitted" / "bob" / ASSIGNMENT)

    # 4. autograde: the hidden tests run, the scores go to gradebook.db
    _nbgrader(course, "autograde", ASSIGNMENT)
    auto_points = _auto_points()
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        alice = gradebook.find_submission(ASSIGNMENT, "alice")
        bob = gradebook.find_submission(ASSIGNMENT, "bob")
        assert alice.code_score == auto_points, "the correct submission gets every automatic point"
        assert 0 < bob.code_score < auto_points, "the partial submission gets some"
        bob_auto = bob.code_score
        # alice wrote an answer: it waits for a person; bob's is the untouched stub: nbgrader gave 0
        assert alice.needs_manual_grade and not bob.needs_manual_grade

        # 5. hand-grading the free text, through the gradebook API (what the formgrader does)
        grade = gradebook.find_grade(FREE_TEXT, ASSIGNMENT, ASSIGNMENT, "alice")
        manual_max = grade.max_score
        grade.manual_score = manual_max - 0.5
        grade.needs_manual_grade = False  # what the formgrader's "save" does with the score
        comment = gradebook.find_comment(FREE_TEXT, ASSIGNMENT, ASSIGNMENT, "alice")
        comment.manual_comment = "Good: smaller maps and some invariance; the cost of pooling is missing."
        gradebook.db.commit()
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        alice = gradebook.find_submission(ASSIGNMENT, "alice")
        assert not alice.needs_manual_grade
        assert alice.score == auto_points + manual_max - 0.5

    # 6. feedback: nbgrader's generate_feedback leaves the hidden tests' code out (the course's
    # nbgrader_config.py), and the kit's leak check lets it be released
    _nbgrader(course, "generate_feedback", ASSIGNMENT)
    pages = {s: course / "feedback" / s / ASSIGNMENT / f"{ASSIGNMENT}.html" for s in ("alice", "bob")}
    assert all(p.is_file() for p in pages.values())
    done = _run(course, sys.executable, "-m", "cnnkit_course.feedback", ASSIGNMENT)
    assert "show no hidden-test code" in done.stdout
    secrets = _hidden_secrets(course)
    hidden_names = {case.name for test_file in (course / "autograder" / ASSIGNMENT / "tests").glob("*.py")
                    for case in load_test_file(test_file, public_only=False).test_cases if case.hidden}
    for student, page in pages.items():
        page_html = page.read_text()
        text = re.sub(r"<[^>]+>", "", page_html)
        assert HIDDEN_NOTE in html.unescape(text), f"the kit's step did not run in {student}'s generate_feedback"
        for marker in ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS", "hidden=True"):
            assert marker not in page_html and marker not in text, f"{student}'s feedback shows {marker!r}"
        leaked = sorted(line for line in secrets if line in text or line in page_html)
        assert not leaked, f"{student}'s feedback shows hidden test code: {leaked[:3]}"
        assert "Score:" in text and "grader.check(" in text
    alice_text = pages["alice"].read_text()
    assert hidden_names and all(f"passed  {name}" in alice_text for name in hidden_names), \
        "the feedback names every hidden case and says it passed"
    assert "FAILED" in pages["bob"].read_text(), "a failed check says which cases failed"
    assert "Good: smaller maps" in alice_text, "the grader's comment reaches the student"

    # 7. export: the totals hold the manual points
    _nbgrader(course, "export")
    with (course / "grades.csv").open() as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle) if row["assignment"] == ASSIGNMENT}
    assert float(rows["alice"]["score"]) == auto_points + manual_max - 0.5
    assert float(rows["bob"]["score"]) == bob_auto
    assert float(rows["alice"]["max_score"]) == float(rows["bob"]["max_score"]) == auto_points + manual_max


def test_autograde_stops_an_infinite_loop(course: Path, examples_dir: Path):
    """A cell that never ends is interrupted at CELL_TIMEOUT_S; the rest of the notebook is graded."""
    from nbgrader.api import Gradebook

    timeout_s = 8
    config = course / "course_config.py"
    original = config.read_text()
    looping = nbformat.read(examples_dir / "correct" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    looping.cells.insert(2, nbformat.v4.new_code_cell("while True:\n    pass"))
    (course / "submitted" / "looper" / ASSIGNMENT).mkdir(parents=True)
    nbformat.write(looping, course / "submitted" / "looper" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    config.write_text(re.sub(r"(?m)^CELL_TIMEOUT_S = .*$", f"CELL_TIMEOUT_S = {timeout_s}", original))
    try:
        _nbgrader(course, "autograde", ASSIGNMENT, "--student=looper")
    finally:
        config.write_text(original)
    autograded = nbformat.read(course / "autograded" / "looper" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    loop_cell = next(c for c in autograded.cells if c.cell_type == "code" and c.source.startswith("while True"))
    errors = [o for o in loop_cell.outputs if o.output_type == "error"]
    assert errors and ("Timeout" in errors[0].ename or "KeyboardInterrupt" in errors[0].ename), loop_cell.outputs
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        looper = gradebook.find_submission(ASSIGNMENT, "looper")
        assert looper.code_score == _auto_points(), "the cells after the interrupted one were still graded"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_student_validate_loads_the_saved_models(tmp_path: Path, examples_dir: Path):
    """JupyterLab's Validate button (`nbgrader validate`) in the student's folder alone: grading mode
    (NBGRADER_EXECUTION=validate) loads the saved models instead of training, and the public checks
    pass; no course repository, no hidden tests are needed."""
    assignment = "a8_deeper_vs_wider"
    folder = tmp_path / "student" / assignment
    shutil.copytree(examples_dir / "correct" / assignment, folder)
    artefacts = {p.name: _digest(p) for p in folder.iterdir() if p.suffix in (".keras", ".json")}
    assert {"wider.keras", "deeper.keras", "cnn.keras", "histories.json"} <= set(artefacts)
    env = {k: v for k, v in notebooks.kernel_env(CNNKIT_DATA_SOURCE="synthetic", TF_CPP_MIN_LOG_LEVEL="3").items()
           if k not in ("CNNKIT_COURSE_ROOT", "CNNKIT_GRADING")}
    done = subprocess.run([sys.executable, "-m", "nbgrader", "validate", f"{assignment}.ipynb"], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 0 and "Success! Your notebook passes all the tests." in output, output[-3000:]
    assert "trained in" not in output, "validate trained a network"
    assert {p.name: _digest(p) for p in folder.iterdir() if p.suffix in (".keras", ".json")} == artefacts


def _failed_test_cell() -> dict:
    """An autograded test cell whose hidden check raised, as nbgrader's autograde leaves it."""
    source = 'grader.check("q")\n### BEGIN HIDDEN TESTS\ngrader.check("q", hidden=True)\n### END HIDDEN TESTS'
    cell = nbformat.v4.new_code_cell(source, metadata={"nbgrader": {"grade": True, "solution": False, "grade_id": "test_q",
                                                                    "points": 2, "locked": True, "schema_version": 3}})
    traceback = ["\x1b[0;31m----------------------------------------------------------------\x1b[0m",
                 "\x1b[0;31mCheckFailed\x1b[0m                     Traceback (most recent call last)",
                 "\x1b[0;36mCell\x1b[0m \x1b[0;32mIn[10], line 3\x1b[0m\n\x1b[1;32m      1\x1b[0m grader.check(\"q\")\n"
                 "\x1b[0;32m----> 3\x1b[0m grader.check(\"q\", hidden=True)",
                 "\x1b[0;31mCheckFailed\x1b[0m: q: 1 of 2 points\n  passed  public_case (1 pt)\n  FAILED  hidden_case (1 pt)\n"
                 "  hidden test failed: AssertionError: expected 3, got 4"]
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="q: 1 of 2 points\n  FAILED  hidden_case (1 pt)\n"),
                    nbformat.v4.new_output("error", ename="CheckFailed", evalue="q: 1 of 2 points", traceback=traceback)]
    return cell


def test_feedback_keeps_names_and_results_drops_hidden_code():
    """nbgrader's ClearHiddenTests and the kit's HiddenTestFeedback, as nbgrader_config.py configures
    generate_feedback: the public call, the case names with passed/FAILED and the hidden case's
    one-line reason stay; the hidden region, the hidden call and the traceback frames that quote
    them go; the rendered page passes the leak check."""
    from nbconvert import HTMLExporter
    from nbgrader.preprocessors import ClearHiddenTests

    from cnnkit_course.feedback import HiddenTestFeedback, find_leaks

    nb = nbformat.v4.new_notebook(cells=[_failed_test_cell()])
    assert find_leaks(HTMLExporter().from_notebook_node(nb)[0]), "unsanitized, the page shows the hidden test"
    for step in (ClearHiddenTests(), HiddenTestFeedback()):
        nb, _ = step.preprocess(nb, {})
    cell = nb.cells[0]
    assert cell.source == f'grader.check("q")\n{HIDDEN_NOTE}'
    error = "\n".join(cell.outputs[1].traceback)
    assert "Traceback" not in error and "In[10]" not in error and "\x1b" not in error
    page = HTMLExporter().from_notebook_node(nb)[0]
    assert find_leaks(page) == []
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    for kept in ('grader.check("q")', "CheckFailed: q: 1 of 2 points", "passed  public_case",
                 "FAILED  hidden_case", "hidden test failed: AssertionError: expected 3, got 4"):
        assert kept in text, kept
    again, _ = HiddenTestFeedback().preprocess(nbformat.from_dict(nb), {})
    assert again == nb, "running it twice changes nothing more"
