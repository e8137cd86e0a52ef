"""The sandbox a submission's kernel runs in (``cnnkit grade``).

Where the grader runs as root (CI does, many grading servers do), the kernel is started through
``python -m cnnkit_course.grading.sandbox`` (or forked by :mod:`.zygote`, which takes the same
steps with the same command line in a fork of an interpreter that has imported the kernel's stack),
which

1. moves itself into the slot's cgroup (:mod:`.limits`), when the host has one: memory (swap
   included) and processes are then capped by the kernel;
2. enters new network, mount and PID namespaces (``unshare --net --mount --pid --fork --kill-child
   --mount-proc``): no network at all, not even loopback (the kernel talks to the judge over Unix
   sockets, ZeroMQ's ``ipc`` transport), a ``/proc`` that shows the submission's own processes only,
   and when the namespace's first process ends, every process of the submission ends with it;
3. hides the folders the student must not read or change (hidden tests, reference data, solutions,
   other students' submissions and results) under empty read-only ``tmpfs`` mounts, and makes what
   the kernel must read (the interpreter, the kit, the course configuration) reachable read-only,
   also from a private folder;
4. sets resource limits: CPU seconds, processes/threads (bounds a fork bomb), file size, no core
   dumps; the grader adds a wall-clock limit and a resident-memory watchdog;
5. drops to an unprivileged user id of its own (one per grading slot, so the limits and the final
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
import signal
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cnnkit_course.grading.limits import SlotCgroup, cgroup_version

#: First unprivileged uid handed to gradings (see :func:`borrowed_slot`).
BASE_UID = 61000
#: In the command line of every grading child (a fork of the forkserver started with this preload
#: module, see :func:`cnnkit_course.grading.batch.grading_context`), so that a later grader
#: recognises a killed one's leftovers.
GRADING_MARKER = b"cnnkit_course.grading.preload"


@dataclass(frozen=True)
class Limits:
    """Per-kernel limits (``course_config``): CPU seconds, processes/threads, file size in MB."""

    cpu_s: int
    nproc: int
    file_mb: int


def isolation_level() -> str:
    """``full`` (root: namespaces, hidden folders, own uid) or ``reduced`` (limits only)."""
    return "full" if os.geteuid() == 0 and shutil.which("unshare") and shutil.which("mount") else "reduced"


def kernel_manager(exchange: Path, workdir: Path, *, uid: int | None, hide: list[Path], limits: Limits,
                   expose: list[Path] = (), cgroup_args: list[str] = (), zygote: Any = None) -> Any:
    """A kernel manager for one submission: ipc sockets and connection file in ``exchange``.

    Args:
        expose: files the kernel must read wherever they live (e.g. the course configuration).
        cgroup_args: the slot cgroup's ``--cgroup`` arguments (:meth:`.limits.SlotCgroup.join_args`).
        zygote: a started :class:`.zygote.KernelZygote`: the kernel is forked from it (the same
            sandbox, without a new interpreter's imports); ``None``: the kernel command is executed.
    """
    import uuid

    from jupyter_client import AsyncKernelManager
    from traitlets import List, Unicode

    class SandboxedKernelManager(AsyncKernelManager):
        """A kernel manager whose kernel command goes through this module. Interrupts travel as
        messages: in its PID namespace the kernel is not the process the manager started."""

        sandbox_args = List(Unicode()).tag(config=False)

        def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
            return [sys.executable, "-m", "cnnkit_course.grading.sandbox", *self.sandbox_args, "--",
                    *super().format_kernel_cmd(extra_arguments)]

        async def _async_pre_start_kernel(self, **kw: Any) -> Any:
            if zygote is not None and self.provisioner is None:
                from cnnkit_course.grading.zygote import ZygoteProvisioner

                self.kernel_id = self.kernel_id or str(uuid.uuid4())
                self.provisioner = ZygoteProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
                self.provisioner.zygote = zygote
            return await super()._async_pre_start_kernel(**kw)

    args = ["--workdir", str(workdir), "--cpu", str(limits.cpu_s), "--nproc", str(limits.nproc),
            "--file-mb", str(limits.file_mb), *cgroup_args]
    if uid is not None and isolation_level() == "full":
        args += ["--uid", str(uid), "--own", str(exchange), "--own", str(workdir)]
        args += [arg for path in hide if path.exists() for arg in ("--hide", str(path))]
        args += [arg for path in expose for arg in ("--expose", str(path))]
    km = SandboxedKernelManager(kernel_name="python3", transport="ipc", ip=str(exchange / "kernel"),
                                connection_file=str(exchange / "kernel.json"))
    km.kernel_spec.interrupt_mode = "message"
    km.sandbox_args = args
    return km


def kill_uid(uid: int) -> None:
    """Kill every process of ``uid`` (what a submission left behind, fork bombs included).

    ``kill(-1, SIGKILL)`` from a forked helper running as ``uid`` reaches all of them at once,
    however fast they fork; psutil then checks that none is left.
    """
    import psutil

    for _ in range(5):
        _kill_everything_as(uid)
        survivors = [p for p in psutil.process_iter(["uids"]) if p.info["uids"] and p.info["uids"].real == uid]
        psutil.wait_procs(survivors, timeout=2)
        if not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in survivors):
            return


def _kill_everything_as(uid: int) -> None:
    """Fork a child that becomes ``uid`` and sends SIGKILL to every process that uid may signal."""
    pid = os.fork()
    if pid == 0:  # the child: system calls only, then out
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


class Lease:
    """A grading slot's claim on its uid: a lock file (``/tmp/cnnkit-uid-<uid>.lock``, ``flock``)
    that holds the pid of the slot's grading process while it runs, so that a later grader can end
    what a killed one left behind (:func:`reap_stale_slots`)."""

    def __init__(self, uid: int) -> None:
        self.uid = uid
        self.path = Path(tempfile.gettempdir()) / f"cnnkit-uid-{uid}.lock"
        self.handle: Any = None

    def acquire(self) -> bool:
        """Take the lease if no living process holds it."""
        handle = open(self.path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self.handle = handle
        return True

    def recorded_pid(self) -> int | None:
        """The grading process a previous holder recorded (``None``: none)."""
        self.handle.seek(0)
        text = self.handle.read().strip()
        return int(text) if text.isdigit() else None

    def record(self, pid: int | None) -> None:
        """Write (or clear, with ``None``) the pid of the slot's grading process."""
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write("" if pid is None else str(pid))
        self.handle.flush()

    def release(self) -> None:
        self.record(None)
        self.handle.close()


@dataclass
class Slot:
    """One grading slot: its lease, its unprivileged uid and its cgroup (:mod:`.limits`)."""

    lease: Lease
    cgroup: SlotCgroup

    @property
    def uid(self) -> int:
        return self.lease.uid

    def clean(self) -> None:
        """End every process the slot's submission left: its cgroup, its uid's processes."""
        self.cgroup.kill()
        if isolation_level() == "full":
            kill_uid(self.uid)

    def limits(self) -> dict[str, str]:
        """Which limits held for the slot's grading, for its result."""
        from cnnkit import config

        s = config.settings()
        held = {"rlimits": f"CPU {s.submission_cpu_s} s, {s.submission_nproc} processes of the uid, "
                           f"files up to {s.submission_file_mb} MB"}
        if isolation_level() == "full":
            held["namespaces"] = "network (none), mount (course folders hidden), PID (own /proc)"
            held["uid"] = str(self.uid)
        held.update(self.cgroup.limits())
        held["watchdog"] = (f"resident memory of the grading process (reports; the cgroup caps the kernel at "
                            f"{s.submission_memory_mb} MB)" if self.cgroup.version else
                            f"resident memory of everything of the slot, {s.submission_memory_mb} MB, every 0.2 s")
        return held


def _slot_cgroup(uid: int) -> SlotCgroup:
    from cnnkit import config

    s = config.settings()
    return SlotCgroup(f"cnnkit-{uid}", s.submission_memory_mb, s.submission_nproc)


def _end_stale(lease: Lease) -> None:
    """End what the lease's previous holder left: its grading process (if it still is one), its
    uid's processes, its cgroup."""
    pid = lease.recorded_pid()
    if pid is not None:
        try:
            if GRADING_MARKER in Path(f"/proc/{pid}/cmdline").read_bytes():
                os.killpg(pid, signal.SIGKILL)
        except (OSError, ProcessLookupError):
            pass
        lease.record(None)
    if isolation_level() == "full":
        kill_uid(lease.uid)
    cgroup = _slot_cgroup(lease.uid)
    cgroup.version = cgroup_version()
    cgroup.remove()


def reap_stale_slots() -> int:
    """End what graders that died (SIGKILL, a crash) left in their slots; return how many slots."""
    reaped = 0
    for path in sorted(Path(tempfile.gettempdir()).glob("cnnkit-uid-*.lock")):
        uid = path.stem.removeprefix("cnnkit-uid-")
        if not uid.isdigit():
            continue
        lease = Lease(int(uid))
        if lease.acquire():
            if lease.recorded_pid() is not None:
                _end_stale(lease)
                reaped += 1
            lease.release()
    return reaped


@contextlib.contextmanager
def borrowed_slot() -> Iterator[Slot]:
    """A grading slot no other grading (in this or another process) uses meanwhile: a uid of its
    own and a fresh cgroup with the submission's limits (where the host allows one)."""
    for uid in range(BASE_UID, BASE_UID + 1000):
        lease = Lease(uid)
        if not lease.acquire():
            continue
        cgroup = _slot_cgroup(uid)
        try:
            _end_stale(lease)
            cgroup.create()
            yield Slot(lease, cgroup)
        finally:
            cgroup.remove()
            lease.release()
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


def enter(args: argparse.Namespace, *, mount_proc: bool = False) -> None:
    """Inside the new namespaces (as root): hide, limit, drop privileges and move to the
    submission's folder; the caller then becomes the kernel. ``mount_proc``: mount this PID
    namespace's own ``/proc`` (what ``unshare --mount-proc`` does otherwise)."""
    subprocess.run(["mount", "--make-rprivate", "/"], check=True)
    if mount_proc:
        subprocess.run(["mount", "-t", "proc", "-o", "nosuid,nodev,noexec", "proc", "/proc"], check=True)
    _expose([Path(p) for p in args.expose])
    for path in args.hide:
        if os.path.isdir(path):
            subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=4k,mode=0555", "tmpfs", path], check=True)
        elif os.path.exists(path):  # a file (e.g. a git worktree's .git): an empty one in its place
            subprocess.run(["mount", "--bind", "-o", "ro", "/dev/null", path], check=True)
        # else already hidden: inside a private folder covered by _expose
    for path in args.own:
        _chown_tree(Path(path), args.uid)
    apply_limits(args)
    home = Path(args.workdir) / ".home"
    home.mkdir(exist_ok=True)
    os.chown(home, args.uid, args.uid)
    os.environ.update(HOME=str(home), USER="student", LOGNAME="student", MPLCONFIGDIR=str(home / ".matplotlib"))
    os.setgroups([])
    os.setgid(args.uid)
    os.setuid(args.uid)
    os.chdir(args.workdir)


def _closed_ancestor(path: Path) -> Path | None:
    """The highest folder above ``path`` that others may not enter (mode without o+x), if any."""
    return next((p for p in reversed(path.parents) if p != Path("/") and not os.stat(p).st_mode & stat.S_IXOTH), None)


def _expose(files: list[Path]) -> None:
    """Make what the kernel reads reachable for the unprivileged user, read-only.

    The interpreter, the virtual environment, the kit and ``files`` (the course configuration) may
    live in a private folder, e.g. pyenv's ``/root/.pyenv/versions/3.11.7`` or a course under
    ``/root`` of mode 0700: that folder is covered by an empty ``tmpfs`` (its other contents stay
    hidden) and each of them is bind-mounted back.
    """
    import cnnkit

    needed = {Path(os.path.realpath(p)) for p in (sys.base_prefix, sys.prefix, Path(cnnkit.__file__).parents[1], *files)}
    by_closed: dict[Path, list[Path]] = {}
    for path in sorted(needed):
        closed = _closed_ancestor(path)
        if closed is not None and not any(path != other and other in path.parents for other in needed):
            by_closed.setdefault(closed, []).append(path)
    for closed, paths in by_closed.items():
        staged = [(path, _stage(path)) for path in paths]
        subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", str(closed)], check=True)
        for path, staging in staged:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.mkdir(exist_ok=True) if staging.is_dir() else path.touch()
            for folder in [path.parent, *path.parent.parents]:
                if folder == closed.parent:
                    break
                os.chmod(folder, 0o755)
            subprocess.run(["mount", "--bind", str(staging), str(path)], check=True)
            subprocess.run(["mount", "-o", "remount,bind,ro", str(path)], check=True)


def _stage(path: Path) -> Path:
    """Bind-mount ``path`` (a folder or a file) at a new temporary place, to mount it back later."""
    staging = Path(tempfile.mkdtemp(prefix="cnnkit-code-")) if path.is_dir() else Path(tempfile.mkstemp(prefix="cnnkit-file-")[1])
    subprocess.run(["mount", "--bind", str(path), str(staging)], check=True)
    return staging


def apply_limits(args: argparse.Namespace) -> None:
    """The kernel's resource limits: CPU seconds, processes of the uid, file size, no core dumps."""
    resource.setrlimit(resource.RLIMIT_CPU, (args.cpu, args.cpu + 5))
    resource.setrlimit(resource.RLIMIT_NPROC, (args.nproc, args.nproc))
    resource.setrlimit(resource.RLIMIT_FSIZE, (args.file_mb * 2**20, args.file_mb * 2**20))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def parse_command(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """Split ``[OPTIONS..., "--", KERNEL...]`` (this module's command line) into its options and
    the kernel's command. A full ``python -m cnnkit_course.grading.sandbox`` prefix is skipped."""
    if argv[1:3] == ["-m", "cnnkit_course.grading.sandbox"]:
        argv = argv[3:]
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
    parser.add_argument("--expose", action="append", default=[])
    parser.add_argument("--cgroup", action="append", default=[], help="a cgroup.procs file to join")
    parser.add_argument("--inside", action="store_true")
    args = parser.parse_args(options)
    args.options = options
    return args, command


def main(argv: list[str] | None = None) -> None:
    args, command = parse_command(sys.argv[1:] if argv is None else argv)
    if not args.inside:
        for procs in args.cgroup:  # before anything runs: every later process is counted there
            Path(procs).write_text(str(os.getpid()))
    if args.uid is None:  # reduced isolation: limits only
        apply_limits(args)
        os.chdir(args.workdir)
        os.execvp(command[0], command)
    if not args.inside:
        os.execvp("unshare", ["unshare", "--net", "--mount", "--pid", "--fork", "--kill-child", "--mount-proc", "--",
                              sys.executable, "-m", "cnnkit_course.grading.sandbox", *args.options, "--inside", "--",
                              *command])
    enter(args)
    os.execvp(command[0], command)


if __name__ == "__main__":
    main()
