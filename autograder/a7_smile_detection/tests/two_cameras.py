"""two_cameras: the saved smile_cnn_two_cameras.keras, deciding at 0.5, on hidden faces of both data sets."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "two_cameras"
points = 2
hidden_checks = ("the saved two-camera model's accuracy and F1 at 0.5 (through your preprocess_faces) on hidden faces "
                 "of the second data set (GENKI-4K's test part, or drawn faces of the second camera) and of the first")


@test_case(name="public_saved_model", points=0.5, hidden=False)
def public_saved_model(two_camera_model):
    import keras

    assert two_camera_model is not None, (
        "two_camera_model is None: the submission has no saved smile_cnn_two_cameras.keras (run Part G's training "
        "cell, then submit the file beside the notebook)"
    )
    assert isinstance(two_camera_model, keras.Model), (
        f"two_camera_model must be a keras.Model, not {type(two_camera_model).__name__}"
    )
    assert tuple(two_camera_model.input_shape) == (None, 64, 64, 1), (
        f"the input shape is {two_camera_model.input_shape}; expected (None, 64, 64, 1)"
    )
    assert tuple(two_camera_model.output_shape) == (None, 1), (
        f"the output shape is {two_camera_model.output_shape}; expected (None, 1): one smile probability"
    )


# --- hidden -------------------------------------------------------------------------------------
def _measure(model, preprocess_faces, dataset):
    """(accuracy, F1 of the smile class) of the model's decisions (output >= 0.5) on hidden faces."""
    from cnnkit.checks import hidden_eval_data

    data = hidden_eval_data(dataset)
    x = np.asarray(preprocess_faces(data["images"]), dtype="float32")
    predicted = np.asarray(model.predict(x, batch_size=256, verbose=0)).ravel() >= 0.5
    truth = data["labels"].astype(bool)
    tp = int(np.sum(predicted & truth))
    return float(np.mean(predicted == truth)), 2 * tp / max(int(predicted.sum()) + int(truth.sum()), 1)


def _assert_reaches(model, preprocess_faces, dataset, what):
    from cnnkit.checks import threshold

    assert model is not None, "there is no saved smile_cnn_two_cameras.keras to measure"
    accuracy, f1 = _measure(model, preprocess_faces, dataset)
    need_accuracy, need_f1 = threshold("a7_two_cameras_accuracy", dataset), threshold("a7_two_cameras_f1", dataset)
    assert accuracy >= need_accuracy and f1 >= need_f1, (
        f"on hidden faces of {what} the two-camera model's accuracy is {accuracy:.3f} and its F1 {f1:.3f}; at least "
        f"{need_accuracy} and {need_f1} are expected (train on the mix of both training parts, with the "
        "augmentations, and fold the threshold chosen on the second data set's validation faces into the bias)"
    )


@test_case(name="hidden_second_data_set", points=1, hidden=True)
def hidden_second_data_set(two_camera_model, preprocess_faces):
    _assert_reaches(two_camera_model, preprocess_faces, "second_faces", "the second data set")


@test_case(name="hidden_first_data_set", points=0.5, hidden=True)
def hidden_first_data_set(two_camera_model, preprocess_faces):
    _assert_reaches(two_camera_model, preprocess_faces, "smiles", "the first data set")
