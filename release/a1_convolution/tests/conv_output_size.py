"""conv_output_size: H' = floor((H + 2p - k) / s) + 1."""
import numbers
import numpy as np
from otter.test_files import test_case
OK_FORMAT = False  # otter: exception-based format
name = "conv_output_size"
points = 1
hidden_checks = ("strides that do not divide evenly (floor, not round or ceil), padding on each side, "
                 "the default stride and padding, and an int result")


@test_case(name="public_examples", points=0.5, hidden=False)
def public_examples(conv_output_size):
    for (n, k, stride, pad), expected in [((28, 3, 1, 0), 26), ((28, 3, 1, 1), 28), ((28, 5, 2, 2), 14)]:
        got = conv_output_size(n, k, stride, pad)
        assert got == expected, (
            f"conv_output_size(n={n}, k={k}, stride={stride}, pad={pad}) returned {got}; expected {expected}"
        )
