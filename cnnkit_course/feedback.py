"""Students' feedback without the hidden tests' code: post-processing of nbgrader's feedback HTML.

``nbgrader generate_feedback`` renders the *autograded* notebook, whose test cells hold the hidden
tests again (nbgrader issue #917): the cell's source shows the ``### BEGIN HIDDEN TESTS`` region, and
the traceback of a failing test cell quotes the same lines. :func:`sanitize_html` rewrites one
feedback file so that a student sees, for every test cell:

- its public part, with one comment line where the hidden part ran;
- its score (nbgrader's panel, unchanged) and its output: which cases passed and which failed, hidden
  ones by name (``grader.check`` prints and raises exactly that, and shows a failed hidden case by the
  last line of its message only); a failure's traceback is cut to the exception and its message,
  since the traceback's frames quote the cell's code.

Everything else (the student's code and outputs, the scores, the comments) stays as nbgrader wrote it.
:func:`find_leaks` then looks for what must never appear: the hidden-test markers, a hidden check
call, and every line of the hidden test cases and helpers of the assignment's test files.

Run after ``nbgrader generate_feedback <id>`` and before ``nbgrader release_feedback <id>``:
``cnnkit feedback <id>`` (:func:`sanitize_course_feedback`) rewrites ``feedback/*/<id>/*.html`` in
place and fails if anything hidden is left.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from cnnkit_course.paths import CoursePaths

#: Replaces the hidden region of a test cell in the feedback.
HIDDEN_NOTE = "# (hidden tests ran here: their names and results are in the output below)"
#: Texts that betray hidden-test code wherever they appear.
HIDDEN_MARKERS = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS", "hidden=True")
_HIDDEN_CALL = re.compile(r"hidden\s*=\s*True")
# Lines of an IPython traceback that quote code: frame headers and numbered context lines.
_FRAME_HEADER = re.compile(r"^\s*(Cell In\s*\[|Input In \[|File \S|<ipython-input-)")
_CONTEXT_LINE = re.compile(r"^\s*(-*>\s*)?\d+\s")


def _soup(html: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "html.parser")


def _highlight(source: str) -> str:
    """Python source as nbconvert highlights it (the page's CSS styles these classes)."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name

    return highlight(source, get_lexer_by_name("ipython3"), HtmlFormatter(nowrap=True))


def public_source(source: str) -> str:
    """A test cell's source with each hidden region replaced by :data:`HIDDEN_NOTE`."""
    pattern = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[^\n]*", re.M | re.S)
    return pattern.sub(HIDDEN_NOTE, source)


def exception_only(text: str) -> str:
    """An IPython traceback cut to its last part: the exception's type and message.

    Text that is no traceback (no frame header, no numbered context line) is returned as it is.
    """
    lines = text.split("\n")
    last_frame = max((i for i, line in enumerate(lines) if _FRAME_HEADER.match(line) or _CONTEXT_LINE.match(line)),
                     default=-1)
    if last_frame < 0:
        return text
    rest = lines[last_frame + 1:]
    while rest and not rest[0].strip():
        rest.pop(0)
    return "\n".join(rest)


def sanitize_html(html: str) -> str:
    """One nbgrader feedback page without hidden-test code (see the module docstring).

    Args:
        html: the text of ``feedback/<student>/<id>/<notebook>.html``.

    Returns:
        The rewritten page. Applying it twice changes nothing more.
    """
    from bs4 import NavigableString

    soup = _soup(html)
    for cell in soup.select("div.cell.code_cell"):
        pre = cell.select_one("div.input_area pre")
        source = pre.get_text() if pre is not None else ""
        is_test_cell = "### BEGIN HIDDEN TESTS" in source or _HIDDEN_CALL.search(source) is not None
        if is_test_cell:
            cleaned = public_source(source)
            cleaned = "\n".join(line for line in cleaned.split("\n") if not _HIDDEN_CALL.search(line))
            pre.clear()
            pre.append(_soup(_highlight(cleaned.rstrip("\n") + "\n")))
            # The value of the cell's last `grader.check(...)`: the CheckResult's repr, which repeats
            # the printed summary as data (with a `hidden` flag per case). The summary stays.
            for result in cell.select("div.output_execute_result"):
                if result.get_text().lstrip().startswith("CheckResult("):
                    area = result.find_parent("div", class_="output_area") or result
                    if isinstance(area.next_sibling, NavigableString) and not area.next_sibling.strip():
                        area.next_sibling.extract()
                    area.decompose()
        for error in cell.select("div.output_error pre, div.output_stderr pre"):
            text = error.get_text()
            if is_test_cell or any(marker in text for marker in HIDDEN_MARKERS) or _HIDDEN_CALL.search(text):
                kept = exception_only(text)
                kept = "\n".join(line for line in kept.split("\n")
                                 if not _HIDDEN_CALL.search(line) and "HIDDEN TESTS" not in line)
                error.clear()
                error.append(NavigableString(kept))
    return str(soup)


def hidden_test_lines(tests_dir: Path, min_length: int = 26, release_dir: Path | None = None) -> set[str]:
    """Lines (stripped, at least ``min_length`` characters) of an assignment's full test files that
    their public versions do not have: the hidden cases and helpers, which feedback must not show.

    Args:
        release_dir: the assignment's release folder; lines its notebooks show anyway (a hidden test
            may rebuild the notebook's own model, say) are no secret and are left out.
    """
    import json

    from cnnkit_course.build import public_test_source

    lines: set[str] = set()
    for path in sorted(Path(tests_dir).glob("*.py")):
        text = path.read_text()
        public = {line.strip() for line in public_test_source(text).splitlines()}
        lines |= {line.strip() for line in text.splitlines()
                  if len(line.strip()) >= min_length and line.strip() not in public}
    if release_dir is not None:
        for notebook in Path(release_dir).glob("*.ipynb"):
            for cell in json.loads(notebook.read_text())["cells"]:
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
    """What :func:`sanitize_course_feedback` did."""

    files: list[Path] = field(default_factory=list)
    leaks: dict[Path, list[str]] = field(default_factory=dict)


def sanitize_course_feedback(root: Path, assignment: str, feedback_dir: Path | None = None) -> FeedbackReport:
    """Rewrite every ``feedback/<student>/<assignment>/*.html`` in place and check it.

    Args:
        root: the course repository (its ``autograder/<assignment>/tests`` name the hidden lines).
        assignment: the assignment id.
        feedback_dir: nbgrader's feedback folder (default ``root/feedback``).

    Returns:
        The files rewritten and, per file, anything hidden that is still there (should be empty).
    """
    feedback_dir = Path(feedback_dir) if feedback_dir is not None else Path(root) / "feedback"
    paths = CoursePaths.of(Path(root))
    secrets = hidden_test_lines(paths.full_tests(assignment), release_dir=paths.release_dir(assignment))
    report = FeedbackReport()
    for path in sorted(feedback_dir.glob(f"*/{assignment}/*.html")):
        html = sanitize_html(path.read_text(encoding="utf-8"))
        path.write_text(html, encoding="utf-8")
        report.files.append(path)
        leaks = find_leaks(html, secrets)
        if leaks:
            report.leaks[path] = leaks
    return report


def main(assignment: str, feedback_dir: str | None = None) -> int:
    """``cnnkit feedback ASSIGNMENT``: sanitize, print one line per problem, return an exit status."""
    from cnnkit import config

    root = config.course_root()
    if root is None:
        print("cnnkit feedback: run this inside the course repository (or set CNNKIT_COURSE_ROOT)")
        return 2
    report = sanitize_course_feedback(root, assignment, Path(feedback_dir) if feedback_dir else None)
    for path, leaks in report.leaks.items():
        print(f"LEAK {path}: {leaks[:3]}")
    if not report.files:
        print(f"cnnkit feedback: no feedback/*/{assignment}/*.html (run `nbgrader generate_feedback {assignment}` first)")
        return 1
    print(f"feedback: {len(report.files)} file(s) of {assignment} show no hidden-test code"
          if not report.leaks else "feedback: hidden-test code left (see above); do not release it")
    return 1 if report.leaks else 0


__all__ = ["FeedbackReport", "HIDDEN_NOTE", "exception_only", "find_leaks", "hidden_test_lines", "main",
           "public_source", "sanitize_course_feedback", "sanitize_html"]

if __name__ == "__main__":
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m cnnkit_course.feedback",
                                     description="Remove hidden-test code from nbgrader's feedback HTML "
                                                 "(run after `nbgrader generate_feedback ASSIGNMENT`).")
    parser.add_argument("assignment")
    parser.add_argument("--feedback-dir", help="nbgrader's feedback folder (default: feedback/ in the course root)")
    arguments = parser.parse_args()
    sys.exit(main(arguments.assignment, arguments.feedback_dir))
