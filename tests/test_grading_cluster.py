"""`cnnkit grade --scheduler`: grading on a real Dask cluster (a scheduler and two workers started as
separate processes on 127.0.0.1) gives the grades of a local batch, survives a dead worker, gives
up on a submission whose grading kills its worker every time, and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from cnnkit_course.grading import cluster, sandbox, zygote
from cnnkit_course.notebooks import kernel_env
from tests.conftest import COURSE, ROOT, course_env
from tests.servers import free_port
from tests.test_hostile import _hostile_notebooks, _write

A1, A2 = "a1_convolution", "a2_pooling"
#: The scheduler gives a task up after this many deaths of its workers, plus one.
ALLOWED_FAILURES = 1
#: Marks every process of a grading started by a cluster worker (its temporary folder's prefix).
CLUSTER_MARK = "cnnkit-cluster-"
#: What a zygote forks: its kernels and their outer processes, and the zygotes themselves.
FORKED_NAMES = ("ipykernel", *zygote.IDLE_NAMES)


def _env(**extra: str) -> dict[str, str]:
    return kernel_env(CNNKIT_COURSE_ROOT=str(ROOT), CNNKIT_DATA_SOURCE="synthetic", TF_CPP_MIN_LOG_LEVEL="3", **extra)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def _cluster_gradings() -> list[psutil.Process]:
    """Every process of a grading a cluster worker started: its grading child (a fork of the
    worker's forkserver, which is left out), the sandbox and kernel (their command lines name the
    worker's temporary folder, or, forked by a zygote, their names say what they are) and what
    they started."""
    found: set[psutil.Process] = set()
    for proc in psutil.process_iter(["cmdline", "name"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if CLUSTER_MARK in cmdline or proc.info["name"] in FORKED_NAMES or \
                (sandbox.GRADING_MARKER.decode() in cmdline and _is_grading_child(proc)):
            found.add(proc)
            try:
                found.update(proc.children(recursive=True))
            except psutil.NoSuchProcess:
                pass
    return [p for p in found if _alive(p)]


def _is_grading_child(proc: psutil.Process) -> bool:
    """Whether ``proc`` (with the grading marker) is a grading child of a cluster worker, not a
    forkserver: its parent is a forkserver whose parent is a ``dask worker`` process, or it was
    orphaned (its worker died)."""
    try:
        parent = proc.parent()
        if parent is None or parent.pid == 1:
            return True
        grandparent = parent.parent()
        return grandparent is not None and "dask" in " ".join(grandparent.cmdline()) and \
            sandbox.GRADING_MARKER.decode() in " ".join(parent.cmdline())
    except psutil.Error:
        return False


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _is_kernel(proc: psutil.Process) -> bool:
    """A kernel: executed (``python -m ipykernel_launcher``) or forked by a zygote (named so)."""
    try:
        return proc.name() == "ipykernel" or "ipykernel" in " ".join(proc.cmdline())
    except psutil.Error:
        return False


def _grading_children(worker: psutil.Process) -> list[psutil.Process]:
    """The grading children under a Dask worker process: the forks of its forkserver."""
    try:
        return [child for forkserver in worker.children() if sandbox.GRADING_MARKER.decode() in " ".join(forkserver.cmdline())
                for child in forkserver.children()]
    except psutil.Error:
        return []


def _worker_grading(client, student: str) -> psutil.Process | None:
    """The worker process (the nanny's child) that grades ``student``'s submission right now: the
    scheduler has its task there and a grading child runs under it."""
    try:
        for address, keys in client.processing().items():
            if any(f"cnnkit-grade-{student}__" in str(key) for key in keys):
                worker = psutil.Process(client.run(os.getpid, workers=[address])[address])
                return worker if _grading_children(worker) else None
    except (psutil.Error, OSError, KeyError):
        pass
    return None


def _kill_tree(procs: list[psutil.Process]) -> None:
    """SIGKILL to each process and its descendants (what the death of a host takes with it)."""
    victims = []
    for proc in procs:
        try:
            victims += [proc, *proc.children(recursive=True)]
        except psutil.NoSuchProcess:
            pass
    for victim in victims:
        try:
            victim.kill()
        except psutil.NoSuchProcess:
            pass


class Cluster(cluster.LocalCluster):
    """The kit's local cluster, its processes' output in ``logs``; closing it also ends what the
    gradings of killed workers left."""

    def __init__(self, logs: Path) -> None:
        super().__init__(f"tcp://127.0.0.1:{free_port()}",
                         _env(DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=str(ALLOWED_FAILURES)), logs)

    def close(self) -> None:
        """Kill every process group of the cluster, then what gradings of killed workers left."""
        tree = []
        for proc in [*self.workers, self.scheduler]:
            try:
                tree += psutil.Process(proc.pid).children(recursive=True)
            except psutil.NoSuchProcess:
                pass
        super().close()
        for proc in tree + _cluster_gradings():
            try:
                proc.kill()
            except psutil.NoSuchProcess:
                pass
        sandbox.reap_stale_slots()  # the kernels of the gradings killed above


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    logs = tmp_path_factory.mktemp("dask-logs")
    running = Cluster(logs)
    try:
        for _ in range(2):
            running.add_worker()
        running.wait_for_workers(2)
        yield running
    finally:
        running.close()


@pytest.fixture(scope="module")
def mixed_batch(tmp_path_factory, examples_dir: Path):
    """Honest, hostile and broken submissions and their grades from a local `grade_batch`.

    Returns ``(submitted, {student_id: (status, score)})``.
    """
    from cnnkit_course.grading.batch import grade_batch

    base = tmp_path_factory.mktemp("mixed")
    submitted = base / "submitted"
    shutil.copytree(examples_dir / "correct" / A1, submitted / "honest_a1" / A1)
    shutil.copytree(examples_dir / "untouched" / A2, submitted / "honest_a2" / A2)
    hostile = _hostile_notebooks(examples_dir, ROOT, submitted, base / "out", port=9)
    for student in ("fake_output", "os_exit"):
        _write(hostile[student][0], submitted / student / A1)
    for student, content in {"broken_json": b"{", "wrong_assignment": COURSE.release_notebook(A2).read_bytes()}.items():
        (submitted / student / A1).mkdir(parents=True)
        (submitted / student / A1 / f"{A1}.ipynb").write_bytes(content)
    with course_env():
        local = grade_batch(submitted, base / "local", workers=2)
    grades = {r.student_id: (r.status, r.score) for r in local}
    assert grades["honest_a1"] == ("graded", 12.0) and grades["os_exit"][0] == "error", grades
    return submitted, grades


def _subset(submitted: Path, students: list[str], folder: Path) -> Path:
    for student in students:
        shutil.copytree(submitted / student, folder / student)
    return folder


def _grades(out: Path) -> dict[str, tuple[str, float]]:
    results = [json.loads(p.read_text()) for p in (out / "results").glob("*.json")]
    return {r["student_id"]: (r["status"], r["score"]) for r in results}


# --- fast: transport and connection errors --------------------------------------------------------
def test_a_submission_folder_travels_as_zip_bytes(tmp_path: Path):
    """Files and folders arrive as they were; symbolic links are left out."""
    source = tmp_path / "source"
    (source / "models" / "empty").mkdir(parents=True)
    (source / f"{A1}.ipynb").write_text("{}")
    (source / "models" / "w.npy").write_bytes(bytes(range(256)) * 10)
    (source / "link").symlink_to("/etc/hostname")
    target = tmp_path / "target"
    cluster.unpack_folder(cluster.pack_folder(source), target)
    assert sorted(str(p.relative_to(target)) for p in target.rglob("*")) == [
        f"{A1}.ipynb", "models", "models/empty", "models/w.npy"]
    assert (target / "models" / "w.npy").read_bytes() == (source / "models" / "w.npy").read_bytes()


def test_an_unreachable_scheduler_is_a_one_line_error(tmp_path: Path):
    """No scheduler at the address, a malformed address, --workers with --scheduler: one line on
    stderr, exit status 2, nothing written."""
    (tmp_path / "submitted" / "alice" / A1).mkdir(parents=True)
    for extra, says in [([f"tcp://127.0.0.1:{free_port()}"], "cannot reach the Dask scheduler"),
                        (["127.0.0.1"], "is not a scheduler address"),
                        (["tcp://127.0.0.1:1", "--workers", "2"], "--workers does not apply")]:
        done = subprocess.run([sys.executable, "-m", "cnnkit_course", "grade", str(tmp_path / "submitted"), "--out",
                               str(tmp_path / "out"), "--scheduler", *extra], capture_output=True, text=True,
                              env=_env(), timeout=60)
        assert done.returncode == 2, done.stderr
        assert says in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert not (tmp_path / "out").exists()


class _Done:
    """A finished future as :func:`cluster._collect` reads it."""

    def __init__(self, status: str, value: object) -> None:
        self.status, self.value = status, value

    def result(self) -> object:
        return self.value

    def exception(self) -> object:
        return self.value


def test_what_a_finished_task_gives_the_client():
    """A result dict is the result; a stopped task (``None``) writes nothing; KilledWorker is an
    ``error`` result with the number of deaths; a failure of the task itself writes nothing and is
    recorded (``--resume`` grades it again)."""
    from distributed import KilledWorker

    from cnnkit_course.grading.batch import GradeResult, Submission

    sub = Submission("alice", A1, Path("unused"))
    graded = GradeResult("alice", A1, 12.0, 12.0, "graded")
    failures: dict[str, str] = {}
    assert cluster._collect(_Done("finished", graded.__dict__), sub, failures, KilledWorker) == graded
    assert cluster._collect(_Done("finished", None), sub, failures, KilledWorker) is None
    with course_env():
        killed = cluster._collect(_Done("error", KilledWorker("key", None, 3)), sub, failures, KilledWorker)
    assert (killed.status, killed.score, killed.max_score) == ("error", 0.0, 12.0)
    assert "grading killed its worker 4 times" in killed.reason and not failures
    assert cluster._collect(_Done("error", RuntimeError("no course")), sub, failures, KilledWorker) is None
    assert failures == {f"alice__{A1}": "RuntimeError: no course"}
    assert "1 grading task(s) failed" in str(cluster.ClusterTaskFailed(failures))


# --- slow: a real cluster -------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.serial
def test_the_cluster_grades_like_a_local_batch(dask_cluster: Cluster, mixed_batch, tmp_path: Path):
    """Honest, hostile and broken submissions: the status and score of a local batch, each; the
    result files and grades.csv are written by the client."""
    submitted, local = mixed_batch
    with course_env():
        results = cluster.grade_on_cluster(submitted, tmp_path / "out", dask_cluster.address)
    assert {r.student_id: (r.status, r.score) for r in results} == local
    assert _grades(tmp_path / "out") == local
    lines = (tmp_path / "out" / "grades.csv").read_text().splitlines()
    assert len(lines) == 1 + len(local)
    assert {r.isolation for r in results if r.status != "invalid"} == {sandbox.isolation_level()}


@pytest.mark.slow
@pytest.mark.serial
def test_a_worker_killed_while_grading_loses_nothing(dask_cluster: Cluster, mixed_batch, tmp_path: Path):
    """SIGKILL to the process group of the worker (nanny and worker) grading the first submission:
    the scheduler gives its task to the other worker and every result arrives, as graded locally."""
    submitted, local = mixed_batch
    batch = _subset(submitted, ["honest_a1", "honest_a2"], tmp_path / "submitted")
    killed = []

    def kill_the_worker_grading_honest_a1() -> None:
        client = cluster.connect(dask_cluster.address, timeout_s=30)
        deadline = time.monotonic() + 300
        try:
            while not killed and time.monotonic() < deadline:
                worker = _worker_grading(client, "honest_a1")
                nanny = worker.parent() if worker is not None else None
                for started in dask_cluster.workers:
                    if nanny is not None and started.pid == nanny.pid:
                        time.sleep(2)  # well into its grading
                        gradings = _grading_children(worker)
                        _kill_group(started)
                        _kill_tree(gradings)  # they made sessions of their own
                        killed.append(started)
                        return
                time.sleep(0.2)
        finally:
            client.close()

    killer = threading.Thread(target=kill_the_worker_grading_honest_a1, daemon=True)
    killer.start()
    try:
        with course_env():
            results = cluster.grade_on_cluster(batch, tmp_path / "out", dask_cluster.address)
    finally:
        killer.join(timeout=1)
        dask_cluster.workers = [w for w in dask_cluster.workers if w not in killed]
        dask_cluster.add_worker()  # two workers again for the next tests
    assert killed, "no worker was killed: the test proves nothing"
    assert {r.student_id: (r.status, r.score) for r in results} == {s: local[s] for s in ("honest_a1", "honest_a2")}
    dask_cluster.wait_for_workers(2)


@pytest.mark.slow
@pytest.mark.serial
def test_a_submission_that_kills_its_worker_every_time_ends_as_error(dask_cluster: Cluster, mixed_batch,
                                                                     tmp_path: Path):
    """The worker process (its nanny restarts it) is killed each time it starts grading one
    submission; after ``allowed-failures + 1`` deaths the scheduler gives up: that submission ends
    as ``error`` with the reason, with a result file, and the rest of the batch is graded.

    No notebook can honestly kill its worker through the sandbox (own uid, PID namespace, cgroup),
    so the test plays the part of what would (the kernel's OOM killer choosing the worker, a
    crashing driver): it kills the worker process from outside whenever that grading starts.
    """
    submitted, local = mixed_batch
    batch = _subset(submitted, ["broken_json"], tmp_path / "submitted")
    shutil.copytree(submitted / "honest_a1", batch / "worker_killer")
    kills: list[int] = []

    def kill_each_worker_grading_it(stop: threading.Event) -> None:
        client = cluster.connect(dask_cluster.address, timeout_s=30)
        try:
            while not stop.is_set():
                worker = _worker_grading(client, "worker_killer")
                if worker is not None and worker.pid not in kills:
                    _kill_tree([worker])  # the worker, its forkserver and the grading with its kernel
                    kills.append(worker.pid)
                time.sleep(0.2)
        finally:
            client.close()

    stop = threading.Event()
    killer = threading.Thread(target=kill_each_worker_grading_it, args=(stop,), daemon=True)
    killer.start()
    try:
        with course_env():
            results = {r.student_id: r for r in cluster.grade_on_cluster(batch, tmp_path / "out", dask_cluster.address)}
    finally:
        stop.set()
        killer.join(timeout=5)
    assert len(kills) == ALLOWED_FAILURES + 1, kills
    victim = results["worker_killer"]
    assert (victim.status, victim.score, victim.max_score) == ("error", 0.0, 12.0)
    assert f"grading killed its worker {ALLOWED_FAILURES + 1} times" in victim.reason
    assert json.loads((tmp_path / "out" / "results" / f"worker_killer__{A1}.json").read_text())["status"] == "error"
    assert (results["broken_json"].status, results["broken_json"].score) == local["broken_json"]
    dask_cluster.wait_for_workers(2)  # the nannies restarted the killed worker processes


@pytest.mark.slow
@pytest.mark.serial
def test_sigterm_to_the_client_stops_the_remote_gradings_and_resume_finishes(dask_cluster: Cluster, mixed_batch,
                                                                            tmp_path: Path):
    """SIGTERM to `cnnkit grade --scheduler` mid-batch: exit 128 + 15 within 15 s, every grading
    process and kernel on the workers ended, no half-written result; `--resume` then gives the
    grades of an uninterrupted run."""
    submitted, local = mixed_batch
    students = ["honest_a1", "fake_output", "wrong_assignment"]
    batch = _subset(submitted, students, tmp_path / "submitted")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "cnnkit_course", "grade", str(batch), "--out", str(out),
               "--scheduler", dask_cluster.address]
    client = subprocess.Popen(command, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while not any(map(_is_kernel, _cluster_gradings())):
            assert time.monotonic() < deadline and client.poll() is None, "no kernel started on the workers"
            time.sleep(0.2)
        gradings = _cluster_gradings()
        stopped_at = time.monotonic()
        client.send_signal(signal.SIGTERM)
        assert client.wait(timeout=15) == 128 + signal.SIGTERM, client.stderr.read()
        assert time.monotonic() - stopped_at < 15
        assert "--resume" in client.stderr.read()
    finally:
        if client.poll() is None:
            _kill_group(client)
    deadline = time.monotonic() + 10
    while (any(map(_alive, gradings)) or _cluster_gradings()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [p for p in gradings if _alive(p)] and not _cluster_gradings(), "gradings survived the stop"
    assert not list((out / "results").glob(".*")), "a half-written result was left"
    written = _grades(out)
    assert len(written) < len(students) and all(written[s] == local[s] for s in written)
    done = subprocess.run([*command, "--resume"], env=_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert _grades(out) == {s: local[s] for s in students}


def _start_a_multiprocessing_child() -> tuple[bool, int]:
    """In a worker: whether its process was daemonic, and the exit code of a forkserver child
    started after :func:`cluster._allow_children`."""
    import multiprocessing

    daemonic = multiprocessing.current_process().daemon
    cluster._allow_children()
    child = multiprocessing.get_context("forkserver").Process(target=sum, args=([1, 2],))
    child.start()
    child.join()
    return daemonic, child.exitcode


@pytest.mark.slow
@pytest.mark.serial
def test_a_daemonic_worker_may_start_multiprocessing_children():
    """A nanny's worker started without DASK_DISTRIBUTED__WORKER__DAEMON=False is daemonic; the
    grading task clears that flag, so a grading may start its child through multiprocessing."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as local, Client(local) as client:
        assert client.submit(_start_a_multiprocessing_child, pure=False).result(timeout=120) == (True, 0)
