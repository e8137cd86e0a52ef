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
