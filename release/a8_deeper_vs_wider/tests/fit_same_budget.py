"""fit_same_budget: the seed right before building, Adam (default learning rate), sparse cross-entropy, the
budget's epochs and batch size, validation after every epoch, and (model, history dict, seconds) returned."""
import time
import numpy as np
from otter.test_files import test_case
OK_FORMAT = False  # otter: exception-based format
name = "fit_same_budget"
points = 2
hidden_checks = ("the budget's seed (the same seed gives the same initial weights, another seed others), one Adam "
                 "step of the default learning rate per batch of budget['batch_size'], the budget's epochs, "
                 "validation on (x_val, y_val) with sparse categorical cross-entropy, and seconds measured around fit")


@test_case(name="public_returns_model_history_seconds", points=0.5, hidden=False)
def public_returns_model_history_seconds(fit_same_budget, build_cnn):
    import keras

    rng = np.random.default_rng(0)
    data = {"x_train": rng.random((40, 28, 28, 1), dtype=np.float32), "y_train": rng.integers(0, 47, 40),
            "x_val": rng.random((10, 28, 28, 1), dtype=np.float32), "y_val": rng.integers(0, 47, 10)}
    result = fit_same_budget(build_cnn, data, {"epochs": 2, "batch_size": 16, "seed": 0})
    assert isinstance(result, tuple) and len(result) == 3, "fit_same_budget must return (model, history, seconds)"
    model, history, seconds = result
    assert isinstance(model, keras.Model), f"the first value must be the trained keras.Model, not {type(model).__name__}"
    assert isinstance(history, dict), f"history must be the dict History.history, not {type(history).__name__}"
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert key in history and len(history[key]) == 2, (
            f"history[{key!r}] must hold one value per epoch (2 here); history has {sorted(history)}"
        )
    assert isinstance(seconds, float) and seconds > 0, f"seconds must be a positive float, got {seconds!r}"
