"""results: results_table measures parameters, train and test accuracy, their gap and the training time."""
import numbers

import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "results"
points = 2
hidden_checks = ("the accuracies measured on data['x_train'] and data['x_test'] as fractions, gap = train - test, "
                 "params and seconds with their types, one row per model under the names given, and the table of "
                 "the saved models")

COLUMNS = ("params", "train_accuracy", "test_accuracy", "gap", "seconds")


@test_case(name="public_table_of_the_three_networks", points=0.5, hidden=False)
def public_table_of_the_three_networks(results, wider_model, deeper_model, cnn_model):
    assert isinstance(results, dict), f"results must be the dict results_table returns, not {type(results).__name__}"
    for label, model in (("wider", wider_model), ("deeper", deeper_model), ("cnn", cnn_model)):
        assert label in results, f"results has no row {label!r}; it has {sorted(results)}"
        row = results[label]
        missing = [c for c in COLUMNS if c not in row]
        assert not missing, f"results[{label!r}] lacks {missing}"
        assert row["params"] == model.count_params(), (
            f"results[{label!r}]['params'] = {row['params']}; the model has {model.count_params()}"
        )
        for column in ("train_accuracy", "test_accuracy"):
            assert 0 <= row[column] <= 1, f"results[{label!r}][{column!r}] = {row[column]}: a fraction in [0, 1]"


def _accuracy(model, x, y):
    return float(np.mean(np.asarray(model.predict(x, batch_size=1024, verbose=0)).argmax(axis=1) == np.asarray(y)))


def _probe_table(results_table, names=("probe",)):
    """results_table on made-up data for an untrained model of the test's own (not of the budget's size):
    training labels half right, test labels random, so that train, test and validation accuracies all differ.
    Returns (table, {name: (model, train, test, seconds)})."""
    import keras

    rng = np.random.default_rng(3)
    x_train, x_test = rng.random((60, 28, 28, 1), dtype=np.float32), rng.random((30, 28, 28, 1), dtype=np.float32)
    keras.utils.set_random_seed(5)
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(47, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    y_train = np.asarray(model(x_train)).argmax(axis=1)
    y_train[::2] = (y_train[::2] + 1) % 47
    y_test = rng.integers(0, 47, 30)
    data = {"x_train": x_train, "y_train": y_train, "x_val": x_test[:5], "y_val": y_test[:5],
            "x_test": x_test, "y_test": y_test}
    seconds = {name: 12.5 + i for i, name in enumerate(names)}
    histories = {name: {"val_accuracy": [0.5], "seconds": seconds[name]} for name in names}
    try:
        table = results_table({name: model for name in names}, histories, data)
    except KeyError as error:
        raise AssertionError(f"results_table raised KeyError {error}: it must work for any names of models and needs "
                             "only histories[name]['seconds'] from the histories") from None
    train, test = (float(np.mean(np.asarray(model(x)).argmax(axis=1) == y)) for x, y in ((x_train, y_train), (x_test, y_test)))
    truth = {name: (model, train, test, seconds[name]) for name in names}
    return table, truth


@test_case(name="hidden_accuracies_on_the_given_data", points=0.5, hidden=True)
def hidden_accuracies_on_the_given_data(results_table):
    table, truth = _probe_table(results_table)
    row, (_, train, test, _) = table["probe"], truth["probe"]
    if max(row["train_accuracy"], row["test_accuracy"]) > 1:
        raise AssertionError("an accuracy is above 1: results_table gives fractions in [0, 1], not percentages or "
                             "counts")
    # (one image of tolerance: the test's copy of the model and the submission's may round differently)
    if abs(row["train_accuracy"] - test) <= 1 / 30 and abs(row["test_accuracy"] - train) <= 1 / 60:
        raise AssertionError("train_accuracy and test_accuracy are swapped: train_accuracy is measured on "
                             "data['x_train'], test_accuracy on data['x_test']")
    assert abs(row["train_accuracy"] - train) <= 1 / 60 + 1e-9, (
        "train_accuracy is not the model's accuracy on data['x_train'] and data['y_train'] (the class with the "
        "highest probability)"
    )
    assert abs(row["test_accuracy"] - test) <= 1 / 30 + 1e-9, (
        "test_accuracy is not the model's accuracy on data['x_test'] and data['y_test'] (not the validation "
        "accuracy of the history)"
    )


@test_case(name="hidden_gap_is_train_minus_test", points=0.25, hidden=True)
def hidden_gap_is_train_minus_test(results_table):
    row = _probe_table(results_table)[0]["probe"]
    if abs(row["gap"] + (row["train_accuracy"] - row["test_accuracy"])) < 1e-6:
        raise AssertionError("gap is test_accuracy - train_accuracy; it is train_accuracy - test_accuracy (how much "
                             "better the network does on the images it learned from)")
    assert abs(row["gap"] - (row["train_accuracy"] - row["test_accuracy"])) < 1e-6, (
        "gap is not train_accuracy - test_accuracy"
    )


@test_case(name="hidden_params_and_seconds", points=0.25, hidden=True)
def hidden_params_and_seconds(results_table):
    table, truth = _probe_table(results_table)
    row, (model, _, _, seconds) = table["probe"], truth["probe"]
    assert row["params"] == model.count_params(), (
        "params is not the model's model.count_params() (its own trainable parameters, not the budget)"
    )
    assert isinstance(row["params"], numbers.Integral), f"params is a {type(row['params']).__name__}; expected an int"
    assert isinstance(row["seconds"], numbers.Real) and row["seconds"] == seconds, (
        "seconds is not the history's histories[name]['seconds'] (the time measured while training)"
    )


@test_case(name="hidden_one_row_per_model_given", points=0.25, hidden=True)
def hidden_one_row_per_model_given(results_table):
    table, truth = _probe_table(results_table, names=("first", "second"))
    assert isinstance(table, dict) and sorted(table) == ["first", "second"], (
        f"results_table returned rows {sorted(table) if isinstance(table, dict) else type(table).__name__}; expected "
        "one row per entry of models, under the same names"
    )
    for name, row in table.items():
        assert row["seconds"] == truth[name][3], "each row's seconds must come from that model's own history"
        for column in ("train_accuracy", "test_accuracy", "gap"):
            value = row[column]
            assert isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral), (
                f"{column} is a {type(value).__name__}; expected a float"
            )


@test_case(name="hidden_results_of_the_saved_models", points=0.25, hidden=True)
def hidden_results_of_the_saved_models(results, wider_model, deeper_model, cnn_model, histories, data):
    for label, model in (("wider", wider_model), ("deeper", deeper_model), ("cnn", cnn_model)):
        row = results[label]
        test = _accuracy(model, data["x_test"], data["y_test"])
        assert abs(row["test_accuracy"] - test) < 2e-3, (
            f"results[{label!r}]['test_accuracy'] = {row['test_accuracy']:.4f}; the saved model gets {test:.4f}"
        )
        assert abs(row["gap"] - (row["train_accuracy"] - row["test_accuracy"])) < 1e-6, f"results[{label!r}]['gap']"
        assert abs(row["seconds"] - float(histories[label]["seconds"])) < 1e-6, f"results[{label!r}]['seconds']"
