"""The page a student reads after Submit: the score per question and each case, passed or FAILED,
with the messages students may see (a hidden case's last line only, as ``cnnkit.checks`` keeps it),
never hidden test code or inputs: the page passes :func:`cnnkit_course.feedback.find_leaks` with the
assignment's hidden lines before it is written, else it says the feedback is withheld.
"""

from __future__ import annotations

import html
from typing import Any

from cnnkit_course.grading.batch import GradeResult

#: What a student reads for each grading status but "graded".
STATUS_TEXT = {
    "invalid": "your notebook could not be graded",
    "timeout": "your notebook ran longer than the time limit; the rest was graded",
    "memory": "a cell used more memory than allowed; the rest was graded",
    "error": "grading your notebook failed",
}
WITHHELD = "Your feedback is withheld: it would show part of the hidden tests. Your instructor has been told."


def _question_rows(question: dict[str, Any]) -> str:
    cases = "".join(
        f"<li class=\"{'passed' if case['passed'] else 'failed'}\">{'passed' if case['passed'] else 'FAILED'} "
        f"{html.escape(case['name'])} ({case['points']:g} pt)"
        + ("" if case["passed"] else f"<pre>{html.escape(case['message'].strip())}</pre>") + "</li>"
        for case in question["cases"])
    return (f"<h3>{html.escape(question['question'])}: {question['score']:g} of {question['max_points']:g} points</h3>"
            f"<ul>{cases}</ul>")


def render(result: GradeResult, timestamp: str) -> str:
    """The feedback page of one graded submission (a whole HTML document)."""
    title = f"{result.assignment}: {result.score:g} of {result.max_score:g} points"
    status = "" if result.status == "graded" else (
        f"<p class=\"status\">Status: <b>{html.escape(result.status)}</b>: "
        f"{html.escape(STATUS_TEXT.get(result.status, result.status))}"
        + (f" ({html.escape(result.reason)})" if result.reason else "") + "</p>")
    questions = "".join(_question_rows(q) for q in result.questions)
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title>"
            "<style>body{font-family:sans-serif;max-width:50em;margin:2em auto}.failed{color:#b00}"
            "pre{background:#f6f6f6;padding:.4em;white-space:pre-wrap}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><p>Submitted {html.escape(timestamp)}; automatic points only "
            "(free-text answers are graded by hand later).</p>"
            f"{status}{questions}</body></html>")
