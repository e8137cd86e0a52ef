"""results: results_table measures parameters, train and test accuracy, their gap and the training time."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "results"
points = 2
all_or_nothing = True

COLUMNS = ("params", "train_accuracy", "test_accuracy", "gap", "seconds")


@test_case(name="public_table_of_the_three_networks", points=1, hidden=False)
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


@test_case(name="hidden_measured_on_the_given_data", points=0.5, hidden=True)
def hidden_measured_on_the_given_data(results_table, build_cnn):
    model = build_cnn()  # untrained: the test makes up labels it gets half right on the training images
    rng = np.random.default_rng(3)
    x_train, x_test = rng.random((60, 28, 28, 1), dtype=np.float32), rng.random((30, 28, 28, 1), dtype=np.float32)
    y_train = np.asarray(model.predict(x_train, verbose=0)).argmax(axis=1)
    y_train[::2] = (y_train[::2] + 1) % 47
    y_test = rng.integers(0, 47, 30)
    data = {"x_train": x_train, "y_train": y_train, "x_val": x_test[:5], "y_val": y_test[:5],
            "x_test": x_test, "y_test": y_test}
    table = results_table({"probe": model}, {"probe": {"val_accuracy": [0.5], "seconds": 12.5}}, data)
    row = table["probe"]
    train, test = _accuracy(model, x_train, y_train), _accuracy(model, x_test, y_test)
    assert row["params"] == model.count_params(), f"params = {row['params']}; the model has {model.count_params()}"
    # (one image of tolerance: the test's copy of the model and the submission's may round differently)
    assert abs(row["train_accuracy"] - train) <= 1 / 60 + 1e-9, (
        f"train_accuracy = {row['train_accuracy']}; the model gets {train} of data['x_train'] right"
    )
    assert abs(row["test_accuracy"] - test) <= 1 / 30 + 1e-9, (
        f"test_accuracy = {row['test_accuracy']}; the model gets {test} of data['x_test'] right"
    )
    assert abs(row["gap"] - (row["train_accuracy"] - row["test_accuracy"])) < 1e-6, (
        f"gap = {row['gap']}; expected train_accuracy - test_accuracy = {row['train_accuracy'] - row['test_accuracy']}"
    )
    assert row["seconds"] == 12.5, f"seconds = {row['seconds']}; expected the history's 12.5"


@test_case(name="hidden_results_of_the_saved_models", points=0.5, hidden=True)
def hidden_results_of_the_saved_models(results, wider_model, deeper_model, cnn_model, histories, data):
    for label, model in (("wider", wider_model), ("deeper", deeper_model), ("cnn", cnn_model)):
        row = results[label]
        test = _accuracy(model, data["x_test"], data["y_test"])
        assert abs(row["test_accuracy"] - test) < 2e-3, (
            f"results[{label!r}]['test_accuracy'] = {row['test_accuracy']:.4f}; the saved model gets {test:.4f}"
        )
        assert abs(row["gap"] - (row["train_accuracy"] - row["test_accuracy"])) < 1e-6, f"results[{label!r}]['gap']"
        assert abs(row["seconds"] - float(histories[label]["seconds"])) < 1e-6, f"results[{label!r}]['seconds']"
