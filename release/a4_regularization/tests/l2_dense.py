"""l2_dense: Chapter 1's dense network with an L2 penalty (kernel_regularizer) on every Dense kernel."""
import numpy as np
from otter.test_files import test_case
OK_FORMAT = False  # otter: exception-based format
name = "l2_dense"
points = 1
hidden_checks = ("the penalty equal to l2 * sum of the squared kernels for other l2 values, on the kernels only (not the biases), "
                 "no regularizer for l2 = 0, and the function computed: Flatten, Dense 256 and 128 with ReLU, Dense 47 with softmax")


@test_case(name="public_penalty_on_every_kernel", points=0.5, hidden=False)
def public_penalty_on_every_kernel(build_dense_model):
    import keras

    model = build_dense_model(1e-3)
    assert isinstance(model, keras.Model), f"build_dense_model must return a keras.Model, not {type(model).__name__}"
    assert model.count_params() == 239_919, f"the model has {model.count_params():,} parameters; Chapter 1's network has 239,919"
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    missing = [layer.name for layer in dense if layer.kernel_regularizer is None]
    assert len(dense) == 3 and not missing, f"Dense layers without kernel_regularizer: {missing}; all three need the L2 penalty"
