"""smile_cnn: the saved smile classifier (smile_cnn.keras): shapes, and accuracy and F1 on hidden faces."""
import numpy as np
from otter.test_files import test_case
OK_FORMAT = False  # otter: exception-based format
name = "smile_cnn"
points = 4
hidden_checks = ("the saved model's F1 and accuracy on hidden faces (through your preprocess_faces), and that "
                 "build_smile_cnn returns a (None, 64, 64, 1) -> (None, 1) model ending in one sigmoid unit, compiled "
                 "with Adam, binary cross-entropy and the accuracy metric")


@test_case(name="public_saved_model", points=1, hidden=False)
def public_saved_model(smile_model, build_smile_cnn):
    import keras

    assert smile_model is not None, (
        "smile_model is None: the submission has no saved smile_cnn.keras (run the training cell, then submit "
        "smile_cnn.keras beside the notebook)"
    )
    assert isinstance(smile_model, keras.Model), f"smile_model must be a keras.Model, not {type(smile_model).__name__}"
    assert tuple(smile_model.input_shape) == (None, 64, 64, 1), f"the input shape is {smile_model.input_shape}; expected (None, 64, 64, 1)"
    assert tuple(smile_model.output_shape) == (None, 1), f"the output shape is {smile_model.output_shape}; expected (None, 1): one smile probability"
    out = np.asarray(smile_model.predict(np.random.default_rng(0).random((4, 64, 64, 1)).astype("float32"), verbose=0))
    assert np.all((out >= 0) & (out <= 1)), "the output must be a probability (a sigmoid unit)"
    convs = [layer for layer in smile_model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert len(convs) >= 2, f"the smile model has {len(convs)} Conv2D layer(s); a CNN with at least two is expected"
