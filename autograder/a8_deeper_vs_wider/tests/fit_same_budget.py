"""fit_same_budget: the seed before building, Adam (default learning rate), sparse cross-entropy, the
budget's epochs and batch size, validation after every epoch, and what it returns."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "fit_same_budget"
points = 2
all_or_nothing = True


@test_case(name="public_returns_model_history_seconds", points=1, hidden=False)
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


@test_case(name="hidden_one_adam_step_from_the_seeded_weights", points=0.5, hidden=True)
def hidden_one_adam_step_from_the_seeded_weights(fit_same_budget, build_cnn):
    # 0 epochs: the seeded initial weights. 1 epoch of 64 images in batches of 64: one gradient step,
    # and Adam's first step moves every weight with a gradient by its learning rate (0.001), no more.
    data = _tiny_data(64, 5)
    start, _, _ = fit_same_budget(build_cnn, data, {"epochs": 0, "batch_size": 64, "seed": 3})
    stepped, history, _ = fit_same_budget(build_cnn, data, {"epochs": 1, "batch_size": 64, "seed": 3})
    assert len(history["loss"]) == 1, f"1 epoch asked, the history has {len(history['loss'])}"
    moved = np.abs(_weights(stepped) - _weights(start))
    assert moved.max() <= 0.0010005, (
        f"after one epoch of 64 images in batches of 64 a weight moved by {moved.max():.4f}; one step of Adam "
        "(learning rate 0.001) moves it by at most 0.001: set the seed right before build(), use the budget's "
        "epochs and batch_size, and Adam's default learning rate"
    )
    assert np.mean(np.abs(moved - 0.001) < 1e-5) > 0.1, (
        "after one training step the weights did not move the way Adam's first step moves them (by its "
        "learning rate, 0.001): use keras.optimizers.Adam() with its default learning rate"
    )


@test_case(name="hidden_validation_and_loss", points=0.5, hidden=True)
def hidden_validation_and_loss(fit_same_budget, build_cnn):
    data = _tiny_data(48, 1)
    model, history, _ = fit_same_budget(build_cnn, data, {"epochs": 3, "batch_size": 8, "seed": 4})
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert len(history.get(key, [])) == 3, f"history[{key!r}] must hold one value per epoch (3 here)"
    probs = np.asarray(model.predict(data["x_val"], verbose=0), dtype=np.float64)
    accuracy = float(np.mean(probs.argmax(axis=1) == data["y_val"]))
    assert abs(history["val_accuracy"][-1] - accuracy) < 1e-6, (
        f"the last val_accuracy is {history['val_accuracy'][-1]}; the trained model gets {accuracy} of "
        "(x_val, y_val) right: validate on data['x_val'] and data['y_val']"
    )
    cross_entropy = float(-np.mean(np.log(np.clip(probs[np.arange(len(probs)), data["y_val"]], 1e-7, 1.0))))
    assert abs(history["val_loss"][-1] - cross_entropy) < 1e-3 * max(1.0, cross_entropy), (
        f"the last val_loss is {history['val_loss'][-1]:.4f}; the sparse categorical cross-entropy of the "
        f"trained model on the validation data is {cross_entropy:.4f}: use loss='sparse_categorical_crossentropy'"
    )
