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
