"""Grading on submit: each new submission in nbgrader's exchange is graded by the kit's sandboxed
grading engine (:func:`cnnkit_course.grading.batch.grade_submission`, the one ``cnnkit grade``
uses), never in the student's kernel and never by an unsandboxed ``nbgrader autograde``.

For each submission (``<exchange>/<course>/inbound/<student>+<assignment>+<timestamp>[+<random>]/``,
as ``nbgrader submit`` writes it), the newest of each student and assignment, oldest first:

1. it is copied to ``submitted/<student>/<assignment>/`` of the course (what ``nbgrader collect``
   does), so the formgrader lists it;
2. it is graded in a sandbox slot, ``workers`` at a time;
3. the autograded notebook, ``autograded/<student>/<assignment>/``, is written from that sandboxed
   run: the notebook as the sandboxed kernel executed it, its read-only cells restored from the
   gradebook (nbgrader's ``OverwriteCells``), each test cell's output the judge's summary and the
   points earned; nbgrader's ``SaveAutoGrades`` records the scores in the gradebook from it (so
   nbgrader reads the test cells' numbers exactly as ``nbgrader autograde`` would); ``submitted/``
   and ``autograded/`` are then given to the course folder's owner, the formgrader's account;
4. the student's feedback page (:mod:`cnnkit_course.hub.feedback_page`) and the result are written
   under ``on_submit/`` of the course, and the submission's timestamp is marked done.

A resubmission (a newer timestamp) replaces the earlier grade; submissions that arrive while the
service is down are found when it starts again, since everything not marked done is pending.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from cnnkit.checks import CaseResult, CheckResult
from cnnkit_course import notebooks
from cnnkit_course.feedback import find_leaks, hidden_test_lines
from cnnkit_course.grading import sandbox
from cnnkit_course.grading.batch import GradeResult, Submission, grade_submission, write_atomic
from cnnkit_course.hub import feedback_page
from cnnkit_course.paths import CoursePaths

log = logging.getLogger("cnnkit.on_submit")


@dataclass(frozen=True)
class Inbound:
    """One submission in the exchange's inbound folder."""

    student_id: str
    assignment: str
    timestamp: str
    folder: Path

    @property
    def key(self) -> str:
        return f"{self.student_id}__{self.assignment}"

    @classmethod
    def parse(cls, folder: Path) -> Inbound | None:
        """The submission a folder named ``<student>+<assignment>+<timestamp>[+<random>]`` holds."""
        parts = folder.name.split("+")
        if len(parts) not in (3, 4) or not all(parts[:3]):
            return None
        return cls(parts[0], parts[1], parts[2], folder)

    def time(self) -> float:
        """The timestamp as seconds since the epoch (nbgrader's own parser)."""
        from nbgrader.utils import parse_utc

        return parse_utc(self.timestamp).timestamp()


class SubmitGrader:
    """Grades what arrives in the exchange (see the module docstring).

    Args:
        course_dir: the course repository (``source/``, ``autograder/``, ``release/``, gradebook).
        inbound_dir: ``<exchange root>/<course id>/inbound``.
        db_url: nbgrader's gradebook.
        workers: submissions graded at once.
    """

    def __init__(self, course_dir: Path, inbound_dir: Path, db_url: str, workers: int = 1) -> None:
        self.course_dir, self.inbound_dir, self.db_url, self.workers = course_dir, inbound_dir, db_url, workers
        self.paths = CoursePaths.of(course_dir)
        self.state_dir = course_dir / "on_submit"
        self.assignments = set(self._known_assignments())

    def _known_assignments(self) -> list[str]:
        from cnnkit import config

        return list(config.settings().assignments)

    # --- state ------------------------------------------------------------------------------
    def done_timestamp(self, key: str) -> str | None:
        """The timestamp of the submission last graded for ``key`` (None: none yet)."""
        path = self.state_dir / "done" / f"{key}.txt"
        return path.read_text().strip() if path.is_file() else None

    def result(self, student_id: str, assignment: str) -> GradeResult | None:
        """The result of the submission last graded (None: none yet)."""
        path = self.state_dir / "results" / f"{student_id}__{assignment}.json"
        return GradeResult(**json.loads(path.read_text())) if path.is_file() else None

    def feedback_path(self, student_id: str, assignment: str) -> Path:
        return self.state_dir / "feedback" / student_id / f"{assignment}.html"

    def pending(self) -> list[Inbound]:
        """The newest submission of each student and assignment not graded yet, oldest first."""
        newest: dict[str, Inbound] = {}
        if not self.inbound_dir.is_dir():
            return []
        for folder in self.inbound_dir.iterdir():
            sub = Inbound.parse(folder)
            if sub is None or sub.assignment not in self.assignments or not folder.is_dir():
                continue
            if sub.key not in newest or sub.time() > newest[sub.key].time():
                newest[sub.key] = sub
        return sorted((s for s in newest.values() if s.timestamp != self.done_timestamp(s.key)), key=Inbound.time)

    # --- grading ----------------------------------------------------------------------------
    def grade(self, sub: Inbound) -> GradeResult:
        """Collect, grade, record and write the feedback of one submission; mark it done."""
        submitted = self.course_dir / "submitted" / sub.student_id / sub.assignment
        shutil.rmtree(submitted, ignore_errors=True)
        shutil.copytree(sub.folder, submitted, symlinks=True)
        executed = self.state_dir / "executed" / f"{sub.key}.ipynb"
        executed.unlink(missing_ok=True)
        hide = [self.course_dir / "submitted", self.state_dir, self.inbound_dir]
        with sandbox.borrowed_slot() as slot:
            result = grade_submission(Submission(sub.student_id, sub.assignment, submitted), self.state_dir, slot,
                                      hide, executed=executed)
        if result is None:  # stopped meanwhile: stays pending
            raise InterruptedError("grading was stopped")
        self.record(sub, result, executed if executed.is_file() else submitted / f"{sub.assignment}.ipynb")
        self._write_feedback(sub, result)
        write_atomic(self.state_dir / "done" / f"{sub.key}.txt", sub.timestamp + "\n")
        log.info("graded %s %s (%s): %g/%g %s", sub.student_id, sub.assignment, sub.timestamp, result.score,
                 result.max_score, result.status)
        return result

    def record(self, sub: Inbound, result: GradeResult, notebook_path: Path) -> None:
        """Write the autograded notebook of ``result`` and record its scores in the gradebook."""
        from nbgrader.api import Gradebook
        from nbgrader.preprocessors import OverwriteCells, SaveAutoGrades
        from nbgrader.utils import parse_utc

        with Gradebook(self.db_url) as gradebook:
            gradebook.update_or_create_student(sub.student_id)
            gradebook.update_or_create_submission(sub.assignment, sub.student_id, timestamp=parse_utc(sub.timestamp))
        resources = {"nbgrader": {"db_url": self.db_url, "assignment": sub.assignment, "notebook": sub.assignment,
                                  "student": sub.student_id}}
        try:
            nb = notebooks.read_notebook(notebook_path)
        except notebooks.InvalidNotebook:  # what the formgrader shows instead: the release, nothing scored
            nb = notebooks.read_notebook(self.paths.release_notebook(sub.assignment))
        nb, resources = OverwriteCells().preprocess(nb, resources)
        _judged_outputs(nb, result)
        nb, resources = SaveAutoGrades().preprocess(nb, resources)
        autograded = self.course_dir / "autograded" / sub.student_id / sub.assignment
        shutil.rmtree(autograded, ignore_errors=True)
        shutil.copytree(self.course_dir / "submitted" / sub.student_id / sub.assignment, autograded, symlinks=True)
        write_atomic(autograded / f"{sub.assignment}.ipynb", notebooks.nbformat.writes(nb))
        for folder in (self.course_dir / "submitted" / sub.student_id, autograded.parent):
            _hand_over(folder, self.course_dir)

    def _write_feedback(self, sub: Inbound, result: GradeResult) -> None:
        page = feedback_page.render(result, sub.timestamp)
        secrets = hidden_test_lines(self.paths.full_tests(sub.assignment),
                                    shown=[self.paths.release_notebook(sub.assignment)])
        leaks = find_leaks(page, secrets)
        if leaks:
            log.error("feedback of %s %s withheld: it shows hidden test code %s", sub.student_id, sub.assignment, leaks[:3])
            page = f"<!DOCTYPE html><html><body><p>{feedback_page.WITHHELD}</p></body></html>"
        write_atomic(self.feedback_path(sub.student_id, sub.assignment), page)

    # --- the service loop -------------------------------------------------------------------
    def run(self, stop: threading.Event, poll_s: float = 2.0, on_graded: Callable[[GradeResult], None] | None = None) -> None:
        """Grade what is pending, then what arrives, ``workers`` at a time, until ``stop`` is set."""
        running: dict[str, Future] = {}
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            while not stop.is_set():
                for key in [k for k, f in running.items() if f.done()]:
                    error = running.pop(key).exception()
                    if error is not None and not isinstance(error, InterruptedError):
                        log.error("grading %s failed: %s", key, error)
                for sub in self.pending():
                    if sub.key not in running:
                        running[sub.key] = pool.submit(self._grade_and_tell, sub, on_graded)
                stop.wait(poll_s)

    def _grade_and_tell(self, sub: Inbound, on_graded: Callable[[GradeResult], None] | None) -> None:
        result = self.grade(sub)
        if on_graded is not None:
            on_graded(result)


def _hand_over(folder: Path, course_dir: Path) -> None:
    """Give ``folder``, written by this service (root on a hub), to the owner of the course folder:
    the grader account the formgrader runs as, which reads and grades it from there."""
    owner = course_dir.stat()
    if os.geteuid() != 0 or owner.st_uid == 0:
        return
    for path in (folder, *folder.rglob("*")):
        os.chown(path, owner.st_uid, owner.st_gid, follow_symlinks=False)


def _judged_outputs(nb: notebooks.NotebookNode, result: GradeResult) -> None:
    """Each autograded test cell's outputs: the judge's summary of its question (stdout) and the
    points earned (the number nbgrader reads); 0 points where the question has no result."""
    by_question = {q["question"]: q for q in result.questions}
    for cell in nb.cells:
        if not notebooks.is_autograded_test(cell):
            continue
        question = by_question.get(notebooks.checked_question(cell) or "")
        if question is None:
            text, points = f"not graded: {result.status} {result.reason}".strip() + "\n", 0.0
        else:
            cases = tuple(CaseResult(**case) for case in question["cases"])
            check = CheckResult(question["question"], cases, float(question["max_points"]))
            text, points = check.summary() + "\n", float(question["score"])
        cell.outputs = [notebooks.nbformat.v4.new_output("stream", name="stdout", text=text),
                        notebooks.nbformat.v4.new_output("execute_result", data={"text/plain": repr(points)},
                                                         execution_count=None)]

