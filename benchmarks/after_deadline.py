"""Time and output size of the after-deadline commands on a batch of 200, each run as the
instructor runs it (a fresh ``python -m cnnkit_course`` process, imports included):

- ``cnnkit similarity`` on 200 generated a1_convolution submissions: variants of the reference
  solution and of the independent loop-style one (tests/fixtures/a1_loops_solution.py) with renamed
  variables, comment lines dropped, debugging prints added and some tasks left unsolved; 6 exact
  copies of other variants; 10 untouched releases;
- ``cnnkit report`` on 200 generated a1 result files (tests/batches.py: the real test files' cases,
  random failures, a few timeouts, errors and invalid notebooks).

    python benchmarks/after_deadline.py            # prints a markdown table
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cnnkit_course import notebooks  # noqa: E402
from tests import batches  # noqa: E402

SUBMISSIONS = 200
COPIES, UNTOUCHED = 6, 10
_NAMES = ("tmp", "val", "res", "arr", "my", "new", "cur", "v")


def _edited(nb, rng: random.Random):
    """``nb`` (a solved release) with renamed locals, comment lines dropped (half of the time), a
    debugging print in one solved cell and each task left unsolved with probability 0.15."""
    names: dict[str, str] = {}
    nb = batches.renamed_copy(nb, lambda n: names.setdefault(n, f"{rng.choice(_NAMES)}_{n}"))
    release = {notebooks.nbgrader_meta(c).get("grade_id"): c.source for c in batches.release_notebook().cells}
    solved = [c for c in nb.cells if notebooks.is_solution_cell(c) and c.cell_type == "code"]
    for cell in solved:
        if rng.random() < 0.15:
            cell.source = release[notebooks.nbgrader_meta(cell)["grade_id"]]
        elif rng.random() < 0.5:
            cell.source = "\n".join(line for line in cell.source.splitlines() if not line.strip().startswith("#"))
    cell = rng.choice(solved)
    cell.source = cell.source.replace("\n    return ", "\n    print('debug', flush=True)\n    return ", 1)
    return nb


def write_batch(submitted: Path, seed: int = 0) -> None:
    """The similarity batch (see the module docstring), students ``s000``..``s199``."""
    rng = random.Random(seed)
    reference, loops, release = batches.reference_notebook(), batches.loop_notebook(), batches.release_notebook()
    made = []
    for i in range(SUBMISSIONS):
        if i < UNTOUCHED:
            nb = release
        elif i < UNTOUCHED + COPIES:
            nb = batches.renamed_copy(made[rng.randrange(len(made))] if made else reference, lambda n: f"copied_{n}")
        else:
            nb = _edited(reference if rng.random() < 0.7 else loops, rng)
            made.append(nb)
        batches.write_submission(submitted, f"s{i:03d}", nb)


def _run(*args: str) -> float:
    """Seconds one ``python -m cnnkit_course ...`` takes."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "cnnkit_course", *args], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def _size(folder: Path) -> tuple[int, int]:
    """(files, bytes) under ``folder``."""
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory(prefix="cnnkit-bench-") as scratch:
        root = Path(scratch)
        started = time.perf_counter()
        write_batch(root / "submitted")
        made = time.perf_counter() - started
        seconds = _run("similarity", str(root / "submitted"), "--assignment", batches.A1, "--out", str(root / "sim"))
        page = (root / "sim" / "similarity.html").stat().st_size
        rows.append((f"similarity, {SUBMISSIONS} a1 submissions ({SUBMISSIONS * (SUBMISSIONS - 1) // 2} pairs)", seconds,
                     *_size(root / "sim"), page, f"batch made in {made:.1f} s"))
        batches.write_result_batch(root / "grades", SUBMISSIONS)
        seconds = _run("report", str(root / "grades"), "--out", str(root / "report"))
        page = (root / "report" / "report.html").stat().st_size
        rows.append((f"report, {SUBMISSIONS} a1 result files", seconds, *_size(root / "report"), page, ""))
    print("| command | seconds | files written | bytes written | HTML page (bytes) | note |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for name, secs, files, size, html, note in rows:
        print(f"| {name} | {secs:.1f} | {files} | {size:,} | {html:,} | {note} |")


if __name__ == "__main__":
    main()
