"""`cnnkit grade`, `cnnkit validate` and the agreement of every grading path."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from cnnkit.config import settings
from cnnkit_course.grading.batch import CSV_COLUMNS
from cnnkit_course.notebooks import kernel_env
from cnnkit_course.paths import EXAMPLE_STUDENTS, CoursePaths
from tests.conftest import ROOT, course_env

pytestmark = pytest.mark.slow  # grading batches

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
        result = json.loads((out / "results" / f"{row['student_id']}__{row['assignment']}.json").read_text())
        assert (result["student_id"], result["assignment"], result["status"]) == (row["student_id"], row["assignment"], row["status"])
        assert float(row["score"]) == result["score"] == pytest.approx(sum(q["score"] for q in result["questions"]))


def test_validate_solutions_pass_release_fails():
    """`cnnkit validate`: the solution passes all its tests, the release notebook fails them (on
    the fastest assignment; the example submissions cover the solutions of all of them)."""
    with course_env():
        done = subprocess.run([sys.executable, "-m", "cnnkit_course", "validate", "--assignment", "a2_pooling"], cwd=ROOT,
                              capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "all solutions pass" in done.stdout


def _nbgrader(course: Path, *args: str) -> None:
    """An nbgrader command on ``course`` (the environment is explicit: the callers run in threads)."""
    env = kernel_env(CNNKIT_COURSE_ROOT=str(course), CNNKIT_DATA_SOURCE="synthetic", TF_CPP_MIN_LOG_LEVEL="2")
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}",
                           f"--NbGrader.config_file={course / 'nbgrader_config.py'}"],
                          cwd=course, capture_output=True, text=True, timeout=900, env=env)
    assert done.returncode == 0, done.stderr[-4000:]


def _zip_folder(folder: Path, target: Path) -> Path:
    """A submission as a grading service receives it: the notebook and the files saved beside it."""
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(folder.rglob("*")):
            archive.write(path, path.relative_to(folder))
    return target


def _other_paths_scores(built: CoursePaths, assignment: str, scratch: Path) -> tuple[dict, dict]:
    """``nbgrader autograde`` on every example submission of ``assignment`` (in a course folder of
    its own) and ``otter run`` on the partial one (zipped with its saved files; no course
    repository, as on a grading service: the hidden data comes from the autograder zip).

    Returns:
        ``({(student, assignment): nbgrader score}, {(student, assignment): otter score})``.
    """
    from nbgrader.api import Gradebook

    course = scratch / "course"
    for name in (f"source/{assignment}", f"release/{assignment}", "autograder", "course_config.py", "nbgrader_config.py"):
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, course / name)
    examples = built.examples_dir
    for student in EXAMPLE_STUDENTS:
        shutil.copytree(examples / student / assignment, course / "submitted" / student / assignment)
    _nbgrader(course, "generate_assignment", assignment, "--force")
    _nbgrader(course, "autograde", assignment, "--force")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        nbgrader_scores = {(s.student.id, assignment): s.score for s in gradebook.find_assignment(assignment).submissions}
    out = scratch / "otter"
    out.mkdir()
    submission = _zip_folder(examples / "partial" / assignment, scratch / "partial.zip")
    done = subprocess.run(
        [sys.executable, "-m", "otter", "run", "-a", str(built.otter_zip(assignment)),
         "-o", str(out), "--no-logo", str(submission)],
        capture_output=True, text=True, timeout=900,
        env=kernel_env(CNNKIT_GRADING="1", CNNKIT_DATA_SOURCE="synthetic", TF_CPP_MIN_LOG_LEVEL="2"))
    assert done.returncode == 0, done.stderr[-3000:]
    otter = json.loads((out / "results.json").read_text())
    otter_score = sum(t.get("score", 0) for t in otter["tests"])  # the public summary has no score
    return nbgrader_scores, {("partial", assignment): otter_score}


def test_nbgrader_otter_and_cnnkit_agree(tmp_path: Path, course_build, graded_examples):
    """On the example submissions of every assignment, `nbgrader autograde` gives the automatic
    scores that `cnnkit grade` gives, and so does `otter run` (on the partial ones, a score strictly
    between zero and full saying the most). Two assignments at a time, each in its own course."""
    results, _ = graded_examples
    nbgrader_scores, otter_scores = {}, {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = [pool.submit(_other_paths_scores, course_build, a, tmp_path / a) for a in ASSIGNMENTS]
        for job in jobs:
            nbgrader_part, otter_part = job.result()
            nbgrader_scores.update(nbgrader_part)
            otter_scores.update(otter_part)
    for key, result in results.items():
        # Free-text cells are not graded yet, so nbgrader's total holds the automatic points only.
        assert nbgrader_scores[key] == pytest.approx(result.score), key
        if key in otter_scores:
            assert otter_scores[key] == pytest.approx(result.score), key
    assert set(otter_scores) == {("partial", a) for a in ASSIGNMENTS}
