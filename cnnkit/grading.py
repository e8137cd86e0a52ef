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

import contextlib
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

from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from traitlets import Integer

from cnnkit import config, notebooks, sandbox

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


def _unique_grade_ids(root: Path, assignment: str, known: list[str]) -> set[str]:
    """Grade ids of ``assignment``'s release notebook that no other assignment uses."""
    def ids(name: str) -> set[str]:
        path = root / "release" / name / f"{name}.ipynb"
        return set(notebooks.grade_ids(notebooks.read_notebook(path))) if path.is_file() else set()

    others = set().union(*(ids(name) for name in known if name != assignment))
    return ids(assignment) - others


class _GradingClient(NotebookClient):
    """nbclient with a cap on the output it keeps (an enormous output cannot exhaust the grader)."""

    max_output_bytes = Integer(2 * 2**20).tag(config=True)

    def output(self, outs: list, msg: dict[str, Any], display_id: str | None, cell_index: int) -> Any:
        self._output_bytes = getattr(self, "_output_bytes", 0) + len(json.dumps(msg.get("content", {})))
        if self._output_bytes <= self.max_output_bytes:
            return super().output(outs, msg, display_id, cell_index)
        if not getattr(self, "_truncated", False):
            self._truncated = True
            notice = notebooks.nbformat.v4.new_output(
                "stream", name="stdout", text=f"[cnnkit: output beyond {self.max_output_bytes // 1024} KB dropped]\n")
            outs.append(notice)
        return None

    async def _async_handle_timeout(self, timeout: int, cell: Any = None) -> Any:
        self.timed_out = True
        return await super()._async_handle_timeout(timeout, cell)


class GradingSession:
    """One submission's notebook in a sandboxed kernel, judged from outside (:mod:`cnnkit.judge`).

    A cell that kills the kernel (``os._exit``, a crash) is skipped: the kernel is restarted and
    the notebook re-run without it, so the rest of the work is still graded.
    """

    MAX_RESTARTS = 3

    def __init__(self, nb: notebooks.NotebookNode, workdir: Path, exchange: Path, uid: int | None, hide: list[Path]) -> None:
        self.settings = config.settings()
        self.nb, self.workdir, self.exchange, self.uid, self.hide = nb, workdir, exchange, uid, hide
        self.fatal_cells: set[int] = set()
        self.timed_out = False
        self.client: _GradingClient | None = None
        self.starts = 0
        self.kernel_dir = exchange

    def _start(self) -> None:
        s = self.settings
        limits = sandbox.Limits(cpu_s=s.submission_cpu_s, nproc=s.submission_nproc, file_mb=s.submission_file_mb)
        self.starts += 1
        self.kernel_dir = self.exchange / f"kernel{self.starts}"  # fresh sockets after a restart
        self.kernel_dir.mkdir()
        km = sandbox.kernel_manager(self.kernel_dir, self.workdir, uid=self.uid, hide=self.hide, limits=limits)
        self.client = _GradingClient(
            self.nb, km=km, timeout=s.cell_timeout_s, allow_errors=True, interrupt_on_timeout=True,
            error_on_timeout={"ename": "CellTimeoutError", "evalue": f"cell exceeded {s.cell_timeout_s} s", "traceback": []},
            resources={"metadata": {"path": str(self.workdir)}}, max_output_bytes=s.submission_output_kb * 1024,
            shutdown_kernel="immediate",  # what the submission leaves running is killed anyway
        )
        self.client.start_new_kernel(env=notebooks.kernel_env(CNNKIT_GRADING="1", CNNKIT_OFFLINE="1"))
        self.client.start_new_kernel_client()

    def stop(self) -> None:
        """Shut the kernel down (and kill whatever the submission left running)."""
        if self.client is not None and self.client.km is not None:
            try:
                self.client._cleanup_kernel()
            except Exception:  # noqa: BLE001 - a dead kernel is fine here
                pass
        if self.uid is not None and sandbox.isolation_level() == "full":
            sandbox.kill_uid(self.uid)

    def run_notebook(self) -> None:
        """Execute every cell, restarting past cells that kill the kernel."""
        for _attempt in range(self.MAX_RESTARTS + 1):
            self.stop()
            self._start()
            for index, cell in enumerate(self.nb.cells):
                if cell.cell_type != "code" or index in self.fatal_cells:
                    continue
                try:
                    self.client.execute_cell(cell, index)
                except DeadKernelError:
                    self.fatal_cells.add(index)
                    break
                self.timed_out |= getattr(self.client, "timed_out", False)
            else:
                return
        raise DeadKernelError(f"the kernel died {self.MAX_RESTARTS + 1} times")

    def run_code(self, code: str) -> None:
        """Execute a snippet in the kernel (the judge's requests)."""
        self.nb.cells.append(notebooks.nbformat.v4.new_code_cell(code))
        try:
            self.client.execute_cell(self.nb.cells[-1], len(self.nb.cells) - 1)
        finally:
            self.nb.cells.pop()

    def judge(self, test_files: list[Path]) -> list[dict[str, Any]]:
        """Run each full test file in this (trusted) process against the kernel's globals, in the
        submission's folder (tests open its files by name)."""
        with contextlib.chdir(self.workdir):
            return self._judge_files(test_files)

    def _judge_files(self, test_files: list[Path]) -> list[dict[str, Any]]:
        from cnnkit import judge
        from cnnkit.checks import load_test_file, run_test_file

        results = []
        for path in test_files:
            test_file = load_test_file(path, public_only=False)
            try:
                kernel = judge.RemoteKernel(self.run_code, self.kernel_dir)
                kernel.install()
                results.append(run_test_file(test_file, judge.RemoteGlobals(kernel)).to_dict())
            except DeadKernelError:
                # The kernel died under this file's tests: they fail; restart for the next file.
                results.append(_all_failed(test_file, "the submission's kernel died during these tests"))
                self.run_notebook()
        return results


def _all_failed(test_file: Any, reason: str) -> dict[str, Any]:
    cases = [{"name": tc.name, "hidden": tc.hidden, "passed": False, "points": float(tc.points or 0), "message": reason}
             for tc in test_file.test_cases]
    total = float(sum(tc.points or 0 for tc in test_file.test_cases))
    return {"question": test_file.name, "score": 0.0, "max_points": total, "cases": cases}


def grade_in_this_process(sub: Submission, result_path: Path, uid: int | None = None,
                          hide: list[Path] | None = None) -> None:
    """Grade one submission here (the child process): execute, judge, write JSON."""
    settings = config.settings()
    assert settings.root is not None, "grading needs the course repository (CNNKIT_COURSE_ROOT)"
    known = list(settings.assignments)
    max_score = float(settings.assignments.get(sub.assignment, {}).get("auto_points", 0))
    result = GradeResult(sub.student_id, sub.assignment, 0.0, max_score, "graded", isolation=sandbox.isolation_level())
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

    result.reason = _integrity_notes(nb, settings.root / "release" / sub.assignment / f"{sub.assignment}.ipynb")
    with tempfile.TemporaryDirectory(prefix="cnnkit-grade-") as scratch:
        os.chmod(scratch, 0o711)  # the sandbox user must reach its folders inside
        workdir, exchange = Path(scratch) / sub.assignment, Path(scratch) / "exchange"
        # What the release gave every student (public tests, reference files), then the submission;
        # the public tests always come from the release.
        shutil.copytree(settings.root / "release" / sub.assignment, workdir)
        shutil.copytree(sub.folder, workdir, dirs_exist_ok=True, symlinks=True,
                        ignore=shutil.ignore_patterns("tests", ".ipynb_checkpoints"))
        exchange.mkdir()
        tests = sorted((settings.autograder_dir / sub.assignment / "tests").glob("*.py"))
        session = GradingSession(nb, workdir, exchange, uid, [*(hide or []), *_course_secrets(settings.root)])
        try:
            session.run_notebook()
            result.questions = session.judge(tests)
            result.score = float(sum(q["score"] for q in result.questions))
        except DeadKernelError as exc:
            result.status, result.reason = "error", f"the submission's kernel keeps dying: {exc}"
        finally:
            session.stop()
        if session.fatal_cells and result.status == "graded":
            cells = ", ".join(str(i) for i in sorted(session.fatal_cells))
            result.status, result.reason = "error", f"cell(s) {cells} killed the kernel and were skipped"
        if session.timed_out and result.status == "graded":
            result.status = "timeout"
            result.reason = f"a cell ran longer than {settings.cell_timeout_s} s and was interrupted"
    write_atomic(result_path, json.dumps(asdict(result)))


def _integrity_notes(nb: notebooks.NotebookNode, release_path: Path) -> str:
    """Read-only cells the student deleted, edited (nbgrader's checksums) or moved. Only a note:
    the hidden tests, not the notebook's test cells, decide the score."""
    from nbgrader.utils import compute_checksum

    release = notebooks.read_notebook(release_path)
    locked = [c for c in release.cells if notebooks.nbgrader_meta(c).get("locked") or notebooks.is_autograded_test(c)]
    theirs = {notebooks.nbgrader_meta(c).get("grade_id"): c for c in nb.cells if notebooks.nbgrader_meta(c).get("grade_id")}
    deleted = [notebooks.nbgrader_meta(c)["grade_id"] for c in locked if notebooks.nbgrader_meta(c)["grade_id"] not in theirs]
    edited = []
    for cell in locked:
        meta = notebooks.nbgrader_meta(cell)
        mine = theirs.get(meta["grade_id"])
        if mine is not None and "checksum" in meta and compute_checksum(mine) != meta["checksum"]:
            edited.append(meta["grade_id"])
    order = [gid for gid in notebooks.grade_ids(nb) if gid in {notebooks.nbgrader_meta(c)["grade_id"] for c in locked}]
    expected_order = [notebooks.nbgrader_meta(c)["grade_id"] for c in locked if notebooks.nbgrader_meta(c)["grade_id"] in order]
    notes = [f"{what}: {', '.join(ids)}" for what, ids in
             (("deleted read-only cells", deleted), ("edited read-only cells", edited)) if ids]
    if order != expected_order:
        notes.append("read-only cells were moved")
    return "; ".join(notes)


def _course_secrets(root: Path) -> list[Path]:
    """Folders of the course repository a submission must not see."""
    return [root / name for name in ("autograder", "source", "solutions", "examples", ".git")]


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
            proc = subprocess.Popen([sys.executable, "-m", "cnnkit.grading", json.dumps(job)], env=env,
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


if __name__ == "__main__":
    _job = json.loads(sys.argv[1])
    grade_in_this_process(Submission(_job["student_id"], _job["assignment"], Path(_job["folder"])),
                          Path(_job["result"]), _job["uid"], [Path(p) for p in _job["hide"]])
