"""Grading on submit (:mod:`cnnkit_course.hub.on_submit`) through nbgrader's real exchange commands:
release, fetch, submit; the sandboxed engine grades in arrival order with two workers, records the
scores in a PostgreSQL gradebook and writes each student's feedback page; submissions made while
the service was down (two at once and a broken notebook), then a resubmission."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cnnkit.config import settings
from cnnkit_course.feedback import find_leaks, hidden_test_lines
from cnnkit_course.hub.on_submit import SubmitGrader
from cnnkit_course.notebooks import kernel_env
from tests.conftest import copy_course_files
from tests.servers import private_postgres

pytestmark = [pytest.mark.slow, pytest.mark.serial]  # sandboxed gradings

A1 = "a1_convolution"
COURSE_FILES = (f"source/{A1}", f"release/{A1}", f"solutions/{A1}", "autograder", "course_config.py", "nbgrader_config.py")


def _nbgrader(cwd: Path, course: Path, exchange: Path, db_url: str, *args: str) -> None:
    env = kernel_env(CNNKIT_COURSE_ROOT=str(course), CNNKIT_DATA_SOURCE="synthetic", CNNKIT_DB_URL=db_url)
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args, f"--Exchange.root={exchange}",
                           f"--NbGrader.config_file={course / 'nbgrader_config.py'}"],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture
def course(monkeypatch) -> Iterator[tuple[Path, Path, str]]:
    """A course folder the sandbox uid may read, an exchange with a1 released, a PostgreSQL gradebook.

    Yields ``(course, exchange, db_url)``.
    """
    scratch = Path(tempfile.mkdtemp(prefix="cnnkit-on-submit-", dir="/tmp"))
    os.chmod(scratch, 0o755)
    course, exchange = scratch / "course", scratch / "exchange"
    copy_course_files(COURSE_FILES, course)
    exchange.mkdir(mode=0o777)
    monkeypatch.setenv("CNNKIT_COURSE_ROOT", str(course))
    monkeypatch.setenv("CNNKIT_DATA_SOURCE", "synthetic")
    try:
        with private_postgres() as db_url:
            monkeypatch.setenv("CNNKIT_DB_URL", db_url)
            _nbgrader(course, course, exchange, db_url, "generate_assignment", A1, "--force",
                      "--CourseDirectory.release_directory=build/nbgrader-release")
            _nbgrader(course, course, exchange, db_url, "release_assignment", A1,
                      "--CourseDirectory.release_directory=build/nbgrader-release")
            yield course, exchange, db_url
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _submit(course: Path, exchange: Path, db_url: str, student: str, notebook: Path | str) -> float:
    """``student`` fetches a1, puts ``notebook`` (a path, or text for a broken file) in its place
    and submits. Returns the time of the submit (``time.monotonic()``)."""
    home = course.parent / "homes" / student
    home.mkdir(parents=True, exist_ok=True)
    if not (home / A1).is_dir():
        _nbgrader(home, course, exchange, db_url, "fetch_assignment", A1, f"--student={student}")
    target = home / A1 / f"{A1}.ipynb"
    if isinstance(notebook, Path):
        shutil.copy(notebook, target)
    else:
        target.write_text(notebook)
    _nbgrader(home, course, exchange, db_url, "submit", A1, f"--student={student}")
    return time.monotonic()


def _serve(grader: SubmitGrader) -> tuple[threading.Event, threading.Thread, dict[str, float]]:
    """The service loop in a thread; returns its stop event, the thread and {student: graded at}."""
    stop, graded = threading.Event(), {}
    thread = threading.Thread(target=grader.run, args=(stop, 0.5, lambda r: graded.__setitem__(r.student_id, time.monotonic())))
    thread.start()
    return stop, thread, graded


def _wait(graded: dict[str, float], students: set[str], timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while not students <= set(graded):
        assert time.monotonic() < deadline, f"not graded within {timeout_s} s: {students - set(graded)}"
        time.sleep(0.5)


def test_grading_on_submit(course, examples_dir: Path):
    from nbgrader.api import Gradebook

    course_dir, exchange, db_url = course
    full = float(settings().assignments[A1]["auto_points"])
    correct, partial = (examples_dir / s / A1 / f"{A1}.ipynb" for s in ("correct", "partial"))
    grader = SubmitGrader(course_dir, exchange / "cnn-chapter" / "inbound", db_url, workers=2)

    # made while the service is down (graded when it starts): two at once, and a broken notebook
    submitted = {"alice": _submit(course_dir, exchange, db_url, "alice", correct),
                 "bob": _submit(course_dir, exchange, db_url, "bob", partial),
                 "carol": _submit(course_dir, exchange, db_url, "carol", "{ not a notebook")}
    stop, thread, graded = _serve(grader)
    try:
        _wait(graded, {"alice", "bob", "carol"})
        burst_s = max(graded.values()) - min(submitted.values())
        alice, bob = grader.result("alice", A1), grader.result("bob", A1)
        assert (alice.status, alice.score, bob.status) == ("graded", full, "graded") and 0 < bob.score < full
        partial_page = grader.feedback_path("bob", A1).read_text()
        assert "FAILED" in partial_page and "passed" in partial_page and f"{bob.score:g} of {full:g} points" in partial_page
        assert grader.result("carol", A1).status == "invalid"
        # a resubmission replaces the earlier grade
        del graded["bob"]
        resubmitted = _submit(course_dir, exchange, db_url, "bob", correct)
        _wait(graded, {"bob"})
        idle_s = graded["bob"] - resubmitted
        assert grader.result("bob", A1).score == full
    finally:
        stop.set()
        thread.join()

    with Gradebook(db_url) as gradebook:
        scores = {s: gradebook.find_submission(A1, s).code_score for s in ("alice", "bob", "carol")}
    assert scores == {"alice": full, "bob": full, "carol": 0}
    assert (course_dir / "autograded" / "bob" / A1 / f"{A1}.ipynb").is_file()
    secrets = hidden_test_lines(course_dir / "autograder" / A1 / "tests")
    for student in ("alice", "bob", "carol"):
        assert find_leaks(grader.feedback_path(student, A1).read_text(), secrets) == [], student
    assert "invalid" in grader.feedback_path("carol", A1).read_text()
    print(f"a1 submit to feedback: {idle_s:.1f} s with an idle queue; {burst_s:.1f} s for 3 at once on 2 workers")
