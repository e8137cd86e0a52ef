"""conv_output_size: H' = floor((H + 2p - k) / s) + 1."""
import numbers

import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "conv_output_size"
points = 1
all_or_nothing = True


@test_case(name="public_examples", points=0.5, hidden=False)
def public_examples(conv_output_size):
    for (n, k, stride, pad), expected in [((28, 3, 1, 0), 26), ((28, 3, 1, 1), 28), ((28, 5, 2, 2), 14)]:
        got = conv_output_size(n, k, stride, pad)
        assert got == expected, (
            f"conv_output_size(n={n}, k={k}, stride={stride}, pad={pad}) returned {got}; expected {expected}"
        )


def _count_windows(n, k, stride, pad):
    """Slide the window over the padded axis and count the positions where it fits."""
    count, start = 0, 0
    while start + k <= n + 2 * pad:
        count, start = count + 1, start + stride
    return count


@test_case(name="hidden_floor_and_integer_result", points=0.5, hidden=True)
def hidden_floor_and_integer_result(conv_output_size):
    cases = [(7, 3, 2, 0), (6, 2, 2, 0), (5, 3, 2, 0), (10, 4, 3, 1), (28, 2, 2, 0), (27, 2, 2, 0), (4, 5, 1, 1)]
    rng = np.random.default_rng(5)
    for _ in range(40):
        k = int(rng.integers(1, 6))
        pad = int(rng.integers(0, 3))
        n = int(rng.integers(max(1, k - 2 * pad), 40))
        cases.append((n, k, int(rng.integers(1, 5)), pad))
    for n, k, stride, pad in cases:
        expected = _count_windows(n, k, stride, pad)
        got = conv_output_size(n, k, stride, pad)
        assert isinstance(got, numbers.Integral), (
            f"conv_output_size(n={n}, k={k}, stride={stride}, pad={pad}) returned {got!r} of type "
            f"{type(got).__name__}; return an int (use // for the floor division)"
        )
        assert got == expected, (
            f"conv_output_size(n={n}, k={k}, stride={stride}, pad={pad}) returned {got}; expected {expected} "
            "(the window must fit inside the padded input: floor, not round)"
        )
