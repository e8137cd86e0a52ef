"""a8_deeper_vs_wider: the hidden tests accept the solution and reject typical mistakes.

The reference namespace is the one the notebook builds when it is graded: the code cells of the
publishable solution (test cells left out) are executed in this process, in grading mode, in a copy
of the correct example submission, so that ``train_or_load`` loads its saved models and
``keep_histories`` reads its ``histories.json``. Every full test file (hidden cases included) must pass
there. Each mutant below (a plausible mistake) is executed on top of a copy of that namespace and
must make its question's file fail; the release notebook, executed the same way without any saved
file, must fail every file. Points agree everywhere: cases, files, test cells, course_config.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

from cnnkit_course import notebooks  # noqa: E402
from cnnkit_course import store  # noqa: E402
from tests.conftest import COURSE, ROOT, course_env  # noqa: E402
from tests.mutation import assert_passes, assert_rejects, execute_cells, mutate, questions, run_question  # noqa: E402

ASSIGNMENT = "a8_deeper_vs_wider"
QUESTIONS = questions(ASSIGNMENT)


@contextlib.contextmanager
def _grading(workdir: Path):
    """Grading mode on the embedded data, this course, working directory ``workdir``."""
    with course_env(CNNKIT_GRADING="1", CNNKIT_OFFLINE="1"), contextlib.chdir(workdir):
        yield


def _code_cells(nb) -> list[str]:
    """The notebook's code, without its autograded test cells."""
    return [c.source for c in nb.cells if c.cell_type == "code" and not notebooks.is_autograded_test(c)]


def _execute(cells: list[str], workdir: Path, *, strict: bool) -> dict:
    """Run cells in one namespace, as a kernel would; ``strict``: any exception is a failure (else a
    stub's NotImplementedError, or what follows from it, is passed over)."""
    with _grading(workdir):
        return execute_cells(cells, tolerate=() if strict else (Exception,), label="notebook cell")


@pytest.fixture(scope="module")
def reference_env(tmp_path_factory) -> dict:
    """The solution's namespace with the stored models and histories the solution trained."""
    workdir = tmp_path_factory.mktemp("a8_reference")
    shutil.copytree(COURSE.release_dir(ASSIGNMENT), workdir, dirs_exist_ok=True)
    store.copy_artefacts(COURSE, ASSIGNMENT, workdir)
    nb = notebooks.publishable_solution(notebooks.read_notebook(COURSE.source_notebook(ASSIGNMENT)))
    return _execute(_code_cells(nb), workdir, strict=True)


def _run(question: str, env: dict):
    with _grading(ROOT):
        return run_question(ASSIGNMENT, question, env)


# --- reference and release -----------------------------------------------------------------------
@pytest.mark.parametrize("question", QUESTIONS)
def test_reference_passes(reference_env, question):
    with _grading(ROOT):
        assert_passes(ASSIGNMENT, question, reference_env)


def test_release_fails_every_question(tmp_path):
    """The student's notebook as released (stubs, no saved models) fails every file, public cases included."""
    nb = notebooks.read_notebook(COURSE.release_notebook(ASSIGNMENT))
    env = _execute(_code_cells(nb), tmp_path, strict=False)
    for question in QUESTIONS:
        result = _run(question, env)
        assert not result.passed, question
        assert not any(case.passed for case in result.cases if not case.hidden), f"{question}: a public case passes"


# --- mutants -------------------------------------------------------------------------------------
MUTANTS = {
    # dense_param_count
    ("dense_param_count", "forgets the biases"): '''
def dense_param_count(input_size, layer_sizes, output_size):
    sizes = [input_size, *layer_sizes, output_size]
    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
''',
    ("dense_param_count", "one bias per layer instead of per unit"): '''
def dense_param_count(input_size, layer_sizes, output_size):
    sizes = [input_size, *layer_sizes, output_size]
    return sum(a * b + 1 for a, b in zip(sizes[:-1], sizes[1:]))
''',
    ("dense_param_count", "forgets the output layer"): '''
def dense_param_count(input_size, layer_sizes, output_size):
    sizes = [input_size, *layer_sizes]
    return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:])) if layer_sizes else (input_size + 1) * output_size
''',
    ("dense_param_count", "returns a float"): '''
_reference_count = dense_param_count
def dense_param_count(input_size, layer_sizes, output_size):
    return float(_reference_count(input_size, layer_sizes, output_size))
''',
    # widths_for_budget
    ("widths_for_budget", "ignores max_width"): '''
_reference_widths = widths_for_budget
def widths_for_budget(depth, budget, input_size=784, output_size=47, max_width=None):
    return _reference_widths(depth, budget, input_size, output_size)
''',
    ("widths_for_budget", "largest width under the budget, not the closest"): '''
def widths_for_budget(depth, budget, input_size=784, output_size=47, max_width=None):
    width = 1
    while dense_param_count(input_size, [width + 1] * depth, output_size) <= budget and (max_width is None or width < max_width):
        width += 1
    return [width] * depth
''',
    ("widths_for_budget", "always 784 inputs and 47 outputs"): '''
_reference_widths = widths_for_budget
def widths_for_budget(depth, budget, input_size=784, output_size=47, max_width=None):
    return _reference_widths(depth, budget, 784, 47, max_width)
''',
    ("widths_for_budget", "returns one int"): '''
_reference_widths = widths_for_budget
def widths_for_budget(depth, budget, input_size=784, output_size=47, max_width=None):
    return _reference_widths(depth, budget, input_size, output_size, max_width)[0]
''',
    # architectures
    ("architectures", "the 'wider' network is also deeper"): '''
wider_sizes = [335, 335, 200]
''',
    ("architectures", "wider just outside 5 % of the budget"): '''
wider_sizes = [368, 368]
''',
    ("architectures", "wider's second layer narrower than Chapter 1's"): '''
wider_sizes = [523, 100]
''',
    ("architectures", "deeper with four layers of 256 (12 % under budget)"): '''
deeper_sizes = [256] * 4
''',
    ("architectures", "deeper with a layer wider than 256"): '''
deeper_sizes = [300, 250, 250, 250]
''',
    ("architectures", "hidden layers without activation"): '''
def build_dense(layer_sizes, num_classes=47):
    layers = [keras.Input((28, 28, 1)), keras.layers.Flatten()]
    layers += [keras.layers.Dense(int(units)) for units in layer_sizes]
    return keras.Sequential(layers + [keras.layers.Dense(num_classes, activation="softmax")])
''',
    ("architectures", "the reference CNN changed"): '''
def build_cnn():
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(32, 3, activation="relu"),
                             keras.layers.MaxPooling2D(2), keras.layers.Conv2D(64, 3, activation="relu"),
                             keras.layers.MaxPooling2D(2), keras.layers.Flatten(),
                             keras.layers.Dense(47, activation="softmax")])
''',
    # fit_same_budget
    ("fit_same_budget", "ignores the seed"): '''
def fit_same_budget(build, data, budget):
    model = build()
    model.compile(optimizer=keras.optimizers.Adam(), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    started = time.perf_counter()
    history = model.fit(data["x_train"], data["y_train"], validation_data=(data["x_val"], data["y_val"]),
                        epochs=budget["epochs"], batch_size=budget["batch_size"], verbose=0)
    return model, history.history, time.perf_counter() - started
''',
    ("fit_same_budget", "Keras' default batch size"): '''
def fit_same_budget(build, data, budget):
    keras.utils.set_random_seed(budget["seed"])
    model = build()
    model.compile(optimizer=keras.optimizers.Adam(), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    started = time.perf_counter()
    history = model.fit(data["x_train"], data["y_train"], validation_data=(data["x_val"], data["y_val"]),
                        epochs=budget["epochs"], verbose=0)
    return model, history.history, time.perf_counter() - started
''',
    ("fit_same_budget", "one epoch more than the budget"): '''
def fit_same_budget(build, data, budget):
    keras.utils.set_random_seed(budget["seed"])
    model = build()
    model.compile(optimizer=keras.optimizers.Adam(), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    started = time.perf_counter()
    history = model.fit(data["x_train"], data["y_train"], validation_data=(data["x_val"], data["y_val"]),
                        epochs=budget["epochs"] + 1, batch_size=budget["batch_size"], verbose=0)
    return model, history.history, time.perf_counter() - started
''',
    ("fit_same_budget", "SGD instead of Adam"): '''
def fit_same_budget(build, data, budget):
    keras.utils.set_random_seed(budget["seed"])
    model = build()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    started = time.perf_counter()
    history = model.fit(data["x_train"], data["y_train"], validation_data=(data["x_val"], data["y_val"]),
                        epochs=budget["epochs"], batch_size=budget["batch_size"], verbose=0)
    return model, history.history, time.perf_counter() - started
''',
    ("fit_same_budget", "no validation data"): '''
def fit_same_budget(build, data, budget):
    keras.utils.set_random_seed(budget["seed"])
    model = build()
    model.compile(optimizer=keras.optimizers.Adam(), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    started = time.perf_counter()
    history = model.fit(data["x_train"], data["y_train"], epochs=budget["epochs"], batch_size=budget["batch_size"], verbose=0)
    return model, history.history, time.perf_counter() - started
''',
    # experiment
    ("experiment", "wider.keras trained with other sizes than wider_sizes"): '''
wider_model = build_dense([300, 300])
''',
    ("experiment", "an untrained model submitted"): '''
keras.utils.set_random_seed(0)
deeper_model = build_dense(deeper_sizes)
''',
    ("experiment", "the CNN trained for fewer epochs"): '''
histories = {**histories, "cnn": {**histories["cnn"], "val_accuracy": histories["cnn"]["val_accuracy"][:-1]}}
''',
    ("experiment", "Assignment 3's smaller CNN submitted as cnn.keras"): '''
cnn_model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(32, 3, activation="relu"),
                              keras.layers.MaxPooling2D(2), keras.layers.Conv2D(64, 3, activation="relu"),
                              keras.layers.MaxPooling2D(2), keras.layers.Flatten(),
                              keras.layers.Dense(47, activation="softmax")])
''',
    ("experiment", "no saved models"): '''
wider_model = deeper_model = cnn_model = None
''',
    # results
    ("results", "gap is test minus train"): '''
_reference_table = results_table
def results_table(models, histories, data):
    table = _reference_table(models, histories, data)
    for row in table.values():
        row["gap"] = row["test_accuracy"] - row["train_accuracy"]
    return table
results = results_table({"wider": wider_model, "deeper": deeper_model, "cnn": cnn_model}, histories, data)
''',
    ("results", "train and test swapped"): '''
_reference_table = results_table
def results_table(models, histories, data):
    swapped = {**data, "x_train": data["x_test"], "y_train": data["y_test"], "x_test": data["x_train"], "y_test": data["y_train"]}
    return _reference_table(models, histories, swapped)
results = results_table({"wider": wider_model, "deeper": deeper_model, "cnn": cnn_model}, histories, data)
''',
    ("results", "test accuracy from the last validation accuracy"): '''
_reference_table = results_table
def results_table(models, histories, data):
    table = _reference_table(models, histories, data)
    for name, row in table.items():
        row["test_accuracy"] = histories[name]["val_accuracy"][-1]
        row["gap"] = row["train_accuracy"] - row["test_accuracy"]
    return table
results = results_table({"wider": wider_model, "deeper": deeper_model, "cnn": cnn_model}, histories, data)
''',
    ("results", "params is the budget"): '''
_reference_table = results_table
def results_table(models, histories, data):
    table = _reference_table(models, histories, data)
    for row in table.values():
        row["params"] = BUDGET
    return table
results = results_table({"wider": wider_model, "deeper": deeper_model, "cnn": cnn_model}, histories, data)
''',
}


#: Questions whose mutants train networks (seconds each): the slow tier.
TRAINING_QUESTIONS = {"fit_same_budget", "experiment"}


@pytest.mark.parametrize("question,mistake", [
    pytest.param(q, m, id=f"{q}: {m}", marks=[pytest.mark.slow] if q in TRAINING_QUESTIONS else [])
    for q, m in MUTANTS])
def test_mutant_is_rejected(reference_env, question, mistake):
    with _grading(ROOT):
        assert_rejects(ASSIGNMENT, question, mutate(reference_env, MUTANTS[question, mistake], mistake))


def test_every_question_has_a_mutant():
    assert {q for q, _ in MUTANTS} == set(QUESTIONS)
