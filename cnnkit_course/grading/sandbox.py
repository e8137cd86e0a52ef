"""The sandbox a submission's kernel runs in (``cnnkit grade``).

Where the grader runs as root (CI does, many grading servers do), the kernel is started through
``python -m cnnkit_course.grading.sandbox``, which

1. enters new network and mount namespaces (``unshare --net --mount``): no network at all, not even
   loopback — the kernel talks to the judge over Unix sockets (ZeroMQ ``ipc`` transport);
2. hides the folders the student must not read or change (hidden tests, reference data, solutions,
   other students' submissions and results) under empty read-only ``tmpfs`` mounts;
3. sets resource limits: CPU seconds, processes/threads (bounds a fork bomb), file size, no core
   dumps; the grader adds a wall-clock limit and a resident-memory watchdog;
4. drops to an unprivileged user id of its own (one per grading slot, so the limits and the final
   clean-up — killing every process of that uid — touch nobody else), then starts the kernel.

Without root the kernel starts directly with the resource limits only, and the result says that
isolation was reduced (:func:`isolation_level`).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import resource
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from jupyter_client import AsyncKernelManager
from traitlets import List, Unicode

#: First unprivileged uid handed to gradings (see :func:`borrowed_uid`).
BASE_UID = 61000


@dataclass(frozen=True)
class Limits:
    """Per-kernel limits (``course_config``): CPU seconds, processes/threads, file size in MB."""

    cpu_s: int
    nproc: int
    file_mb: int


def isolation_level() -> str:
    """``full`` (root: namespaces, hidden folders, own uid) or ``reduced`` (limits only)."""
    return "full" if os.geteuid() == 0 and shutil.which("unshare") and shutil.which("mount") else "reduced"


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel command goes through :mod:`cnnkit_course.grading.sandbox`."""

    sandbox_args = List(Unicode()).tag(config=False)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        return [sys.executable, "-m", "cnnkit_course.grading.sandbox", *self.sandbox_args, "--",
                *super().format_kernel_cmd(extra_arguments)]


def kernel_manager(exchange: Path, workdir: Path, *, uid: int | None, hide: list[Path], limits: Limits) -> SandboxedKernelManager:
    """A kernel manager for one submission: ipc sockets and connection file in ``exchange``."""
    args = ["--workdir", str(workdir), "--cpu", str(limits.cpu_s), "--nproc", str(limits.nproc),
            "--file-mb", str(limits.file_mb)]
    if uid is not None and isolation_level() == "full":
        args += ["--uid", str(uid), "--own", str(exchange), "--own", str(workdir)]
        for path in hide:
            if path.exists():
                args += ["--hide", str(path)]
    km = SandboxedKernelManager(kernel_name="python3", transport="ipc", ip=str(exchange / "kernel"),
                                connection_file=str(exchange / "kernel.json"))
    km.sandbox_args = args
    return km


def kill_uid(uid: int) -> None:
    """Kill every process of ``uid`` (what a submission left behind, fork bombs included).

    ``kill(-1, SIGKILL)`` from a helper process running as ``uid`` reaches all of them at once,
    however fast they fork; psutil then checks that none is left.
    """
    import psutil

    killer = "import os, signal, sys; u = int(sys.argv[1]); os.setgroups([]); os.setgid(u); os.setuid(u); os.kill(-1, signal.SIGKILL)"
    for _ in range(5):
        subprocess.run([sys.executable, "-c", killer, str(uid)], check=False)
        survivors = [p for p in psutil.process_iter(["uids"]) if p.info["uids"] and p.info["uids"].real == uid]
        psutil.wait_procs(survivors, timeout=2)
        if not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in survivors):
            return


@contextlib.contextmanager
def borrowed_uid() -> Iterator[int]:
    """An unprivileged uid no other grading (in this or another process) uses meanwhile.

    A lock file per uid (``/tmp/cnnkit-uid-<uid>.lock``, ``flock``) keeps concurrent batches apart.
    """
    for uid in range(BASE_UID, BASE_UID + 1000):
        handle = open(Path(tempfile.gettempdir()) / f"cnnkit-uid-{uid}.lock", "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        try:
            kill_uid(uid) if isolation_level() == "full" else None
            yield uid
        finally:
            handle.close()
        return
    raise RuntimeError("no free sandbox uid")


def uid_rss(uid: int) -> int:
    """Resident memory of all processes of ``uid``, in bytes."""
    import psutil

    total = 0
    for proc in psutil.process_iter(["uids", "memory_info"]):
        if proc.info["uids"] and proc.info["uids"].real == uid and proc.info["memory_info"]:
            total += proc.info["memory_info"].rss
    return total


def _chown_tree(path: Path, uid: int) -> None:
    for folder, dirs, files in os.walk(path):
        for name in [folder, *(os.path.join(folder, n) for n in dirs + files)]:
            os.lchown(name, uid, uid)


def _enter(args: argparse.Namespace, command: list[str]) -> None:
    """Inside the new namespaces (as root): hide, limit, drop privileges, exec the kernel."""
    subprocess.run(["mount", "--make-rprivate", "/"], check=True)
    _expose_code()
    for path in args.hide:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=4k,mode=0555", "tmpfs", path], check=True)
    for path in args.own:
        _chown_tree(Path(path), args.uid)
    _limit(args)
    home = Path(args.workdir) / ".home"
    home.mkdir(exist_ok=True)
    os.chown(home, args.uid, args.uid)
    os.environ.update(HOME=str(home), USER="student", LOGNAME="student", MPLCONFIGDIR=str(home / ".matplotlib"))
    os.setgroups([])
    os.setgid(args.uid)
    os.setuid(args.uid)
    os.chdir(args.workdir)
    os.execvp(command[0], command)


def _closed_ancestor(path: Path) -> Path | None:
    """The highest folder above ``path`` that others may not enter (mode without o+x), if any."""
    return next((p for p in reversed(path.parents) if p != Path("/") and not os.stat(p).st_mode & stat.S_IXOTH), None)


def _expose_code() -> None:
    """Make the code the kernel runs reachable for the unprivileged user, read-only.

    The interpreter, the virtual environment and the kit may live in a private folder, e.g. pyenv's
    ``/root/.pyenv/versions/3.11.7`` or a clone under ``/root`` of mode 0700: that folder is covered
    by an empty ``tmpfs`` (its other contents stay hidden) and each of them is bind-mounted back.
    """
    import cnnkit

    needed = {Path(os.path.realpath(p)) for p in (sys.base_prefix, sys.prefix, Path(cnnkit.__file__).parents[1])}
    by_closed: dict[Path, list[Path]] = {}
    for path in sorted(needed):
        closed = _closed_ancestor(path)
        if closed is not None and not any(path != other and other in path.parents for other in needed):
            by_closed.setdefault(closed, []).append(path)
    for closed, paths in by_closed.items():
        staged = []
        for path in paths:
            staging = Path(tempfile.mkdtemp(prefix="cnnkit-code-"))
            subprocess.run(["mount", "--bind", str(path), str(staging)], check=True)
            staged.append((path, staging))
        subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", str(closed)], check=True)
        for path, staging in staged:
            path.mkdir(parents=True, exist_ok=True)
            for folder in [path, *path.parents]:
                if folder == closed:
                    break
                os.chmod(folder, 0o755)
            subprocess.run(["mount", "--bind", str(staging), str(path)], check=True)
            subprocess.run(["mount", "-o", "remount,bind,ro", str(path)], check=True)


def _limit(args: argparse.Namespace) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (args.cpu, args.cpu + 5))
    resource.setrlimit(resource.RLIMIT_NPROC, (args.nproc, args.nproc))
    resource.setrlimit(resource.RLIMIT_FSIZE, (args.file_mb * 2**20, args.file_mb * 2**20))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    split = argv.index("--")
    options, command = argv[:split], argv[split + 1:]
    parser = argparse.ArgumentParser(prog="python -m cnnkit_course.grading.sandbox")
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--uid", type=int)
    parser.add_argument("--hide", action="append", default=[])
    parser.add_argument("--own", action="append", default=[])
    parser.add_argument("--cpu", type=int, required=True)
    parser.add_argument("--nproc", type=int, required=True)
    parser.add_argument("--file-mb", type=int, required=True)
    parser.add_argument("--inside", action="store_true")
    args = parser.parse_args(options)
    if args.uid is None:  # reduced isolation: limits only
        _limit(args)
        os.chdir(args.workdir)
        os.execvp(command[0], command)
    if not args.inside:
        os.execvp("unshare", ["unshare", "--net", "--mount", "--", sys.executable, "-m", "cnnkit_course.grading.sandbox",
                              *options, "--inside", "--", *command])
    _enter(args, command)


if __name__ == "__main__":
    main()
