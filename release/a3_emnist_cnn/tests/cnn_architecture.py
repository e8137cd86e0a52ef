"""cnn_architecture: build_cnn returns a CNN with >= 2 Conv2D layers (ReLU) each followed by MaxPooling2D,
Flatten, a 47-way softmax and 30,000 to 1,000,000 trainable parameters."""
import numpy as np
from otter.test_files import test_case
OK_FORMAT = False  # otter: exception-based format
name = "cnn_architecture"
points = 2
hidden_checks = ("ReLU on every Conv2D layer, a MaxPooling2D after each, Flatten before the dense part, "
                 "softmax probabilities on the output, and 30,000 to 1,000,000 trainable parameters")


@test_case(name="public_two_convolutions", points=0.5, hidden=False)
def public_two_convolutions(build_cnn):
    import keras

    model = build_cnn()
    assert isinstance(model, keras.Model), f"build_cnn must return a keras.Model, not {type(model).__name__}"
    assert tuple(model.input_shape) == (None, 28, 28, 1), f"the CNN takes {model.input_shape}; expected (None, 28, 28, 1)"
    assert tuple(model.output_shape) == (None, 47), f"the CNN's output shape is {model.output_shape}; expected (None, 47)"
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert len(convs) >= 2, f"the CNN has {len(convs)} Conv2D layer(s); at least two are needed"
