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
