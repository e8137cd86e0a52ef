"""``cnnkit grade``: grade an nbgrader ``submitted/`` folder with the hidden tests.

Layout read: ``SUBMITTED_DIR/<student_id>/<assignment>/<assignment>.ipynb`` (plus any files the
assignment saves beside its notebook). Written to ``--out DIR``:

- ``DIR/results/<student_id>__<assignment>.json``: one result per submission, written atomically
  (score per question, status, reason);
- ``DIR/grades.csv``: ``student_id,assignment,score,max_score,status``, rebuilt from those files.

Each submission runs in its own process group (``python -m cnnkit_course.grading.session``, see
:mod:`cnnkit_course.grading.session`) on a temporary working copy, with a wall-clock limit, a per-cell limit and a resident-memory limit from
``course_config.py``; a broken or hostile submission ends with a status and never stops the batch.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cnnkit import config
from cnnkit_course import notebooks
from cnnkit_course.grading import sandbox

STATUSES = ("graded", "timeout", "memory", "invalid", "error")
CSV_COLUMNS = ("student_id", "assignment", "score", "max_score", "status")


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
    isolation: str = ""

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


def _rss(pid: int, uid: int | None) -> int:
    """Resident memory of a process, its descendants and (sandboxed) everything of ``uid``, in bytes."""
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = {proc, *proc.children(recursive=True)}
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for p in procs:
        try:
            if uid is None or p.uids().real != uid:
                total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total + (sandbox.uid_rss(uid) if uid is not None else 0)


def grade_submission(sub: Submission, out_dir: Path, uid: int | None = None, hide: list[Path] | None = None) -> GradeResult:
    """Grade one submission in its own process group, within the configured limits.

    Args:
        uid: the unprivileged user id the submission's kernel runs as (root only).
        hide: more folders the submission must not see (the batch's submissions and results).
    """
    settings = config.settings()
    result_path = out_dir / "results" / f"{sub.key}.json"
    max_score = float(settings.assignments.get(sub.assignment, {}).get("auto_points", 0))
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cnnkit-result-") as scratch:
        child_result = Path(scratch) / "result.json"
        env = notebooks.kernel_env(CNNKIT_GRADING="1", CNNKIT_OFFLINE="1", CNNKIT_COURSE_ROOT=str(settings.root))
        job = {"student_id": sub.student_id, "assignment": sub.assignment, "folder": str(sub.folder.resolve()),
               "result": str(child_result), "uid": uid, "hide": [str(p) for p in hide or []]}
        # stderr to a file, not a pipe: what the submission leaves running would hold a pipe open.
        with (Path(scratch) / "stderr.txt").open("w+b") as errors:
            proc = subprocess.Popen([sys.executable, "-m", "cnnkit_course.grading.session", json.dumps(job)], env=env,
                                    stdout=subprocess.DEVNULL, stderr=errors, start_new_session=True)
            try:
                status, reason = _watch(proc, settings.submission_timeout_s, settings.submission_memory_mb, uid)
            finally:
                if uid is not None and sandbox.isolation_level() == "full":
                    sandbox.kill_uid(uid)
            errors.seek(0)
            stderr = errors.read().decode(errors="replace")
        if status is None and child_result.is_file():
            result = GradeResult(**json.loads(child_result.read_text()))
        else:
            result = GradeResult(sub.student_id, sub.assignment, 0.0, max_score, status or "error",
                                 reason or f"the grading process failed: {stderr[-1500:]}",
                                 isolation=sandbox.isolation_level())
    result.seconds = round(time.monotonic() - started, 2)
    write_atomic(result_path, json.dumps(asdict(result), indent=1))
    return result


def _watch(proc: subprocess.Popen, timeout_s: float, memory_mb: float, uid: int | None) -> tuple[str | None, str]:
    """Wait for ``proc``; kill its process group past the time or memory limit."""
    deadline = time.monotonic() + timeout_s
    while proc.poll() is None:
        if time.monotonic() > deadline:
            _kill_group(proc)
            return "timeout", f"grading took longer than {timeout_s:g} s and was stopped"
        if _rss(proc.pid, uid) > memory_mb * 2**20:
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
    root = config.settings().root
    if root is not None:  # the hidden tests' evaluation data, built where it is missing
        from cnnkit_course import hidden_data

        hidden_data.ensure(root, sorted({s.assignment for s in subs}))
    if resume:
        subs = [s for s in subs if not (out_dir / "results" / f"{s.key}.json").is_file()]
    (out_dir / "results").mkdir(parents=True, exist_ok=True)
    workers = max(1, workers)
    hide = [submitted_dir.resolve(), out_dir.resolve()]

    def grade_in_slot(sub: Submission) -> GradeResult:
        with sandbox.borrowed_uid() as uid:  # a uid of its own for each submission
            return grade_submission(sub, out_dir, uid, hide)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(grade_in_slot, s) for s in subs]
        for _ in tqdm(as_completed(futures), total=len(futures), desc="grading", unit="submission", file=sys.stdout):
            pass
    return write_grades_csv(out_dir)


def format_table(results: list[GradeResult]) -> str:
    """A plain-text grade table."""
    rows = [("student_id", "assignment", "score", "status", "reason")]
    rows += [(r.student_id, r.assignment, f"{r.score:g}/{r.max_score:g}", r.status, r.reason[:60]) for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)
