"""Reading what ``cnnkit grade`` wrote (and a hub's grading on submit, in the same format), for the
commands that run after the deadline: ``cnnkit report`` and ``cnnkit export-lms``.

A grades folder holds one JSON file per submission, ``results/<student_id>__<assignment>.json``,
each ``asdict`` of a :class:`~cnnkit_course.grading.batch.GradeResult`. A file that is missing a
field, has a field of the wrong type or is not JSON is reported by name and left out; it never
stops the command.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from cnnkit_course.grading.batch import STATUSES, GradeResult


class BadInput(Exception):
    """Input the user must fix (a missing folder, an unknown assignment): the command prints the
    message as one line on stderr and exits with status 2."""


@dataclass
class LoadedResults:
    """The readable results of a grades folder and a one-line reason for every unreadable file."""

    results: list[GradeResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


_REQUIRED: dict[str, type | tuple[type, ...]] = {
    "student_id": str, "assignment": str, "score": (int, float), "max_score": (int, float), "status": str,
}
_CASE: dict[str, type | tuple[type, ...]] = {
    "name": str, "hidden": bool, "passed": bool, "points": (int, float), "message": str,
}


def result_files(grades_dir: Path) -> list[Path]:
    """The result files of ``grades_dir``: ``grades_dir/results/*.json`` (what ``cnnkit grade --out
    grades_dir`` writes), or ``grades_dir/*.json`` when it has no ``results/`` folder.

    Raises:
        BadInput: ``grades_dir`` is not a folder, or holds no result file.
    """
    if not grades_dir.is_dir():
        raise BadInput(f"{grades_dir} is not a folder (pass the --out folder of `cnnkit grade`)")
    folder = grades_dir / "results" if (grades_dir / "results").is_dir() else grades_dir
    files = sorted(folder.glob("*.json"))
    if not files:
        raise BadInput(f"{grades_dir} holds no result files (expected {grades_dir}/results/<student>__<assignment>.json, "
                       "as `cnnkit grade --out` writes)")
    return files


def _check_fields(data: Any, spec: dict[str, type | tuple[type, ...]], what: str) -> None:
    """Raise ``ValueError`` unless ``data`` is an object with every field of ``spec``, of its type."""
    if not isinstance(data, dict):
        raise ValueError(f"{what} is not a JSON object")
    for name, kind in spec.items():
        if name not in data:
            raise ValueError(f"{what} has no {name!r}")
        value = data[name]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            expected = kind.__name__ if isinstance(kind, type) else "a number"
            raise ValueError(f"{what}: {name!r} is {type(value).__name__}, not {expected}")


def parse_result(text: str) -> GradeResult:
    """One result file's text as a :class:`GradeResult`; fields it does not know are ignored.

    Raises:
        ValueError: not JSON, a missing field, a field of the wrong type or an unknown status.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc})") from None
    _check_fields(data, _REQUIRED, "the result")
    if data["status"] not in STATUSES:
        raise ValueError(f"unknown status {data['status']!r} (known: {', '.join(STATUSES)})")
    questions = data.get("questions", [])
    if not isinstance(questions, list):
        raise ValueError("'questions' is not a list")
    for question in questions:
        _check_fields(question, {"question": str, "score": (int, float), "max_points": (int, float)}, "a question")
        if not isinstance(question.get("cases", []), list):
            raise ValueError(f"question {question['question']!r}: 'cases' is not a list")
        for case in question.get("cases", []):
            _check_fields(case, _CASE, f"a case of {question['question']!r}")
    known = {f.name for f in fields(GradeResult)}
    return GradeResult(**{k: v for k, v in data.items() if k in known})


def load_results(grades_dir: Path) -> LoadedResults:
    """Every readable result of ``grades_dir`` (see :func:`result_files`), sorted by assignment and
    student, and ``"<file name>: <reason>"`` for each file that could not be read."""
    loaded = LoadedResults()
    for path in result_files(grades_dir):
        try:
            loaded.results.append(parse_result(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            loaded.problems.append(f"{path.name}: {exc}")
    loaded.results.sort(key=lambda r: (r.assignment, r.student_id))
    return loaded
