"""GradingSession.run_notebook's restarts past cells that kill the kernel or raise MemoryError,
with a stand-in for the kernel client (no kernel is started)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient.exceptions import DeadKernelError

from cnnkit_course.grading.session import GradingSession


class _ScriptedClient:
    """Executes a cell by what its source says: ``die`` kills the kernel, ``MemoryError`` leaves
    that error in the cell's outputs, anything else runs."""

    timed_out = False

    def __init__(self, log: list[int]) -> None:
        self.log = log

    def execute_cell(self, cell, index: int) -> None:
        self.log.append(index)
        if "die" in cell.source:
            raise DeadKernelError("the kernel died")
        if "MemoryError" in cell.source:
            cell.outputs = [nbformat.v4.new_output("error", ename="MemoryError", evalue="", traceback=[])]


class _ScriptedSession(GradingSession):
    def __init__(self, sources: list[str], tmp_path: Path) -> None:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
        super().__init__(nb, tmp_path, tmp_path, uid=None, hide=[])
        self.executed: list[list[int]] = []

    def _start(self) -> None:
        self.starts += 1
        self.executed.append([])
        self.client = _ScriptedClient(self.executed[-1])

    def stop(self) -> None:
        pass


def test_cells_that_kill_the_kernel_or_run_out_of_memory_are_left_out(tmp_path: Path):
    session = _ScriptedSession(["a = 1", "raise MemoryError", "b = 2", "die", "c = 3"], tmp_path)
    session.run_notebook()
    assert session.fatal_cells == {1, 3}
    assert session.executed == [[0, 1], [0, 2, 3], [0, 2, 4]], "each restart runs the notebook again without them"


def test_too_many_fatal_cells_say_what_ended_each_run(tmp_path: Path):
    session = _ScriptedSession(["raise MemoryError"] * 3 + ["die", "a = 1"], tmp_path)
    with pytest.raises(DeadKernelError, match=r"4 runs .* killed the kernel or raised MemoryError \(cells \[0, 1, 2, 3\]\)"):
        session.run_notebook()
    assert session.starts == GradingSession.MAX_RESTARTS + 1
