"""`cnnkit grade`, `cnnkit validate` and the agreement of every grading path."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from cnnkit.config import settings
from cnnkit.notebooks import kernel_env
from cnnkit.grading import CSV_COLUMNS, grade_batch
from tests.conftest import ROOT, course_env

ASSIGNMENTS = list(settings().assignments)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_example_submissions_score_full_partial_zero(graded_examples, assignment: str):
    """The correct example gets full marks, the partial one partial marks, the release zero."""
    results, _ = graded_examples
    correct, partial, untouched = (results[(s, assignment)] for s in ("correct", "partial", "untouched"))
    assert correct.status == "graded" and correct.score == correct.max_score > 0, correct.reason
    assert partial.status == "graded" and 0 < partial.score < partial.max_score
    assert untouched.status == "graded" and untouched.score == 0
    assert correct.max_score == settings().assignments[assignment]["auto_points"]
    assert sum(q["max_points"] for q in correct.questions) == correct.max_score


def test_grades_csv_has_the_documented_columns(graded_examples):
    """grades.csv: student_id,assignment,score,max_score,status, one row per submission."""
    results, out = graded_examples
    with (out / "grades.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == len(results)
    assert {(r["student_id"], r["assignment"]) for r in rows} == set(results)
    for row in rows:
        assert json.loads((out / "results" / f"{row['student_id']}__{row['assignment']}.json").read_text())


def _broken_batch(tmp_path: Path) -> Path:
    """A submitted/ folder of broken submissions of a1 plus one correct one."""
    assignment = ASSIGNMENTS[0]
    submitted = tmp_path / "submitted"
    good = ROOT / "examples" / "submitted" / "correct" / assignment
    shutil.copytree(good, submitted / "good" / assignment)
    cases = {
        "not_json": b"{ this is not json",
        "empty": b"",
        "wrong_assignment": (ROOT / "release" / ASSIGNMENTS[1] / f"{ASSIGNMENTS[1]}.ipynb").read_bytes(),
    }
    for student, content in cases.items():
        (submitted / student / assignment).mkdir(parents=True)
        (submitted / student / assignment / f"{assignment}.ipynb").write_bytes(content)
    (submitted / "no_notebook" / assignment).mkdir(parents=True)
    looping = nbformat.read(good / f"{assignment}.ipynb", as_version=4)
    looping.cells.insert(2, nbformat.v4.new_code_cell("while True:\n    pass"))
    (submitted / "infinite_loop" / assignment).mkdir(parents=True)
    nbformat.write(looping, submitted / "infinite_loop" / assignment / f"{assignment}.ipynb")
    return submitted


def test_broken_submissions_get_a_status_and_never_stop_the_batch(tmp_path: Path):
    """Invalid JSON, empty file, wrong assignment, missing notebook, infinite loop: each ends
    with its status and reason; the good submission beside them is graded in full."""
    course = tmp_path / "course"
    shutil.copytree(ROOT, course, ignore=shutil.ignore_patterns(".venv", ".git", "build", "examples", "solutions"))
    config_text = (ROOT / "course_config.py").read_text()
    (course / "course_config.py").write_text(re.sub(r"(?m)^CELL_TIMEOUT_S = .*$", "CELL_TIMEOUT_S = 10", config_text))
    submitted = _broken_batch(tmp_path)
    with course_env(CNNKIT_COURSE_ROOT=str(course)):
        results = {r.student_id: r for r in grade_batch(submitted, tmp_path / "out", workers=2)}
    max_score = settings().assignments[ASSIGNMENTS[0]]["auto_points"]
    assert results["good"].status == "graded" and results["good"].score == max_score
    for student in ("not_json", "empty", "wrong_assignment", "no_notebook"):
        assert results[student].status == "invalid" and results[student].score == 0, student
        assert results[student].reason
    assert "not a readable notebook" in results["not_json"].reason
    assert "empty" in results["empty"].reason
    assert "not a notebook of" in results["wrong_assignment"].reason
    assert "missing" in results["no_notebook"].reason
    looping = results["infinite_loop"]
    assert looping.status == "timeout" and "10 s" in looping.reason
    assert looping.score == max_score, "the work that does run must still be scored"


def test_resume_skips_graded_submissions(tmp_path: Path, graded_examples):
    """--resume grades only what has no result yet."""
    _, out = graded_examples
    target = tmp_path / "out"
    shutil.copytree(out, target)
    first = sorted((target / "results").glob("*.json"))[0]
    first.unlink()
    with course_env():
        results = grade_batch(ROOT / "examples" / "submitted", target, resume=True)
    assert len(results) == len(list((out / "results").glob("*.json")))
    assert (target / "results" / first.name).is_file()


def test_validate_solutions_pass_release_fails():
    """`cnnkit validate`: the solution passes all its tests, the release notebook fails them (on
    the two fastest assignments; the example submissions cover the solutions of all of them)."""
    with course_env():
        done = subprocess.run([sys.executable, "-m", "cnnkit", "validate", "--assignment", "a1_convolution",
                               "--assignment", "a2_pooling"], cwd=ROOT,
                              capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "all solutions pass" in done.stdout


def _nbgrader(course: Path, *args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}",
                           f"--NbGrader.config_file={course / 'nbgrader_config.py'}"],
                          cwd=course, capture_output=True, text=True, timeout=900, env=kernel_env())
    assert done.returncode == 0, done.stderr[-4000:]


def test_nbgrader_otter_and_cnnkit_agree(tmp_path: Path, graded_examples):
    """On the example submissions of every assignment, `nbgrader autograde` gives the automatic
    scores that `cnnkit grade` gives, and so does `otter run` (on the partial ones)."""
    from nbgrader.api import Gradebook

    results, _ = graded_examples
    course = tmp_path / "course"
    for name in ("source", "release", "autograder", "course_config.py", "nbgrader_config.py"):
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, course / name)
    shutil.copytree(ROOT / "examples" / "submitted", course / "submitted")
    with course_env(CNNKIT_COURSE_ROOT=str(course)):
        for assignment in ASSIGNMENTS:
            _nbgrader(course, "generate_assignment", assignment, "--force")
            _nbgrader(course, "autograde", assignment, "--force")
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
            nbgrader_scores = {(s.student.id, s.assignment.name): s.score
                               for a in ASSIGNMENTS for s in gradebook.find_assignment(a).submissions}
        otter_scores = {}
        # otter on the partial examples: a score strictly between zero and full says the most.
        for (student, assignment) in (key for key in results if key[0] == "partial"):
            out = tmp_path / "otter" / student / assignment
            out.mkdir(parents=True)
            done = subprocess.run(
                [sys.executable, "-m", "otter", "run", "-a", str(ROOT / "autograder" / assignment / "autograder.zip"),
                 "-o", str(out), "--no-logo",
                 str(ROOT / "examples" / "submitted" / student / assignment / f"{assignment}.ipynb")],
                capture_output=True, text=True, timeout=900, env={**os.environ, "CNNKIT_GRADING": "1"})
            assert done.returncode == 0, done.stderr[-3000:]
            otter_scores[(student, assignment)] = json.loads((out / "results.json").read_text())
    for key, result in results.items():
        # Free-text cells are not graded yet, so nbgrader's total holds the automatic points only.
        assert nbgrader_scores[key] == pytest.approx(result.score), key
        if key not in otter_scores:
            continue
        otter = otter_scores[key]
        otter_total = sum(t.get("score", 0) for t in otter["tests"])  # the public summary has no score
        assert otter_total == pytest.approx(result.score), key
