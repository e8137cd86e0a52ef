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


def _tiny_data(n_train, seed):
    rng = np.random.default_rng(seed)
    return {"x_train": rng.random((n_train, 28, 28, 1), dtype=np.float32), "y_train": rng.integers(0, 47, n_train),
            "x_val": rng.random((12, 28, 28, 1), dtype=np.float32), "y_val": rng.integers(0, 47, 12)}


def _weights(model):
    return np.concatenate([np.asarray(w, dtype=np.float64).ravel() for w in model.get_weights()])


@test_case(name="hidden_seed_before_build", points=0.5, hidden=True)
def hidden_seed_before_build(fit_same_budget, build_cnn):
    data = _tiny_data(16, 2)
    first, _, _ = fit_same_budget(build_cnn, data, {"epochs": 0, "batch_size": 16, "seed": 7})
    again, _, _ = fit_same_budget(build_cnn, data, {"epochs": 0, "batch_size": 16, "seed": 7})
    other, _, _ = fit_same_budget(build_cnn, data, {"epochs": 0, "batch_size": 16, "seed": 8})
    assert np.array_equal(_weights(first), _weights(again)), (
        "two calls with the same seed gave different initial weights: call keras.utils.set_random_seed(budget['seed']) "
        "right before build() (see Part D)"
    )
    assert not np.array_equal(_weights(first), _weights(other)), (
        "two calls with different seeds gave the same initial weights: the seed must be budget['seed'], not a fixed number"
    )


@test_case(name="hidden_one_adam_step_per_batch", points=0.5, hidden=True)
def hidden_one_adam_step_per_batch(fit_same_budget, build_cnn):
    # 0 epochs: the seeded initial weights. 1 epoch of 64 images in batches of 64: one gradient step, and
    # Adam's first step moves every weight with a gradient by about its learning rate (0.001), no more.
    data = _tiny_data(64, 5)
    start, _, _ = fit_same_budget(build_cnn, data, {"epochs": 0, "batch_size": 64, "seed": 3})
    stepped, history, _ = fit_same_budget(build_cnn, data, {"epochs": 1, "batch_size": 64, "seed": 3})
    assert len(history["loss"]) == 1, f"1 epoch asked, the history has {len(history['loss'])}"
    moved = np.abs(_weights(stepped) - _weights(start))
    if 0.0015 < moved.max() <= 0.0021:
        raise AssertionError("one epoch with batch_size equal to the number of images made two steps: pass "
                             "batch_size=budget['batch_size'] to fit (Keras' default is 32)")
    assert moved.max() <= 0.0010005, (
        f"after one training step a weight moved by {moved.max():.4f}; the first step of Adam with its default learning "
        "rate (0.001) moves it by at most 0.001: set the seed right before build(), use the budget's batch_size and "
        "keras.optimizers.Adam() without a learning rate"
    )
    assert np.mean(np.abs(moved - 0.001) < 1e-5) > 0.1, (
        "after one training step the weights did not move the way Adam's first step moves them (by its "
        "learning rate, 0.001): use keras.optimizers.Adam() with its default learning rate"
    )


@test_case(name="hidden_validation_and_loss", points=0.25, hidden=True)
def hidden_validation_and_loss(fit_same_budget, build_cnn):
    data = _tiny_data(48, 1)
    model, history, _ = fit_same_budget(build_cnn, data, {"epochs": 3, "batch_size": 8, "seed": 4})
    for key in ("val_loss", "val_accuracy"):
        assert len(history.get(key, [])) == 3, (
            f"history[{key!r}] must hold one value per epoch: validate on (data['x_val'], data['y_val']) after every epoch"
        )
    probs = np.asarray(model.predict(data["x_val"], verbose=0), dtype=np.float64)
    accuracy = float(np.mean(probs.argmax(axis=1) == data["y_val"]))
    assert abs(history["val_accuracy"][-1] - accuracy) < 1e-6, (
        "the last val_accuracy is not the trained model's accuracy on the validation split: validate on "
        "data['x_val'] and data['y_val']"
    )
    cross_entropy = float(-np.mean(np.log(np.clip(probs[np.arange(len(probs)), data["y_val"]], 1e-7, 1.0))))
    assert abs(history["val_loss"][-1] - cross_entropy) < 1e-3 * max(1.0, cross_entropy), (
        "the last val_loss is not the sparse categorical cross-entropy of the trained model on the validation "
        "split: compile with loss='sparse_categorical_crossentropy'"
    )


@test_case(name="hidden_epochs_and_seconds", points=0.25, hidden=True)
def hidden_epochs_and_seconds(fit_same_budget, build_cnn):
    data = _tiny_data(24, 6)
    started = time.perf_counter()
    _, history, seconds = fit_same_budget(build_cnn, data, {"epochs": 3, "batch_size": 12, "seed": 1})
    elapsed = time.perf_counter() - started
    for key in ("loss", "accuracy"):
        assert len(history.get(key, [])) == 3, (
            f"history[{key!r}] holds {len(history.get(key, []))} values for a budget of another number of epochs: "
            "train exactly budget['epochs'] epochs, with metrics=['accuracy']"
        )
    assert isinstance(seconds, float) and 0 < seconds <= elapsed, (
        "seconds is not the time fit took in seconds: take time.perf_counter() just before and after fit and return "
        "the difference (a float, in seconds)"
    )
