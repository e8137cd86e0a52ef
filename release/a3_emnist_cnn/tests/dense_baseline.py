"""dense_baseline: Chapter 1's dense network, Flatten -> Dense 256 (ReLU) -> Dense 128 (ReLU) -> Dense 47 (softmax).

The checks compare what the network computes, not how it is written: ``keras.Sequential`` or the
functional API, ``activation="relu"`` or a separate ``Activation``/``ReLU`` layer all pass."""
import numpy as np
from otter.test_files import test_case
OK_FORMAT = False  # otter: exception-based format
name = "dense_baseline"
points = 1
hidden_checks = ("the input (28, 28, 1), the Dense layers 256, 128 and 47 in this order, ReLU after both hidden layers "
                 "and softmax on the output, each computed on the network's own outputs")


@test_case(name="public_parameters_and_output", points=0.25, hidden=False)
def public_parameters_and_output(build_dense_model):
    import keras

    model = build_dense_model()
    assert isinstance(model, keras.Model), f"build_dense_model must return a keras.Model, not {type(model).__name__}"
    assert tuple(model.output_shape) == (None, 47), f"the model's output shape is {model.output_shape}; expected (None, 47)"
    n = model.count_params()
    assert n == 239_919, f"the model has {n:,} parameters; Chapter 1's network has 239,919 (784*256+256 + 256*128+128 + 128*47+47)"
