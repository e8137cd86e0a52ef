"""``cnnkit grade --scheduler tcp://HOST:PORT``: grade a batch on a Dask distributed cluster.

The client (the instructor's ``cnnkit grade``) sends one task per submission to the scheduler;
each worker grades it exactly as a local batch does (:func:`.batch.grade_submission`, in a
sandbox slot of the worker's host) and sends the result back; the client writes it.

- **Transport.** A submission's files travel as the bytes of a zip archive inside the task's
  arguments (regular files and folders; symbolic links are left out). The worker unpacks them into
  a private temporary ``submitted/<student_id>/<assignment>/`` folder and removes it afterwards.
  The client keeps one submission per worker thread at the cluster (so the scheduler holds few
  archives, and none waits in the queue of a worker whose death would count against it).
- **Course files.** Every worker has the course repository (``course_config.py``, ``autograder/``
  with the hidden tests, ``release/``) at the same commit as the client, found through
  ``CNNKIT_COURSE_ROOT`` in the worker's own environment. The hidden tests are never sent.
- **Results.** Each result comes back through its future (the :class:`.batch.GradeResult` as a
  dict) and the client writes ``OUT/results/<key>.json`` atomically and then ``OUT/grades.csv``,
  as locally; ``--resume`` skips submissions that have a result file.
- **Dead workers.** When a worker dies, the scheduler gives its tasks to other workers. A task
  whose workers died more than ``distributed.scheduler.allowed-failures`` times (a scheduler
  setting, default 3) fails with :class:`distributed.KilledWorker`; its submission then ends as
  ``error`` ("grading killed its worker N times"), with a result file like any other.
- **Stop.** SIGINT or SIGTERM to the client sets a :class:`distributed.Event` of the batch; each
  task watches it and ends its grading processes (:meth:`.batch._Running.stop`), writes nothing
  and returns ``None``; the client then cancels what is left and raises :class:`.batch.BatchStopped`.
- **Failures of the task itself** (a worker without the course files, say) are not the student's:
  they get no result file (``--resume`` grades them again) and :class:`ClusterTaskFailed` is
  raised once the rest is written.

Worker processes started by a Dask nanny are daemonic by default, and a daemonic process may
not start :mod:`multiprocessing` children; start workers with ``DASK_DISTRIBUTED__WORKER__DAEMON=False``
(the task also clears the flag of its own process, see :func:`_allow_children`).
"""

from __future__ import annotations

import io
import json
import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from cnnkit import config
from cnnkit_course.grading import sandbox
from cnnkit_course.grading.batch import (BatchStopped, GradeResult, Submission, _Running, _stop_on_signals, discover,
                                         grade_submission, longest_first, write_atomic, write_grades_csv)

#: How long the client tries to reach the scheduler before giving up, in seconds.
CONNECT_TIMEOUT_S = 5.0
#: How often the client looks at its futures and a task at the stop event, in seconds.
POLL_S = 0.5
#: After a stop, how long the client waits for the running tasks to end their gradings, in seconds.
STOP_WAIT_S = 10.0



class SchedulerUnreachable(Exception):
    """The scheduler could not be reached (or the address is malformed): a one-line usage error."""


class ClusterTaskFailed(Exception):
    """Some grading tasks failed for a reason of the cluster, not of the submission; they have no
    result file (``--resume`` grades them again)."""

    def __init__(self, failures: dict[str, str]) -> None:
        first, reason = next(iter(failures.items()))
        super().__init__(f"{len(failures)} grading task(s) failed on the cluster and have no result "
                         f"(first: {first}: {reason}); fix the workers and run again with --resume")
        self.failures = failures


# --- transport --------------------------------------------------------------------------------------
def pack_folder(folder: Path) -> bytes:
    """The files and folders under ``folder`` as the bytes of a zip archive (deflated; paths
    relative to ``folder``; symbolic links and other non-regular files are left out)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for current, dirs, files in os.walk(folder):
            base = Path(current)
            dirs[:] = sorted(d for d in dirs if not (base / d).is_symlink())
            for name in dirs:
                archive.write(base / name, (base / name).relative_to(folder).as_posix() + "/")
            for name in sorted(files):
                path = base / name
                if path.is_file() and not path.is_symlink():
                    archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def unpack_folder(payload: bytes, folder: Path) -> None:
    """Unpack :func:`pack_folder`'s bytes into ``folder`` (created); an entry that would land
    outside it raises ``ValueError``."""
    folder.mkdir(parents=True, exist_ok=True)
    top = folder.resolve()
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        for name in archive.namelist():
            target = (top / name).resolve()
            if target != top and top not in target.parents:
                raise ValueError(f"zip entry {name!r} lies outside the submission folder")
        archive.extractall(top)


# --- worker side ----------------------------------------------------------------------------------
_worker_lock = threading.Lock()
_worker_ready = False
_data_ready: set[str] = set()


def _allow_children() -> None:
    """Let this worker process start :mod:`multiprocessing` children: a Dask nanny starts its
    worker as a daemonic process, which may have none (``DASK_DISTRIBUTED__WORKER__DAEMON=False``
    avoids that from the start)."""
    process = multiprocessing.current_process()
    if process.daemon:
        process.daemon = False


def _prepare_worker(root: Path, assignment: str) -> None:
    """Once per worker process: end what gradings of a killed worker left in their slots; once per
    process and assignment: build the hidden evaluation data the worker's course root lacks."""
    global _worker_ready
    from cnnkit_course import hidden_data

    with _worker_lock:
        if not _worker_ready:
            _allow_children()
            sandbox.reap_stale_slots()
            _worker_ready = True
        if assignment not in _data_ready:
            hidden_data.ensure(root, [assignment])
            _data_ready.add(assignment)


def _watch_stop(stop: Any, running: _Running, finished: threading.Event) -> None:
    """Until ``finished``: when the batch's stop event (a :class:`distributed.Event`) is set, end
    the grading processes of ``running`` (SIGTERM's stop: kill their process groups)."""
    while not finished.is_set():
        try:
            if stop.wait(timeout=POLL_S):
                running.stop(signal.SIGTERM)
                return
        except Exception:  # the scheduler went away: the task ends with the worker
            time.sleep(POLL_S)


def grade_task(student_id: str, assignment: str, payload: bytes, batch_id: str) -> dict[str, Any] | None:
    """The task a worker runs for one submission (see the module's docstring).

    Args:
        payload: the submission folder as zip bytes (:func:`pack_folder`).
        batch_id: names the batch's stop event, ``cnnkit-stop-<batch_id>``.

    Returns:
        The :class:`.batch.GradeResult` as a dict, or ``None`` when the batch was stopped.

    Raises:
        RuntimeError: the worker has no course repository (``CNNKIT_COURSE_ROOT``).
    """
    from distributed import Event, get_client

    stop = Event(stop_event_name(batch_id), client=get_client())
    if stop.is_set():
        return None
    root = config.settings().root
    if root is None:
        raise RuntimeError("the worker has no course repository: set CNNKIT_COURSE_ROOT in the worker's environment")
    _prepare_worker(root, assignment)
    running, finished = _Running(), threading.Event()
    watcher = threading.Thread(target=_watch_stop, args=(stop, running, finished), daemon=True)
    watcher.start()
    try:
        with tempfile.TemporaryDirectory(prefix="cnnkit-cluster-") as scratch:
            submitted, out = Path(scratch) / "submitted", Path(scratch) / "out"
            folder = submitted / student_id / assignment
            unpack_folder(payload, folder)
            with sandbox.borrowed_slot() as slot:
                result = grade_submission(Submission(student_id, assignment, folder), out, slot,
                                          [submitted, out], running)
    finally:
        finished.set()
        watcher.join()
    return None if result is None or running.stopped.is_set() else asdict(result)


# --- client side ----------------------------------------------------------------------------------
def stop_event_name(batch_id: str) -> str:
    """The name of the :class:`distributed.Event` that stops the batch ``batch_id``."""
    return f"cnnkit-stop-{batch_id}"


def connect(address: str, timeout_s: float = CONNECT_TIMEOUT_S) -> Any:
    """A :class:`distributed.Client` of the scheduler at ``address`` (``tcp://HOST:PORT``, or
    ``tls://`` with the security of the Dask configuration).

    Raises:
        SchedulerUnreachable: no scheduler answered within ``timeout_s`` seconds, or a bad address.
    """
    from distributed import Client
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import get_backend

    try:
        scheme, location = parse_address(address)
        get_backend(scheme)
        parse_host_port(location)
    except ValueError as exc:
        raise SchedulerUnreachable(f"{address!r} is not a scheduler address like tcp://HOST:PORT: {exc}") from None
    quiet = logging.getLogger("distributed")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)  # the failure is reported once, as one line
    try:
        return Client(address, timeout=timeout_s, set_as_default=False)
    except (OSError, ValueError, TypeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SchedulerUnreachable(f"cannot reach the Dask scheduler at {address} within {timeout_s:g} s: {reason}") from None
    finally:
        quiet.setLevel(level)


def killed_worker_result(sub: Submission, allowed_failures: int) -> GradeResult:
    """The ``error`` result of a submission whose grading killed its worker ``allowed_failures + 1``
    times (the scheduler gave up on it)."""
    max_score = float(config.settings().assignments.get(sub.assignment, {}).get("auto_points", 0))
    times = allowed_failures + 1
    return GradeResult(sub.student_id, sub.assignment, 0.0, max_score, "error",
                       f"grading killed its worker {times} times (the scheduler's allowed-failures is "
                       f"{allowed_failures}); nothing was graded", isolation="")


#: How often the scheduler is asked how many worker threads are connected, in seconds.
THREADS_EVERY_S = 5.0


def _threads(client: Any) -> int:
    """How many submissions to have at the cluster at once: one per worker thread now connected
    (at least one), so that none waits in a worker's queue, where the death of that worker would
    count against it (a worker's death counts against every task it holds)."""
    try:
        return max(1, sum(client.nthreads().values()))
    except Exception:
        return 1


def grade_on_cluster(submitted_dir: Path, out_dir: Path, scheduler_address: str, *, resume: bool = False,
                     assignments: list[str] | None = None) -> list[GradeResult]:
    """Grade every submission under ``submitted_dir`` on the Dask cluster of ``scheduler_address``;
    write the results to ``out_dir`` as :func:`.batch.grade_batch` does.

    Raises:
        SchedulerUnreachable: no scheduler at that address (nothing is written then).
        BatchStopped: SIGINT or SIGTERM arrived; every grading under way was ended first.
        ClusterTaskFailed: some tasks failed for a reason of the cluster (after the rest was written).
    """
    from distributed import Event, KilledWorker
    from tqdm import tqdm

    subs = discover(submitted_dir, assignments)
    if resume:
        subs = [s for s in subs if not (out_dir / "results" / f"{s.key}.json").is_file()]
    subs = longest_first(subs)
    client = connect(scheduler_address)
    (out_dir / "results").mkdir(parents=True, exist_ok=True)
    batch_id = uuid.uuid4().hex[:12]
    stop = Event(stop_event_name(batch_id), client=client)
    running = _Running()  # holds no process here: its stop() records the signal
    waiting, pending = list(reversed(subs)), {}
    failures: dict[str, str] = {}
    finished = 0
    threads, asked = 1, -THREADS_EVERY_S
    try:
        with _stop_on_signals(running), tqdm(total=len(subs), desc="grading", unit="submission", file=sys.stdout) as bar:
            while (waiting or pending) and not running.stopped.is_set():
                if time.monotonic() - asked >= THREADS_EVERY_S:  # a scheduler call: not on every pass
                    threads, asked = _threads(client), time.monotonic()
                if waiting and len(pending) < threads:
                    sub = waiting.pop()
                    future = client.submit(grade_task, sub.student_id, sub.assignment, pack_folder(sub.folder),
                                           batch_id, key=f"cnnkit-grade-{sub.key}-{batch_id}", pure=False)
                    pending[future] = sub
                    continue
                for future in [f for f in pending if f.done()]:
                    sub = pending.pop(future)
                    result = _collect(future, sub, failures, KilledWorker)
                    if result is not None:
                        write_atomic(out_dir / "results" / f"{sub.key}.json", json.dumps(asdict(result), indent=1))
                        finished += 1
                    bar.update()
                time.sleep(POLL_S)
        if running.stopped.is_set():
            _stop_remote(client, stop, list(pending))
            raise BatchStopped(running.signum, finished, len(subs))
    finally:
        client.close()
    results = write_grades_csv(out_dir)
    if failures:
        raise ClusterTaskFailed(failures)
    return results


def _collect(future: Any, sub: Submission, failures: dict[str, str], killed: type) -> GradeResult | None:
    """The result of a finished ``future``; ``None`` when there is none to write (the task was
    stopped, or failed for a reason of the cluster: recorded in ``failures``)."""
    if future.status == "finished":
        data = future.result()
        return None if data is None else GradeResult(**data)
    error = future.exception() if future.status == "error" else None
    if isinstance(error, killed):
        return killed_worker_result(sub, error.allowed_failures)
    failures[sub.key] = f"{type(error).__name__}: {error}" if error is not None else future.status
    return None


def _stop_remote(client: Any, stop: Any, futures: list[Any]) -> None:
    """Stop the batch on the cluster: set its stop event (each running task ends its gradings and
    each task that starts later returns at once), wait up to :data:`STOP_WAIT_S` seconds for the
    tasks to end, then cancel what is left."""
    from distributed import wait

    try:
        stop.set()
        wait(futures, timeout=STOP_WAIT_S)
    except Exception:  # a timeout, or the scheduler is gone: cancel what is left
        pass
    try:
        client.cancel(futures)
    except Exception:
        pass


class LocalCluster:
    """A Dask cluster on this machine's loopback: a ``dask scheduler`` and ``dask worker --nthreads 1``
    processes, each in a process group of its own (what a course's cluster runs on many machines;
    the benchmark and the tests start it here).

    Args:
        address: ``tcp://127.0.0.1:PORT`` on a free port.
        logs: a folder for each process's output (None: discarded).
        env: the processes' environment (workers also get ``DASK_DISTRIBUTED__WORKER__DAEMON=False``,
            since a grading starts processes of its own).
    """

    def __init__(self, address: str, env: dict[str, str], logs: Path | None = None) -> None:
        self.address, self.env, self.logs = address, env, logs
        self.dask = str(Path(sys.executable).parent / "dask")
        self.workers: list[subprocess.Popen] = []
        port = address.rsplit(":", 1)[1]
        self.scheduler = self._start([self.dask, "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"],
                                     env, "scheduler")

    def _start(self, command: list[str], env: dict[str, str], name: str) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("ab") if self.logs is not None else subprocess.DEVNULL
        return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def add_worker(self) -> subprocess.Popen:
        """Start one more single-threaded worker; returns its process."""
        worker = self._start([self.dask, "worker", self.address, "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"],
                             {**self.env, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}, f"worker{len(self.workers)}")
        self.workers.append(worker)
        return worker

    def wait_for_workers(self, count: int, timeout_s: float = 120) -> None:
        client = connect(self.address, timeout_s=30)
        try:
            client.wait_for_workers(count, timeout=timeout_s)
        finally:
            client.close()

    def close(self) -> None:
        """Kill every process group of the cluster (workers first) and reap them."""
        for proc in [*self.workers, self.scheduler]:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
