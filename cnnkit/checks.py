"""The checks students run in their notebooks: ``grader.check("conv2d")``.

Each question has one otter-grader test file (exception-based format). The course repository keeps
the full file, hidden cases included, in ``autograder/<assignment>/tests/<question>.py``; the
release ships the public cases alone in ``release/<assignment>/tests/<question>.py``.

``grader.check(name)`` runs the public cases; ``grader.check(name, hidden=True)`` (only inside
nbgrader's ``### BEGIN HIDDEN TESTS`` blocks, so students never see it) runs every case of the full
file, found through the course configuration. Both raise :class:`CheckFailed` when a case fails,
which is what nbgrader's autograder needs to give the cell zero points, and print nothing to
stderr (nbgrader scores a test cell that writes to stderr as failed).
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # otter (with pandas and nbconvert) is imported when a check first runs
    from otter.test_files.exception_test import ExceptionTestFile

from cnnkit import config


def threshold(name: str, dataset: str = "emnist") -> float:
    """A threshold from ``course_config.THRESHOLDS`` for the data the course runs on now.

    The key is (kind, tag) of :mod:`cnnkit.evaldata`, e.g. ``("synthetic", "balanced")``.
    """
    from cnnkit import evaldata

    key = evaldata.KEYS[dataset]()
    try:
        return config.settings().thresholds[key][name]
    except KeyError:
        raise CheckFailed(f"course_config.THRESHOLDS has no {name!r} for {key}") from None


def hidden_eval_data(dataset: str = "emnist") -> dict[str, Any]:
    """The autograder's hidden evaluation data for the current configuration.

    Returns:
        The arrays of ``autograder/_eval/<dataset>_<kind>_<tag>.npz`` (for EMNIST: ``images``
        ``(N, 28, 28)`` uint8, ``labels`` ``(N,)`` int64, ``mapping``); see :mod:`cnnkit.evaldata`.
    """
    from cnnkit import evaldata

    try:
        return evaldata.load(dataset)
    except FileNotFoundError as exc:
        raise CheckFailed(str(exc)) from None


class CheckFailed(AssertionError):
    """A question's test cases did not all pass."""


@dataclass(frozen=True)
class CaseResult:
    """The result of one test case."""

    name: str
    hidden: bool
    passed: bool
    points: float
    message: str


@dataclass(frozen=True)
class CheckResult:
    """The result of one question's test file."""

    question: str
    cases: tuple[CaseResult, ...]
    max_points: float

    @property
    def passed(self) -> bool:
        """True when every case passed (the files are graded all-or-nothing)."""
        return all(case.passed for case in self.cases)

    @property
    def score(self) -> float:
        """All-or-nothing score, as otter scores a file with ``all_or_nothing = True``."""
        return self.max_points if self.passed else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Plain data (for JSON results files)."""
        return {
            "question": self.question,
            "score": self.score,
            "max_points": self.max_points,
            "cases": [case.__dict__ for case in self.cases],
        }

    def summary(self) -> str:
        """What a student reads: one line per case; hidden cases show no test code."""
        lines = [f"{self.question}: {'all tests passed' if self.passed else 'some tests failed'}"]
        for case in self.cases:
            mark = "passed" if case.passed else "FAILED"
            lines.append(f"  {mark}  {case.name}" + ("" if case.passed else f"\n{case.message}"))
        return "\n".join(lines)


def load_test_file(path: Path, *, public_only: bool) -> ExceptionTestFile:
    """Parse an otter exception-based test file, optionally keeping its public cases only."""
    if not path.is_file():
        raise FileNotFoundError(f"test file {path} is missing")
    from otter.test_files.exception_test import ExceptionTestFile

    test_file = ExceptionTestFile.from_file(str(path))
    if public_only:
        test_file.test_cases = [tc for tc in test_file.test_cases if not tc.hidden]
    return test_file


@contextlib.contextmanager
def _quiet_fd(fd: int) -> Iterator[None]:
    """Send what C code writes to file descriptor ``fd`` (TensorFlow's start-up lines) to a sink."""
    try:
        saved = os.dup(fd)
    except OSError:  # no such descriptor (an embedded interpreter): nothing to silence
        yield
        return
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), fd)
        try:
            yield
        finally:
            os.dup2(saved, fd)
            os.close(saved)


def run_test_file(test_file: ExceptionTestFile, env: dict[str, Any]) -> CheckResult:
    """Run every case of ``test_file`` against the namespace ``env``.

    Output written by the code under test (stdout, stderr, warnings) is captured, so a TensorFlow
    warning cannot turn a passing nbgrader test cell into a failing one.
    """
    sink = io.StringIO()
    with _quiet_fd(2), contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        test_file.run(env)
    cases = []
    for result in test_file.test_case_results:
        case = result.test_case
        message = result.message
        if case.hidden and not result.passed:
            # Never show hidden test code: keep the exception's last line only.
            message = "  hidden test failed: " + message.strip().splitlines()[-1]
        cases.append(CaseResult(case.name, case.hidden, result.passed, float(case.points or 0), message))
    total = float(sum(tc.points or 0 for tc in test_file.test_cases))
    return CheckResult(test_file.name, tuple(cases), total)


class Grader:
    """Runs an assignment's checks inside its notebook.

    Args:
        assignment: the assignment id, e.g. ``"a1_convolution"``.
        tests_dir: the public tests (default: ``tests/`` in the working directory, which is the
            notebook's folder in Jupyter).
    """

    def __init__(self, assignment: str, tests_dir: str | Path = "tests") -> None:
        self.assignment = assignment
        self.tests_dir = Path(tests_dir)

    def hidden_tests_dir(self) -> Path:
        """The full test files in the course repository's ``autograder/``."""
        agdir = config.settings().autograder_dir
        if agdir is None:
            raise CheckFailed(
                "hidden tests run only where the course's autograder/ folder is present "
                "(the instructor's repository or the grader)"
            )
        return agdir / self.assignment / "tests"

    def check(self, question: str, *, hidden: bool = False, env: dict[str, Any] | None = None) -> None:
        """Run the checks of ``question`` against the caller's globals (or ``env``) and print
        what passed (returns nothing, so a notebook cell shows the summary alone).

        Raises:
            CheckFailed: when a case fails; the message lists the failing cases.
        """
        if env is None:
            env = sys._getframe(1).f_globals
        path = self.tests_dir / f"{question}.py"
        if not hidden and not path.is_file() and config.settings().autograder_dir is None:
            raise CheckFailed(f"{path} is missing: keep the release's tests/ folder beside the notebook")
        if hidden or (not path.is_file() and config.settings().grading):
            # In grading mode a submission's missing public file is no reason to fail:
            # the same public cases live in the full file.
            path = self.hidden_tests_dir() / f"{question}.py"
        result = run_test_file(load_test_file(path, public_only=not hidden), env)
        if not result.passed:
            raise CheckFailed(result.summary())
        print(result.summary())
