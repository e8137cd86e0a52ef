"""The kit's one benchmark report: every performance figure, printed as markdown.

    python benchmarks/run.py            # everything (real data when present; < 30 min on 2 cores)
    python benchmarks/run.py --quick    # the fast figures only (< 5 min): a3's networks, no a4-a7

Real data: set ``CNNKIT_DATA_DIR`` (e.g. ``../shared/data``) and ``CNNKIT_EMNIST_SPLIT=bymerge``;
otherwise the embedded synthetic default is measured and the report says so. Sections:

1. conv2d / pooling: the reference solutions (NumPy) against ``scipy.signal.correlate2d`` and Keras,
   per image;
2. synthetic EMNIST generator: images per second on one core;
3. grading: seconds per submission with 1 and 2 workers, peak resident memory;
4. the assignments' own benchmarks (``train_references.py``, ``mobile_export.py``, ``applied.py``).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def machine() -> str:
    """One line: CPU, cores, memory, Python, data."""
    import psutil

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    from cnnkit.data import emnist_source

    return (f"{cpu}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB, "
            f"Python {platform.python_version()}, EMNIST source: {emnist_source()}")


def _solutions(assignment: str) -> dict:
    """The reference solutions: the source notebook's solution cells, executed."""
    from cnnkit_course import notebooks
    from cnnkit_course.paths import CoursePaths

    source = CoursePaths.of(ROOT).source_notebook(assignment)
    return notebooks.run_cells(notebooks.solution_cells(source), {"np": np}, label=assignment)


def _per_image_ms(func, images: np.ndarray, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        func(images)
        best = min(best, time.perf_counter() - started)
    return 1000 * best / len(images)


def convolution_speed(n: int) -> list[str]:
    """Reference conv2d/pooling against scipy and Keras, ms per 28x28 image."""
    import keras
    from scipy.signal import correlate2d

    a1, a2 = _solutions("a1_convolution"), _solutions("a2_pooling")
    rng = np.random.default_rng(0)
    images = rng.random((n, 28, 28, 1)).astype("float32")
    kernel = rng.random((3, 3, 1, 8)).astype("float32")
    bias = np.zeros(8, "float32")
    conv = keras.layers.Conv2D(8, 3, padding="same")
    conv.build(images.shape)
    conv.set_weights([kernel, bias])
    pool_max, pool_avg = keras.layers.MaxPooling2D(2), keras.layers.AveragePooling2D(2)
    rows = [
        ("conv2d, 3x3, 8 filters, same", _per_image_ms(lambda x: a1["conv2d"](x, kernel, bias, padding="same"), images),
         _per_image_ms(lambda x: [correlate2d(i[..., 0], kernel[..., 0, f], mode="same") for i in x for f in range(8)], images),
         _per_image_ms(lambda x: conv(x).numpy(), images)),
        ("conv2d_single, 3x3", _per_image_ms(lambda x: [a1["conv2d_single"](i[..., 0], kernel[..., 0, 0], padding=1) for i in x], images),
         _per_image_ms(lambda x: [correlate2d(i[..., 0], kernel[..., 0, 0], mode="same") for i in x], images), float("nan")),
        ("max_pool2d, 2x2", _per_image_ms(lambda x: a2["max_pool2d"](x, 2), images), float("nan"),
         _per_image_ms(lambda x: pool_max(x).numpy(), images)),
        ("avg_pool2d, 2x2", _per_image_ms(lambda x: a2["avg_pool2d"](x, 2), images), float("nan"),
         _per_image_ms(lambda x: pool_avg(x).numpy(), images)),
    ]
    lines = [f"### Convolution and pooling ({n} images of 28x28, ms per image, best of 3)", "",
             "| operation | reference (NumPy) | scipy.signal.correlate2d | Keras |", "| --- | ---: | ---: | ---: |"]
    lines += [f"| {name} | {ours:.3f} | {scipy_ms:.3f} | {keras_ms:.3f} |".replace("nan", "-") for name, ours, scipy_ms, keras_ms in rows]
    return lines


def synthetic_speed(n: int) -> list[str]:
    from cnnkit.synthetic import synthetic_rate

    return ["### Synthetic EMNIST generator", "", f"{synthetic_rate(n):,.0f} images/s ({n:,} images, one process)"]


def _peak_rss_while(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run ``command``; return (seconds, peak resident memory of its whole process tree in MB)."""
    import psutil

    peak = 0
    proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = time.monotonic()
    watcher = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            tree = [watcher, *watcher.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.2)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed with {proc.returncode}")
    return time.monotonic() - started, peak / 2**20


def grading_speed(copies: int) -> list[str]:
    """`cnnkit grade` on ``copies`` correct a1 submissions, with 1 and 2 workers."""
    lines = [f"### Grading ({copies} correct a1_convolution submissions)", "",
             "| workers | seconds | seconds per submission | peak memory (MB) |", "| ---: | ---: | ---: | ---: |"]
    from cnnkit_course.build import write_example_submissions

    with tempfile.TemporaryDirectory() as scratch:
        submitted = Path(scratch) / "submitted"
        examples = write_example_submissions(ROOT, Path(scratch) / "examples", ["a1_convolution"])
        for index in range(copies):
            shutil.copytree(examples / "correct" / "a1_convolution", submitted / f"student{index}" / "a1_convolution")
        env = {**os.environ, "CNNKIT_COURSE_ROOT": str(ROOT), "CNNKIT_DATA_SOURCE": "synthetic"}
        for workers in (1, 2):
            out = Path(scratch) / f"out{workers}"
            seconds, peak = _peak_rss_while([sys.executable, "-m", "cnnkit_course", "grade", str(submitted), "--out", str(out),
                                             "--workers", str(workers)], env)
            grades = (out / "grades.csv").read_text()
            assert grades.count(",graded") == copies, grades
            lines.append(f"| {workers} | {seconds:.1f} | {seconds / copies:.1f} | {peak:.0f} |")
    return lines


def assignment_benchmarks(quick: bool) -> list[str]:
    """The assignments' own benchmark scripts, their markdown output as it is."""
    scripts = [("train_references.py", []), ("mobile_export.py", ["--allow-synthetic", "--quiet"]), ("applied.py", [])]
    lines = []
    if quick:  # a3's networks only: the other scripts train for minutes
        scripts = [("train_references.py", ["--only", "dense,cnn"])]
        lines += ["(quick: `mobile_export.py` and `applied.py` are left out; the full report runs them)", ""]
    for script, args in scripts:
        path = ROOT / "benchmarks" / script
        if not path.is_file():
            continue
        started = time.monotonic()
        done = subprocess.run([sys.executable, str(path), *args], cwd=ROOT, capture_output=True, text=True)
        output = done.stdout.strip() if done.returncode == 0 else f"failed: {done.stderr.strip()[-800:]}"
        tables = "\n".join(line for line in output.splitlines() if line.startswith(("|", "#")) or not line.strip())
        lines += [f"### {script} ({time.monotonic() - started:.0f} s)", "", (tables or output).strip(), ""]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the fast figures only (< 5 minutes)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    print(f"## Benchmark report\n\nMachine: {machine()}; mode: {'quick' if args.quick else 'full'}\n", flush=True)
    for section in (lambda: convolution_speed(50 if args.quick else 300),
                    lambda: synthetic_speed(5_000 if args.quick else 20_000),
                    lambda: grading_speed(2 if args.quick else 6),
                    lambda: assignment_benchmarks(args.quick)):
        print("\n".join(section()) + "\n", flush=True)
    print(f"Total: {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
