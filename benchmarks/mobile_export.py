"""Assignment 5 on the real EMNIST data: the cost table of the four LiteRT variants, and their accuracy
drops on the hidden evaluation slice (what ``course_config.THRESHOLDS["a5_drop_*"]`` is calibrated on).

It runs the reference solution itself: every code cell of ``source/a5_mobile_export/a5_mobile_export.ipynb``
except the check cells, as a script, in a scratch folder (the notebook trains with
``course_config.MOBILE_TRAINING_BUDGET["real"]``, converts, measures), then prints

1. the notebook's table (``table``): size, max |difference| against Keras, top-1 agreement, accuracy
   and latency (one image per call, one CPU thread) of Keras and of each variant, on the first 10,000
   public test images;
2. the same for the hidden slice of the test split (the autograder's evaluation images): accuracy
   and its drop from the Keras model per variant, beside the thresholds in ``course_config``.

Usage (from the course root; the data folder must hold NIST's ``emnist/emnist.zip``)::

    CNNKIT_DATA_DIR=../shared/data CNNKIT_EMNIST_SPLIT=bymerge python benchmarks/mobile_export.py

``--model FILE`` skips the training and exports that ``.keras`` file instead (for example one saved with
``--keep``); ``--keep DIR`` keeps the network and the four ``.tflite`` files. Training takes a few minutes
on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# The notebook's cells run in other folders: a relative CNNKIT_DATA_DIR (../shared/data) means the
# folder as seen from where the benchmark was started.
if os.environ.get("CNNKIT_DATA_DIR"):
    os.environ["CNNKIT_DATA_DIR"] = str(Path(os.environ["CNNKIT_DATA_DIR"]).expanduser().resolve())

from cnnkit_course import notebooks  # noqa: E402
from cnnkit_course.paths import CoursePaths  # noqa: E402

ASSIGNMENT = "a5_mobile_export"
VARIANTS = ("float32", "float16", "dynamic", "int8")


def notebook_code() -> list[tuple[str, str]]:
    """(grade id, code) of the solution notebook's code cells, without checks and solution markers."""
    nb = notebooks.read_notebook(CoursePaths.of(ROOT).source_notebook(ASSIGNMENT))
    return [(notebooks.nbgrader_meta(cell).get("grade_id", "?"), notebooks.strip_solution_markers(cell.source))
            for cell in nb.cells if cell.cell_type == "code" and not notebooks.is_autograded_test(cell)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="a trained .keras file to export instead of training")
    parser.add_argument("--keep", help="folder to copy the network and the .tflite files into")
    parser.add_argument("--allow-synthetic", action="store_true", help="run on the synthetic default too")
    parser.add_argument("--quiet", action="store_true", help="hide the notebook's own output")
    args = parser.parse_args()

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ.setdefault("CNNKIT_COURSE_ROOT", str(ROOT))
    from cnnkit.data import emnist_source
    from cnnkit_course.hidden_data import load_hidden_emnist

    if emnist_source() == "synthetic" and not args.allow_synthetic:
        print("no real EMNIST data: set CNNKIT_DATA_DIR (a folder with emnist/emnist.zip) and CNNKIT_EMNIST_SPLIT, "
              "or pass --allow-synthetic", file=sys.stderr)
        return 2
    model_file = Path(args.model).resolve() if args.model else None
    started = time.monotonic()
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="a5-benchmark-") as scratch, contextlib.chdir(scratch):
        if model_file is not None:
            shutil.copy(model_file, "mobile_cnn.keras")
            os.environ["CNNKIT_GRADING"] = "1"  # train_or_load loads the file instead of training
        namespace: dict = {"__name__": "__main__"}
        for grade_id, code in notebook_code():
            t0 = time.monotonic()
            sink = io.StringIO() if args.quiet else sys.stdout
            with contextlib.redirect_stdout(sink):
                notebooks.run_cells([code], namespace, label=f"cell {grade_id}")
                if grade_id == "setup":
                    namespace["display"] = lambda *a, **k: None  # figures and Markdown: printed below instead
            timings[grade_id] = time.monotonic() - t0
        os.environ.pop("CNNKIT_GRADING", None)
        ns = namespace
        markdown_table, threshold = ns["markdown_table"], ns["threshold"]

        print(f"\n## The notebook's table ({len(ns['y_test'])} public test images, EMNIST '{ns['test_data'].split}')\n")
        print(markdown_table(ns["table"], ns["COLUMNS"], ns["FORMATS"]))

        hidden = load_hidden_emnist()
        keras_probs = ns["model"].predict(ns["prepare"](hidden.images), batch_size=1024, verbose=0)
        keras_accuracy = float((keras_probs.argmax(1) == hidden.labels).mean())
        rows = [{"variant": "Keras", "accuracy": keras_accuracy, "drop": 0.0, "allowed": None,
                 "agreement": 1.0, "max_abs_diff": 0.0}]
        for variant in VARIANTS:
            probs = ns["predict_tflite"](ns["TFLITE_FILES"][variant], hidden.images)
            row = ns["compare_with_keras"](probs, keras_probs, hidden.labels)
            rows.append({"variant": variant, **row, "drop": keras_accuracy - row["accuracy"],
                         "allowed": threshold(f"a5_drop_{variant}")})
        print(f"\n## The hidden slice ({len(hidden.labels)} images; Keras model needs {threshold('a5_min_accuracy'):.0%})\n")
        print(markdown_table(rows, {"variant": "variant", "accuracy": "accuracy", "drop": "drop vs Keras",
                                    "allowed": "allowed drop", "agreement": "top-1 agreement",
                                    "max_abs_diff": "max abs diff"},
                             {"accuracy": "{:.2%}", "drop": "{:+.2%}", "allowed": "{:.1%}", "agreement": "{:.2%}",
                              "max_abs_diff": "{:.1e}"}))
        if args.keep:
            keep = Path(args.keep)
            keep.mkdir(parents=True, exist_ok=True)
            for name in ["mobile_cnn.keras", *ns["TFLITE_FILES"].values()]:
                shutil.copy(name, keep / name)
            print(f"\nkept the network and the .tflite files in {keep.resolve()}")
    slow = ", ".join(f"{k} {v:.0f} s" for k, v in sorted(timings.items(), key=lambda kv: -kv[1])[:3])
    print(f"\n{time.monotonic() - started:.0f} s in all (longest cells: {slow}); "
          f"model {'from ' + str(model_file) if model_file else 'trained with MOBILE_TRAINING_BUDGET[real]'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
