"""``cnnkit export-lms``: the final grades as a CSV that Canvas's or Moodle's gradebook import reads.

Each grade is the automatic score plus the manual points:

- automatic: nbgrader's gradebook where it has the submission (its autograded test cells, with any
  score a grader changed by hand), else ``cnnkit grade``'s result file (``--grades``);
- manual: the gradebook's manually graded cells (free-text answers); none without a gradebook.

The sources are recorded per student and assignment in ``sources.csv`` and summed up per column in
``summary.txt`` (also printed). The gradebook is read from a temporary copy and never written.

The roster is a CSV the instructor exports from the LMS, with a header row, one row per student,
and a column (``--id-column``, default ``student_id``) holding the ids of ``submitted/`` and of the
gradebook. For Canvas it must have Canvas's identity columns ``Student,ID,SIS User ID,SIS Login ID,
Section`` (Canvas's own gradebook export does: add the id column, or point ``--id-column`` at e.g.
``SIS Login ID``); for Moodle at least one of ``ID number``, ``Email address``, ``Username``
(Moodle's grade export has the first two). Rows without an id, students of the roster without a
grade and graded students missing from the roster are listed in ``missing.csv`` and on stderr.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cnnkit import config
from cnnkit_course.results import BadInput, load_results

LMS = ("canvas", "moodle")
CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_IDENTITY = ("First name", "Last name", "ID number", "Email address", "Username")
MOODLE_KEYS = ("ID number", "Email address", "Username")
GRADEBOOK, RESULTS = "gradebook", "cnnkit grade"


@dataclass
class Roster:
    """The students of the roster file, in its order, keyed by ``id_column``."""

    id_column: str
    header: list[str]
    rows: dict[str, dict[str, str]]
    without_id: list[str]  # "row N (name)" of rows with an empty id


@dataclass(frozen=True)
class Grade:
    """One student's grade for one assignment and where each part came from (``""``: nowhere)."""

    automatic: float | None
    automatic_source: str
    manual: float | None
    manual_source: str
    note: str = ""

    @property
    def total(self) -> float:
        return (self.automatic or 0.0) + (self.manual or 0.0)


def read_roster(path: Path, id_column: str, lms: str) -> Roster:
    """Read and check the roster (see the module docstring); Canvas's ``Points Possible`` row is
    skipped.

    Raises:
        BadInput: missing file, a required column missing, or an id that appears twice.
    """
    if not path.is_file():
        raise BadInput(f"roster {path} does not exist")
    try:
        reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
        header = list(reader.fieldnames or [])
        records = list(reader)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise BadInput(f"roster {path} is not a UTF-8 CSV file: {exc}") from None
    required = [id_column, *(CANVAS_IDENTITY if lms == "canvas" else [])]
    absent = [c for c in required if c not in header]
    if absent:
        raise BadInput(f"roster {path} has no column {', '.join(map(repr, absent))} (its columns: {', '.join(header)}); "
                       "--id-column names the column with the ids of submitted/")
    if lms == "moodle" and not set(MOODLE_KEYS) & set(header):
        raise BadInput(f"roster {path} needs one of the columns {', '.join(MOODLE_KEYS)} for Moodle to match students")
    roster = Roster(id_column, header, {}, [])
    for number, record in enumerate(records, start=2):
        student = (record.get(id_column) or "").strip()
        name = (record.get("Student") or " ".join(filter(None, (record.get("First name"), record.get("Last name"))))).strip()
        if name == "Points Possible":
            continue
        if not student:
            roster.without_id.append(f"row {number} ({name or 'no name'})")
        elif student in roster.rows:
            raise BadInput(f"roster {path}: {id_column} {student!r} appears twice (row {number})")
        else:
            roster.rows[student] = record
    return roster


def default_gradebook() -> str | None:
    """The course's gradebook URL: ``CNNKIT_DB_URL`` or ``course_config.DB_URL``, else nbgrader's
    SQLite ``gradebook.db`` in the course root (else the working folder) if that file exists."""
    configured = os.environ.get("CNNKIT_DB_URL") or config.load_course_config().DB_URL
    if configured:
        return str(configured)
    sqlite = (config.course_root() or Path.cwd()) / "gradebook.db"
    return f"sqlite:///{sqlite}" if sqlite.is_file() else None


@contextlib.contextmanager
def readable_copy(db_url: str) -> Iterator[str]:
    """A URL of a temporary copy of an sqlite gradebook (nbgrader's Gradebook writes on opening);
    other databases as they are.

    Raises:
        BadInput: an sqlite gradebook that does not exist, or a URL that is not one.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(db_url)
    except ArgumentError:
        raise BadInput(f"{db_url!r} is not a database URL (e.g. sqlite:///gradebook.db)") from None
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        yield db_url
        return
    if not Path(url.database).is_file():
        raise BadInput(f"no gradebook at {url.database} ({db_url})")
    with tempfile.TemporaryDirectory(prefix="cnnkit-gradebook-") as scratch:
        copy = Path(scratch) / "gradebook.db"
        shutil.copy(url.database, copy)
        yield url.set(database=str(copy)).render_as_string(hide_password=False)


def gradebook_scores(db_url: str) -> dict[tuple[str, str], Grade]:
    """(student, assignment) -> automatic and manual points of each submission in the gradebook.

    Automatic: the autograded test cells (code grade cells that are not solution cells); manual:
    every other graded cell. A cell's score is nbgrader's (a grader's score over the autograder's).
    """
    from nbgrader.api import Gradebook
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with readable_copy(db_url) as url:
            engine = create_engine(url)
            tables = inspect(engine).get_table_names()
            engine.dispose()
            if "submitted_assignment" not in tables:  # nbgrader would create its tables in it
                raise BadInput(f"{db_url} is not an nbgrader gradebook (it has no nbgrader tables)")
            with Gradebook(url) as gb:
                return {(submission.student_id, assignment.name): _submission_grade(submission)
                        for assignment in gb.assignments for submission in gb.assignment_submissions(assignment.name)}
    except SQLAlchemyError as exc:
        raise BadInput(f"cannot read the gradebook {db_url}: {str(exc).splitlines()[0]}") from None


def _submission_grade(submission) -> Grade:
    """The points of an nbgrader ``SubmittedAssignment``, split into automatic and manual."""
    from nbgrader.api import GradeCell

    auto = manual = 0.0
    pending = 0
    for nb in submission.notebooks:
        answers = {cell.name for cell in nb.notebook.solution_cells}
        for grade in nb.grades:
            if isinstance(grade.cell, GradeCell) and grade.cell.cell_type == "code" and grade.cell.name not in answers:
                auto += grade.score
            else:
                manual += grade.score
                pending += bool(grade.needs_manual_grade)
    note = f"{pending} cell(s) not graded by hand yet" if pending else ""
    return Grade(auto, GRADEBOOK, manual, GRADEBOOK, note)


def merged_grades(gradebook: dict[tuple[str, str], Grade], grades_dir: Path | None) -> tuple[dict[tuple[str, str], Grade], list[str]]:
    """The gradebook's grades, completed by ``cnnkit grade``'s results where it has none.

    Returns:
        (student, assignment) -> grade, and the unreadable result files.
    """
    merged = dict(gradebook)
    problems: list[str] = []
    if grades_dir is not None:
        loaded = load_results(grades_dir)
        problems = loaded.problems
        for r in loaded.results:
            note = "" if r.status == "graded" else f"cnnkit grade: {r.status}"
            merged.setdefault((r.student_id, r.assignment), Grade(r.score, RESULTS, None, "", note))
    return merged, problems


def exported_assignments(chosen: list[str] | None, grades: dict[tuple[str, str], Grade]) -> list[str]:
    """The columns: ``chosen``, else every course assignment that has a grade, in teaching order."""
    if chosen:
        return chosen
    present = {assignment for _student, assignment in grades}
    return [a for a in config.settings().assignments if a in present]


def max_points(assignment: str) -> float:
    """``auto_points + manual_points`` of ``course_config.py``."""
    spec = config.settings().assignments[assignment]
    return float(spec.get("auto_points", 0) + spec.get("manual_points", 0))


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{round(value, 4):g}"


def column_name(roster: Roster, assignment: str) -> str:
    """The roster's column for ``assignment`` when it has one (a Canvas export names its
    assignments ``Title (id)``: the header ``a1_convolution (1234)`` updates that assignment), else
    the assignment id (a new grade column)."""
    return next((h for h in roster.header if h == assignment or h.startswith(f"{assignment} (")), assignment)


def lms_table(lms: str, roster: Roster, assignments: list[str], grades: dict[tuple[str, str], Grade]) -> list[list[str]]:
    """The import file's rows, header first: the LMS's identity columns copied from the roster,
    then one column per assignment (the total; empty where the student has no grade). Canvas's
    second row is its ``Points Possible`` row."""
    identity = list(CANVAS_IDENTITY) if lms == "canvas" else [c for c in MOODLE_IDENTITY if c in roster.header]
    rows = [identity + [column_name(roster, a) for a in assignments]]
    if lms == "canvas":
        rows.append(["Points Possible"] + [""] * (len(identity) - 1) + [_fmt(max_points(a)) for a in assignments])
    for student, record in roster.rows.items():
        cells = [_fmt(grades[(student, a)].total) if (student, a) in grades else "" for a in assignments]
        rows.append([record.get(c) or "" for c in identity] + cells)
    return rows


def missing_rows(roster: Roster, assignments: list[str], grades: dict[tuple[str, str], Grade]) -> list[list[str]]:
    """``student_id, problem, detail`` for everyone who is on one side only (or has a gap)."""
    rows = [["", "no id in the roster", f"{where}: not exported"] for where in roster.without_id]
    for student in roster.rows:
        absent = [a for a in assignments if (student, a) not in grades]
        if len(absent) == len(assignments):
            rows.append([student, "no grade", "in the roster, no grade for any exported assignment (empty cells)"])
        elif absent:
            rows.append([student, "missing assignment", f"no grade for {', '.join(absent)} (empty cells)"])
    graded = sorted({s for s, a in grades if a in assignments} - set(roster.rows))
    for student in graded:
        have = [a for a in assignments if (student, a) in grades]
        rows.append([student, "not in the roster", f"graded for {', '.join(have)}, not exported"])
    return rows


def source_rows(assignments: list[str], grades: dict[tuple[str, str], Grade]) -> list[list[str]]:
    """``sources.csv``: every exported grade with its parts and their sources."""
    rows = [["student_id", "assignment", "automatic", "automatic_source", "manual", "manual_source", "total",
             "max_score", "note"]]
    for (student, assignment), g in sorted(grades.items()):
        if assignment in assignments:
            rows.append([student, assignment, _fmt(g.automatic), g.automatic_source, _fmt(g.manual), g.manual_source,
                         _fmt(g.total), _fmt(max_points(assignment)), g.note])
    return rows


def summary_lines(column: dict[str, str], assignments: list[str], grades: dict[tuple[str, str], Grade]) -> list[str]:
    """Per column, how many grades took each part from which source."""
    lines = []
    for a in assignments:
        mine = [g for (_s, assignment), g in grades.items() if assignment == a]
        auto = Counter(g.automatic_source or "none" for g in mine)
        manual = Counter(g.manual_source or "none" for g in mine)
        lines.append(f"{column[a]}: {len(mine)} grades; automatic from " + ", ".join(f"{k} {v}" for k, v in sorted(auto.items()))
                     + "; manual from " + ", ".join(f"{k} {v}" for k, v in sorted(manual.items()))
                     + f"; out of {max_points(a):g} points")
    return lines


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    path.write_text(text.getvalue(), encoding="utf-8")


@dataclass
class Export:
    """What :func:`export` wrote and found."""

    file: Path
    summary: list[str]
    missing: list[list[str]]  # without the header
    problems: list[str]  # unreadable result files


def export(lms: str, roster_path: Path, out: Path, *, id_column: str = "student_id", grades_dir: Path | None = None,
           db_url: str | None = None, assignments: list[str] | None = None) -> Export:
    """Write ``out/<lms>.csv`` (the import file), ``out/sources.csv``, ``out/missing.csv`` and
    ``out/summary.txt``.

    Args:
        db_url: the gradebook; ``None``: the course's (:func:`default_gradebook`).
        assignments: the columns (default: every assignment with a grade).

    Raises:
        BadInput: a bad roster, gradebook or grades folder, an unknown assignment, or no grades at all.
    """
    roster = read_roster(roster_path, id_column, lms)
    unknown = sorted(set(assignments or []) - set(config.settings().assignments))
    if unknown:
        raise BadInput(f"unknown assignment(s) {', '.join(unknown)}; known: {', '.join(config.settings().assignments)}")
    db_url = db_url or default_gradebook()
    if db_url is None and grades_dir is None:
        raise BadInput("no grades: pass --grades (the --out folder of `cnnkit grade`) and/or --gradebook")
    grades, problems = merged_grades(gradebook_scores(db_url) if db_url else {}, grades_dir)
    chosen = exported_assignments(assignments, grades)
    column = {a: column_name(roster, a) for a in chosen}
    out.mkdir(parents=True, exist_ok=True)
    _write_csv(out / f"{lms}.csv", lms_table(lms, roster, chosen, grades))
    _write_csv(out / "sources.csv", source_rows(chosen, grades))
    missing = missing_rows(roster, chosen, grades)
    _write_csv(out / "missing.csv", [["student_id", "problem", "detail"], *missing])
    sources = [f"gradebook: {db_url or 'none'}", f"cnnkit grade results: {grades_dir or 'none'}"]
    summary = sources + summary_lines(column, chosen, grades)
    (out / "summary.txt").write_text("\n".join(summary) + "\n", encoding="utf-8")
    return Export(out / f"{lms}.csv", summary, missing, problems)
