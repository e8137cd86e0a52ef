"""Sandboxed kernels forked from a process that has already imported the kernel's stack.

Every notebook imports TensorFlow, which costs about 4 CPU-seconds in a fresh interpreter. The
grading child (a fork of the forkserver, :mod:`.preload`) has imported it already, so at its start
it forks a *zygote*: an idle copy of itself, made before any event loop, ZeroMQ context or
TensorFlow runtime exists. For each kernel (the first and every restart) the zygote forks a
process that enters the sandbox exactly as ``python -m cnnkit_course.grading.sandbox`` would
(cgroup, new network, mount and PID namespaces, hidden folders, limits, the slot's uid) and then
runs ipykernel in that process instead of executing a new interpreter.

The grading child sees such a kernel through :class:`ZygoteProvisioner`, a jupyter_client
provisioner whose process is a :class:`ForkedKernel`: the zygote passes it the read end of a pipe
whose only writer is the kernel's outermost process, so end-of-file on it means that the kernel
has ended (however it ended).

Nothing of the judge exists in the zygote: it is forked before the submission's files are copied
or any test file is read.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import select
import signal
import socket
import struct
import sys
import traceback
from typing import Any

from jupyter_client.provisioning import LocalProvisioner

from cnnkit_course.grading import sandbox

_CLONE_NEWNS, _CLONE_NEWPID, _CLONE_NEWNET = 0x00020000, 0x20000000, 0x40000000
_PR_SET_PDEATHSIG, _PR_SET_NAME, _PR_SET_CHILD_SUBREAPER = 1, 15, 36
#: Names of the zygote and of a kernel's waiting outer process: idle copies of the grading child,
#: whose resident memory is the grading child's own pages (the memory watchdog leaves them out).
IDLE_NAMES = ("cnnkit-zygote", "cnnkit-nsinit")
#: The module a kernel command runs for ipykernel (the python3 kernel spec's argv).
_IPYKERNEL = ["-m", "ipykernel_launcher"]


def _libc_call(name: str, *args: Any) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if getattr(libc, name)(*args) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{name}: {os.strerror(errno)}")


def _set_name(name: str) -> None:
    """This process's name (``/proc/PID/comm``, what ps and psutil show)."""
    _libc_call("prctl", _PR_SET_NAME, ctypes.c_char_p(name.encode()[:15]), 0, 0, 0)


class ForkedKernel:
    """The kernel's outermost process as :class:`subprocess.Popen` would show it (``pid``,
    ``poll``, ``wait``, ``kill``, ``send_signal``). ``ended`` is the read end of a pipe that reaches
    end-of-file when that process ends; its exit status (or ``-9`` when it was killed) is written
    there first."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, ended: int) -> None:
        self.pid, self.ended, self.returncode = pid, ended, None
        self._status = b""

    def poll(self) -> int | None:
        return self.wait(timeout=0)

    def wait(self, timeout: float | None = None) -> int | None:
        while self.returncode is None:
            ready, _, _ = select.select([self.ended], [], [], timeout)
            if not ready:
                return None
            chunk = os.read(self.ended, 64)
            self._status += chunk
            if not chunk:
                os.close(self.ended)
                self.returncode = int(self._status) if self._status.strip().lstrip(b"-").isdigit() else -signal.SIGKILL
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            try:
                os.kill(self.pid, signum)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class KernelZygote:
    """The idle, pre-imported copy of the grading child that forks its kernels.

    Fork it with :meth:`start` before anything starts threads, an event loop or ZeroMQ; then each
    :meth:`launch` forks a sandboxed kernel. The zygote ends when :meth:`close` is called or when
    the grading child ends.
    """

    def __init__(self) -> None:
        self.pid: int | None = None
        self._socket: socket.socket | None = None

    def start(self) -> KernelZygote:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        pid = os.fork()
        if pid == 0:
            ours.close()
            try:
                _serve(theirs)
            finally:
                os._exit(0)
        theirs.close()
        self.pid, self._socket = pid, ours
        return self

    def launch(self, command: list[str], env: dict[str, str]) -> ForkedKernel:
        """Fork a kernel for ``command``: a ``python -m cnnkit_course.grading.sandbox OPTIONS --
        KERNEL`` line as :func:`.sandbox.kernel_manager` formats it, carried out in a fork."""
        assert self._socket is not None, "start() the zygote first"
        _send(self._socket, {"command": command, "env": env})
        reply, fds = _receive(self._socket)
        if "pid" not in reply:
            raise RuntimeError(f"the kernel zygote could not fork a kernel: {reply.get('error', 'it has ended')}")
        return ForkedKernel(reply["pid"], fds[0])

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        if self.pid is not None:
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
            self.pid = None


def _send(sock: socket.socket, payload: dict[str, Any], fds: list[int] = ()) -> None:
    data = json.dumps(payload).encode()
    socket.send_fds(sock, [struct.pack("!I", len(data)) + data], list(fds))


def _receive(sock: socket.socket) -> tuple[dict[str, Any], list[int]]:
    """One message and the descriptors sent with it; ``({}, [])`` at end-of-file."""
    head, fds, _flags, _addr = socket.recv_fds(sock, 4, 4)
    while head and len(head) < 4:
        chunk = sock.recv(4 - len(head))
        if not chunk:
            break
        head += chunk
    if len(head) < 4:
        return {}, []
    size = struct.unpack("!I", head)[0]
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return {}, []
        data += chunk
    return json.loads(data), fds


def _serve(sock: socket.socket) -> None:
    """The zygote's loop: fork a kernel per request until the grading child goes away."""
    _libc_call("prctl", _PR_SET_PDEATHSIG, signal.SIGKILL)
    _set_name(IDLE_NAMES[0])
    # What a killed kernel leaves is reparented here, not to the host's init (which may reap it
    # only seconds later: the clean-up waits for it), and reaped by the system at once.
    _libc_call("prctl", _PR_SET_CHILD_SUBREAPER, 1)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    while True:
        request, _ = _receive(sock)
        if not request:
            return
        try:
            ended_r, ended_w = os.pipe()
            pid = os.fork()
        except OSError as exc:  # e.g. the host is out of processes: that kernel does not start
            _send(sock, {"error": str(exc)})
            continue
        if pid == 0:
            sock.close()
            os.close(ended_r)
            _kernel_process(request["command"], request["env"], ended_w)
        os.close(ended_w)
        _send(sock, {"pid": pid}, [ended_r])
        os.close(ended_r)


def _kernel_process(command: list[str], env: dict[str, str], ended_w: int) -> None:
    """The kernel's outermost process (never returns), as ``python -m cnnkit_course.grading.sandbox``
    would be: join the cgroups; with a uid (full isolation), enter new namespaces, fork the kernel
    as the namespace's first process and wait for it, reporting its status on ``ended_w``; without
    one, become the kernel."""
    status, zygote_pid = 1, os.getppid()
    try:
        # A session of its own, as jupyter_client starts kernels; it ends with the zygote.
        os.setsid()
        _libc_call("prctl", _PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != zygote_pid:
            raise RuntimeError("the zygote ended")
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.environ.clear()
        os.environ.update(env)
        args, kernel = sandbox.parse_command(command)
        for procs in args.cgroup:  # before anything runs: every later process is counted there
            with open(procs, "w") as handle:
                handle.write(str(os.getpid()))
        if args.uid is None:  # reduced isolation: limits only
            _set_name("ipykernel")
            sandbox.apply_limits(args)
            os.chdir(args.workdir)
            _become_kernel(kernel, ended_w, zygote_pid)
        _set_name(IDLE_NAMES[1])
        _libc_call("unshare", _CLONE_NEWNS | _CLONE_NEWNET | _CLONE_NEWPID)
        inner = os.fork()
        if inner == 0:
            os.close(ended_w)
            _first_in_namespace(args, kernel, zygote_pid)
        _, wait_status = os.waitpid(inner, 0)
        status = os.waitstatus_to_exitcode(wait_status)
    except BaseException as exc:  # noqa: BLE001 - reported on stderr, the kernel counts as dead
        print(f"cnnkit: could not start the sandboxed kernel: {exc!r}", file=sys.stderr, flush=True)
    finally:
        with contextlib.suppress(OSError):
            os.write(ended_w, str(status).encode())
        os._exit(0)


def _first_in_namespace(args: Any, kernel: list[str], zygote_pid: int) -> None:
    """The new PID namespace's first process: hide, limit, drop privileges, become the kernel."""
    try:
        _libc_call("prctl", _PR_SET_PDEATHSIG, signal.SIGKILL)  # as unshare --kill-child
        _set_name("ipykernel")
        sandbox.enter(args, mount_proc=True)
        _become_kernel(kernel, None, zygote_pid)
    except BaseException as exc:  # noqa: BLE001 - reported on stderr, the kernel counts as dead
        print(f"cnnkit: could not enter the sandbox: {exc!r}", file=sys.stderr, flush=True)
    finally:
        os._exit(1)


def _become_kernel(command: list[str], ended_w: int | None, parent: int) -> None:
    """Run ``command`` (a python3 kernel line) as this process: ipykernel in this interpreter, or
    an ``exec`` of any other command; ``parent``: the process whose end ends the kernel (as
    jupyter_client's launcher makes its own pid). Never returns."""
    if command[1:3] != _IPYKERNEL:
        os.execvp(command[0], command)
    code = 1
    try:
        import matplotlib

        # pyplot was imported before ipykernel could choose its inline backend (its default)
        matplotlib.rcParams["backend"] = os.environ.get("MPLBACKEND") or "module://matplotlib_inline.backend_inline"
        sys.argv = ["ipykernel_launcher", *command[3:], f"--IPKernelApp.parent_handle={parent}"]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    except BaseException:  # noqa: BLE001 - the kernel's own failure, on its stderr as a new interpreter's would be
        traceback.print_exc()
    finally:
        if ended_w is not None:
            os.write(ended_w, str(code).encode())
        os._exit(code)


class ZygoteProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, its kernel forked by a :class:`KernelZygote`."""

    zygote: KernelZygote | None = None

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        self.process = self.zygote.launch(cmd, dict(kwargs.get("env") or os.environ))
        self.pid, self.pgid, self.cwd = self.process.pid, None, kwargs.get("cwd")
        return self.connection_info
