"""dense_param_count: the trainable parameters of Flatten -> Dense ... -> Dense(output), weights and biases."""
import numbers

import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "dense_param_count"
points = 2
hidden_checks = ("one bias per unit of every layer, input_size and output_size used, other depths (one hidden layer, "
                 "many, none) given as lists, tuples or arrays, and a Python int returned")


@test_case(name="public_chapter_1_network", points=0.5, hidden=False)
def public_chapter_1_network(dense_param_count):
    got = dense_param_count(784, [256, 128], 47)
    assert got is not None, "dense_param_count returned None; did you forget `return`?"
    assert got == 239_919, (
        f"dense_param_count(784, [256, 128], 47) returned {got}; expected 239919 = "
        "(784 * 256 + 256) + (256 * 128 + 128) + (128 * 47 + 47)"
    )
    got = dense_param_count(784, [], 47)
    assert got == 784 * 47 + 47, (
        f"dense_param_count(784, [], 47) returned {got}; expected {784 * 47 + 47}: with no hidden layer "
        "the network is one Dense(47) layer on the 784 inputs"
    )


def _sizes(input_size, layer_sizes, output_size):
    return [int(input_size), *(int(w) for w in layer_sizes), int(output_size)]


def _count(input_size, layer_sizes, output_size):
    """The right count: inputs * units + units, summed over every Dense layer."""
    sizes = _sizes(input_size, layer_sizes, output_size)
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


def _check(dense_param_count, input_size, layer_sizes, output_size, what):
    """Compare with the right count; name the mistake when the result is a known wrong formula's."""
    try:
        got = dense_param_count(input_size, layer_sizes, output_size)
    except TypeError as error:
        raise AssertionError(f"{what}: dense_param_count raised TypeError ({error}); layer_sizes may be a list, a "
                             "tuple or a NumPy array: convert it with list(layer_sizes)") from None
    expected = _count(input_size, layer_sizes, output_size)
    sizes = _sizes(input_size, layer_sizes, output_size)
    pairs = list(zip(sizes[:-1], sizes[1:]))
    mistakes = {
        sum(a * b for a, b in pairs): "the biases are not counted: a Dense layer has inputs * units weights plus one "
                                      "bias per unit (see Part A)",
        sum(a * b + 1 for a, b in pairs): "one bias per layer is counted; a Dense layer has one bias per unit (see Part A)",
        sum((a * b + a) for a, b in pairs): "the biases are counted per input; a Dense layer has one bias per unit, "
                                            "inputs * units + units (see Part A)",
        sum(a * b + b for a, b in pairs[:-1]): "the output layer is not counted: add its inputs * output_size + "
                                               "output_size parameters (see Part A)",
        _count(784, layer_sizes, output_size): "the first layer has 784 inputs whatever input_size says: use input_size",
        _count(input_size, layer_sizes, 47): "the output layer has 47 units whatever output_size says: use output_size",
    }
    mistakes.pop(expected, None)
    if got in mistakes:
        raise AssertionError(f"{what}: {mistakes[got]}")
    assert got == expected, (
        f"{what}: dense_param_count is off by {got - expected:+,} parameters; each Dense layer has inputs * units "
        "weights and one bias per unit, and the output layer counts too (see Part A)"
    )


@test_case(name="hidden_biases_per_unit", points=0.5, hidden=True)
def hidden_biases_per_unit(dense_param_count):
    for args in ((784, [384, 384], 47), (3, [5, 7, 2], 4), (10, [1], 1)):
        _check(dense_param_count, *args, "a network of other layer sizes")


@test_case(name="hidden_input_and_output_sizes_used", points=0.5, hidden=True)
def hidden_input_and_output_sizes_used(dense_param_count):
    rng = np.random.default_rng(8)
    for _ in range(5):
        depth = int(rng.integers(1, 6))
        _check(dense_param_count, int(rng.integers(2, 900)), [int(w) for w in rng.integers(1, 300, size=depth)],
               int(rng.integers(2, 60)), "a network with other inputs and outputs than 784 and 47")


@test_case(name="hidden_other_depths_and_sequences", points=0.25, hidden=True)
def hidden_other_depths_and_sequences(dense_param_count):
    for args in ((784, [253] * 5, 47), (1, [1, 1, 1], 1), (50, [], 3), (784, (100, 50), 10), (784, np.array([100, 50]), 10)):
        _check(dense_param_count, *args, f"hidden layers given as a {type(args[1]).__name__} of {len(args[1])} sizes")


@test_case(name="hidden_returns_an_int", points=0.25, hidden=True)
def hidden_returns_an_int(dense_param_count):
    for args in ((784, [384, 384], 47), (784, np.array([100, 50]), 10)):
        got = dense_param_count(*args)
        assert isinstance(got, numbers.Integral) and not isinstance(got, bool), (
            f"dense_param_count returned {type(got).__name__} {got!r}; return an int (a count of parameters)"
        )
