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

import nbformat
import pytest

from cnnkit.config import settings
from cnnkit_course.grading.batch import CSV_COLUMNS, grade_batch
from cnnkit_course.notebooks import kernel_env, nbgrader_meta
from cnnkit_course.paths import EXAMPLE_STUDENTS, CoursePaths
from cnnkit_course.lms import default_gradebook, gradebook_scores
from tests.conftest import ROOT, copy_course_files, course_env
from tests.servers import private_postgres

pytestmark = [pytest.mark.slow, pytest.mark.serial]  # grading batches

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


def _nbgrader(course: Path, *args: str, db_url: str | None = None) -> None:
    """An nbgrader command on ``course``, with the gradebook at ``db_url`` if given (the environment
    is explicit: the callers run in threads)."""
    env = kernel_env(CNNKIT_COURSE_ROOT=str(course), CNNKIT_DATA_SOURCE="synthetic", TF_CPP_MIN_LOG_LEVEL="2",
                     **({"CNNKIT_DB_URL": db_url} if db_url else {}))
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


def _other_paths_scores(built: CoursePaths, assignment: str, scratch: Path, submitted: dict[str, Path],
                        otter_students: tuple[str, ...], db_url: str | None = None) -> tuple[dict, dict, dict]:
    """``nbgrader autograde`` on the ``submitted`` folders of ``assignment`` (``{student: folder}``,
    in a course folder of its own, the gradebook at ``db_url`` or nbgrader's SQLite file in that
    folder) and ``otter run`` on those of ``otter_students`` (zipped with
    their saved files; no course repository, as on a grading service: the hidden data comes from
    the autograder zip).

    Returns:
        ``({(student, assignment): nbgrader score}, {(student, assignment): otter score},
        {(student, grade cell id): nbgrader's points for that test cell})``.
    """
    from nbgrader.api import Gradebook

    course = scratch / "course"
    copy_course_files((f"source/{assignment}", f"release/{assignment}", "autograder", "course_config.py",
                       "nbgrader_config.py"), course)
    for student, folder in submitted.items():
        shutil.copytree(folder, course / "submitted" / student / assignment)
    # the release files (a6's models) come from the course repository, as in a scratch course folder:
    # made anew in the course folder itself, a6's would train for about 12 minutes
    _nbgrader(course, "generate_assignment", assignment, "--force", f"--ReleaseExtras.course_root={built.root}",
              db_url=db_url)
    _nbgrader(course, "autograde", assignment, "--force", db_url=db_url)
    with Gradebook(db_url or f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submissions = gradebook.find_assignment(assignment).submissions
        nbgrader_scores = {(s.student.id, assignment): s.score for s in submissions}
        cell_scores = {(s.student.id, g.name): g.score for s in submissions for nb in s.notebooks for g in nb.grades}
    otter_scores = {}
    for student in otter_students:
        out = scratch / f"otter-{student}"
        out.mkdir()
        archive = _zip_folder(submitted[student], scratch / f"{student}.zip")
        done = subprocess.run(
            [sys.executable, "-m", "otter", "run", "-a", str(built.otter_zip(assignment)),
             "-o", str(out), "--no-logo", str(archive)],
            capture_output=True, text=True, timeout=900,
            env=kernel_env(CNNKIT_GRADING="1", CNNKIT_DATA_SOURCE="synthetic", TF_CPP_MIN_LOG_LEVEL="2"))
        assert done.returncode == 0, done.stderr[-3000:]
        otter = json.loads((out / "results.json").read_text())
        otter_scores[(student, assignment)] = sum(t.get("score", 0) for t in otter["tests"])  # the public summary has no score
    return nbgrader_scores, otter_scores, cell_scores


def _example_scores(built: CoursePaths, assignment: str, scratch: Path) -> tuple[dict, dict, dict]:
    """:func:`_other_paths_scores` on the example submissions, ``otter run`` on the partial one."""
    examples = {student: built.examples_dir / student / assignment for student in EXAMPLE_STUDENTS}
    return _other_paths_scores(built, assignment, scratch, examples, ("partial",))


def test_nbgrader_otter_and_cnnkit_agree(tmp_path: Path, course_build, graded_examples):
    """On the example submissions of every assignment, `nbgrader autograde` gives the automatic
    scores that `cnnkit grade` gives, and so does `otter run` (on the partial ones, a score strictly
    between zero and full saying the most). Two assignments at a time, each in its own course, the
    slowest to grade first (so that the two cores finish together)."""
    results, _ = graded_examples
    nbgrader_scores, otter_scores = {}, {}
    grading_seconds = {a: sum(r.seconds for (_, b), r in results.items() if b == a) for a in ASSIGNMENTS}
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = [pool.submit(_example_scores, course_build, a, tmp_path / a)
                for a in sorted(ASSIGNMENTS, key=grading_seconds.get, reverse=True)]
        for job in jobs:
            nbgrader_part, otter_part, _ = job.result()
            nbgrader_scores.update(nbgrader_part)
            otter_scores.update(otter_part)
    for key, result in results.items():
        # Free-text cells are not graded yet, so nbgrader's total holds the automatic points only.
        assert nbgrader_scores[key] == pytest.approx(result.score), key
        if key in otter_scores:
            assert otter_scores[key] == pytest.approx(result.score), key
    assert set(otter_scores) == {("partial", a) for a in ASSIGNMENTS}


#: a1's "same" padding, and the mistake of padding symmetrically (the extra row or column lost).
SAME_PADS = "return total // 2, total - total // 2"
SYMMETRIC_PADS = "return total // 2, total // 2"


def test_partial_credit_per_case_agrees(tmp_path: Path, course_build, monkeypatch):
    """A conv2d right for "valid" and wrong for "same" (symmetric padding) keeps the points of the
    cases it passes, and nbgrader (the test cell's numeric output, into a PostgreSQL gradebook),
    otter and `cnnkit grade` give the same points; `cnnkit export-lms` reads them from that
    gradebook; the student's public check names the failed case, and nbgrader's Validate reports
    the question."""
    assignment = "a1_convolution"
    halfway = tmp_path / "submitted" / "halfway" / assignment
    shutil.copytree(course_build.examples_dir / "correct" / assignment, halfway)
    notebook = halfway / f"{assignment}.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    cell = next(c for c in nb.cells if nbgrader_meta(c).get("grade_id") == "conv2d")
    assert SAME_PADS in cell.source, "the a1 solution changed: update the mutant"
    cell.source = cell.source.replace(SAME_PADS, SYMMETRIC_PADS)
    nbformat.write(nb, notebook)

    with course_env():
        [result] = grade_batch(tmp_path / "submitted", tmp_path / "graded", workers=1)
    assert result.status == "graded", result.reason
    conv2d = next(q for q in result.questions if q["question"] == "conv2d")
    assert 0 < conv2d["score"] < conv2d["max_points"], conv2d
    assert result.score == pytest.approx(result.max_score - conv2d["max_points"] + conv2d["score"])
    failed = {case["name"] for case in conv2d["cases"] if not case["passed"]}
    assert failed and failed < {case["name"] for case in conv2d["cases"]}

    with private_postgres() as db_url:
        nbgrader_scores, otter_scores, cells = _other_paths_scores(course_build, assignment, tmp_path / "paths",
                                                                   {"halfway": halfway}, ("halfway",), db_url=db_url)
        monkeypatch.setenv("CNNKIT_DB_URL", db_url)
        exported = gradebook_scores(default_gradebook())
    assert cells[("halfway", "test_conv2d")] == pytest.approx(conv2d["score"])
    assert nbgrader_scores[("halfway", assignment)] == pytest.approx(result.score)
    assert otter_scores[("halfway", assignment)] == pytest.approx(result.score)
    assert exported[("halfway", assignment)].automatic == pytest.approx(result.score)

    course = tmp_path / "paths" / "course"
    env = kernel_env(CNNKIT_COURSE_ROOT=str(course), CNNKIT_DATA_SOURCE="synthetic", TF_CPP_MIN_LOG_LEVEL="2")
    done = subprocess.run([sys.executable, "-m", "nbgrader", "validate", str(notebook),
                           f"--NbGrader.config_file={course / 'nbgrader_config.py'}"],
                          cwd=halfway, capture_output=True, text=True, timeout=600, env=env)
    report = done.stdout + done.stderr
    assert "VALIDATION FAILED" in report and "conv2d" in report, report[-3000:]
    public_failures = [case["name"] for case in conv2d["cases"] if not case["passed"] and not case["hidden"]]
    assert public_failures and all(name in report for name in public_failures), report[-3000:]
