"""`cnnkit grade` as an operator runs it: one-line input errors, a clean stop and resume, what a
killed grader leaves behind, a private course folder, kernel-enforced limits and a private /proc."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from cnnkit_course.grading import limits, sandbox
from cnnkit_course.notebooks import kernel_env
from tests.conftest import ROOT, course_env

A1 = "a1_convolution"


def _cnnkit(*args: str, course: Path = ROOT, timeout: int = 60) -> subprocess.CompletedProcess:
    env = kernel_env(CNNKIT_COURSE_ROOT=str(course), CNNKIT_DATA_SOURCE="synthetic", TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run([sys.executable, "-m", "cnnkit_course", *args], capture_output=True, text=True,
                          env=env, timeout=timeout)


# --- input errors (fast) ------------------------------------------------------------------------
@pytest.mark.parametrize("args,says", [
    (["grade", "/nonexistent", "--out", "OUT"], "is not a folder"),
    (["grade", "SUBMITTED", "--out", "OUT", "--workers", "0"], "must be at least 1"),
    (["grade", "SUBMITTED", "--out", "OUT", "--workers", "two"], "not a whole number"),
    (["grade", "SUBMITTED", "--out", "OUT", "--assignment", "a9_nothing"], "unknown assignment(s) a9_nothing"),
    (["grade", "SUBMITTED", "--out", "SUBMITTED/results"], "is inside"),
    (["grade", "EMPTY", "--out", "OUT"], "holds no <student_id>/<assignment>/ folder"),
    (["grade", "SUBMITTED"], "the following arguments are required: --out"),
], ids=["missing folder", "zero workers", "workers not a number", "unknown assignment", "out inside submitted",
        "empty folder", "no --out"])
def test_input_errors_are_one_line_with_status_2(tmp_path: Path, args: list[str], says: str):
    """Each mistake is one line on stderr, exit status 2, and nothing is graded or written."""
    (tmp_path / "submitted" / "alice" / A1).mkdir(parents=True)
    (tmp_path / "empty").mkdir()
    args = [a.replace("SUBMITTED", str(tmp_path / "submitted")).replace("EMPTY", str(tmp_path / "empty"))
             .replace("OUT", str(tmp_path / "out")) for a in args]
    done = _cnnkit(*args)
    assert done.returncode == 2, done.stderr
    assert says in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "out").exists()


# --- stop, resume, a killed grader (slow) ---------------------------------------------------------
def _batch(examples_dir: Path, folder: Path, copies: int) -> Path:
    submitted = folder / "submitted"
    for index in range(copies):
        shutil.copytree(examples_dir / "correct" / A1, submitted / f"good{index}" / A1)
    shutil.copytree(examples_dir / "partial" / A1, submitted / "partial" / A1)
    return submitted


def _start_grading(submitted: Path, out: Path, *extra: str) -> subprocess.Popen:
    env = kernel_env(CNNKIT_COURSE_ROOT=str(ROOT), CNNKIT_DATA_SOURCE="synthetic", TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.Popen([sys.executable, "-m", "cnnkit_course", "grade", str(submitted), "--out", str(out),
                             "--workers", "1", *extra], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def _wait_for_results(out: Path, count: int, timeout_s: float = 240) -> None:
    deadline = time.monotonic() + timeout_s
    while len(list((out / "results").glob("*.json"))) < count:
        assert time.monotonic() < deadline, "no result appeared in time"
        time.sleep(0.2)


def _grading_processes() -> list[psutil.Process]:
    """Grading children (and forkservers) and sandbox kernels now running on this machine, but
    the forkserver of this test process (its session fixtures grade here)."""
    found = []
    for proc in psutil.process_iter(["cmdline", "uids", "ppid"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        uid = proc.info["uids"].real if proc.info["uids"] else -1
        if proc.info["ppid"] == os.getpid():
            continue
        if sandbox.GRADING_MARKER.decode() in cmdline or sandbox.BASE_UID <= uid < sandbox.BASE_UID + 1000:
            found.append(proc)
    return found


def _scores(out: Path) -> dict[str, tuple[str, float]]:
    results = [json.loads(p.read_text()) for p in (out / "results").glob("*.json")]
    return {r["student_id"]: (r["status"], r["score"]) for r in results}


@pytest.mark.slow
@pytest.mark.serial
def test_sigterm_stops_everything_and_resume_finishes(tmp_path: Path, examples_dir: Path, graded_examples):
    """SIGTERM in the middle of a batch ends every grading process and kernel within 10 s, leaves
    no half-written result, exits 128 + 15; `--resume` then gives the grades of an uninterrupted run."""
    submitted = _batch(examples_dir, tmp_path, copies=3)
    out = tmp_path / "out"
    grader = _start_grading(submitted, out)
    _wait_for_results(out, 1)
    time.sleep(2)  # the next grading is under way
    stopped_at = time.monotonic()
    grader.send_signal(signal.SIGTERM)
    assert grader.wait(timeout=10) == 128 + signal.SIGTERM, grader.stderr.read()
    assert "--resume" in grader.stderr.read()
    deadline = stopped_at + 10
    while _grading_processes() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _grading_processes(), "grading processes or kernels survived the stop"
    written = list((out / "results").glob("*.json"))
    assert 1 <= len(written) < 4 and all(json.loads(p.read_text())["status"] for p in written)
    assert not list((out / "results").glob(".*")), "a half-written result was left"
    done = _cnnkit("grade", str(submitted), "--out", str(out), "--workers", "2", "--resume", timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    reference, _ = graded_examples
    expected = {"partial": ("graded", reference["partial", A1].score),
                **{f"good{i}": ("graded", reference["correct", A1].score) for i in range(3)}}
    assert _scores(out) == expected


@pytest.mark.slow
@pytest.mark.serial
def test_a_killed_graders_leftovers_are_ended_by_the_next(tmp_path: Path, examples_dir: Path):
    """After a SIGKILL of `cnnkit grade`, its grading process and kernel live on; the next
    `cnnkit grade` ends them before it starts, and finishes the batch."""
    submitted = _batch(examples_dir, tmp_path, copies=1)
    out = tmp_path / "out"
    grader = _start_grading(submitted, out)
    deadline = time.monotonic() + 120
    while not any(p.info["uids"] and p.info["uids"].real >= sandbox.BASE_UID for p in
                  psutil.process_iter(["uids"])) and time.monotonic() < deadline:
        time.sleep(0.2)  # until a kernel runs
    os.kill(grader.pid, signal.SIGKILL)
    grader.wait()
    orphans = _grading_processes()
    assert orphans, "the killed grader left nothing running: the test proves nothing"
    done = _cnnkit("grade", str(submitted), "--out", str(out), "--resume", timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not [p for p in orphans if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert set(_scores(out)) == {"good0", "partial"}


# --- a private course folder (slow) ---------------------------------------------------------------
@pytest.fixture(scope="module")
def private_course(tmp_path_factory) -> Path:
    """A copy of the course in a folder of mode 0700 (as /root or a home folder), built."""
    private = tmp_path_factory.mktemp("private")
    os.chmod(private, 0o700)
    course = private / "course"
    shutil.copytree(ROOT, course, ignore=shutil.ignore_patterns(".venv", ".git", "build", "examples", "solutions"))
    return course


@pytest.mark.slow
@pytest.mark.serial
@pytest.mark.skipif(sandbox.isolation_level() != "full", reason="the sandbox uid exists only when the grader is root")
def test_grading_from_a_private_folder(private_course: Path, examples_dir: Path, tmp_path: Path):
    """Correct a3 and a8 submissions get full marks from a course in a 0700 folder; a course
    configuration the sandbox cannot read ends as `error` with that reason, never as a low grade."""
    submitted = tmp_path / "submitted"
    for assignment in ("a3_emnist_cnn", "a8_deeper_vs_wider"):
        shutil.copytree(examples_dir / "correct" / assignment, submitted / "alice" / assignment)
    done = _cnnkit("grade", str(submitted), "--out", str(tmp_path / "out"), course=private_course, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    results = {r["assignment"]: r for r in map(json.loads, map(Path.read_text, (tmp_path / "out" / "results").glob("*.json")))}
    for assignment, result in results.items():
        assert (result["status"], result["score"]) == ("graded", result["max_score"]), (assignment, result["reason"])
    config = private_course / "course_config.py"
    os.chmod(config, 0o600)
    try:
        done = _cnnkit("grade", str(submitted), "--out", str(tmp_path / "out2"), "--assignment", "a3_emnist_cnn",
                       course=private_course, timeout=600)
    finally:
        os.chmod(config, 0o644)
    result = json.loads((tmp_path / "out2" / "results" / "alice__a3_emnist_cnn.json").read_text())
    assert result["status"] == "error" and "cannot read" in result["reason"], result


# --- limits and isolation (slow) ------------------------------------------------------------------
_PROBE = """\
import json, os, resource, sys
import matplotlib.pyplot as plt
print(json.dumps({"pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()), "uid": os.getuid(),
                  "cgroup": open("/proc/self/cgroup").read(), "nproc": resource.getrlimit(resource.RLIMIT_NPROC),
                  "networks": [line.split(":")[0].strip() for line in open("/proc/net/dev").readlines()[2:]],
                  "hidden": os.listdir(HIDDEN), "preloaded": "tensorflow" in sys.modules}))
plt.plot([0, 1])
plt.show()
"""


def _probe_kernel(launch: str, scratch: str, uid: int, cgroup_args: list[str], out: str) -> None:
    """A grading child's kernel (forked from a zygote, or a new interpreter) runs :data:`_PROBE`;
    its outputs go to ``out`` as JSON."""
    import nbformat
    from nbclient import NotebookClient

    from cnnkit_course.grading.zygote import KernelZygote

    zygote = KernelZygote().start() if launch == "zygote" else None
    workdir, exchange, hidden = (Path(scratch) / name for name in ("work", "exchange", "hidden"))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(_PROBE.replace("HIDDEN", repr(str(hidden))))])
    km = sandbox.kernel_manager(exchange, workdir, uid=uid, hide=[hidden], limits=sandbox.Limits(60, 256, 16),
                                cgroup_args=cgroup_args, zygote=zygote)
    env = {k: v for k, v in kernel_env().items() if k != "MPLBACKEND"}  # another test may set Agg
    try:
        NotebookClient(nb, km=km, timeout=60).execute(env=env)
    finally:
        sandbox.kill_uid(uid)
        if zygote is not None:
            zygote.close()
    Path(out).write_text(json.dumps(nb.cells[0].outputs))


@pytest.mark.slow
@pytest.mark.serial
@pytest.mark.skipif(sandbox.isolation_level() != "full", reason="namespaces and cgroups need a root grader")
@pytest.mark.parametrize("launch", ["zygote", "exec"])
def test_a_sandboxed_kernel_sees_only_its_own_processes_within_its_cgroup(launch: str):
    """Forked from the grading child's zygote (as ``cnnkit grade`` starts kernels) or started as a
    new interpreter, the kernel runs as the slot's uid, with its process limit, in the slot's
    cgroup, with no network but a loopback, the hidden folder empty and a /proc of its own (no
    grader, no other grading); the forked kernel has the stack imported already and still draws
    inline figures."""
    from cnnkit_course.grading.batch import grading_context

    scratch = Path(tempfile.mkdtemp(prefix="cnnkit-proc-test-"))  # pytest's own folder is 0700
    os.chmod(scratch, 0o711)
    for name in ("work", "exchange", "hidden"):
        (scratch / name).mkdir()
    (scratch / "hidden" / "answers.py").write_text("SECRET = 1\n")
    out = scratch / "outputs.json"
    with course_env(), sandbox.borrowed_slot() as slot:
        try:
            child = grading_context().Process(target=_probe_kernel, args=(
                launch, str(scratch), slot.uid, slot.cgroup.join_args() if slot.cgroup.version else [], str(out)))
            child.start()
            child.join(120)
            outputs = json.loads(out.read_text())
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        held = slot.limits()
    seen = json.loads(outputs[0]["text"])
    assert len(seen["pids"]) <= 6 and os.getpid() not in seen["pids"], f"the kernel sees other processes: {seen['pids']}"
    assert seen["uid"] == slot.uid and seen["nproc"] == [256, 256]
    assert seen["networks"] == ["lo"] and seen["hidden"] == []
    assert seen["preloaded"] is (launch == "zygote")
    assert any("image/png" in o.get("data", {}) for o in outputs[1:]), outputs
    if limits.cgroup_version():
        assert f"cnnkit-{slot.uid}" in seen["cgroup"], seen["cgroup"]
        assert "memory" in held and "pids" in held
    assert "PID" in held["namespaces"]
