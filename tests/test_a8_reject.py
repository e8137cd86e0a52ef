"""a8_deeper_vs_wider: the hidden tests accept the solution and reject typical mistakes.

The reference namespace is the one the notebook builds when it is graded: the code cells of the
publishable solution (test cells left out) are executed in this process, in grading mode, in a copy
of the correct example submission, so that ``train_or_load`` loads its saved models and
``keep_histories`` reads its ``histories.json``. Every full test file (hidden cases included) must pass
there. Each mutant below (a plausible mistake) is executed on top of a copy of that namespace and
must make its question's file fail with a message containing its ``because`` (:data:`MUTANTS`, one
clause each); each alternate (:data:`ALTERNATES`, a correct solution written another way) must pass it; the release notebook, executed the same way without any saved
file, must fail every file. Points agree everywhere: cases, files, test cells, course_config.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

from cnnkit_course import notebooks  # noqa: E402
from cnnkit_course import store  # noqa: E402
from tests.conftest import COURSE, ROOT, course_env  # noqa: E402
from tests.mutation import assert_passes, assert_rejects, execute_cells, mutate, questions, run_question  # noqa: E402

ASSIGNMENT = "a8_deeper_vs_wider"
QUESTIONS = questions(ASSIGNMENT)

#: Questions whose mutants and alternates train networks (seconds each): the slow tier.
TRAINING_QUESTIONS = {"fit_same_budget"}


def _marks(question: str, slow: bool = False) -> list:
    return [pytest.mark.slow] if slow or question in TRAINING_QUESTIONS else []


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
@pytest.mark.parametrize("question", [pytest.param(q, marks=_marks(q)) for q in QUESTIONS])
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


# --- mutants and alternates -------------------------------------------------------------------------
class Mutant(NamedTuple):
    """A plausible wrong solution: ``code`` run on top of the reference breaks ``clause`` of ``question``,
    whose failing case must say ``because``."""

    question: str
    clause: str
    code: str
    because: str
    slow: bool = False  #: it predicts on all of the notebook's data (the fast tier stays under a minute)


class Alternate(NamedTuple):
    """A correct solution written another way than the reference: every case of ``question`` passes."""

    question: str
    variant: str
    code: str
    slow: bool = False  #: it predicts on all of the notebook's data


_FIT = """
def fit_same_budget(build, data, budget):
    {seed}
    model = build()
    model.compile(optimizer={optimizer}, loss={loss}, metrics={metrics})
    started = time.perf_counter()
    history = model.fit(data["x_train"], data["y_train"], {validation}
                        epochs={epochs}, {batch_size} verbose=0)
    return model, {history}, {seconds}
"""
_FIT_REFERENCE = {"seed": 'keras.utils.set_random_seed(budget["seed"])', "optimizer": "keras.optimizers.Adam()",
                  "loss": '"sparse_categorical_crossentropy"', "metrics": '["accuracy"]',
                  "validation": 'validation_data=(data["x_val"], data["y_val"]),', "epochs": 'budget["epochs"]',
                  "batch_size": 'batch_size=budget["batch_size"],', "history": "history.history",
                  "seconds": "time.perf_counter() - started"}


def _fit(**changes: str) -> str:
    """fit_same_budget as the reference writes it, with ``changes`` (parts of the template) made."""
    return _FIT.format(**{**_FIT_REFERENCE, **changes})


def _wrap_widths(body: str) -> str:
    """widths_for_budget written as a loop over the width, ``body`` choosing ``width`` from ``count``."""
    return f"""
def widths_for_budget(depth, budget, input_size=784, output_size=47, max_width=None):
    def count(width):
        return dense_param_count(input_size, [width] * depth, output_size)
{body}
"""


def _table(change: str) -> str:
    """results_table as the reference, every row then changed by ``change`` (code on ``row``, ``name``)."""
    return f"""
_reference_table = results_table
def results_table(models, histories, data):
    table = _reference_table(models, histories, data)
    for name, row in table.items():
        {change}
    return table
"""


MUTANTS: list[Mutant] = [
    # dense_param_count
    Mutant("dense_param_count", "biases counted", """
def dense_param_count(input_size, layer_sizes, output_size):
    sizes = [input_size, *layer_sizes, output_size]
    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
""", "the biases are not counted"),
    Mutant("dense_param_count", "one bias per unit, not per layer", """
def dense_param_count(input_size, layer_sizes, output_size):
    sizes = [input_size, *layer_sizes, output_size]
    return sum(a * b + 1 for a, b in zip(sizes[:-1], sizes[1:]))
""", "one bias per layer"),
    Mutant("dense_param_count", "one bias per unit, not per input", """
def dense_param_count(input_size, layer_sizes, output_size):
    sizes = [input_size, *layer_sizes, output_size]
    return sum((a + 1) * b + a - b for a, b in zip(sizes[:-1], sizes[1:]))
""", "counted per input"),
    Mutant("dense_param_count", "the output layer counted", """
def dense_param_count(input_size, layer_sizes, output_size):
    sizes = [input_size, *layer_sizes]
    return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:])) if layer_sizes else (input_size + 1) * output_size
""", "the output layer is not counted"),
    Mutant("dense_param_count", "input_size used", """
def dense_param_count(input_size, layer_sizes, output_size):
    sizes = [784, *layer_sizes, output_size]
    return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
""", "784 inputs whatever input_size says"),
    Mutant("dense_param_count", "output_size used", """
def dense_param_count(input_size, layer_sizes, output_size):
    sizes = [input_size, *layer_sizes, 47]
    return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
""", "47 units whatever output_size says"),
    Mutant("dense_param_count", "layer_sizes as a tuple or an array", """
def dense_param_count(input_size, layer_sizes, output_size):
    sizes = [input_size] + layer_sizes + [output_size]
    return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
""", "convert it with list(layer_sizes)"),
    Mutant("dense_param_count", "an int returned", """
_reference_count = dense_param_count
def dense_param_count(input_size, layer_sizes, output_size):
    return float(_reference_count(input_size, layer_sizes, output_size))
""", "return an int"),
    # widths_for_budget
    Mutant("widths_for_budget", "max_width used", """
_reference_widths = widths_for_budget
def widths_for_budget(depth, budget, input_size=784, output_size=47, max_width=None):
    return _reference_widths(depth, budget, input_size, output_size)
""", "above max_width"),
    Mutant("widths_for_budget", "max_width inclusive", _wrap_widths("""
    width = 1
    while count(width) < budget and (max_width is None or width < max_width - 1):
        width += 1
    if width > 1 and abs(count(width - 1) - budget) <= abs(count(width) - budget):
        width -= 1
    return [width] * depth
"""), "max_width - 1"),
    Mutant("widths_for_budget", "the closest, not the largest below", _wrap_widths("""
    width = 1
    while count(width + 1) <= budget and (max_width is None or width < max_width):
        width += 1
    return [width] * depth
"""), "stays below the budget"),
    Mutant("widths_for_budget", "the closest, not the first reaching the budget", _wrap_widths("""
    width = 1
    while count(width) < budget and (max_width is None or width < max_width):
        width += 1
    return [width] * depth
"""), "the first whose count reaches the budget"),
    Mutant("widths_for_budget", "the smaller width on a tie", _wrap_widths("""
    width = 1
    while count(width) < budget and (max_width is None or width < max_width):
        width += 1
    if width > 1 and abs(count(width - 1) - budget) < abs(count(width) - budget):
        width -= 1
    return [width] * depth
"""), "the larger width was returned"),
    Mutant("widths_for_budget", "input_size and output_size used", """
_reference_widths = widths_for_budget
def widths_for_budget(depth, budget, input_size=784, output_size=47, max_width=None):
    return _reference_widths(depth, budget, 784, 47, max_width)
""", "the one for 784 inputs and 47 outputs"),
    Mutant("widths_for_budget", "depth used in the count", _wrap_widths("""
    one_layer = lambda width: dense_param_count(input_size, [width], output_size)
    width = 1
    while one_layer(width) < budget and (max_width is None or width < max_width):
        width += 1
    if width > 1 and abs(one_layer(width - 1) - budget) <= abs(one_layer(width) - budget):
        width -= 1
    return [width] * depth
"""), "is not the one whose count is closest"),
    Mutant("widths_for_budget", "a list of depth widths", """
_reference_widths = widths_for_budget
def widths_for_budget(depth, budget, input_size=784, output_size=47, max_width=None):
    return _reference_widths(depth, budget, input_size, output_size, max_width)[0]
""", "expected one per hidden layer"),
    Mutant("widths_for_budget", "a list, not an array", """
_reference_widths = widths_for_budget
def widths_for_budget(depth, budget, input_size=784, output_size=47, max_width=None):
    return np.array(_reference_widths(depth, budget, input_size, output_size, max_width))
""", "the docstring asks for a list"),
    Mutant("widths_for_budget", "widths of at least 1", _wrap_widths("""
    width = 0
    while count(width) < budget and (max_width is None or width < max_width):
        width += 1
    if width > 0 and abs(count(width - 1) - budget) <= abs(count(width) - budget):
        width -= 1
    return [width] * depth
"""), "widths are at least 1"),
    # architectures
    Mutant("architectures", "wider: two hidden layers", "wider_sizes = [335, 335, 200]\n", "deeper, not wider"),
    Mutant("architectures", "wider: within 5 % of the budget", "wider_sizes = [368, 368]\n", "it must be within 5 %"),
    Mutant("architectures", "wider: each layer at least Chapter 1's", "wider_sizes = [523, 100]\n", "layer by layer"),
    Mutant("architectures", "deeper: within 5 % of the budget", "deeper_sizes = [256] * 4\n", "it must be within 5 %"),
    Mutant("architectures", "deeper: four or more layers", "deeper_sizes = [500, 320, 256]\n", "needs at least 4"),
    Mutant("architectures", "deeper: no layer wider than 256", "deeper_sizes = [300, 250, 250, 250]\n",
           "no layer may be wider"),
    Mutant("architectures", "build_dense: ReLU on the hidden layers", """
def build_dense(layer_sizes, num_classes=47):
    layers = [keras.Input((28, 28, 1)), keras.layers.Flatten()]
    layers += [keras.layers.Dense(int(units)) for units in layer_sizes]
    return keras.Sequential(layers + [keras.layers.Dense(num_classes, activation="softmax")])
""", "has no activation"),
    Mutant("architectures", "build_dense: ReLU, not sigmoid", """
def build_dense(layer_sizes, num_classes=47):
    layers = [keras.Input((28, 28, 1)), keras.layers.Flatten()]
    layers += [keras.layers.Dense(int(units), activation="sigmoid") for units in layer_sizes]
    return keras.Sequential(layers + [keras.layers.Dense(num_classes, activation="softmax")])
""", "does not compute relu(x W + b)"),
    Mutant("architectures", "build_dense: softmax on the output", """
def build_dense(layer_sizes, num_classes=47):
    layers = [keras.Input((28, 28, 1)), keras.layers.Flatten()]
    layers += [keras.layers.Dense(int(units), activation="relu") for units in layer_sizes]
    return keras.Sequential(layers + [keras.layers.Dense(num_classes)])
""", "softmax is missing on the output layer"),
    Mutant("architectures", "build_dense: num_classes used", """
def build_dense(layer_sizes, num_classes=47):
    layers = [keras.Input((28, 28, 1)), keras.layers.Flatten()]
    layers += [keras.layers.Dense(int(units), activation="relu") for units in layer_sizes]
    return keras.Sequential(layers + [keras.layers.Dense(47, activation="softmax")])
""", "do not write 47"),
    Mutant("architectures", "build_dense: the layers in the order given", """
def build_dense(layer_sizes, num_classes=47):
    layers = [keras.Input((28, 28, 1)), keras.layers.Flatten()]
    layers += [keras.layers.Dense(int(units), activation="relu") for units in sorted(layer_sizes, reverse=True)]
    return keras.Sequential(layers + [keras.layers.Dense(num_classes, activation="softmax")])
""", "in order"),
    Mutant("architectures", "build_dense: image input (28, 28, 1)", """
def build_dense(layer_sizes, num_classes=47):
    layers = [keras.Input((784,))]
    layers += [keras.layers.Dense(int(units), activation="relu") for units in layer_sizes]
    return keras.Sequential(layers + [keras.layers.Dense(num_classes, activation="softmax")])
""", "the input shape is (None, 784)"),
    Mutant("architectures", "the reference CNN unchanged", """
def build_cnn():
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(32, 3, activation="relu"),
                             keras.layers.MaxPooling2D(2), keras.layers.Conv2D(64, 3, activation="relu"),
                             keras.layers.MaxPooling2D(2), keras.layers.Flatten(),
                             keras.layers.Dense(47, activation="softmax")])
""", "do not change it"),
    # fit_same_budget (trains: slow tier)
    Mutant("fit_same_budget", "the seed set before building", _fit(seed="pass"), "the same seed gave different"),
    Mutant("fit_same_budget", "the seed right before build(), not before compile", _fit(seed="pass").replace(
        "    model.compile(", '    keras.utils.set_random_seed(budget["seed"])\n    model.compile('),
        "the same seed gave different"),
    Mutant("fit_same_budget", "the budget's seed", _fit(seed="keras.utils.set_random_seed(0)"),
           "different seeds gave the same initial weights"),
    Mutant("fit_same_budget", "the budget's batch size", _fit(batch_size=""), "made two steps"),
    Mutant("fit_same_budget", "the budget's epochs", _fit(epochs='budget["epochs"] + 1'), "one value per epoch"),
    Mutant("fit_same_budget", "Adam, not SGD", _fit(optimizer='"sgd"'), "Adam"),
    Mutant("fit_same_budget", "Adam's default learning rate", _fit(optimizer="keras.optimizers.Adam(0.01)"),
           "default learning rate"),
    Mutant("fit_same_budget", "validation data", _fit(validation=""), "one value per epoch"),
    Mutant("fit_same_budget", "validation on the validation split",
           _fit(validation='validation_data=(data["x_train"], data["y_train"]),'), "validation split"),
    Mutant("fit_same_budget", "the mean sparse categorical cross-entropy", _fit(loss='keras.losses.SparseCategoricalCrossentropy(reduction="sum")'),
           "sparse categorical cross-entropy"),
    Mutant("fit_same_budget", "the accuracy metric", _fit(metrics="[]"), "history['accuracy']"),
    Mutant("fit_same_budget", "the history dict returned", _fit(history="history"), "History.history"),
    Mutant("fit_same_budget", "seconds in seconds", _fit(seconds="1000 * (time.perf_counter() - started)"),
           "seconds is not the time fit took"),
    # experiment
    Mutant("experiment", "wider.keras trained with wider_sizes", "wider_model = build_dense([300, 300])\n",
           "train again after changing the sizes"),
    Mutant("experiment", "trained models", "keras.utils.set_random_seed(0)\ndeeper_model = build_dense(deeper_sizes)\n",
           "hidden test images"),
    Mutant("experiment", "the budget's epochs for every network", """
histories = {**histories, "cnn": {**histories["cnn"], "val_accuracy": histories["cnn"]["val_accuracy"][:-1]}}
""", "with validation after each"),
    Mutant("experiment", "the training time kept", """
histories = {**histories, "deeper": {k: v for k, v in histories["deeper"].items() if k != "seconds"}}
""", "no complete entry for 'deeper'"),
    Mutant("experiment", "the reference CNN as cnn.keras", """
cnn_model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(32, 3, activation="relu"),
                              keras.layers.MaxPooling2D(2), keras.layers.Conv2D(64, 3, activation="relu"),
                              keras.layers.MaxPooling2D(2), keras.layers.Flatten(),
                              keras.layers.Dense(47, activation="softmax")])
""", "the reference CNN has"),
    Mutant("experiment", "softmax on the saved dense networks", """
_saved = wider_model
wider_model = keras.models.clone_model(_saved)
wider_model.set_weights(_saved.get_weights())
wider_model.layers[-1].activation = keras.activations.linear
""", "does not output probabilities"),
    Mutant("experiment", "saved models", "wider_model = deeper_model = cnn_model = None\n", "no saved model"),
    # results
    Mutant("results", "gap = train - test", _table('row["gap"] = row["test_accuracy"] - row["train_accuracy"]'),
           "gap is test_accuracy - train_accuracy"),
    Mutant("results", "train and test on their own data", """
_reference_table = results_table
def results_table(models, histories, data):
    swapped = {**data, "x_train": data["x_test"], "y_train": data["y_test"], "x_test": data["x_train"], "y_test": data["y_train"]}
    return _reference_table(models, histories, swapped)
""", "are swapped"),
    Mutant("results", "test accuracy measured, not the last validation accuracy", _table(
        'row["test_accuracy"] = histories[name]["val_accuracy"][-1]; row["gap"] = row["train_accuracy"] - row["test_accuracy"]')
        + 'results = results_table({"wider": wider_model, "deeper": deeper_model, "cnn": cnn_model}, histories, data)\n',
        "not the validation accuracy", slow=True),
    Mutant("results", "params of the model", _table('row["params"] = BUDGET'), "not the budget"),
    Mutant("results", "params an int", _table('row["params"] = float(row["params"])'), "expected an int"),
    Mutant("results", "accuracies as fractions", _table(
        'row.update({k: 100 * row[k] for k in ("train_accuracy", "test_accuracy", "gap")})'), "not percentages"),
    Mutant("results", "seconds from the history", _table('row["seconds"] = 0.0'), "seconds is not the history's"),
    Mutant("results", "any names of models", """
_reference_table = results_table
def results_table(models, histories, data):
    return _reference_table({name: models[name] for name in ("wider", "deeper", "cnn")}, histories, data)
""", "any names of models"),
    Mutant("results", "accuracies as floats", _table('row["train_accuracy"] = round(row["train_accuracy"])'),
           "expected a float"),
]

ALTERNATES: list[Alternate] = [
    Alternate("dense_param_count", "a loop", """
def dense_param_count(input_size, layer_sizes, output_size):
    total, previous = 0, input_size
    for units in list(layer_sizes) + [output_size]:
        total += (previous + 1) * int(units)
        previous = int(units)
    return int(total)
"""),
    Alternate("widths_for_budget", "a bisection", _wrap_widths("""
    low, high = 1, max_width or max(2, budget)
    while low < high:
        mid = (low + high) // 2
        if count(mid) >= budget:
            high = mid
        else:
            low = mid + 1
    width = low - 1 if low > 1 and abs(count(low - 1) - budget) <= abs(count(low) - budget) else low
    return [int(width)] * depth
""")),
    Alternate("architectures", "functional build_dense with Activation layers", """
def build_dense(layer_sizes, num_classes=47):
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Flatten()(inputs)
    for units in layer_sizes:
        x = keras.layers.Activation("relu")(keras.layers.Dense(int(units))(x))
    return keras.Model(inputs, keras.layers.Softmax()(keras.layers.Dense(num_classes)(x)))
"""),
    Alternate("architectures", "unequal wider widths and a deeper network of six layers", """
wider_sizes = [400, 360]
deeper_sizes = widths_for_budget(6, BUDGET, max_width=256)
"""),
    Alternate("fit_same_budget", "string optimizer and a loss object", _fit(
        optimizer='"adam"', loss="keras.losses.SparseCategoricalCrossentropy()")),
    Alternate("results", "accuracy with np.argmax and np.sum", """
def results_table(models, histories, data):
    def accuracy(model, x, y):
        return float(np.sum(np.argmax(model.predict(x, batch_size=1024, verbose=0), axis=1) == np.asarray(y)) / len(y))

    rows = {}
    for name in models:
        train, test = accuracy(models[name], data["x_train"], data["y_train"]), accuracy(models[name], data["x_test"], data["y_test"])
        rows[name] = dict(params=models[name].count_params(), train_accuracy=train, test_accuracy=test,
                          gap=train - test, seconds=histories[name]["seconds"])
    return rows
results = results_table({"wider": wider_model, "deeper": deeper_model, "cnn": cnn_model}, histories, data)
""", slow=True),
]

@pytest.mark.parametrize("mutant", [pytest.param(m, id=f"{m.question}: {m.clause}", marks=_marks(m.question, m.slow))
                                    for m in MUTANTS])
def test_mutant_is_rejected_for_its_reason(reference_env, mutant: Mutant):
    env = mutate(reference_env, mutant.code, f"{mutant.question}: {mutant.clause}")
    with _grading(ROOT):
        assert_rejects(ASSIGNMENT, mutant.question, env, mutant.because)


@pytest.mark.parametrize("alternate", [pytest.param(a, id=f"{a.question}: {a.variant}", marks=_marks(a.question, a.slow))
                                       for a in ALTERNATES])
def test_alternate_passes(reference_env, alternate: Alternate):
    env = mutate(reference_env, alternate.code, f"{alternate.question}: {alternate.variant}")
    with _grading(ROOT):
        assert_passes(ASSIGNMENT, alternate.question, env)


def test_every_question_has_mutants():
    counts = Counter(m.question for m in MUTANTS)
    assert set(counts) == set(QUESTIONS), f"questions without mutants: {set(QUESTIONS) - set(counts)}"
    assert all(m.because for m in MUTANTS), "every mutant names the reason its case gives"
