"""class_weights: balanced weights N / (K * N_c) for Keras' class_weight."""
import numpy as np
from otter.test_files import test_case
OK_FORMAT = False  # otter: exception-based format
name = "class_weights"
points = 1
hidden_checks = ("three classes, K counting only the classes present (labels need not be 0..K-1), list input, "
                 "and Python int keys with float weights")


@test_case(name="public_three_to_one", points=0.25, hidden=False)
def public_three_to_one(class_weights):
    weights = class_weights(np.array([0, 0, 0, 1]))
    assert isinstance(weights, dict), f"class_weights must return a dict, not {type(weights).__name__}"
    assert set(weights) == {0, 1}, f"the keys must be the classes 0 and 1, got {sorted(weights)}"
    assert np.isclose(weights[0], 4 / 6) and np.isclose(weights[1], 2.0), (
        f"for labels [0, 0, 0, 1] the weights are N / (K N_c) = 4/6 and 2; got {weights}"
    )
