"""architectures: build_dense, and the wider and deeper networks' layer rules and +-5 % parameter budget.

build_dense is checked by what it computes, not how it is written: ``keras.Sequential`` or the functional
API, ``activation=...`` or separate ``Activation`` layers all pass."""
import numpy as np
from otter.test_files import test_case
OK_FORMAT = False  # otter: exception-based format
name = "architectures"
points = 3
hidden_checks = ("build_dense for other layer lists (none, one, several) and another num_classes, ReLU after every "
                 "hidden layer and softmax on the output, the wider network's two layers each at least as wide as "
                 "Chapter 1's, the deeper network's four or more layers of at most 256, and the reference CNN unchanged")
BASELINE_SIZES = [256, 128]
TOLERANCE = 0.05


@test_case(name="public_build_dense_and_budgets", points=1, hidden=False)
def public_build_dense_and_budgets(build_dense, wider_sizes, deeper_sizes):
    from cnnkit.config import load_course_config

    model = build_dense([256, 128])
    assert model is not None, "build_dense returned None; did you forget `return`?"
    assert model.count_params() == 239_919, (
        f"build_dense([256, 128]) has {model.count_params()} parameters; Chapter 1's network has 239919"
    )
    assert tuple(model.input_shape) == (None, 28, 28, 1), f"the input shape is {model.input_shape}; expected (None, 28, 28, 1)"
    assert tuple(model.output_shape) == (None, 47), f"the output shape is {model.output_shape}; expected (None, 47)"
    budget = load_course_config().REFERENCE_CNN_PARAMS
    for label, sizes in (("wider_sizes", wider_sizes), ("deeper_sizes", deeper_sizes)):
        assert sizes is not None, f"{label} is None: set it to the list of hidden-layer widths"
        count = build_dense(sizes).count_params()
        assert abs(count / budget - 1) <= TOLERANCE, (
            f"build_dense({label}) has {count} parameters, {count / budget - 1:+.1%} of the budget {budget}; "
            "it must be within 5 %"
        )
