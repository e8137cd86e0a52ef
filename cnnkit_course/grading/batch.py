"""``cnnkit grade``: grade an nbgrader ``submitted/`` folder with the hidden tests.

Layout read: ``SUBMITTED_DIR/<student_id>/<assignment>/<assignment>.ipynb`` (plus any files the
assignment saves beside its notebook). Written to ``--out DIR``:

- ``DIR/results/<student_id>__<assignment>.json``: one result per submission, written atomically
  (score per question, status, reason);
- ``DIR/grades.csv``: ``student_id,assignment,score,max_score,status``, rebuilt from those files.

Each submission runs in its own process group (a child forked from a server that has imported the
grading stack once, :func:`grading_context`; see :mod:`cnnkit_course.grading.session`) on a
temporary working copy, in a grading slot of its own (a
sandbox uid and a cgroup, :func:`cnnkit_course.grading.sandbox.borrowed_slot`), with a wall-clock
limit, a per-cell limit, a memory limit and a process limit from ``course_config.py``; a broken or
hostile submission ends with a status and never stops the batch. SIGINT or SIGTERM stops the whole
batch: every grading under way is ended and writes nothing, and ``--resume`` finishes it later.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import multiprocessing
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cnnkit import config
from cnnkit_course import notebooks
from cnnkit_course.grading import sandbox
from cnnkit_course.paths import CoursePaths

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
    limits: dict[str, str] = field(default_factory=dict)

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


def longest_first(subs: list[Submission]) -> list[Submission]:
    """``subs`` in the order to grade them: the assignments with the most hidden test code first
    (a proxy for their grading time), so that a batch does not end with one worker still grading
    a long submission while the others wait; ties keep their order."""
    root = config.settings().root
    if root is None:
        return list(subs)
    paths = CoursePaths.of(root)
    size = {a: sum(p.stat().st_size for p in paths.full_tests(a).glob("*.py")) for a in {s.assignment for s in subs}}
    return sorted(subs, key=lambda s: -size[s.assignment])


def _rss(pid: int, uid: int | None, *, with_uid: bool) -> int:
    """Resident memory of a grading process and its descendants, in bytes: the trusted ones (not of
    the sandbox ``uid``; the idle copies a kernel is forked from left out, :data:`.zygote.IDLE_NAMES`),
    plus, ``with_uid``, every process of ``uid`` (where no cgroup caps them)."""
    import psutil

    from cnnkit_course.grading.zygote import IDLE_NAMES

    try:
        proc = psutil.Process(pid)
        procs = {proc, *proc.children(recursive=True)}
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for p in procs:
        try:
            if (uid is None or p.uids().real != uid) and p.name() not in IDLE_NAMES:
                total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total + (sandbox.uid_rss(uid) if uid is not None and with_uid else 0)


class BatchStopped(Exception):
    """The batch was stopped by SIGINT or SIGTERM: every grading under way was ended and wrote no
    result; the results already written stand (``--resume`` finishes the batch)."""

    def __init__(self, signum: int, finished: int, total: int) -> None:
        super().__init__(f"stopped by {signal.Signals(signum).name}: {finished} of {total} submissions graded")
        self.signum, self.finished, self.total = signum, finished, total


class _Running:
    """The grading processes under way in this batch, so that a stop ends every one of them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.procs: set[multiprocessing.Process] = set()
        self.stopped = threading.Event()
        self.signum = 0

    def start(self, job: dict[str, Any], env: dict[str, str], stderr_path: Path) -> multiprocessing.Process | None:
        """Start a grading child for ``job`` unless the batch is stopping (then ``None``)."""
        from cnnkit_course.grading.session import grade_job

        with self.lock:
            if self.stopped.is_set():
                return None
            proc = grading_context().Process(target=grade_job, args=(job, env, str(stderr_path)),
                                             name=f"cnnkit-grade-{job['student_id']}")
            proc.start()
            self.procs.add(proc)
            return proc

    def done(self, proc: multiprocessing.Process) -> None:
        with self.lock:
            self.procs.discard(proc)

    def stop(self, signum: int, _frame: Any = None) -> None:
        """Signal handler: stop starting gradings and kill the process group of each running one
        (each grading's own clean-up then ends its kernel, its uid's processes and its cgroup)."""
        with self.lock:
            self.signum = self.signum or signum
            self.stopped.set()
            for proc in self.procs:
                _kill_group(proc, wait=False)


@contextlib.contextmanager
def _stop_on_signals(running: _Running) -> Iterator[None]:
    """Route SIGINT and SIGTERM to ``running.stop`` while the batch runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, running.stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def grade_submission(sub: Submission, out_dir: Path, slot: sandbox.Slot, hide: list[Path] | None = None,
                     running: _Running | None = None, executed: Path | None = None) -> GradeResult | None:
    """Grade one submission in its own process group, within the configured limits.

    Args:
        slot: the grading slot: its unprivileged uid (root only), its cgroup and its lease.
        hide: more folders the submission must not see (the batch's submissions and results).
        running: the batch's registry of grading processes (a stop ends them).
        executed: where to write the notebook as the sandboxed kernel executed it (if at all).

    Returns:
        The result (also written to ``out_dir/results/``), or ``None`` when the batch was stopped
        meanwhile (nothing is written then).
    """
    settings = config.settings()
    running = running or _Running()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cnnkit-result-") as scratch:
        child_result = Path(scratch) / "result.json"
        job = {"student_id": sub.student_id, "assignment": sub.assignment, "folder": str(sub.folder.resolve()),
               "result": str(child_result), "uid": slot.uid, "hide": [str(p) for p in hide or []],
               "cgroup_args": slot.cgroup.join_args() if slot.cgroup.version else [],
               "executed": str(executed) if executed is not None else None}
        env = notebooks.kernel_env(CNNKIT_GRADING="1", CNNKIT_OFFLINE="1", CNNKIT_COURSE_ROOT=str(settings.root))
        # stderr to a file, not a pipe: what the submission leaves running would hold a pipe open.
        stderr_path = Path(scratch) / "stderr.txt"
        proc = running.start(job, env, stderr_path)
        if proc is None:
            return None
        slot.lease.record(proc.pid)
        try:
            status, reason = _watch(proc, settings.submission_timeout_s, settings.submission_memory_mb, slot)
        finally:
            running.done(proc)
            slot.clean()
        proc.close()  # its sentinel pipe: a batch of thousands would run out of descriptors
        if running.stopped.is_set():
            return None
        stderr = stderr_path.read_text(errors="replace") if stderr_path.is_file() else ""
        result = _result(sub, child_result, status, reason, stderr)
    result.limits = slot.limits()
    if slot.cgroup.out_of_memory() and result.status in ("graded", "error"):
        result.status = "memory"
        result.reason = (f"a cell used more than {settings.submission_memory_mb} MB of memory: the kernel stopped it "
                         "and the rest of the notebook was graded")
    result.seconds = round(time.monotonic() - started, 2)
    write_atomic(out_dir / "results" / f"{sub.key}.json", json.dumps(asdict(result), indent=1))
    return result


def _result(sub: Submission, child_result: Path, status: str | None, reason: str, stderr: str) -> GradeResult:
    """What the grading process wrote, or the status of a grading that ended without a result."""
    if status is None and child_result.is_file():
        return GradeResult(**json.loads(child_result.read_text()))
    max_score = float(config.settings().assignments.get(sub.assignment, {}).get("auto_points", 0))
    return GradeResult(sub.student_id, sub.assignment, 0.0, max_score, status or "error",
                       reason or f"the grading process failed: {stderr[-1500:]}", isolation=sandbox.isolation_level())


def _watch(proc: multiprocessing.Process, timeout_s: float, memory_mb: float, slot: sandbox.Slot) -> tuple[str | None, str]:
    """Wait for ``proc``; kill its process group past the time or the memory limit.

    The memory watchdog measures the grading process, its children and (without a cgroup) every
    process of the slot's uid; where the slot's cgroup caps the kernel, it only reports, and it
    looks less often.
    """
    deadline = time.monotonic() + timeout_s
    capped = slot.cgroup.version is not None
    uid = slot.uid if sandbox.isolation_level() == "full" else None
    pause = 1.0 if capped else 0.2
    while proc.exitcode is None:
        if time.monotonic() > deadline:
            _kill_group(proc)
            return "timeout", f"grading took longer than {timeout_s:g} s and was stopped"
        if _rss(proc.pid, uid, with_uid=not capped) > memory_mb * 2**20:
            _kill_group(proc)
            return "memory", f"the submission used more than {memory_mb:g} MB of memory and was stopped"
        proc.join(timeout=pause)
    return None, ""


def _kill_group(proc: multiprocessing.Process, *, wait: bool = True) -> None:
    """Kill a grading child's process group (and the child itself, should it not have made its
    group yet)."""
    for kill in (os.killpg, os.kill):
        try:
            kill(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    if wait:
        proc.join()


def grading_context() -> multiprocessing.context.ForkServerContext:
    """Where grading children come from: a forkserver started on first use (once per grading
    process) that has imported :mod:`cnnkit_course.grading.preload`; each child is a fork of it."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["cnnkit_course.grading.preload"])
    return context


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
    """Grade every submission under ``submitted_dir``; ``resume`` skips those already graded.

    Raises:
        BatchStopped: SIGINT or SIGTERM arrived; every grading under way was ended first.
    """
    from tqdm import tqdm

    subs = discover(submitted_dir, assignments)
    root = config.settings().root
    if root is not None:  # the hidden tests' evaluation data, built where it is missing
        from cnnkit_course import hidden_data

        hidden_data.ensure(root, sorted({s.assignment for s in subs}))
    if resume:
        subs = [s for s in subs if not (out_dir / "results" / f"{s.key}.json").is_file()]
    subs = longest_first(subs)
    (out_dir / "results").mkdir(parents=True, exist_ok=True)
    hide = [submitted_dir.resolve(), out_dir.resolve()]
    sandbox.reap_stale_slots()  # what a grader killed earlier left behind
    running = _Running()

    def grade_in_slot(sub: Submission) -> GradeResult | None:
        if running.stopped.is_set():
            return None
        with sandbox.borrowed_slot() as slot:  # a uid and a cgroup of its own for each submission
            return grade_submission(sub, out_dir, slot, hide, running)

    with _stop_on_signals(running), ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(grade_in_slot, s) for s in subs]
        for _ in tqdm(as_completed(futures), total=len(futures), desc="grading", unit="submission", file=sys.stdout):
            pass
    if running.stopped.is_set():
        raise BatchStopped(running.signum, sum(f.result() is not None for f in futures), len(futures))
    return write_grades_csv(out_dir)


def format_table(results: list[GradeResult]) -> str:
    """A plain-text grade table."""
    rows = [("student_id", "assignment", "score", "status", "reason")]
    rows += [(r.student_id, r.assignment, f"{r.score:g}/{r.max_score:g}", r.status, r.reason[:60]) for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)
