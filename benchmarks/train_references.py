"""Train the reference networks of Assignments 3 and 4 and print how they do.

The networks are the solutions in ``source/a3_emnist_cnn`` and ``source/a4_regularization`` (their
builder functions are taken from the notebooks' solution cells, so there is one source of truth), and
the training is the notebooks' recipe: Adam with a learning rate decaying from 0.002 to 0 along a
cosine, batches and epochs from ``course_config.TRAINING_BUDGET`` for the data found, 10 % of the
training images kept for validation, TensorBoard logging and the per-epoch test evaluation included
(as a student's run has them).

The data is whatever ``cnnkit.data`` finds. On the real EMNIST files::

    CNNKIT_DATA_DIR=../shared/data CNNKIT_EMNIST_SPLIT=bymerge .venv/bin/python benchmarks/train_references.py

and on the embedded synthetic default (no variables, or ``CNNKIT_DATA_SOURCE=synthetic``). The
output is a markdown table: trainable parameters, epochs, training seconds (wall clock, ``model.fit``
with its callbacks, and the CPU seconds of this process: on a machine shared with other work the wall
clock grows, the CPU time much less; alone on 2 cores, wall is about CPU / 2), accuracy on the public test split and on the autograder's hidden slice (the
numbers ``course_config.THRESHOLDS`` is calibrated on), and the accuracy on 10,000 training images
in inference mode (the generalization gap is the difference to the test accuracy) and the validation
accuracy after the first epoch (how fast training converges). The machine's
load average is printed before and after: timings on a shared machine are only comparable under
similar load.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("CNNKIT_COURSE_ROOT", str(ROOT))
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from cnnkit_course import notebooks  # noqa: E402
from cnnkit.data import load_emnist_data  # noqa: E402
from cnnkit_course.hidden_data import load_hidden_emnist  # noqa: E402
from cnnkit.models import TestSetLogger, tensorboard_callback, training_budget  # noqa: E402

#: name -> (assignment, builder function in its solution cells, call, budget key)
REFERENCES = {
    "dense": ("a3_emnist_cnn", "build_dense_model", "build_dense_model()", "dense"),
    "cnn": ("a3_emnist_cnn", "build_cnn", "build_cnn()", "cnn"),
    "plain_cnn": ("a4_regularization", "build_regularized_cnn", "build_regularized_cnn(0.0, False)", "regularized_cnn"),
    "regularized_cnn": ("a4_regularization", "build_regularized_cnn", "build_regularized_cnn()", "regularized_cnn"),
}
LABELS = {
    "dense": "dense 256-128 baseline (a3 Part B)",
    "cnn": "a3 CNN (reference build_cnn)",
    "plain_cnn": "a4 CNN without dropout/BN",
    "regularized_cnn": "a4 regularized CNN (reference)",
}


def solution_namespace(assignment: str, num_classes: int) -> dict:
    """Execute the solution cells of a source notebook (markers stripped) and return their globals."""
    source = ROOT / "source" / assignment / f"{assignment}.ipynb"
    return notebooks.run_cells(notebooks.solution_cells(source), {"np": np, "keras": keras, "NUM_CLASSES": num_classes},
                               label=assignment)


def accuracy(model: keras.Model, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(model.predict(x, batch_size=1024, verbose=0).argmax(axis=1) == y))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(REFERENCES), help=f"comma-separated subset of {', '.join(REFERENCES)}")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds; several give the spread of a run")
    args = parser.parse_args(argv)

    budget = training_budget()
    train_data = load_emnist_data(usage="train", limit=budget.train_size)
    test_data = load_emnist_data(usage="test")
    hidden = load_hidden_emnist()
    mapping = train_data.mapping
    order = np.random.default_rng(0).permutation(len(train_data.labels))
    n_val = len(order) // 10
    images = train_data.images[..., None].astype("float32") / 255
    x_val, y_val = images[order[:n_val]], train_data.labels[order[:n_val]]
    x_train, y_train = images[order[n_val:]], train_data.labels[order[n_val:]]
    x_test, y_test = test_data.images[..., None].astype("float32") / 255, test_data.labels
    x_hidden, y_hidden = hidden.images[..., None].astype("float32") / 255, hidden.labels
    print(f"data: EMNIST '{train_data.split}' from {train_data.source} ({budget.kind}): train {len(y_train)}, "
          f"validation {len(y_val)}, test {len(y_test)}, hidden slice {len(y_hidden)}; {len(mapping)} classes")
    print(f"budget: {budget.epochs} epochs, batch {budget.batch_size}; CPU cores {os.cpu_count()}; "
          f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}", flush=True)

    rows = []
    for name in args.only.split(","):
        assignment, _, call, key = REFERENCES[name]
        namespace = solution_namespace(assignment, len(mapping))
        for seed in (int(s) for s in args.seeds.split(",")):
            keras.utils.set_random_seed(seed)
            model = eval(call, namespace)  # noqa: S307 - our own solution cells
            epochs = budget.epochs[key]
            steps = epochs * int(np.ceil(len(x_train) / budget.batch_size))
            model.compile(optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(2e-3, steps)),
                          loss="sparse_categorical_crossentropy", metrics=["accuracy"])
            with tempfile.TemporaryDirectory() as log_dir:
                started, cpu_started = time.perf_counter(), time.process_time()
                history = model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=epochs,
                                    batch_size=budget.batch_size, verbose=0,
                                    callbacks=[tensorboard_callback(log_dir), TestSetLogger(x_test, y_test, log_dir)])
                seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
            trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
            row = (LABELS[name], seed, trainable, epochs, seconds, cpu_seconds, accuracy(model, x_test, y_test),
                   accuracy(model, x_hidden, y_hidden), accuracy(model, x_train[:10000], y_train[:10000]),
                   history.history["val_accuracy"][0], os.getloadavg()[0])
            rows.append(row)
            print(f"  {name} seed {seed}: {seconds:.0f} s ({cpu_seconds:.0f} CPU s), test {row[6]:.4f}, "
                  f"hidden {row[7]:.4f}, train {row[8]:.4f}, validation after epoch 1 {row[9]:.4f} "
                  f"(load {row[10]:.2f})", flush=True)

    print(f"\nload average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}\n")
    print("| model | seed | parameters | epochs | seconds | CPU seconds | test accuracy | hidden-slice accuracy "
          "| train accuracy | validation accuracy after epoch 1 | load (1 min) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for label, seed, params, epochs, seconds, cpu, test, hid, train, val1, load in rows:
        print(f"| {label} | {seed} | {params:,} | {epochs} | {seconds:.0f} | {cpu:.0f} | {test:.2%} | {hid:.2%} "
              f"| {train:.2%} | {val1:.2%} | {load:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
