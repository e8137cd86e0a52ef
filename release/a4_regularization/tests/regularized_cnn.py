"""regularized_cnn: build_regularized_cnn(dropout_rate, batchnorm) adds Dropout / BatchNormalization as asked."""
import numpy as np
from otter.test_files import test_case
OK_FORMAT = False  # otter: exception-based format
name = "regularized_cnn"
points = 2
hidden_checks = ("other argument values (dropout 0, 0.3 and 0.5, with and without batch normalization): the layers they ask "
                 "for, BatchNormalization(momentum=0.9) between each bias-free convolution or hidden Dense layer and its ReLU, "
                 "Dropout(dropout_rate) right before each Dense layer, the plain CNN with biases, 47 probabilities, and "
                 "30,000 to 1,500,000 trainable parameters")


@test_case(name="public_default_has_both", points=1, hidden=False)
def public_default_has_both(build_regularized_cnn):
    import keras

    model = build_regularized_cnn()
    assert isinstance(model, keras.Model), f"build_regularized_cnn must return a keras.Model, not {type(model).__name__}"
    assert tuple(model.input_shape) == (None, 28, 28, 1), f"the CNN takes {model.input_shape}; expected (None, 28, 28, 1)"
    assert tuple(model.output_shape) == (None, 47), f"the CNN's output shape is {model.output_shape}; expected (None, 47)"
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds.count("Conv2D") >= 2, f"the CNN has {kinds.count('Conv2D')} Conv2D layer(s); at least two are needed"
    assert "BatchNormalization" in kinds and "Dropout" in kinds, (
        f"build_regularized_cnn() (dropout 0.25, batch normalization) has the layers {kinds}; "
        "it needs BatchNormalization and Dropout layers"
    )
