"""Hostile and broken submissions: one batch of 22, graded with `cnnkit grade`.

Each hostile notebook is a real a1 submission with extra cells. Where a trick must *not* work, the
notebook either starts from the untouched release (nothing implemented: any point it gets is
stolen) or sabotages its own correct answers when the trick succeeds (so success costs points).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import threading
from pathlib import Path

import nbformat
import psutil
import pytest

from cnnkit_course.grading import limits, sandbox
from cnnkit_course.feedback import hidden_test_lines
from cnnkit_course.grading.batch import grade_batch
from tests.conftest import COURSE, ROOT, course_env

pytestmark = [pytest.mark.slow, pytest.mark.serial]  # a grading batch of hostile submissions

A1 = "a1_convolution"
FULL = 12.0
#: The grader can cap memory and processes with a cgroup here (root, writable controllers).
CGROUPS = limits.cgroup_version() is not None
#: Breaks zero_pad (2 points) when the trick before it worked.
SABOTAGE = "\n    def zero_pad(x, pad):\n        return x\n"


def _nb(examples: Path, base: str, *cells: str, at: int | None = None) -> nbformat.NotebookNode:
    nb = nbformat.read(examples / base / A1 / f"{A1}.ipynb", as_version=4)
    position = len(nb.cells) if at is None else at
    for offset, source in enumerate(cells):
        nb.cells.insert(position + offset, nbformat.v4.new_code_cell(source))
    return nb


def _hostile_notebooks(examples: Path, course: Path, submitted: Path, out: Path, port: int) -> dict[str, tuple[nbformat.NotebookNode, str, float]]:
    """student -> (notebook, expected status, expected score)."""
    hidden_test = course / "autograder" / A1 / "tests" / "conv2d.py"
    victim = submitted / "good_1" / A1 / f"{A1}.ipynb"
    return {
        "tamper_grader": (_nb(examples, "untouched", (
            "import otter.test_files.exception_test as _t, cnnkit.checks as _c, cnnkit_course.grading.judge as _j\n"
            "_t.ExceptionTestFile.run = lambda self, env: None\n"
            "_c.run_test_file = lambda *a, **k: None\n"
            "grader.check = lambda *a, **k: print('All tests passed!')\n"
            "_j.KernelHarness.serve = lambda self, n: None\n")), "graded", 0.0),
        "fake_output": (_nb(examples, "untouched", "print('All tests passed!\\nScore: 12/12')\nprint('{\"score\": 12}')"), "graded", 0.0),
        "forged_results": (_nb(examples, "untouched", (
            "import json, pathlib, sys\n"
            "for folder in {pathlib.Path.cwd(), pathlib.Path.cwd().parent, pathlib.Path(sys.argv[-1]).parent}:\n"
            "    for name in ['results.json', 'grades.csv', 'result.json', 'questions.json']:\n"
            "        try:\n"
            "            (folder / name).write_text(json.dumps({'score': 12, 'tests': []}))\n"
            "        except OSError:\n"
            "            pass\n"
            "    for n in range(200):\n"
            "        try:\n"
            "            (folder / f'rep-{n}.json').write_text(json.dumps({'ok': None}))\n"
            "        except OSError:\n"
            "            pass\n")), "graded", 0.0),
        "monkeypatched_numpy": (_nb(examples, "untouched", (
            "import numpy as np, numpy.testing\n"
            "np.allclose = lambda *a, **k: True\n"
            "np.array_equal = lambda *a, **k: True\n"
            "np.testing.assert_allclose = lambda *a, **k: None\n"
            "def conv2d(x, w, b, stride=1, padding='valid'):\n    return np.zeros(1)\n")), "graded", 0.0),
        "sys_exit": (_nb(examples, "untouched", "import sys\nsys.exit(0)\n", "raise SystemExit('done')"), "graded", 0.0),
        "os_exit": (_nb(examples, "correct", "import os\nos._exit(3)", at=3), "error", FULL),
        "infinite_loop": (_nb(examples, "correct", "while True:\n    pass", at=3), "timeout", FULL),
        # With a cgroup the kernel stops the bomb's cell and the rest is graded; without one the
        # watchdog stops the whole grading. Near its limit, without swap, the kernel can page its
        # own code out and in (seen on a busy machine) until the cell's time limit stops it before
        # the out-of-memory kill does: either limit, then the rest graded in full.
        "memory_bomb": (_nb(examples, "correct", "hog = []\nwhile True:\n    hog.append(bytearray(200 * 2**20))", at=3),
                        ("memory", "timeout") if CGROUPS else "memory", FULL if CGROUPS else 0.0),
        # A kernel near its limit may refuse an allocation (MemoryError) instead of being killed:
        # the cell is left out and the rest is graded in a fresh kernel, not beside its hog.
        "memory_error": (_nb(examples, "correct", "hog = bytearray(1000 * 2**20)\nraise MemoryError('no room')", at=3),
                         "error", FULL),
        "fork_bomb": (_nb(examples, "correct", (
            "import os, time\n"
            "children = 0\n"
            "for _ in range(100_000):\n"
            "    try:\n"
            "        pid = os.fork()\n"
            "    except OSError:\n"
            "        break\n"
            "    if pid == 0:\n"
            "        time.sleep(3600)\n"
            "        os._exit(0)\n"
            "    children += 1\n"
            # With a cgroup the bomb takes every process slot, the kernel dies of it (its next
            # thread cannot start), and the rest is graded in a fresh kernel.
            "print(children)"), at=3), *(("error", FULL) if CGROUPS else ("memory", 0.0))),
        "read_hidden_tests": (_nb(examples, "correct", (
            "try:\n"
            f"    secret = open({str(hidden_test)!r}).read()\n"
            "except OSError:\n"
            "    secret = None\n"
            f"if secret is not None:{SABOTAGE}")), "graded", FULL),
        "network": (_nb(examples, "correct", (
            "import socket\n"
            "try:\n"
            f"    socket.create_connection(('127.0.0.1', {port}), timeout=3).close()\n"
            "    reached = True\n"
            "except OSError:\n"
            "    reached = False\n"
            f"if reached:{SABOTAGE}")), "graded", FULL),
        "delete_others": (_nb(examples, "correct", (
            "import pathlib, shutil\n"
            "damage = 0\n"
            f"for target in [{str(victim)!r}, {str(out / 'results')!r}, {str(out / 'grades.csv')!r}]:\n"
            "    try:\n"
            "        p = pathlib.Path(target)\n"
            "        shutil.rmtree(p) if p.is_dir() else p.write_text('{}')\n"
            "        damage += 1\n"
            "    except OSError:\n"
            "        pass\n"
            f"if damage:{SABOTAGE}")), "graded", FULL),
        "stderr_warnings": (_nb(examples, "correct", (
            "import sys, warnings\n"
            "warnings.warn('a deprecation the student cannot fix')\n"
            "print('noise on stderr', file=sys.stderr)")), "graded", FULL),
        "enormous_output": (_nb(examples, "correct", "for i in range(200_000):\n    print('x' * 100)", at=3), "graded", FULL),
    }


def _write(nb: nbformat.NotebookNode, folder: Path) -> None:
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{A1}.ipynb")


@pytest.fixture(scope="module")
def hostile_batch(tmp_path_factory, examples_dir):
    """A course copy with tight limits and a batch of 23 submissions, graded with 2 workers."""
    base = tmp_path_factory.mktemp("hostile")
    course, submitted, out = base / "course", base / "submitted", base / "out"
    shutil.copytree(ROOT, course, ignore=shutil.ignore_patterns(".venv", ".git", "build", "solutions", "trained"))
    text = (course / "course_config.py").read_text()
    for name, value in {"CELL_TIMEOUT_S": 20, "SUBMISSION_TIMEOUT_S": 240, "SUBMISSION_MEMORY_MB": 3000,
                        "SUBMISSION_NPROC": 300, "SUBMISSION_OUTPUT_KB": 256}.items():
        text = re.sub(rf"(?m)^{name} = .*$", f"{name} = {value}", text)
    (course / "course_config.py").write_text(text)
    listener = socket.create_server(("127.0.0.1", 0))
    threading.Thread(target=lambda: [listener.accept()[0].close() for _ in range(10)], daemon=True).start()
    expected = {}
    for student, (nb, status, score) in _hostile_notebooks(examples_dir, course, submitted, out, listener.getsockname()[1]).items():
        _write(nb, submitted / student / A1)
        expected[student] = (status, score)
    for index in (1, 2):
        shutil.copytree(examples_dir / "correct" / A1, submitted / f"good_{index}" / A1)
        expected[f"good_{index}"] = ("graded", FULL)
    shutil.copytree(examples_dir / "partial" / A1, submitted / "partial" / A1)
    expected["partial"] = ("graded", 3.0)
    wrong_assignment = COURSE.release_notebook("a2_pooling").read_bytes()
    for student, content in {"broken_json": b"{", "empty": b"", "wrong_assignment": wrong_assignment}.items():
        (submitted / student / A1).mkdir(parents=True)
        (submitted / student / A1 / f"{A1}.ipynb").write_bytes(content)
        expected[student] = ("invalid", 0.0)
    (submitted / "no_notebook" / A1).mkdir(parents=True)
    expected["no_notebook"] = ("invalid", 0.0)
    deleted = _nb(examples_dir, "correct")
    deleted.cells = [c for c in deleted.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test_conv2d"]
    _write(deleted, submitted / "deleted_test_cell" / A1)
    expected["deleted_test_cell"] = ("graded", FULL)  # the hidden tests do not live in the notebook
    assert len(expected) == 23
    with course_env(CNNKIT_COURSE_ROOT=str(course)):
        results = {r.student_id: r for r in grade_batch(submitted, out, workers=2)}
    listener.close()
    return results, expected, out, submitted


def test_every_broken_submission_says_why(hostile_batch):
    """Each broken submission's reason names its problem; the timeout names the cell limit."""
    results, _, _, _ = hostile_batch
    for student, reason in {"broken_json": "not a readable notebook", "empty": "empty",
                            "wrong_assignment": "not a notebook of", "no_notebook": "missing",
                            "infinite_loop": "longer than 20 s", "deleted_test_cell": "deleted read-only cells: test_conv2d",
                            "os_exit": "killed the kernel", "memory_error": "ran out of memory"}.items():
        assert reason in results[student].reason, (student, results[student].reason)


def test_resume_grades_only_what_has_no_result(hostile_batch, tmp_path: Path):
    """`--resume` after an interrupted batch: the submissions without a result file are graded, the
    others are left as they are."""
    results, _, out, submitted = hostile_batch
    target = tmp_path / "out"
    shutil.copytree(out, target)
    missing = [target / "results" / f"{student}__{A1}.json" for student in ("empty", "no_notebook")]
    for path in missing:
        path.unlink()
    kept = {p: p.stat().st_mtime_ns for p in (target / "results").glob("*.json")}
    with course_env(CNNKIT_COURSE_ROOT=str(out.parent / "course")):
        resumed = grade_batch(submitted, target, resume=True)
    assert {r.student_id for r in resumed} == set(results)
    assert all(path.is_file() for path in missing)
    assert all(path.stat().st_mtime_ns == mtime for path, mtime in kept.items())


def test_every_submission_gets_its_expected_status_and_score(hostile_batch):
    """Good, partial, hostile and broken: each the score it deserves, the batch complete."""
    results, expected, _, _ = hostile_batch
    assert set(results) == set(expected)
    wrong = {}
    for student, (status, score) in expected.items():
        got = results[student]
        if got.status not in (status if isinstance(status, tuple) else (status,)) or got.score != score:
            wrong[student] = (got.status, got.score, got.reason[:200])
    assert not wrong, f"unexpected results (status, score, reason): {wrong}"


def test_nothing_of_a_submission_survives_its_grading(hostile_batch):
    """The fork bomb's processes and every other process of the sandbox users are gone."""
    if sandbox.isolation_level() != "full":
        pytest.skip("runs as root only (the sandbox users exist only then)")
    leftovers = [p.pid for p in psutil.process_iter(["uids"])
                 if p.info["uids"] and sandbox.BASE_UID <= p.info["uids"].real < sandbox.BASE_UID + 8]
    assert not leftovers


def test_other_students_files_are_intact(hostile_batch):
    """delete_others could not touch the submitted folder or the results."""
    results, _, out, submitted = hostile_batch
    assert (submitted / "good_1" / A1 / f"{A1}.ipynb").stat().st_size > 1000
    for student in results:
        assert json.loads((out / "results" / f"{student}__{A1}.json").read_text())["student_id"] == student


def test_results_and_logs_show_no_hidden_test_code(hostile_batch):
    """What students may be shown (the per-submission results) never contains hidden-test source."""
    _, _, out, _ = hostile_batch
    shown = "\n".join(p.read_text() for p in (out / "results").glob("*.json"))
    secrets = hidden_test_lines(COURSE.full_tests(A1), min_length=30, shown=[COURSE.release_notebook(A1)])
    assert len(secrets) >= 10, "found almost no hidden-test lines to look for: the check would be vacuous"
    assert "hidden test failed" in shown, "the batch has failed hidden cases, whose messages are shown"
    leaked = sorted(line for line in secrets if line in shown)
    assert not leaked, f"hidden test code in the results: {leaked[:3]}"


def test_isolation_is_full_where_the_grader_is_root(hostile_batch):
    """As root (CI, most grading servers) the kernel runs in the sandbox; else the result says so."""
    results, _, _, _ = hostile_batch
    expected = "full" if os.geteuid() == 0 else "reduced"
    assert {r.isolation for r in results.values() if r.status != "invalid"} == {expected}
    for result in results.values():  # each result says which limits held
        assert "rlimits" in result.limits and ("namespaces" in result.limits) == (expected == "full")
        assert ("memory" in result.limits and "pids" in result.limits) == CGROUPS, result.limits
