"""``cnnkit report GRADES_DIR --out DIR``: the instructor's view of a graded batch (item analysis).

Reads the result files that ``cnnkit grade --out GRADES_DIR`` wrote (:mod:`cnnkit_course.results`)
and writes to ``DIR``:

- ``report.html``: one self-contained page (figures embedded as base64 PNG, no external file):
  the score distribution per assignment, the statuses per assignment, the grading time per
  submission, and per assignment the pass rate of every test case, hidden ones included, sorted
  from hardest, with each case's most frequent failure message and how many students hit it;
- the same figures as PNG files (``scores.png``, ``statuses.png``, ``times.png``,
  ``cases_<assignment>.png``) and as CSV files an instructor can sort (``scores.csv``: one row per
  submission, for the score and time figures; ``statuses.csv``; ``cases.csv``).

A result file that cannot be read is named in the page and on stderr and left out.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from cnnkit import config
from cnnkit_course.grading.batch import STATUSES, GradeResult
from cnnkit_course.results import load_results

STATUS_COLOURS = {"graded": "#4c9a2a", "timeout": "#e69f00", "memory": "#8e44ad", "invalid": "#7f7f7f",
                  "error": "#c0392b"}
_FAILURE_CHARS = 160  # a failure message is cut to this many characters


@dataclass
class CaseStats:
    """How one test case fared across the submissions of its assignment."""

    assignment: str
    question: str
    case: str
    hidden: bool
    points: float
    ran: int = 0  # submissions whose result lists the case
    passed: int = 0
    failures: dict[str, set[str]] = field(default_factory=dict)  # failure line -> students

    @property
    def pass_rate(self) -> float:
        """Passed / ran, in [0, 1] (0 when no submission ran the case)."""
        return self.passed / self.ran if self.ran else 0.0

    def top_failure(self) -> tuple[str, int]:
        """The failure line most students hit and how many they are (``("", 0)`` if none failed)."""
        if not self.failures:
            return "", 0
        line, students = min(self.failures.items(), key=lambda item: (-len(item[1]), item[0]))
        return line, len(students)


def failure_line(message: str) -> str:
    """What a failure message says in one line: its last non-empty line (the exception and its
    text), without the "hidden test failed:" prefix, cut to a readable length."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    line = lines[-1] if lines else "(no message)"
    line = line.removeprefix("hidden test failed:").strip() or "(no message)"
    return line if len(line) <= _FAILURE_CHARS else line[:_FAILURE_CHARS - 1] + "…"


def assignments_of(results: list[GradeResult]) -> list[str]:
    """The assignments of ``results``: the course's in teaching order, then any other, sorted."""
    present = {r.assignment for r in results}
    known = [a for a in config.settings().assignments if a in present]
    return known + sorted(present - set(known))


def case_stats(results: list[GradeResult]) -> list[CaseStats]:
    """Every test case of every assignment, hardest first (lowest pass rate; ties in course order)."""
    stats: dict[tuple[str, str, str], CaseStats] = {}
    for result in results:
        for question in result.questions:
            for case in question.get("cases", []):
                key = (result.assignment, question["question"], case["name"])
                entry = stats.setdefault(key, CaseStats(*key, hidden=case["hidden"], points=float(case["points"])))
                entry.ran += 1
                if case["passed"]:
                    entry.passed += 1
                else:
                    entry.failures.setdefault(failure_line(case["message"]), set()).add(result.student_id)
    order = {a: i for i, a in enumerate(assignments_of(results))}
    return sorted(stats.values(), key=lambda s: (s.pass_rate, order[s.assignment], s.question, s.case))


def status_counts(results: list[GradeResult]) -> dict[str, Counter]:
    """Per assignment (in course order), how many submissions ended with each status."""
    counts = {a: Counter() for a in assignments_of(results)}
    for result in results:
        counts[result.assignment][result.status] += 1
    return counts


# --- figures -----------------------------------------------------------------------------------


def _by_assignment(results: list[GradeResult]) -> dict[str, list[GradeResult]]:
    groups: dict[str, list[GradeResult]] = {a: [] for a in assignments_of(results)}
    for result in results:
        groups[result.assignment].append(result)
    return groups


def score_figure(results: list[GradeResult]) -> Figure:
    """One histogram of the scores (points) per assignment, with the mean as a dashed line."""
    groups = _by_assignment(results)
    cols = min(4, len(groups))
    rows = -(-len(groups) // cols)
    fig = Figure(figsize=(max(6.4, 3.2 * cols), 2.6 * rows + 0.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax, (assignment, group) in zip(axes, groups.items()):
        scores = [r.score for r in group]
        top = max([r.max_score for r in group] + scores + [1.0])
        ax.hist(scores, bins=np.linspace(0, top, 13), color="#4f81bd", edgecolor="white")
        ax.axvline(statistics.fmean(scores), color="black", linestyle="--", linewidth=1)
        ax.set_title(f"{assignment}\nn={len(group)}, mean {statistics.fmean(scores):.1f}/{top:g}", fontsize=9)
        ax.set_xlabel("score (points)", fontsize=8)
        ax.set_ylabel("submissions", fontsize=8)
        ax.set_xlim(0, top)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    for ax in axes[len(groups):]:
        ax.set_visible(False)
    fig.suptitle("Score distribution per assignment (automatically graded points)")
    return fig


def status_figure(counts: dict[str, Counter]) -> Figure:
    """Stacked bars: submissions per assignment by status."""
    fig = Figure(figsize=(max(6.0, 1.1 * len(counts) + 3), 4), layout="constrained")
    ax = fig.subplots()
    names = list(counts)
    bottom = np.zeros(len(names))
    for status in STATUSES:
        values = np.array([counts[a][status] for a in names], dtype=float)
        ax.bar(names, values, bottom=bottom, label=status, color=STATUS_COLOURS[status])
        bottom += values
    ax.set_ylabel("submissions")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Statuses per assignment")
    ax.legend(fontsize=8, ncols=len(STATUSES), loc="upper center", bbox_to_anchor=(0.5, -0.3))
    ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    return fig


def time_figure(results: list[GradeResult]) -> Figure:
    """Grading time per submission (seconds), one box per assignment with every submission as a dot
    coloured by its status."""
    groups = _by_assignment(results)
    fig = Figure(figsize=(max(6.0, 1.1 * len(groups) + 3), 4), layout="constrained")
    ax = fig.subplots()
    ax.boxplot([[r.seconds for r in g] for g in groups.values()], showfliers=False)
    jitter = np.random.default_rng(0)
    for position, group in enumerate(groups.values(), start=1):
        x = position + jitter.uniform(-0.15, 0.15, len(group))
        ax.scatter(x, [r.seconds for r in group], s=12, c=[STATUS_COLOURS[r.status] for r in group], zorder=3)
    ax.set_xticks(range(1, len(groups) + 1), list(groups), rotation=30, fontsize=8)
    ax.set_ylabel("seconds per submission")
    ax.set_title("Grading time per submission (dots coloured by status)")
    return fig


def case_figure(assignment: str, stats: list[CaseStats]) -> Figure:
    """Horizontal bars: the pass rate of each case of ``assignment`` (``stats``: hardest first, drawn
    at the top), hidden cases in red, each labelled passed/ran."""
    fig = Figure(figsize=(9, 0.28 * len(stats) + 1.3), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(stats))[::-1]
    rates = [100 * s.pass_rate for s in stats]
    ax.barh(y, rates, color=["#c0504d" if s.hidden else "#4f81bd" for s in stats])
    for yi, s, rate in zip(y, stats, rates):
        ax.text(min(rate, 88) + 1, yi, f"{s.passed}/{s.ran}", va="center", fontsize=7)
    ax.set_yticks(y, [f"{s.question}: {s.case}" + (" (hidden)" if s.hidden else "") for s in stats], fontsize=7)
    ax.set_xlim(0, 100)
    ax.set_xlabel("pass rate (% of the submissions that ran the case)")
    ax.set_title(f"{assignment}: test cases, hardest first (red: hidden)", fontsize=10)
    return fig


def figures(results: list[GradeResult], counts: dict[str, Counter], stats: list[CaseStats]) -> dict[str, Figure]:
    """Every figure of the report by name (``scores``, ``statuses``, ``times``, ``cases_<assignment>``
    for each assignment whose tests ran); none without results."""
    if not results:
        return {}
    made = {"scores": score_figure(results), "statuses": status_figure(counts), "times": time_figure(results)}
    for assignment in counts:
        mine = [s for s in stats if s.assignment == assignment]
        if mine:
            made[f"cases_{assignment}"] = case_figure(assignment, mine)
    return made


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG (100 dpi)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


# --- CSV ---------------------------------------------------------------------------------------


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _csv_text(header: list[str], rows: list[list]) -> str:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue()


def write_csvs(out: Path, results: list[GradeResult], stats: list[CaseStats], counts: dict[str, Counter]) -> None:
    """``scores.csv`` (one row per submission: the score and time figures), ``statuses.csv`` and
    ``cases.csv`` (hardest first), in ``out``."""
    _write(out / "scores.csv", _csv_text(
        ["student_id", "assignment", "score", "max_score", "percent", "status", "seconds", "reason"],
        [[r.student_id, r.assignment, r.score, r.max_score, round(100 * r.score / r.max_score, 1) if r.max_score else "",
          r.status, r.seconds, r.reason.splitlines()[0] if r.reason else ""] for r in results]))
    _write(out / "statuses.csv", _csv_text(
        ["assignment", *STATUSES, "total"],
        [[a, *(c[s] for s in STATUSES), sum(c.values())] for a, c in counts.items()]))
    _write(out / "cases.csv", _csv_text(
        ["assignment", "question", "case", "hidden", "points", "ran", "passed", "pass_rate",
         "most_frequent_failure", "students_with_it", "distinct_failures"],
        [[s.assignment, s.question, s.case, s.hidden, s.points, s.ran, s.passed, round(s.pass_rate, 4),
          *s.top_failure(), len(s.failures)] for s in stats]))


# --- HTML --------------------------------------------------------------------------------------

_STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 1150px; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #eee; } img { max-width: 100%; } .row { display: flex; gap: 1em; } .row img { max-width: 49%; }
.problems { background: #fdecea; border: 1px solid #c0392b; padding: 0.5em 1em; }
.hidden { color: #c0504d; font-weight: bold; } code { font-size: 0.95em; }
"""


def _img(png: bytes, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def _table(header: list[str], rows: list[list[str]]) -> str:
    """An HTML table; cells are already escaped HTML."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _summary_table(results: list[GradeResult], counts: dict[str, Counter]) -> str:
    rows = []
    for assignment, group in _by_assignment(results).items():
        scores = [r.score for r in group]
        rows.append([html.escape(assignment), str(len(group)), f"{statistics.fmean(scores):.2f}",
                     f"{statistics.median(scores):g}", f"{max(r.max_score for r in group):g}",
                     *(str(counts[assignment][s]) for s in STATUSES),
                     f"{statistics.fmean(r.seconds for r in group):.1f}"])
    return _table(["assignment", "submissions", "mean", "median", "max score", *STATUSES, "mean seconds"], rows)


def _case_table(stats: list[CaseStats]) -> str:
    rows = []
    for rank, s in enumerate(stats, start=1):
        line, students = s.top_failure()
        rows.append([str(rank), html.escape(s.question), html.escape(s.case),
                     '<span class="hidden">hidden</span>' if s.hidden else "public",
                     f"{100 * s.pass_rate:.0f} %", f"{s.passed}/{s.ran}",
                     f"<code>{html.escape(line)}</code>" if line else "", str(students) if students else ""])
    return _table(["#", "question", "case", "kind", "pass rate", "passed/ran", "most frequent failure",
                   "students"], rows)


def render_html(source: Path, results: list[GradeResult], problems: list[str], counts: dict[str, Counter],
                stats: list[CaseStats], pngs: dict[str, bytes]) -> str:
    """The report page; ``pngs``: figure name (file name without ``.png``) -> PNG bytes."""
    parts = [f"<h1>Batch report: {html.escape(source.name or str(source))}</h1>",
             f"<p>{len(results)} results of {len(counts)} assignment(s), read from <code>{html.escape(str(source))}</code> "
             f"on {datetime.now():%Y-%m-%d %H:%M}. Hidden test cases are included: this page is for instructors "
             "only. Scores are automatically graded points (manual points are in nbgrader's gradebook).</p>"]
    if problems:
        items = "".join(f"<li><code>{html.escape(p)}</code></li>" for p in problems)
        parts.append(f'<div class="problems"><b>{len(problems)} result file(s) could not be read and are left '
                     f"out:</b><ul>{items}</ul></div>")
    if not results:
        parts.append("<p>No result could be read.</p>")
    else:
        parts += ["<h2>Assignments</h2>", _summary_table(results, counts),
                  _img(pngs["scores"], "score distribution per assignment"),
                  '<div class="row">' + _img(pngs["statuses"], "statuses per assignment")
                  + _img(pngs["times"], "grading time per submission") + "</div>",
                  "<h2>Test cases, hardest first</h2>",
                  "<p>Pass rate: of the submissions whose result lists the case (an invalid notebook runs no "
                  "case). Failure messages: the last line of each case's message; <i>students</i> is how many "
                  "hit the most frequent one.</p>"]
    for assignment in counts:
        mine = [s for s in stats if s.assignment == assignment]
        parts.append(f"<h3>{html.escape(assignment)}</h3>")
        parts += [_img(pngs[f"cases_{assignment}"], f"{assignment} test cases"), _case_table(mine)] if mine else [
            "<p>No submission of this assignment ran its tests.</p>"]
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Batch report</title>'
            f"<style>{_STYLE}</style></head><body>{''.join(parts)}</body></html>\n")


def write_report(grades_dir: Path, out: Path) -> list[str]:
    """Write the report of ``grades_dir`` into ``out`` (see the module docstring).

    Returns:
        The unreadable result files, one ``"<file>: <reason>"`` each (also named in the page).

    Raises:
        BadInput: ``grades_dir`` is not a folder or holds no result file.
    """
    loaded = load_results(grades_dir)
    results, stats = loaded.results, case_stats(loaded.results)
    counts = status_counts(results)
    out.mkdir(parents=True, exist_ok=True)
    pngs = {name: png_bytes(fig) for name, fig in figures(results, counts, stats).items()}
    for name, png in pngs.items():
        (out / f"{name}.png").write_bytes(png)
    write_csvs(out, results, stats, counts)
    _write(out / "report.html", render_html(grades_dir, results, loaded.problems, counts, stats, pngs))
    return loaded.problems
