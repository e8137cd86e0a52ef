"""Students' feedback without the hidden tests' code, made by ``nbgrader generate_feedback`` itself.

``nbgrader generate_feedback`` renders the *autograded* notebook, whose test cells hold the hidden
tests again (nbgrader issue #917): the cell's source shows the ``### BEGIN HIDDEN TESTS`` region, and
the traceback of a failing test cell quotes the same lines. ``nbgrader_config.py`` therefore runs,
after nbgrader's ``GetGrades``:

- nbgrader's own ``ClearHiddenTests``, which removes the hidden region of each test cell;
- :class:`HiddenTestFeedback`, the kit's: each autograded test cell ends with one comment line where
  the hidden part ran, and a failure's traceback (an error output, or text on stderr) is cut to the
  exception and its message, since the traceback's frames quote the cell's code. The output that
  names every case stays: which passed and which FAILED, a failed hidden case by the last line of
  its message only (``grader.check`` prints exactly that), and the points earned.

So every way of generating feedback (the command, the formgrader's button) gives the sanitized page.
Everything else (the student's code and outputs, the scores, the comments) stays as nbgrader wrote it.
:func:`find_leaks` is the gate before release: ``cnnkit feedback <id>``
(:func:`check_course_feedback`) searches ``feedback/*/<id>/*.html`` for what must never appear (the
hidden-test markers, a hidden check call, every line of the hidden test cases and helpers of the
assignment's test files) and fails if anything is there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbgrader.preprocessors import NbGraderPreprocessor

from cnnkit_course.notebooks import is_autograded_test
from cnnkit_course.paths import CoursePaths

#: Ends each autograded test cell in the feedback, where the hidden part ran.
HIDDEN_NOTE = "# (hidden tests ran here: their names and results are in the output below)"
#: Texts that betray hidden-test code wherever they appear.
HIDDEN_MARKERS = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS", "hidden=True")
_HIDDEN_CALL = re.compile(r"hidden\s*=\s*True")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# Lines of an IPython traceback that quote code: frame headers and numbered context lines.
_FRAME_HEADER = re.compile(r"^\s*(Cell In\s*\[|Input In \[|File \S|<ipython-input-)")
_CONTEXT_LINE = re.compile(r"^\s*(-*>\s*)?\d+\s")


def _soup(html: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "html.parser")


def exception_only(text: str) -> str:
    """An IPython traceback (ANSI colours removed) cut to its last part: the exception's type and
    message, without a line that calls a hidden check.

    Text that is no traceback (no frame header, no numbered context line) is returned as it is,
    less such lines.
    """
    lines = _ANSI.sub("", text).split("\n")
    last_frame = max((i for i, line in enumerate(lines) if _FRAME_HEADER.match(line) or _CONTEXT_LINE.match(line)),
                     default=-1)
    rest = lines[last_frame + 1:]
    while rest and not rest[0].strip():
        rest.pop(0)
    return "\n".join(line for line in rest if not _HIDDEN_CALL.search(line) and "HIDDEN TESTS" not in line)


class HiddenTestFeedback(NbGraderPreprocessor):
    """The kit's step of ``nbgrader generate_feedback`` (after nbgrader's ``ClearHiddenTests``): see
    the module docstring. Running it twice changes nothing more. Enabled by default, as nbgrader's
    own steps are (a plain nbconvert ``Preprocessor`` in nbgrader's list would be skipped)."""

    def preprocess_cell(self, cell: Any, resources: dict, index: int) -> tuple[Any, dict]:
        """Note where the hidden tests ran and cut tracebacks that could quote them."""
        if cell.get("cell_type") != "code":
            return cell, resources
        test_cell = is_autograded_test(cell)
        if test_cell and HIDDEN_NOTE not in cell.source:
            cell.source = cell.source.rstrip("\n") + "\n" + HIDDEN_NOTE
        for output in cell.get("outputs", []):
            if output.output_type == "error" and (test_cell or _mentions_hidden("\n".join(output.traceback))):
                output.traceback = [exception_only("\n".join(output.traceback))]
            elif output.output_type == "stream" and output.name == "stderr" and (test_cell or _mentions_hidden(output.text)):
                output.text = exception_only(output.text)
        return cell, resources


def _mentions_hidden(text: str) -> bool:
    return any(marker in text for marker in HIDDEN_MARKERS) or _HIDDEN_CALL.search(text) is not None


def hidden_test_lines(tests_dir: Path, min_length: int = 26, shown: Iterable[Path] = ()) -> set[str]:
    """Lines (stripped, at least ``min_length`` characters) of an assignment's full test files that
    their public versions do not have: the hidden cases and helpers, which feedback must not show.

    Args:
        shown: notebooks whose lines are no secret and are left out: the release (a hidden test may
            rebuild the notebook's own model, say) and the published solution (a hidden helper may
            compute the reference result the way a student's code does).
    """
    import json

    from cnnkit_course.build import public_test_source

    lines: set[str] = set()
    for path in sorted(Path(tests_dir).glob("*.py")):
        text = path.read_text()
        public = {line.strip() for line in public_test_source(text).splitlines()}
        lines |= {line.strip() for line in text.splitlines()
                  if len(line.strip()) >= min_length and line.strip() not in public}
    for notebook in shown:
        for cell in json.loads(Path(notebook).read_text())["cells"]:
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            lines -= {line.strip() for line in source.splitlines()}
    return lines


def find_leaks(html: str, secret_lines: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """What of the hidden tests a feedback page shows: markers, hidden check calls, secret lines.

    The page's visible text is searched (HTML tags removed, entities decoded), so highlighting
    spans cannot hide a line from the search.
    """
    text = _soup(html).get_text()
    found = [marker for marker in HIDDEN_MARKERS if marker in text]
    found += sorted({m.group(0) for m in _HIDDEN_CALL.finditer(text)} - set(found))
    found += sorted(line for line in secret_lines if line in text)
    return found


@dataclass
class FeedbackReport:
    """What :func:`check_course_feedback` found."""

    files: list[Path] = field(default_factory=list)
    leaks: dict[Path, list[str]] = field(default_factory=dict)


def check_course_feedback(root: Path, assignment: str, feedback_dir: Path | None = None) -> FeedbackReport:
    """Search every ``feedback/<student>/<assignment>/*.html`` for hidden-test code.

    Args:
        root: the course repository (its ``autograder/<assignment>/tests`` name the hidden lines).
        assignment: the assignment id.
        feedback_dir: nbgrader's feedback folder (default ``root/feedback``).

    Returns:
        The files searched and, per file, anything hidden it shows (should be empty).
    """
    feedback_dir = Path(feedback_dir) if feedback_dir is not None else Path(root) / "feedback"
    paths = CoursePaths.of(Path(root))
    published = [path for path in (paths.solution_notebook(assignment),) if path.is_file()]
    secrets = hidden_test_lines(paths.full_tests(assignment),
                                shown=[*paths.release_dir(assignment).glob("*.ipynb"), *published])
    report = FeedbackReport()
    for path in sorted(feedback_dir.glob(f"*/{assignment}/*.html")):
        report.files.append(path)
        leaks = find_leaks(path.read_text(encoding="utf-8"), secrets)
        if leaks:
            report.leaks[path] = leaks
    return report


def main(assignment: str, feedback_dir: str | None = None) -> int:
    """``cnnkit feedback ASSIGNMENT``: check, print one line per problem, return an exit status."""
    from cnnkit import config

    root = config.course_root()
    if root is None:
        print("cnnkit feedback: run this inside the course repository (or set CNNKIT_COURSE_ROOT)")
        return 2
    report = check_course_feedback(root, assignment, Path(feedback_dir) if feedback_dir else None)
    for path, leaks in report.leaks.items():
        print(f"LEAK {path}: {leaks[:3]}")
    if not report.files:
        print(f"cnnkit feedback: no feedback/*/{assignment}/*.html (run `nbgrader generate_feedback {assignment}` first)")
        return 1
    print(f"feedback: {len(report.files)} file(s) of {assignment} show no hidden-test code"
          if not report.leaks else "feedback: hidden-test code left (see above); do not release it "
                                   "(is nbgrader_config.py's GenerateFeedback.preprocessors in effect?)")
    return 1 if report.leaks else 0


__all__ = ["FeedbackReport", "HIDDEN_NOTE", "HiddenTestFeedback", "check_course_feedback", "exception_only", "find_leaks",
           "hidden_test_lines", "main"]

if __name__ == "__main__":
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m cnnkit_course.feedback",
                                     description="Check nbgrader's feedback HTML for hidden-test code "
                                                 "(run after `nbgrader generate_feedback ASSIGNMENT`).")
    parser.add_argument("assignment")
    parser.add_argument("--feedback-dir", help="nbgrader's feedback folder (default: feedback/ in the course root)")
    arguments = parser.parse_args()
    sys.exit(main(arguments.assignment, arguments.feedback_dir))
