"""The checks students run in their notebooks: ``grader.check("conv2d")``.

Each question has one otter-grader test file (exception-based format). The course repository keeps
the full file, hidden cases included, in ``autograder/<assignment>/tests/<question>.py``; the
release ships the public cases alone in ``release/<assignment>/tests/<question>.py``.

Scoring is per case: each case's ``points`` count when it passes (otter's per-case points; the
files are not ``all_or_nothing``), so a conv2d right for "valid" and wrong for "same" keeps the
"valid" points.

``grader.check(name)`` runs the public cases and raises :class:`CheckFailed` when one fails (so
nbgrader's Validate and the student see the question fail), except under ``nbgrader autograde``,
where the hidden check that follows it decides the points. ``grader.check(name, hidden=True)``
(only inside nbgrader's ``### BEGIN HIDDEN TESTS`` blocks, so students never see it) runs every
case of the full file, found through the course configuration, and *returns the points earned*:
nbgrader reads a grade cell's numeric output as its partial credit. Neither prints to stderr
(nbgrader scores a test cell that writes to stderr as zero).

A test file may set ``hidden_checks``, one sentence saying what its hidden cases verify beyond the
public ones; a passing public check says so, so that it never implies more than it checked.
"""

from __future__ import annotations

import ast
import contextlib
import io
import logging
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
    hidden_checks: str = ""

    @property
    def passed(self) -> bool:
        """True when every case passed."""
        return all(case.passed for case in self.cases)

    @property
    def score(self) -> float:
        """The points of the passing cases, as otter scores a file that is not ``all_or_nothing``."""
        return float(sum(case.points for case in self.cases if case.passed))

    def to_dict(self) -> dict[str, Any]:
        """Plain data (for JSON results files)."""
        return {
            "question": self.question,
            "score": self.score,
            "max_points": self.max_points,
            "cases": [case.__dict__ for case in self.cases],
        }

    def summary(self) -> str:
        """What a student reads: the points, one line per case (a failed one with its message;
        hidden cases show no test code) and, after public cases alone, what the hidden tests
        still verify."""
        public_only = not any(case.hidden for case in self.cases)
        earned = sum(case.points for case in self.cases)
        head = (f"{self.question}: {'all public checks passed' if self.passed else 'some public checks failed'}"
                if public_only else f"{self.question}: {self.score:g} of {self.max_points:g} points")
        lines = [head]
        for case in self.cases:
            mark = "passed" if case.passed else "FAILED"
            lines.append(f"  {mark}  {case.name} ({case.points:g} pt)" + ("" if case.passed else f"\n{case.message}"))
        if public_only and self.hidden_checks:
            lines.append(f"  The public checks are worth {earned:g} of {self.max_points:g} points; "
                         f"the hidden tests also verify: {self.hidden_checks}.")
        return "\n".join(lines)


def _module_constant(path: Path, name: str) -> Any:
    """The literal value a test file assigns to ``name`` at module level (None if it assigns none)."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
    return None


def load_test_file(path: Path, *, public_only: bool) -> ExceptionTestFile:
    """Parse an otter exception-based test file, optionally keeping its public cases only."""
    if not path.is_file():
        raise FileNotFoundError(f"test file {path} is missing")
    from otter.test_files.exception_test import ExceptionTestFile

    test_file = ExceptionTestFile.from_file(str(path))
    # What a CheckResult reports beside the cases: the question's points (also when only the
    # public cases run) and the sentence on what the hidden cases verify.
    test_file.question_points = _module_constant(path, "points")
    test_file.hidden_checks = str(_module_constant(path, "hidden_checks") or "").rstrip(".")
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


@contextlib.contextmanager
def _quiet_logging(sink: io.StringIO) -> Iterator[None]:
    """Point every logging handler that writes to the console at ``sink`` (TensorFlow's logger
    keeps the stderr it found at import, which redirecting ``sys.stderr`` does not reach)."""
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in list(logging.root.manager.loggerDict))]
    consoles = {id(stream) for stream in (sys.stderr, sys.stdout, sys.__stderr__, sys.__stdout__)}
    handlers = {h for logger in loggers for h in getattr(logger, "handlers", [])
                if isinstance(h, logging.StreamHandler) and id(getattr(h, "stream", None)) in consoles}
    saved = {}
    for handler in handlers:
        with contextlib.suppress(AttributeError):  # logging's last resort: its stream is always sys.stderr
            saved[handler] = handler.setStream(sink)
    try:
        yield
    finally:
        for handler, stream in saved.items():
            handler.setStream(stream)


def run_test_file(test_file: ExceptionTestFile, env: dict[str, Any]) -> CheckResult:
    """Run every case of ``test_file`` against the namespace ``env``.

    Output written by the code under test (stdout, stderr, logging, warnings) is captured, so a
    TensorFlow message cannot turn a passing nbgrader test cell into a failing one.
    """
    sink = io.StringIO()
    with _quiet_fd(2), _quiet_logging(sink), contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), \
            warnings.catch_warnings():
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
    return CheckResult(test_file.name, tuple(cases), _max_points(test_file), getattr(test_file, "hidden_checks", ""))


def _max_points(test_file: ExceptionTestFile) -> float:
    """The question's points: the file's ``points``, else the sum of its cases' points."""
    declared = getattr(test_file, "question_points", None)
    return float(declared) if isinstance(declared, (int, float)) else float(sum(tc.points or 0 for tc in test_file.test_cases))


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

    def check(self, question: str, *, hidden: bool = False, env: dict[str, Any] | None = None) -> float | None:
        """Run the checks of ``question`` against the caller's globals (or ``env``) and print the
        summary.

        Returns:
            With ``hidden``: the points earned (a Python float: nbgrader's partial credit for the
            cell; it never raises for a failed case). Public checks return None, so a notebook cell
            shows the summary alone.

        Raises:
            CheckFailed: when a public case fails, except under ``nbgrader autograde`` (there the
                hidden check that follows decides the points, and an error would score 0).
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
        if not (hidden or result.passed or os.environ.get("NBGRADER_EXECUTION") == "autograde"):
            raise CheckFailed(result.summary())
        print(result.summary())
        return result.score if hidden else None
