"""``cnnkit.checks``: partial credit per case, the public check's verdict, what a student reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnnkit.checks import CheckFailed, Grader, load_test_file, run_test_file

TEST_FILE = '''"""double: returns twice its input."""
from otter.test_files import test_case

OK_FORMAT = False
name = "double"
points = 4
hidden_checks = "negative numbers and floats."


@test_case(name="public_small", points=1, hidden=False)
def public_small(double):
    assert double(2) == 4, "double(2) should be 4"


@test_case(name="hidden_negative", points=2, hidden=True)
def hidden_negative(double):
    assert double(-3) == -6, "negative inputs are doubled too"


@test_case(name="hidden_float", points=1, hidden=True)
def hidden_float(double):
    assert double(0.25) == 0.5, "floats are doubled too"
'''


@pytest.fixture
def grader(tmp_path: Path, monkeypatch) -> Grader:
    """A grader whose public file is the file above without its hidden cases and whose hidden
    folder holds the full file."""
    from cnnkit_course.build import public_test_source

    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "double.py").write_text(TEST_FILE)
    (tmp_path / "public").mkdir()
    (tmp_path / "public" / "double.py").write_text(public_test_source(TEST_FILE))
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setattr(Grader, "hidden_tests_dir", lambda self: tmp_path / "full")
    return Grader("demo", tmp_path / "public")


def positive_only(x):
    return abs(x) * 2


def test_points_are_earned_per_case(tmp_path: Path, grader: Grader):
    """A solution wrong in one clause loses that clause's points only."""
    result = run_test_file(load_test_file(tmp_path / "full" / "double.py", public_only=False), {"double": positive_only})
    assert (result.score, result.max_points, result.passed) == (2.0, 4.0, False)
    assert "double: 2 of 4 points" in result.summary()
    assert "FAILED  hidden_negative (2 pt)" in result.summary()
    assert "hidden test failed: AssertionError: negative inputs are doubled too" in result.summary()


def test_hidden_check_returns_the_points_and_never_raises(grader: Grader, capsys):
    """nbgrader reads the cell's numeric output: a Python float, the points earned."""
    earned = grader.check("double", hidden=True, env={"double": positive_only})
    assert type(earned) is float and earned == 2.0
    assert grader.check("double", hidden=True, env={"double": lambda x: 2 * x}) == 4.0
    assert grader.check("double", hidden=True, env={"double": None}) == 0.0
    assert "FAILED  hidden_negative" in capsys.readouterr().out


def test_a_failed_public_check_raises_except_under_autograde(grader: Grader, monkeypatch, capsys):
    """The student and nbgrader's Validate see the question fail (the error names the case); under
    ``nbgrader autograde`` the hidden check that follows decides the points, so no error."""
    with pytest.raises(CheckFailed, match="FAILED  public_small"):
        grader.check("double", env={"double": lambda x: x})
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    with pytest.raises(CheckFailed):
        grader.check("double", env={"double": lambda x: x})
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert grader.check("double", env={"double": lambda x: x}) is None
    assert "FAILED  public_small" in capsys.readouterr().out


def test_a_passing_public_check_says_what_the_hidden_tests_still_verify(grader: Grader, capsys):
    assert grader.check("double", env={"double": positive_only}) is None
    out = capsys.readouterr().out
    assert "double: all public checks passed" in out
    assert "worth 1 of 4 points; the hidden tests also verify: negative numbers and floats." in out


def test_logging_to_the_console_is_captured(tmp_path: Path, grader: Grader, capsys):
    """A logger that kept the console's stderr (TensorFlow's does) writes nothing to it while a
    test file runs: nbgrader would score the cell 0."""
    import logging
    import sys

    logger = logging.getLogger("cnnkit-test-console")
    handler = logging.StreamHandler(sys.stderr)
    logger.addHandler(handler)
    try:
        def noisy(x):
            logger.warning("Assets written to /tmp/x")
            return 2 * x

        result = run_test_file(load_test_file(tmp_path / "full" / "double.py", public_only=False), {"double": noisy})
        assert result.passed
        assert "Assets written" not in capsys.readouterr().err
        assert handler.stream is sys.stderr
    finally:
        logger.removeHandler(handler)
