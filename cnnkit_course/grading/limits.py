"""Kernel-enforced limits of one grading slot: a cgroup with a memory limit (swap included) and a
process limit, where the host lets the grader make one.

cgroup v2 (``memory.max``, ``memory.swap.max``, ``pids.max``) and v1 (``memory.limit_in_bytes``,
``memory.memsw.limit_in_bytes``, ``pids.max`` in the ``memory`` and ``pids`` hierarchies) are both
handled. The slot's cgroup is made below the grader's own cgroup (so a grader that is itself limited,
in a container or a systemd unit, stays within its limits) and named after the slot's uid. The
sandbox moves the kernel into it before it starts the student's code (:mod:`.sandbox`), so every
process the submission starts is counted and capped by the kernel, without polling.

Where no cgroup can be made (not root, no writable controller) :meth:`SlotCgroup.create` returns
``False`` and the grader's resident-memory watchdog is the only memory limit.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
#: The cgroup files of each version: (controller folder, file) per role.
_V1 = {"memory": ("memory", "memory.limit_in_bytes"), "swap": ("memory", "memory.memsw.limit_in_bytes"),
       "pids": ("pids", "pids.max"), "peak": ("memory", "memory.max_usage_in_bytes")}
_V2 = {"memory": ("", "memory.max"), "swap": ("", "memory.swap.max"), "pids": ("", "pids.max"),
       "peak": ("", "memory.peak")}


def _own_cgroup(controller: str) -> str:
    """This process's cgroup path in the hierarchy of ``controller`` ("" for cgroup v2)."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if (controller == "" and controllers == "") or controller in controllers.split(","):
            return path.lstrip("/")
    return ""


def cgroup_version() -> str | None:
    """``"v2"``, ``"v1"`` or ``None``: which cgroup interface the grader can use here (root only)."""
    if os.geteuid() != 0:
        return None
    if (CGROUP_ROOT / "cgroup.controllers").is_file():
        return "v2"
    if all((CGROUP_ROOT / name).is_dir() for name in ("memory", "pids")):
        return "v1"
    return None


@dataclass
class SlotCgroup:
    """The cgroup of one grading slot.

    Args:
        name: its name (one per slot, e.g. ``cnnkit-61000``).
        memory_mb: the memory limit of everything the submission runs, swap included, in MB.
        pids: the most processes and threads at once.
    """

    name: str
    memory_mb: int
    pids: int
    version: str | None = None

    def _folder(self, controller: str) -> Path:
        own = _own_cgroup(controller if self.version == "v1" else "")
        return CGROUP_ROOT / controller / own / self.name if self.version == "v1" else CGROUP_ROOT / own / self.name

    def _file(self, role: str) -> Path:
        controller, filename = (_V1 if self.version == "v1" else _V2)[role]
        return self._folder(controller) / filename

    @property
    def folders(self) -> list[Path]:
        """The cgroup's folder in each hierarchy it uses."""
        return [self._folder("memory"), self._folder("pids")] if self.version == "v1" else [self._folder("")]

    def create(self) -> bool:
        """Make the cgroup (anew, ending what an earlier grading left in it) and set its limits.

        Returns:
            ``False`` where the host allows no cgroup (nothing is made then).
        """
        self.version = cgroup_version()
        if self.version is None:
            return False
        try:
            self.remove()
            for folder in self.folders:
                folder.mkdir(parents=True, exist_ok=True)
            if self.version == "v2":
                parent = self.folders[0].parent / "cgroup.subtree_control"
                parent.write_text("+memory +pids")
            limit = str(self.memory_mb * 2**20)
            self._file("memory").write_text(limit)
            if self._file("swap").exists():  # swap counts: memory + swap together stay under the limit
                self._file("swap").write_text(limit if self.version == "v1" else "0")
            self._file("pids").write_text(str(self.pids))
        except OSError:
            self.remove()
            self.version = None
            return False
        return True

    def limits(self) -> dict[str, str]:
        """What holds, for the result: ``{"memory": ..., "pids": ...}`` in words."""
        if self.version is None:
            return {}
        swap = " (swap included)" if self._file("swap").exists() else " (no swap accounting)"
        return {"memory": f"cgroup {self.version} {self._file('memory').name} = {self.memory_mb} MB{swap}",
                "pids": f"cgroup {self.version} pids.max = {self.pids}"}

    def join_args(self) -> list[str]:
        """Arguments for :mod:`.sandbox`: the ``cgroup.procs`` files the kernel writes itself into."""
        return [arg for folder in self.folders for arg in ("--cgroup", str(folder / "cgroup.procs"))]

    def peak_bytes(self) -> int:
        """The most memory the cgroup's processes used at once, in bytes (0 when unknown)."""
        try:
            return int(self._file("peak").read_text())
        except (OSError, ValueError):
            return 0

    def out_of_memory(self) -> bool:
        """True when the kernel killed a process of the cgroup for memory (the OOM killer)."""
        try:
            if self.version == "v2":
                events = (self.folders[0] / "memory.events").read_text()
            else:
                events = (self._folder("memory") / "memory.oom_control").read_text()
        except OSError:
            return False
        counts = dict(line.split() for line in events.splitlines() if len(line.split()) == 2)
        return int(counts.get("oom_kill", 0)) > 0

    def kill(self) -> None:
        """SIGKILL every process in the cgroup (what the submission left running)."""
        for folder in self.folders:
            procs = folder / "cgroup.procs"
            for _ in range(50):
                try:
                    pids = [int(p) for p in procs.read_text().split()]
                except OSError:
                    break
                if not pids:
                    break
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                time.sleep(0.02)

    def remove(self) -> None:
        """Kill what is left in the cgroup and remove it (nothing happens where there is none)."""
        if self.version is None:
            return
        self.kill()
        for folder in self.folders:
            for _ in range(50):
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:  # busy: processes still exiting
                    time.sleep(0.02)
