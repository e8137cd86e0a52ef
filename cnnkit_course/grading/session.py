"""One submission graded in this process (the child that :mod:`cnnkit_course.grading.batch`
forks, :func:`grade_job`): its notebook runs in a sandboxed kernel
(:mod:`cnnkit_course.grading.sandbox`), then the full test files are judged from outside
(:mod:`cnnkit_course.grading.judge`) and the result is written as JSON.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from traitlets import Integer

from cnnkit import config
from cnnkit_course import notebooks
from cnnkit_course.paths import CoursePaths
from cnnkit_course.grading import demonstrations, sandbox
from cnnkit_course.grading.batch import GradeResult, Submission, write_atomic
from cnnkit_course.grading.zygote import KernelZygote


def _unique_grade_ids(root: Path, assignment: str, known: list[str]) -> set[str]:
    """Grade ids of ``assignment``'s release notebook that no other assignment uses."""
    def ids(name: str) -> set[str]:
        path = CoursePaths.of(root).release_notebook(name)
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


class KernelCannotRead(RuntimeError):
    """The sandboxed kernel cannot read the course configuration or the submission."""


class GradingSession:
    """One submission's notebook in a sandboxed kernel, judged from outside (:mod:`cnnkit_course.grading.judge`).

    A cell that kills the kernel (``os._exit``, a crash) is skipped: the kernel is restarted and
    the notebook re-run without it, so the rest of the work is still graded.
    """

    MAX_RESTARTS = 3

    def __init__(self, nb: notebooks.NotebookNode, workdir: Path, exchange: Path, uid: int | None, hide: list[Path],
                 cgroup_args: list[str] = (), zygote: KernelZygote | None = None) -> None:
        self.settings = config.settings()
        self.nb, self.workdir, self.exchange, self.uid, self.hide = nb, workdir, exchange, uid, hide
        self.cgroup_args, self.zygote = list(cgroup_args), zygote
        self.skipped_cells: set[int] = set()  # demonstrations (:mod:`.demonstrations`)
        self.course_config = self.settings.root / config.CONFIG_FILENAME
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
        km = sandbox.kernel_manager(self.kernel_dir, self.workdir, uid=self.uid, hide=self.hide, limits=limits,
                                    expose=[self.course_config], cgroup_args=self.cgroup_args, zygote=self.zygote)
        self.client = _GradingClient(
            self.nb, km=km, timeout=s.cell_timeout_s, allow_errors=True, interrupt_on_timeout=True,
            error_on_timeout={"ename": "CellTimeoutError", "evalue": f"cell exceeded {s.cell_timeout_s} s", "traceback": []},
            resources={"metadata": {"path": str(self.workdir)}}, max_output_bytes=s.submission_output_kb * 1024,
            shutdown_kernel="immediate",  # what the submission leaves running is killed anyway
        )
        self.client.start_new_kernel(env=notebooks.kernel_env(CNNKIT_GRADING="1", CNNKIT_OFFLINE="1"))
        self.client.start_new_kernel_client()
        self._probe()

    def _probe(self) -> None:
        """Check, before any student code runs, that the sandboxed kernel reads what it needs.

        Raises:
            KernelCannotRead: it cannot (the reason names the path and what to do).
        """
        needed = [str(self.course_config), str(self.workdir / f"{self.workdir.name}.ipynb")]
        probe = notebooks.nbformat.v4.new_code_cell(
            f"import os as _os\n_cnnkit_unreadable = [p for p in {needed!r} if not _os.access(p, _os.R_OK)]\n"
            "import cnnkit.config as _cnnkit_config\n_cnnkit_config.settings()\n"
            "assert not _cnnkit_unreadable, f'cannot read {_cnnkit_unreadable}'\ndel _os, _cnnkit_unreadable, _cnnkit_config")
        self.nb.cells.append(probe)
        try:
            self.client.execute_cell(probe, len(self.nb.cells) - 1)
        finally:
            self.nb.cells.pop()
        errors = [o for o in probe.outputs if o.get("output_type") == "error"]
        if errors:
            raise KernelCannotRead(f"the sandboxed kernel cannot read what grading needs ({errors[0]['ename']}: "
                                   f"{errors[0]['evalue'][:300]}): keep the course where the sandbox uid may read it, "
                                   "or run the grader on a copy outside private folders")

    def stop(self) -> None:
        """Shut the kernel down (and kill whatever the submission left running)."""
        if self.client is not None and self.client.km is not None:
            try:
                self.client._cleanup_kernel()
            except Exception:  # noqa: BLE001 - a dead kernel is fine here
                pass
        if self.uid is not None and sandbox.isolation_level() == "full":
            sandbox.kill_uid(self.uid)

    def cells_to_run(self) -> list[int]:
        """The code cells to execute: all but nbgrader's test cells (they only run the public
        checks, which the judge runs anyway with the full test files; leaving them out saves their
        time and the kernel's import of otter), the skipped demonstrations and the cells that
        killed the kernel or ran out of memory."""
        left_out = self.skipped_cells | self.fatal_cells
        return [index for index, cell in enumerate(self.nb.cells)
                if cell.cell_type == "code" and not notebooks.is_autograded_test(cell) and index not in left_out]

    def run_notebook(self) -> None:
        """Execute :meth:`cells_to_run`, restarting past cells that kill the kernel or raise
        ``MemoryError`` (near its memory limit a kernel may refuse an allocation instead of being
        killed, and then dies in a later cell, which would be left out in its place)."""
        for _attempt in range(self.MAX_RESTARTS + 1):
            if self.client is not None:  # a restart: end the dead kernel and what it left
                self.stop()
            self._start()
            for index in self.cells_to_run():
                cell = self.nb.cells[index]
                try:
                    self.client.execute_cell(cell, index)
                except DeadKernelError:
                    self.fatal_cells.add(index)
                    break
                self.timed_out |= getattr(self.client, "timed_out", False)
                if _ran_out_of_memory(cell):  # the kernel still holds what it took: the next cell would die of it
                    self.fatal_cells.add(index)
                    break
            else:
                return
        raise DeadKernelError(f"{self.MAX_RESTARTS + 1} runs of the notebook each ended at a cell that killed the kernel "
                              f"or raised MemoryError (cells {sorted(self.fatal_cells)})")

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
        from cnnkit_course.grading import judge
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


def _ran_out_of_memory(cell: Any) -> bool:
    """Whether an executed code cell's outputs hold a ``MemoryError``."""
    return any(out.get("output_type") == "error" and out.get("ename") == "MemoryError" for out in cell.get("outputs", []))


def _all_failed(test_file: Any, reason: str) -> dict[str, Any]:
    cases = [{"name": tc.name, "hidden": tc.hidden, "passed": False, "points": float(tc.points or 0), "message": reason}
             for tc in test_file.test_cases]
    total = float(sum(tc.points or 0 for tc in test_file.test_cases))
    return {"question": test_file.name, "score": 0.0, "max_points": total, "cases": cases}


def grade_in_this_process(sub: Submission, result_path: Path, uid: int | None = None,
                          hide: list[Path] | None = None, cgroup_args: list[str] = (),
                          executed_path: Path | None = None, zygote: KernelZygote | None = None) -> None:
    """Grade one submission here (the child process): execute, judge, write JSON (and, with
    ``executed_path``, the notebook as the sandboxed kernel executed it, test cells unrun).
    ``zygote``: where the kernels are forked from (``None``: each is a new interpreter)."""
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

    paths = CoursePaths.of(settings.root)
    result.reason = _integrity_notes(nb, paths.release_notebook(sub.assignment))
    with tempfile.TemporaryDirectory(prefix="cnnkit-grade-") as scratch:
        os.chmod(scratch, 0o711)  # the sandbox user must reach its folders inside
        workdir, exchange = Path(scratch) / sub.assignment, Path(scratch) / "exchange"
        # What the release gave every student (public tests, reference files), then the submission;
        # the public tests always come from the release.
        shutil.copytree(paths.release_dir(sub.assignment), workdir)
        shutil.copytree(sub.folder, workdir, dirs_exist_ok=True, symlinks=True,
                        ignore=shutil.ignore_patterns("tests", ".ipynb_checkpoints"))
        exchange.mkdir()
        tests = sorted(paths.full_tests(sub.assignment).glob("*.py"))
        session = GradingSession(nb, workdir, exchange, uid, [*(hide or []), *paths.secrets()], cgroup_args, zygote)
        session.skipped_cells = demonstrations.cells_to_skip(
            nb, notebooks.read_notebook(paths.release_notebook(sub.assignment)), [t.read_text() for t in tests],
            set(session.cells_to_run()))
        try:
            session.run_notebook()
            result.questions = session.judge(tests)
            result.score = float(sum(q["score"] for q in result.questions))
        except DeadKernelError as exc:
            result.status, result.reason = "error", f"the submission's kernel keeps dying: {exc}"
        except KernelCannotRead as exc:
            result.status, result.reason = "error", str(exc)
        finally:
            session.stop()
            if executed_path is not None:
                write_atomic(executed_path, notebooks.nbformat.writes(session.nb))
        if session.fatal_cells and result.status == "graded":
            cells = ", ".join(str(i) for i in sorted(session.fatal_cells))
            result.status, result.reason = "error", f"cell(s) {cells} killed the kernel (or ran out of memory) and were skipped"
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


def grade_job(job: dict[str, Any], env: dict[str, str], stderr_path: str) -> None:
    """The grading child's entry point: a process group of its own (so that the batch can end it
    with everything it started), ``env`` as its environment, stdout discarded and stderr to
    ``stderr_path`` (a file: what a submission leaves running would hold a pipe open); then
    :func:`grade_in_this_process` on ``job`` (a dict of :class:`Submission` fields, ``result``,
    ``uid``, ``hide``, ``cgroup_args`` and, optionally, ``executed``)."""
    os.setsid()
    os.environ.clear()
    os.environ.update(env)
    with open(os.devnull, "wb") as devnull, open(stderr_path, "wb") as errors:
        os.dup2(devnull.fileno(), 1)
        os.dup2(errors.fileno(), 2)
    zygote = KernelZygote().start()  # before anything below starts a thread or an event loop
    try:
        grade_in_this_process(Submission(job["student_id"], job["assignment"], Path(job["folder"])),
                              Path(job["result"]), job["uid"], [Path(p) for p in job["hide"]], job["cgroup_args"],
                              Path(job["executed"]) if job.get("executed") else None, zygote)
    finally:
        zygote.close()
