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


# --- hidden -------------------------------------------------------------------------------------
def _count_windows(n, k, stride, pad):
    """Slide the window over the padded axis and count the positions where it fits."""
    count, start = 0, 0
    while start + k <= n + 2 * pad:
        count, start = count + 1, start + stride
    return count


def _random_cases(seed, strides, pads):
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(30):
        k, pad = int(rng.integers(1, 6)), int(rng.choice(pads))
        cases.append((int(rng.integers(max(1, k - 2 * pad), 40)), k, int(rng.choice(strides)), pad))
    return cases


def _check(conv_output_size, cases, advice):
    for n, k, stride, pad in cases:
        expected = _count_windows(n, k, stride, pad)
        got = conv_output_size(n, k, stride, pad)
        if got != expected and got == -(-(n + 2 * pad - k) // stride) + 1:
            raise AssertionError("conv_output_size rounds up or to the nearest integer: a last window that does not "
                                 "fit is dropped, so take the floor of (n + 2*pad - k) / stride (see Part B)")
        if got != expected and got == (n + pad - k) // stride + 1:
            raise AssertionError("conv_output_size counts the padding once: `pad` zeros are added on EACH side, "
                                 "so the padded length is n + 2*pad (see Part B)")
        assert got == expected, f"conv_output_size returned {got}; expected {expected} ({advice})"


@test_case(name="hidden_floor_with_strides", points=0.25, hidden=True)
def hidden_floor_with_strides(conv_output_size):
    cases = [(7, 3, 2, 0), (6, 2, 2, 0), (5, 3, 2, 0), (28, 2, 2, 0), (27, 2, 2, 0), (10, 3, 4, 0)]
    _check(conv_output_size, cases + _random_cases(5, (2, 3, 4), (0,)),
           "the stride is the step between windows; floor, not round (see Part B)")


@test_case(name="hidden_padding_and_defaults", points=0.125, hidden=True)
def hidden_padding_and_defaults(conv_output_size):
    _check(conv_output_size, [(4, 5, 1, 1), (9, 4, 1, 3), (6, 1, 1, 2)] + _random_cases(6, (1,), (1, 2, 3)),
           "`pad` zeros are added on each side (see Part B)")
    for n, k in [(28, 3), (9, 4), (5, 5)]:
        got = conv_output_size(n, k)
        assert got == n - k + 1, (
            f"conv_output_size(n, k) without stride and pad returned {got}; the defaults are stride=1 and pad=0"
        )


@test_case(name="hidden_returns_int", points=0.125, hidden=True)
def hidden_returns_int(conv_output_size):
    for n, k, stride, pad in [(28, 3, 1, 0), (7, 3, 2, 0), (10, 4, 3, 1)]:
        got = conv_output_size(n, k, stride, pad)
        assert isinstance(got, numbers.Integral), (
            f"conv_output_size returned {got!r} of type {type(got).__name__}; return an int "
            "(use // for the floor division; see Part B)"
        )
