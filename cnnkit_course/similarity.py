"""``cnnkit similarity SUBMITTED_DIR --assignment ID --out DIR``: which students' code is alike.

Only the code students write is compared: the solution code cells of the release notebook
(``metadata.nbgrader.solution``), matched by nbgrader ``grade_id`` in each submission. The release's
own stubs (signatures, docstrings, ``raise NotImplementedError()``) are copydetect's boilerplate,
ignored: an untouched notebook has similarity 0 with everyone. Comparison, highlighting and the
fingerprints are copydetect's (winnowing over Pygments tokens, so renaming variables changes
nothing). Written to ``DIR``:

- ``similarity.html``: one self-contained page, the ``--top`` most similar pairs ranked, each with
  the overlapping code highlighted side by side, and the distribution of all pairs' similarities;
- ``similarity.csv``: every pair, most similar first;
- ``sources/<student_id>.py``: the code that was compared, per student.

A pair's *similarity* is the mean of its two shares: the share of each student's own code (tokens
outside the boilerplate) that also appears in the other's.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import ScalarFormatter

from cnnkit_course import notebooks
from cnnkit_course.results import BadInput

if TYPE_CHECKING:
    from copydetect import CopyDetector

#: copydetect's thresholds, in characters of its filtered code (names become one letter): matches
#: shorter than ``NOISE`` are ignored, matches of ``GUARANTEE`` or more are always found. Equal,
#: every fingerprint is kept (no winnowing), which makes the result independent of Python's hash
#: seed (copydetect hashes with ``hash()``).
NOISE = GUARANTEE = 25
#: A pair at or above this similarity is marked as flagged.
FLAG_AT = 0.5


@dataclass(frozen=True)
class Pair:
    """Two students and how much of their code they share (shares in [0, 1])."""

    a: str
    b: str
    share_a: float  # of a's own code, the part also in b's
    share_b: float
    overlap_tokens: int

    @property
    def similarity(self) -> float:
        return (self.share_a + self.share_b) / 2


def solution_grade_ids(release_nb: notebooks.NotebookNode) -> list[str]:
    """The grade ids of the release's solution code cells, in notebook order."""
    return [notebooks.nbgrader_meta(c)["grade_id"] for c in release_nb.cells
            if notebooks.is_solution_cell(c) and c.cell_type == "code" and notebooks.nbgrader_meta(c).get("grade_id")]


def solution_code(nb: notebooks.NotebookNode, grade_ids: list[str]) -> str:
    """The sources of ``nb``'s cells with these grade ids, in the order of ``grade_ids``, each after
    a ``# --- <grade_id>`` comment line (comments are not compared); a missing cell is skipped."""
    cells = {notebooks.nbgrader_meta(c).get("grade_id"): c.source for c in nb.cells if c.cell_type == "code"}
    return "".join(f"# --- {gid}\n{cells[gid].rstrip()}\n\n" for gid in grade_ids if gid in cells)


def submissions(submitted_dir: Path, assignment: str) -> dict[str, Path]:
    """student id -> notebook path, for every ``<student>/<assignment>/`` folder of the batch.

    Raises:
        BadInput: not a folder of nbgrader's ``submitted/`` layout, or no submission of ``assignment``.
    """
    layout = f"{submitted_dir}/<student_id>/<assignment>/<assignment>.ipynb"
    if not submitted_dir.is_dir():
        raise BadInput(f"{submitted_dir} is not a folder (expected nbgrader's submitted/ layout, {layout})")
    found = {student.name: student / assignment / f"{assignment}.ipynb" for student in sorted(submitted_dir.iterdir())
             if (student / assignment).is_dir()}
    if found:
        return found
    if not any(nb.is_file() for nb in submitted_dir.glob("*/*/*.ipynb")):
        raise BadInput(f"{submitted_dir} is not a submitted/ folder: no {layout}")
    raise BadInput(f"{submitted_dir} holds no submission of {assignment}")


def write_sources(found: dict[str, Path], grade_ids: list[str], folder: Path) -> tuple[list[str], list[str]]:
    """Write each student's solution code to ``folder/<student>.py``.

    Returns:
        The students written, and ``"<student>: <reason>"`` for each notebook that could not be read.
    """
    folder.mkdir(parents=True)
    written, problems = [], []
    for student, path in found.items():
        try:
            code = solution_code(notebooks.read_notebook(path), grade_ids)
        except notebooks.InvalidNotebook as exc:
            problems.append(f"{student}: {exc}")
            continue
        (folder / f"{student}.py").write_text(code, encoding="utf-8")
        written.append(student)
    return written, problems


def detect(sources: Path, boilerplate: Path) -> CopyDetector:
    """copydetect's detector, run on every ``sources/*.py`` against each other, with ``boilerplate``'s
    code ignored (its matrices filled in; its own report, ``out_file``, is not written)."""
    from copydetect import CopyDetector

    detector = CopyDetector(test_dirs=[str(sources)], boilerplate_dirs=[str(boilerplate)], extensions=["py"],
                            noise_t=NOISE, guarantee_t=GUARANTEE, display_t=0.0, force_language="python",
                            autoopen=False, silent=True, out_file=str(sources.parent / "copydetect.html"))
    detector.run()
    return detector


def ranked_pairs(detector: CopyDetector) -> list[Pair]:
    """Every pair of compared files, most similar first (ties by student ids)."""
    names = [Path(f).stem for f in detector.test_files]
    sims, overlap = detector.similarity_matrix, detector.token_overlap_matrix
    pairs = []
    for i in range(len(names)):
        for j in range(len(names)):
            if names[i] < names[j]:
                share_i, share_j = (max(0.0, float(v)) for v in sims[i, j])
                pairs.append(Pair(names[i], names[j], share_i, share_j, max(0, int(overlap[i, j]))))
    return sorted(pairs, key=lambda p: (-p.similarity, p.a, p.b))


def highlighted(detector: CopyDetector, pair: Pair) -> tuple[str, str]:
    """Both students' code as HTML (escaped), the overlap marked with copydetect's highlighting."""
    from copydetect.utils import highlight_overlap

    by_name = {Path(f).stem: f for f in detector.test_files}
    fa, fb = by_name[pair.a], by_name[pair.b]
    if (fa, fb) in detector.slice_matrix:
        slices_a, slices_b = detector.slice_matrix[(fa, fb)]
    elif (fb, fa) in detector.slice_matrix:
        slices_b, slices_a = detector.slice_matrix[(fb, fa)]
    else:
        return html.escape(detector.file_data[fa].raw_code), html.escape(detector.file_data[fb].raw_code)
    return (highlight_overlap(detector.file_data[fa].raw_code, slices_a, "<mark>", "</mark>", escape_html=True)[0],
            highlight_overlap(detector.file_data[fb].raw_code, slices_b, "<mark>", "</mark>", escape_html=True)[0])


def histogram_png(pairs: list[Pair]) -> bytes:
    """The distribution of all pairs' similarities, as PNG."""
    fig = Figure(figsize=(7, 2.6), layout="constrained")
    ax = fig.subplots()
    ax.hist([100 * p.similarity for p in pairs], bins=np.linspace(0, 100, 41), color="#4f81bd")
    ax.axvline(100 * FLAG_AT, color="#c0392b", linestyle="--", linewidth=1)
    ax.set_yscale("log")
    ax.set_ylim(bottom=0.5)
    ax.yaxis.set_major_formatter(ScalarFormatter())
    ax.set_xlabel("similarity (%); dashed: flagged from here")
    ax.set_ylabel("pairs")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


_STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 1300px; color: #222; }
table { border-collapse: collapse; font-size: 0.85em; margin-bottom: 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: left; }
th { background: #eee; } tr.flagged td { background: #fdecea; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }
pre { background: #f7f7f7; border: 1px solid #ddd; padding: 0.5em; font-size: 0.75em; line-height: 1.4; overflow-x: auto; }
mark { background: #f5b7b1; } .problems { background: #fdecea; border: 1px solid #c0392b; padding: 0.5em 1em; }
"""


def _pair_rows(pairs: list[Pair], shown: int) -> str:
    rows = []
    for rank, p in enumerate(pairs, start=1):
        link = f'<a href="#pair-{rank}">{rank}</a>' if rank <= shown else str(rank)
        flag = p.similarity >= FLAG_AT
        rows.append(f'<tr class="{"flagged" if flag else ""}"><td>{link}</td><td>{html.escape(p.a)}</td>'
                    f"<td>{html.escape(p.b)}</td><td>{100 * p.similarity:.1f} %</td><td>{100 * p.share_a:.1f} %</td>"
                    f"<td>{100 * p.share_b:.1f} %</td><td>{p.overlap_tokens}</td><td>{'yes' if flag else ''}</td></tr>")
    head = "".join(f"<th>{h}</th>" for h in ("#", "student A", "student B", "similarity", "share of A's code",
                                              "share of B's code", "overlapping tokens", "flagged"))
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def render_html(assignment: str, students: list[str], problems: list[str], pairs: list[Pair], detector: CopyDetector | None,
                top: int) -> str:
    """The ranked page: the ``top`` most similar pairs that share code, with their code highlighted."""
    ranked = [p for p in pairs[:top] if p.similarity > 0]
    shown = [p for p in ranked if p.overlap_tokens > 0]
    parts = [f"<h1>Similarity report: {html.escape(assignment)}</h1>",
             f"<p>{len(students)} submissions compared, {len(pairs)} pairs. Compared: the solution code cells "
             "(by nbgrader grade id); the release's stubs are ignored (copydetect boilerplate). A pair's "
             "similarity is the mean of the share of each student's own code that also appears in the "
             f"other's; pairs from {100 * FLAG_AT:.0f} % on are flagged. Similar code is a reason to look, "
             "not a verdict.</p>"]
    if problems:
        items = "".join(f"<li><code>{html.escape(p)}</code></li>" for p in problems)
        parts.append(f'<div class="problems"><b>Left out (unreadable):</b><ul>{items}</ul></div>')
    parts += [f'<img alt="similarity distribution" src="data:image/png;base64,{base64.b64encode(histogram_png(pairs)).decode()}">',
              f"<h2>The {len(ranked)} most similar pairs</h2>",
              f"<p>{sum(p.similarity == 0 for p in pairs)} of the {len(pairs)} pairs share no code and are not listed. "
              "The highlighting is copydetect's: a stretch of matching code is highlighted whole, with any short "
              "piece of the stub (a signature, a docstring) inside it.</p>",
              _pair_rows(ranked, len(shown))]
    for rank, pair in enumerate(shown, start=1):
        code_a, code_b = highlighted(detector, pair)
        parts.append(f'<h3 id="pair-{rank}">#{rank} {html.escape(pair.a)} and {html.escape(pair.b)}: '
                     f'{100 * pair.similarity:.1f} %</h3><div class="pair"><div><b>{html.escape(pair.a)}</b>'
                     f'<pre>{code_a}</pre></div><div><b>{html.escape(pair.b)}</b><pre>{code_b}</pre></div></div>')
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Similarity: {html.escape(assignment)}'
            f"</title><style>{_STYLE}</style></head><body>{''.join(parts)}</body></html>\n")


def write_csv(path: Path, pairs: list[Pair]) -> None:
    """Every pair, most similar first (shares and similarity as fractions)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["rank", "student_a", "student_b", "similarity", "share_a", "share_b", "overlap_tokens", "flagged"])
    writer.writerows([rank, p.a, p.b, round(p.similarity, 4), round(p.share_a, 4), round(p.share_b, 4),
                      p.overlap_tokens, p.similarity >= FLAG_AT] for rank, p in enumerate(pairs, start=1))
    path.write_text(text.getvalue(), encoding="utf-8")


def write_similarity(submitted_dir: Path, assignment: str, release_notebook: Path, out: Path, top: int = 20) -> tuple[list[Pair], list[str]]:
    """Compare the submissions of ``assignment`` in ``submitted_dir`` and write the report into ``out``
    (see the module docstring).

    Args:
        release_notebook: the release notebook of ``assignment`` (its solution cells' grade ids and stubs).
        top: how many pairs the page ranks and shows.

    Returns:
        Every pair (most similar first) and ``"<student>: <reason>"`` per unreadable notebook.

    Raises:
        BadInput: see :func:`submissions`.
    """
    found = submissions(submitted_dir, assignment)
    release = notebooks.read_notebook(release_notebook)
    grade_ids = solution_grade_ids(release)
    out.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(out / "sources", ignore_errors=True)
    students, problems = write_sources(found, grade_ids, out / "sources")
    with tempfile.TemporaryDirectory(prefix="cnnkit-boilerplate-") as boilerplate:
        (Path(boilerplate) / "release.py").write_text(solution_code(release, grade_ids), encoding="utf-8")
        detector = detect(out / "sources", Path(boilerplate)) if students else None
    pairs = ranked_pairs(detector) if detector is not None else []
    write_csv(out / "similarity.csv", pairs)
    (out / "similarity.html").write_text(render_html(assignment, students, problems, pairs, detector, top), encoding="utf-8")
    return pairs, problems
