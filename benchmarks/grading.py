"""Grading cost per submission: `cnnkit grade`, `nbgrader autograde` and `otter run` side by side.

Rows (example submissions built from the committed release and stored models): a correct a1, an
untouched a2, a correct a3, and a full correct student (one correct submission of every
assignment). Each row grades ``--copies`` copies (median over them, at least 8 for the figures the
README quotes). CPU seconds cover the whole process tree (grader, forkserver, grading children,
kernels, whatever outlives the grader), cold start included: every command runs in a cgroup of
its own in the v1 ``cpuacct`` hierarchy (as root), read once the cgroup is empty; elsewhere the
figure is what ``os.wait4`` accounts to the command (children it never waited for are missed).
Then 1 vs 2 workers of `cnnkit grade` on the same batch, the hours 1,000 students x 8 assignments
would take on 2, 32 and 4 x 32 cores at the measured CPU seconds per submission, and the same batch
with 2 local workers and on a local Dask cluster of 2 workers.

    .venv/bin/python benchmarks/grading.py                # 8 copies per row (long: about an hour)
    .venv/bin/python benchmarks/grading.py --copies 2 --tools cnnkit,otter   # a quick look
    .venv/bin/python benchmarks/grading.py --rows a1,full --full-copies 2 --full-tools cnnkit
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cnnkit.config import settings  # noqa: E402
from cnnkit_course import hidden_data  # noqa: E402
from cnnkit_course.build import build_otter_zip, student_wheel, write_example_submissions  # noqa: E402
from cnnkit_course.notebooks import kernel_env  # noqa: E402
from cnnkit_course.paths import CoursePaths  # noqa: E402

ROWS = {"correct a1": [("correct", "a1_convolution")], "untouched a2": [("untouched", "a2_pooling")],
        "correct a3": [("correct", "a3_emnist_cnn")]}


def _env() -> dict[str, str]:
    return kernel_env(CNNKIT_COURSE_ROOT=str(ROOT), CNNKIT_DATA_SOURCE="synthetic", TF_CPP_MIN_LOG_LEVEL="3")


CPUACCT = Path("/sys/fs/cgroup/cpuacct")
#: How long the processes a measured command leaves (its forkserver) may take to end, in seconds.
LEFTOVER_WAIT_S = 30.0


def run_measured(command: list[str], cwd: Path | None = None) -> tuple[float, float]:
    """Run ``command``; return (wall seconds, CPU seconds of its whole process tree)."""
    group = CPUACCT / f"cnnkit-bench-{os.getpid()}"
    counted = os.geteuid() == 0 and (CPUACCT / "cpuacct.usage").is_file()
    if counted:
        group.mkdir(exist_ok=True)
    started = time.monotonic()
    join = (lambda: (group / "cgroup.procs").write_text(str(os.getpid()))) if counted else None
    proc = subprocess.Popen(command, cwd=cwd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            preexec_fn=join)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command[:4])} ... failed: {proc.stderr.read().decode()[-2000:]}")
    if not counted:
        return wall, usage.ru_utime + usage.ru_stime
    deadline = time.monotonic() + LEFTOVER_WAIT_S
    while (group / "cgroup.procs").read_text().strip():  # what outlived the command, e.g. a forkserver
        if time.monotonic() > deadline:
            raise RuntimeError(f"processes of {' '.join(command[:4])} ... still run {LEFTOVER_WAIT_S:g} s after it ended: "
                               f"pids {(group / 'cgroup.procs').read_text().split()}")
        time.sleep(0.1)
    cpu = int((group / "cpuacct.usage").read_text()) / 1e9
    group.rmdir()
    return wall, cpu


def batch(examples: Path, folder: Path, row: list[tuple[str, str]], copies: int) -> Path:
    """``copies`` students each handing in the row's submissions, in nbgrader's submitted/ layout."""
    submitted = folder / "submitted"
    for index in range(copies):
        for example, assignment in row:
            shutil.copytree(examples / example / assignment, submitted / f"student{index:03d}" / assignment)
    return submitted


def cnnkit_cost(submitted: Path, out: Path, workers: int = 1) -> tuple[float, float]:
    return run_measured([sys.executable, "-m", "cnnkit_course", "grade", str(submitted), "--out", str(out),
                         "--workers", str(workers)])


def per_student(submitted: Path, scratch: Path, grade) -> list[tuple[float, float]]:
    """``grade(one_student_folder, scratch)`` for each student separately: (wall, CPU) each."""
    costs = []
    for student in sorted(submitted.iterdir()):
        alone = scratch / f"alone-{student.name}" / "submitted"
        shutil.copytree(student, alone / student.name)
        costs.append(grade(alone, alone.parent))
    return costs


def otter_cost(submitted: Path, scratch: Path, paths: CoursePaths) -> tuple[float, float]:
    """`otter run` on each submission (zipped with its files), one after the other."""
    wall = cpu = 0.0
    for folder in sorted(p for student in submitted.iterdir() for p in student.iterdir()):
        zipped = scratch / f"{folder.parent.name}-{folder.name}.zip"
        with zipfile.ZipFile(zipped, "w") as archive:
            for path in folder.rglob("*"):
                archive.write(path, path.relative_to(folder))
        out = scratch / f"otter-{zipped.stem}"
        out.mkdir()
        w, c = run_measured([sys.executable, "-m", "otter", "run", "-a", str(paths.otter_zip(folder.name)),
                             "-o", str(out), "--no-logo", str(zipped)])
        wall, cpu = wall + w, cpu + c
    return wall, cpu


def nbgrader_cost(submitted: Path, scratch: Path) -> tuple[float, float]:
    """`nbgrader autograde` of every submission, in a course folder of its own (after generate_assignment)."""
    course = scratch / "nbgrader-course"
    for name in ("source", "release", "autograder", "course_config.py", "nbgrader_config.py"):
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, course / name)
    shutil.copytree(submitted, course / "submitted")
    assignments = sorted({p.name for student in submitted.iterdir() for p in student.iterdir()})
    nbgrader = [sys.executable, "-m", "nbgrader"]
    wall = cpu = 0.0
    for assignment in assignments:
        run_measured([*nbgrader, "generate_assignment", assignment, "--force",
                      "--CourseDirectory.release_directory=build/nbgrader-release"], cwd=course)
        w, c = run_measured([*nbgrader, "autograde", assignment, "--force"], cwd=course)
        wall, cpu = wall + w, cpu + c
    return wall, cpu


def measure_row(name: str, row: list[tuple[str, str]], examples: Path, copies: int, tools: list[str],
                paths: CoursePaths) -> list[str]:
    """One markdown row per tool: the median wall and CPU seconds over ``copies`` students, each
    graded by a run of its own (per submission; per student for the full row, graded with the
    configured workers by `cnnkit grade`); for ``cnnkit-batch``, one `cnnkit grade` run of all
    ``copies`` students, its figures divided by ``copies``."""
    workers = settings().grade_workers if len(row) > 1 else 1
    graders = {"cnnkit": lambda sub, scratch: cnnkit_cost(sub, scratch / "out", workers),
               "otter": lambda sub, scratch: otter_cost(sub, scratch, paths),
               "nbgrader": lambda sub, scratch: nbgrader_cost(sub, scratch)}
    lines = []
    for tool in tools:
        with tempfile.TemporaryDirectory(prefix="cnnkit-bench-") as scratch:
            submitted = batch(examples, Path(scratch), row, copies)
            if tool == "cnnkit-batch":  # one run for all: its cold start shared by the copies
                wall, cpu = (figure / copies for figure in cnnkit_cost(submitted, Path(scratch) / "out", workers))
            else:
                costs = per_student(submitted, Path(scratch), graders[tool])
                wall, cpu = statistics.median(c[0] for c in costs), statistics.median(c[1] for c in costs)
        lines.append(f"| {name} | {tool} | {copies} | {wall:.1f} | {cpu:.1f} |")
        print(lines[-1], flush=True)
    return lines


def workers_and_projection(examples: Path, copies: int, cpu_per_submission: float | None) -> list[str]:
    """1 vs 2 local workers on the same batch of correct a1, and projected hours (when `cnnkit
    grade`'s CPU per submission was measured)."""
    with tempfile.TemporaryDirectory(prefix="cnnkit-bench-") as scratch:
        submitted = batch(examples, Path(scratch), ROWS["correct a1"], copies)
        one = cnnkit_cost(submitted, Path(scratch) / "out1", workers=1)[0]
        two = cnnkit_cost(submitted, Path(scratch) / "out2", workers=2)[0]
    lines = ["", f"### Workers ({copies} correct a1 submissions, `cnnkit grade`)", "",
             "| workers | wall seconds | ratio to 1 worker |", "| ---: | ---: | ---: |",
             f"| 1 | {one:.1f} | 1.00 |", f"| 2 | {two:.1f} | {two / one:.2f} |"]
    if cpu_per_submission is None:
        return lines
    lines += ["", f"### Projection: 1,000 students x 8 assignments at {cpu_per_submission:.1f} CPU-s per submission", "",
              "| cores | hours |", "| ---: | ---: |"]
    lines += [f"| {label} | {8000 * cpu_per_submission / cores / 3600:.1f} |"
              for label, cores in (("2", 2), ("32", 32), ("4 x 32", 128))]
    return lines


@contextlib.contextmanager
def local_dask_cluster(workers: int = 2) -> Iterator[str]:
    """The kit's local Dask cluster (:class:`cnnkit_course.grading.cluster.LocalCluster`) with
    ``workers`` single-threaded workers; yields the scheduler's address and stops it afterwards."""
    from cnnkit_course.grading.cluster import LocalCluster

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    running = LocalCluster(f"tcp://127.0.0.1:{port}", _env())
    try:
        for _ in range(workers):
            running.add_worker()
        running.wait_for_workers(workers)
        yield running.address
    finally:
        running.close()


def local_and_dask(examples: Path, copies: int) -> list[str]:
    """Wall seconds of the same batch of correct a1 submissions with 2 local workers and on a
    local Dask cluster of 2 single-threaded workers (this machine's cores shared by both)."""
    with tempfile.TemporaryDirectory(prefix="cnnkit-bench-") as scratch:
        submitted = batch(examples, Path(scratch), ROWS["correct a1"], copies)
        local = cnnkit_cost(submitted, Path(scratch) / "local", workers=2)[0]
        with local_dask_cluster(2) as address:
            remote = run_measured([sys.executable, "-m", "cnnkit_course", "grade", str(submitted), "--out",
                                   str(Path(scratch) / "dask"), "--scheduler", address])[0]
    return ["", f"### Local vs Dask ({copies} correct a1 submissions, 2 workers on this machine)", "",
            "| engine | wall seconds | per submission |", "| --- | ---: | ---: |",
            f"| local, `--workers 2` | {local:.1f} | {local / copies:.1f} |",
            f"| Dask, 2 workers of 1 thread | {remote:.1f} | {remote / copies:.1f} |"]


def _cpu_per_submission(lines: list[str], assignments: int) -> float | None:
    """`cnnkit grade`'s CPU seconds per submission, as a batch pays them (``cnnkit-batch`` rows
    where measured): the full student's over its assignments, else the mean of the other rows;
    ``None`` when no row measured `cnnkit grade`."""
    tool = "| cnnkit-batch |" if any("| cnnkit-batch |" in line for line in lines) else "| cnnkit |"
    cnnkit = {line.split("|")[1].strip(): float(line.split("|")[5]) for line in lines if tool in line}
    full = [cpu for name, cpu in cnnkit.items() if name.startswith("full")]
    return full[0] / assignments if full else statistics.mean(cnnkit.values()) if cnnkit else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=8, help="submissions per row (the median needs at least 8)")
    parser.add_argument("--tools", default="cnnkit,cnnkit-batch,nbgrader,otter",
                        help="comma-separated: cnnkit (a run per student), cnnkit-batch (one run), nbgrader, otter")
    parser.add_argument("--full-tools", help="tools for the row of all 8 assignments (default: --tools)")
    parser.add_argument("--rows", default="a1,a2,a3,full", help="comma-separated: a1, a2, a3, full")
    parser.add_argument("--no-dask", action="store_true", help="leave out local vs Dask")
    parser.add_argument("--full-copies", type=int, help="students in the row of all 8 assignments (default: --copies)")
    args = parser.parse_args()
    tools = args.tools.split(",")
    os.environ.update(CNNKIT_COURSE_ROOT=str(ROOT), CNNKIT_DATA_SOURCE="synthetic")
    wanted = args.rows.split(",")
    rows = {name: row for name, row in ROWS.items() if name.split()[-1] in wanted}
    if "full" in wanted:
        rows["full correct student (8 assignments)"] = [("correct", a) for a in settings().assignments]
    with tempfile.TemporaryDirectory(prefix="cnnkit-bench-build-") as scratch:
        examples = write_example_submissions(ROOT, Path(scratch), list(settings().assignments))
        paths = CoursePaths(ROOT, Path(scratch))
        hidden_data.ensure(ROOT, list(settings().assignments))
        if "otter" in args.tools or "otter" in (args.full_tools or ""):
            shutil.copy(student_wheel(CoursePaths.of(ROOT)), paths.release_root)
            for assignment in settings().assignments:
                build_otter_zip(paths, assignment)
        print(f"## Grading cost ({os.cpu_count()} cores; median per submission, or per student for the full row)\n")
        print("| row | tool | copies | wall s | CPU s |\n| --- | --- | ---: | ---: | ---: |", flush=True)
        copies = {name: (args.full_copies or args.copies) if len(row) > 1 else args.copies for name, row in rows.items()}
        row_tools = {name: (args.full_tools or args.tools).split(",") if len(row) > 1 else tools
                     for name, row in rows.items()}
        lines = [line for name, row in rows.items()
                 for line in measure_row(name, row, examples, copies[name], row_tools[name], paths)]
        for line in workers_and_projection(examples, max(args.copies, 4), _cpu_per_submission(lines, len(settings().assignments))):
            print(line)
        for line in [] if args.no_dask else local_and_dask(examples, max(args.copies, 4)):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
