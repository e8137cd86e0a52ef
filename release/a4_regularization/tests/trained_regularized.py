"""trained_regularized: the saved regularized CNN (regularized_cnn.keras): architecture, inference mode, accuracy."""
import numpy as np
from otter.test_files import test_case
OK_FORMAT = False  # otter: exception-based format
name = "trained_regularized"
points = 3
hidden_checks = "predictions that are deterministic at inference, and the accuracy on hidden EMNIST test images"


@test_case(name="public_saved_model", points=1, hidden=False)
def public_saved_model(regularized_cnn):
    import keras

    assert regularized_cnn is not None, (
        "regularized_cnn is None: the submission has no saved model regularized_cnn.keras (run the training cell, "
        "then submit regularized_cnn.keras beside the notebook)"
    )
    assert isinstance(regularized_cnn, keras.Model), f"regularized_cnn must be a keras.Model, not {type(regularized_cnn).__name__}"
    assert tuple(regularized_cnn.output_shape) == (None, 47), f"the output shape is {regularized_cnn.output_shape}; expected (None, 47)"
    kinds = [type(layer).__name__ for layer in regularized_cnn.layers]
    assert kinds.count("Conv2D") >= 2, f"the saved CNN has {kinds.count('Conv2D')} Conv2D layer(s); at least two are needed"
    assert "BatchNormalization" in kinds and "Dropout" in kinds, f"the saved CNN has the layers {kinds}; it needs BatchNormalization and Dropout"
