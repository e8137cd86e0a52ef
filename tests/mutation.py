"""The one mutation harness of the reject suites: run an assignment's full test files (public and
hidden cases, with ``cnnkit.checks``) against a namespace built from the source notebook's cells,
the reference or the reference with one thing broken the way a student might break it.

A mutant counts as rejected only when its question fails *for a reason of its own*: a case that
fails because the mutant itself is broken (a ``NameError``, a ``SyntaxError``, ...) says nothing
about the test, so :func:`assert_rejects` refuses it, and with ``because=`` the failure must say it.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import NamedTuple

from cnnkit.checks import CheckResult, load_test_file, run_test_file
from cnnkit_course.notebooks import run_cells as execute_cells
from tests.conftest import COURSE

#: Failures of the mutant's own code, never a test's verdict on it.
UNRELATED_ERRORS = ("NameError", "SyntaxError", "IndentationError", "UnboundLocalError", "ModuleNotFoundError")


class Mutant(NamedTuple):
    """A plausible wrong solution: ``code`` run on top of the reference breaks ``clause`` of
    ``question``, whose failing case must say ``because``."""

    question: str
    clause: str
    code: str
    because: str


class Alternate(NamedTuple):
    """A correct solution of ``question``, written another ``way`` than the reference's."""

    question: str
    way: str
    code: str


def full_test_file(assignment: str, question: str) -> Path:
    """The full test file of ``question``."""
    return COURSE.full_tests(assignment) / f"{question}.py"


def questions(assignment: str) -> list[str]:
    """Every question (test file) of ``assignment``, sorted."""
    return sorted(path.stem for path in COURSE.full_tests(assignment).glob("*.py"))


def run_question(assignment: str, question: str, env: dict, *, cwd: Path | None = None) -> CheckResult:
    """Every case of the full test file of ``question`` against ``env`` (in ``cwd`` if given)."""
    with contextlib.chdir(cwd) if cwd is not None else contextlib.nullcontext():
        return run_test_file(load_test_file(full_test_file(assignment, question), public_only=False), env)


def assert_passes(assignment: str, question: str, env: dict, *, cwd: Path | None = None) -> None:
    """Every case of ``question`` passes on ``env``."""
    result = run_question(assignment, question, env, cwd=cwd)
    assert result.passed, result.summary()


def assert_rejects(assignment: str, question: str, env: dict, because: str = "", *, cwd: Path | None = None) -> CheckResult:
    """``question`` fails on ``env``, not through an error of the mutant's own code, and (with
    ``because``) a failing case's message contains ``because``.

    Returns:
        The result, for more specific checks.
    """
    result = run_question(assignment, question, env, cwd=cwd)
    failed = [case for case in result.cases if not case.passed]
    assert failed, f"{question} accepted a mutant ({because or 'no reason given'})"
    unrelated = [case.name for case in failed if any(error in case.message for error in UNRELATED_ERRORS)]
    assert not unrelated, f"{question}: the mutant itself is broken ({unrelated}):\n{result.summary()}"
    if because:
        assert any(because in case.message for case in failed), f"expected a failure saying {because!r}:\n{result.summary()}"
    return result


def mutate(env: dict, code: str, mistake: str) -> dict:
    """A copy of ``env`` with the mutant's code executed on top (its errors propagate: a mutant
    that does not run is a broken test, not a rejection)."""
    return execute_cells([code], dict(env), label=f"mutant: {mistake}")


__all__ = ["UNRELATED_ERRORS", "Alternate", "Mutant", "assert_passes", "assert_rejects", "execute_cells", "full_test_file", "mutate",
           "questions", "run_question"]
