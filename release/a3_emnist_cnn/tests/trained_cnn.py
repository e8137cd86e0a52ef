"""trained_cnn: the saved CNN (emnist_cnn.keras): Part C's architecture and its accuracy on hidden EMNIST images."""
import numpy as np
from otter.test_files import test_case
OK_FORMAT = False  # otter: exception-based format
name = "trained_cnn"
points = 3
hidden_checks = ("the saved CNN's input (28, 28, 1), softmax probabilities, 30,000 to 1,000,000 trainable parameters, "
                 "and its accuracy on hidden EMNIST test images prepared as in Part A")


@test_case(name="public_saved_cnn", points=1, hidden=False)
def public_saved_cnn(cnn_model):
    import keras

    assert cnn_model is not None, (
        "cnn_model is None: the submission has no saved model emnist_cnn.keras (run the training cell, "
        "then submit emnist_cnn.keras beside the notebook)"
    )
    assert isinstance(cnn_model, keras.Model), f"cnn_model must be a keras.Model, not {type(cnn_model).__name__}"
    assert tuple(cnn_model.output_shape) == (None, 47), f"the CNN's output shape is {cnn_model.output_shape}; expected (None, 47)"
    convs = [layer for layer in cnn_model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert len(convs) >= 2, f"the saved CNN has {len(convs)} Conv2D layer(s); at least two are needed"
