"""save_and_reload: Keras' native .keras format at the path given, the model loaded back from it; the submitted mobile_cnn.keras."""
import shutil
import zipfile
from pathlib import Path

import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "save_and_reload"
points = 2
hidden_checks = ("another model and another file name (the model and the path passed in are used), that what is "
                 "returned is the model loaded from the file, a new object independent of the original, and that the "
                 "submitted mobile_cnn.keras predicts like the notebook's model")

MODEL_FILE = "mobile_cnn.keras"


@test_case(name="public_saves_and_reloads", points=0.5, hidden=False)
def public_saves_and_reloads(save_and_reload, model):
    import keras

    assert model is not None, (
        f"model is None: run the training cell (when graded, the submission needs {MODEL_FILE} beside the notebook)"
    )
    path = Path("check_save_and_reload.keras")
    path.unlink(missing_ok=True)
    try:
        reloaded = save_and_reload(model, str(path))
        # (self-contained: the release keeps the public cases without the file's helper functions)
        assert reloaded is not None, "save_and_reload returned None; did you forget `return`?"
        assert path.is_file(), f"save_and_reload(model, {str(path)!r}) wrote no file {path}"
        assert zipfile.is_zipfile(path), f"{path} is not Keras' native format (a zip archive): use model.save(path)"
        with zipfile.ZipFile(path) as archive:
            members = set(archive.namelist())
        assert {"config.json", "model.weights.h5"} <= members, (
            f"{path} holds {sorted(members)}; Keras' native format has config.json and model.weights.h5"
        )
        assert isinstance(reloaded, keras.Model), f"save_and_reload must return a keras.Model, not {type(reloaded).__name__}"
        x = np.random.default_rng(0).random((16, 28, 28, 1)).astype("float32")
        expected, got = np.asarray(model(x, training=False)), np.asarray(reloaded(x, training=False))
        assert got.shape == expected.shape and np.array_equal(got, expected), (
            "the reloaded model's predictions differ from the original model's "
            f"(largest difference {np.abs(got - expected).max() if got.shape == expected.shape else 'shape'}); they must be identical"
        )
    finally:
        path.unlink(missing_ok=True)


# --- hidden -------------------------------------------------------------------------------------


def _native_file(path):
    """Fail unless ``path`` is a file in Keras' native format."""
    assert path.is_file(), f"save_and_reload(model, {str(path)!r}) wrote no file {path}: save to the path it is given"
    assert zipfile.is_zipfile(path), f"{path} is not Keras' native format (a zip archive): use model.save(path) (see Part A)"
    with zipfile.ZipFile(path) as archive:
        members = set(archive.namelist())
    assert {"config.json", "model.weights.h5"} <= members, (
        f"{path} holds {sorted(members)}; Keras' native format has config.json and model.weights.h5 (see Part A)"
    )


def _same_predictions(got_model, expected_model, what):
    """Fail unless the two models predict bit for bit the same on random images."""
    x = np.random.default_rng(0).random((16, 28, 28, 1)).astype("float32")
    expected, got = np.asarray(expected_model(x, training=False)), np.asarray(got_model(x, training=False))
    assert got.shape == expected.shape and np.array_equal(got, expected), (
        f"the model save_and_reload returned does not predict like {what} "
        f"(largest difference {np.abs(got - expected).max() if got.shape == expected.shape else 'shape'}); they must be identical"
    )


@test_case(name="hidden_uses_model_and_path_given", points=0.5, hidden=True)
def hidden_uses_model_and_path_given(save_and_reload, model, keras):
    # `keras` is the notebook's module: the clone is a model of the notebook (its own, newly initialised weights).
    from keras import Model

    assert model is not None, f"model is None: the submission has no usable {MODEL_FILE}"
    other = keras.models.clone_model(model)
    folder = Path("check_save_and_reload")
    folder.mkdir(exist_ok=True)
    folder.chmod(0o777)  # the judge makes it; the submission's (sandboxed) kernel writes in it
    path = folder / "another model.keras"
    try:
        reloaded = save_and_reload(other, str(path))
        _native_file(path)
        assert isinstance(reloaded, Model), f"save_and_reload must return a keras.Model, not {type(reloaded).__name__}"
        _same_predictions(reloaded, other, "the model it was given (another model than the notebook's `model`): save and "
                          "load the `model` and `path` passed in, not the notebook's globals or a file name of your own")
        from_file = keras.saving.load_model(str(path), compile=False)
        _same_predictions(reloaded, from_file, f"the model in {path}: return what keras.models.load_model(path) gives")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@test_case(name="hidden_returns_a_new_object", points=0.5, hidden=True)
def hidden_returns_a_new_object(save_and_reload, model, keras):
    # keras.Model.get_weights/set_weights of the notebook's module act on the notebook's objects themselves.
    from keras import Model

    assert model is not None, f"model is None: the submission has no usable {MODEL_FILE}"
    path = Path("check_save_and_reload_new.keras")
    original = keras.Model.get_weights(model)
    try:
        reloaded = save_and_reload(model, str(path))
        assert isinstance(reloaded, Model), f"save_and_reload must return a keras.Model, not {type(reloaded).__name__}"
        keras.Model.set_weights(model, [w * 0 for w in original])
        changed = [np.asarray(w) for w in keras.Model.get_weights(reloaded)]
        assert any(np.any(w != 0) for w in changed), (
            "the model save_and_reload returned changes when the original model does: it is the original object; "
            "return the new model keras.models.load_model(path) builds from the file (see Part A)"
        )
    finally:
        keras.Model.set_weights(model, original)
        path.unlink(missing_ok=True)


@test_case(name="hidden_submitted_model_file", points=0.5, hidden=True)
def hidden_submitted_model_file(model):
    import keras

    from cnnkit.checks import hidden_eval_data

    assert model is not None, f"model is None: the submission has no usable {MODEL_FILE}"
    path = Path(MODEL_FILE)
    assert path.is_file() and zipfile.is_zipfile(path), f"{MODEL_FILE} is missing or not in Keras' native format"
    saved = keras.saving.load_model(path, compile=False, safe_mode=True)
    assert tuple(saved.input_shape) == (None, 28, 28, 1), f"{MODEL_FILE} takes {saved.input_shape}; expected (None, 28, 28, 1)"
    assert tuple(saved.output_shape) == (None, 47), f"{MODEL_FILE} returns {saved.output_shape}; expected (None, 47)"
    x = hidden_eval_data("emnist")["images"][:500, :, :, None].astype("float32") / 255
    expected, got = np.asarray(model(x, training=False)), np.asarray(saved(x, training=False))
    assert np.array_equal(got, expected), (
        f"{MODEL_FILE} does not predict like the notebook's `model`: submit the file the notebook saved"
    )
