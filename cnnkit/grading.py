"""``cnnkit grade``: grade an nbgrader ``submitted/`` folder with the hidden tests.

Layout read: ``SUBMITTED_DIR/<student_id>/<assignment>/<assignment>.ipynb`` (plus any files the
assignment saves beside its notebook). Written to ``--out DIR``:

- ``DIR/results/<student_id>__<assignment>.json``: one result per submission, written atomically
  (score per question, status, reason);
- ``DIR/grades.csv``: ``student_id,assignment,score,max_score,status``, rebuilt from those files.

Each submission runs in its own process group (``python -m cnnkit.grading``) on a temporary
working copy, with a wall-clock limit, a per-cell limit and a resident-memory limit from
``course_config.py``; a broken or hostile submission ends with a status and never stops the batch.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cnnkit import config, notebooks

STATUSES = ("graded", "timeout", "memory", "invalid", "error")
CSV_COLUMNS = ("student_id", "assignment", "score", "max_score", "status")
_RESULTS_MARKER = "__cnnkit_results__"


@dataclass(frozen=True)
class Submission:
    """One student's folder for one assignment."""

    student_id: str
    assignment: str
    folder: Path

    @property
    def key(self) -> str:
        return f"{self.student_id}__{self.assignment}"


@dataclass
class GradeResult:
    """The outcome of grading one submission (automatically graded points only)."""

    student_id: str
    assignment: str
    score: float
    max_score: float
    status: str
    reason: str = ""
    questions: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    def csv_row(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in CSV_COLUMNS}


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old or the new file, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def discover(submitted_dir: Path, assignments: list[str] | None = None) -> list[Submission]:
    """Every ``<student_id>/<assignment>/`` folder, sorted; ``assignments`` filters by id."""
    if not submitted_dir.is_dir():
        raise FileNotFoundError(f"submitted folder {submitted_dir} does not exist")
    found = []
    for student in sorted(p for p in submitted_dir.iterdir() if p.is_dir()):
        for folder in sorted(p for p in student.iterdir() if p.is_dir()):
            if assignments is None or folder.name in assignments:
                found.append(Submission(student.name, folder.name, folder))
    return found


def _unique_grade_ids(root: Path, assignment: str, known: list[str]) -> set[str]:
    """Grade ids of ``assignment``'s release notebook that no other assignment uses."""
    def ids(name: str) -> set[str]:
        path = root / "release" / name / f"{name}.ipynb"
        return set(notebooks.grade_ids(notebooks.read_notebook(path))) if path.is_file() else set()

    others = set().union(*(ids(name) for name in known if name != assignment))
    return ids(assignment) - others


def _grading_cell(tests_dir: Path, results_path: Path) -> str:
    """Source of the cell appended to a submission: runs the full test files, saves results."""
    return (
        "import json as _json, pathlib as _pathlib\n"
        "from cnnkit.checks import load_test_file as _load, run_test_file as _run\n"
        f"_results = [_run(_load(_p, public_only=False), globals()).to_dict()\n"
        f"            for _p in sorted(_pathlib.Path({str(tests_dir)!r}).glob('*.py'))]\n"
        f"_pathlib.Path({str(results_path)!r}).write_text(_json.dumps(_results))\n"
    )


def grade_in_this_process(sub: Submission, result_path: Path) -> None:
    """Grade one submission here (the child process): execute, run the tests, write JSON."""
    settings = config.settings()
    assert settings.root is not None, "grading needs the course repository (CNNKIT_COURSE_ROOT)"
    known = list(settings.assignments)
    max_score = float(settings.assignments.get(sub.assignment, {}).get("auto_points", 0))
    result = GradeResult(sub.student_id, sub.assignment, 0.0, max_score, "graded")
    try:
        if sub.assignment not in known:
            raise notebooks.InvalidNotebook(f"unknown assignment {sub.assignment!r} (known: {', '.join(known)})")
        nb = notebooks.read_notebook(sub.folder / f"{sub.assignment}.ipynb")
        if not set(notebooks.grade_ids(nb)) & _unique_grade_ids(settings.root, sub.assignment, known):
            raise notebooks.InvalidNotebook(f"not a notebook of {sub.assignment} (none of its cells are this assignment's)")
    except notebooks.InvalidNotebook as exc:
        result.status, result.reason = "invalid", str(exc)
        write_atomic(result_path, json.dumps(asdict(result)))
        return

    with tempfile.TemporaryDirectory(prefix="cnnkit-grade-") as scratch:
        workdir = Path(scratch) / sub.assignment
        shutil.copytree(sub.folder, workdir, ignore=shutil.ignore_patterns("tests", ".ipynb_checkpoints"))
        shutil.copytree(settings.root / "release" / sub.assignment / "tests", workdir / "tests")
        questions_path = Path(scratch) / "questions.json"
        tests_dir = settings.autograder_dir / sub.assignment / "tests"
        nb.cells.append(notebooks.nbformat.v4.new_code_cell(_grading_cell(tests_dir, questions_path)))
        try:
            executed = _execute_for_grading(nb, workdir, settings.cell_timeout_s)
        except Exception as exc:  # the kernel died, or nbclient gave up
            result.status, result.reason = "error", f"execution stopped: {type(exc).__name__}: {exc}"[:2000]
            executed = None
        if questions_path.is_file():
            result.questions = json.loads(questions_path.read_text())
            result.score = float(sum(q["score"] for q in result.questions))
        elif result.status == "graded":
            last = executed.cells[-1] if executed is not None else None
            errors = [o for o in (last.outputs if last is not None else []) if o.output_type == "error"]
            result.status = "error"
            result.reason = "the tests could not run" + (f": {errors[0].ename}: {errors[0].evalue}" if errors else "")
        timed_out = executed is not None and any(
            o.output_type == "error" and o.get("ename") == "CellTimeoutError" for c in executed.cells
            if c.cell_type == "code" for o in c.outputs)
        if timed_out and result.status == "graded":
            result.status = "timeout"
            result.reason = f"a cell ran longer than {settings.cell_timeout_s} s and was interrupted"
    write_atomic(result_path, json.dumps(asdict(result)))


def _execute_for_grading(nb: notebooks.NotebookNode, workdir: Path, cell_timeout_s: int) -> notebooks.NotebookNode:
    """Execute in grading mode; a cell over its limit is interrupted and the rest goes on."""
    from nbclient import NotebookClient

    client = NotebookClient(
        nb, timeout=cell_timeout_s, kernel_name="python3", allow_errors=True,
        interrupt_on_timeout=True,
        error_on_timeout={"ename": "CellTimeoutError", "evalue": f"cell exceeded {cell_timeout_s} s", "traceback": []},
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute(env=notebooks.kernel_env(CNNKIT_GRADING="1", CNNKIT_OFFLINE="1"))
    return nb


def _tree_rss(pid: int) -> int:
    """Resident memory of a process and its descendants, in bytes (0 once it is gone)."""
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def grade_submission(sub: Submission, out_dir: Path) -> GradeResult:
    """Grade one submission in its own process group, within the configured limits."""
    settings = config.settings()
    result_path = out_dir / "results" / f"{sub.key}.json"
    max_score = float(settings.assignments.get(sub.assignment, {}).get("auto_points", 0))
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cnnkit-result-") as scratch:
        child_result = Path(scratch) / "result.json"
        env = notebooks.kernel_env(CNNKIT_GRADING="1", CNNKIT_OFFLINE="1", CNNKIT_COURSE_ROOT=str(settings.root))
        command = [sys.executable, "-m", "cnnkit.grading", sub.student_id, sub.assignment,
                   str(sub.folder.resolve()), str(child_result)]
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                start_new_session=True)
        status, reason = _watch(proc, settings.submission_timeout_s, settings.submission_memory_mb)
        stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        if status is None and child_result.is_file():
            result = GradeResult(**json.loads(child_result.read_text()))
        else:
            result = GradeResult(sub.student_id, sub.assignment, 0.0, max_score, status or "error",
                                 reason or f"the grading process failed: {stderr[-1500:]}")
    result.seconds = round(time.monotonic() - started, 2)
    write_atomic(result_path, json.dumps(asdict(result), indent=1))
    return result


def _watch(proc: subprocess.Popen, timeout_s: float, memory_mb: float) -> tuple[str | None, str]:
    """Wait for ``proc``; kill its process group past the time or memory limit."""
    deadline = time.monotonic() + timeout_s
    while proc.poll() is None:
        if time.monotonic() > deadline:
            _kill_group(proc)
            return "timeout", f"grading took longer than {timeout_s:g} s and was stopped"
        if _tree_rss(proc.pid) > memory_mb * 2**20:
            _kill_group(proc)
            return "memory", f"the submission used more than {memory_mb:g} MB of memory and was stopped"
        time.sleep(0.2)
    return None, ""


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def write_grades_csv(out_dir: Path) -> list[GradeResult]:
    """Rebuild ``grades.csv`` from every per-submission result file; return the results."""
    results = [GradeResult(**json.loads(p.read_text())) for p in sorted((out_dir / "results").glob("*.json"))]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(r.csv_row() for r in results)
    write_atomic(out_dir / "grades.csv", text.getvalue())
    return results


def grade_batch(submitted_dir: Path, out_dir: Path, *, workers: int = 1, resume: bool = False,
                assignments: list[str] | None = None) -> list[GradeResult]:
    """Grade every submission under ``submitted_dir``; ``resume`` skips those already graded."""
    from tqdm import tqdm

    subs = discover(submitted_dir, assignments)
    if resume:
        subs = [s for s in subs if not (out_dir / "results" / f"{s.key}.json").is_file()]
    (out_dir / "results").mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(grade_submission, s, out_dir) for s in subs]
        for _ in tqdm(as_completed(futures), total=len(futures), desc="grading", unit="submission", file=sys.stdout):
            pass
    return write_grades_csv(out_dir)


def format_table(results: list[GradeResult]) -> str:
    """A plain-text grade table."""
    rows = [("student_id", "assignment", "score", "status", "reason")]
    rows += [(r.student_id, r.assignment, f"{r.score:g}/{r.max_score:g}", r.status, r.reason[:60]) for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)


if __name__ == "__main__":
    student_id, assignment, folder, result_file = sys.argv[1:5]
    grade_in_this_process(Submission(student_id, assignment, Path(folder)), Path(result_file))
