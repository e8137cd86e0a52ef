"""dense_param_count: the trainable parameters of Flatten -> Dense ... -> Dense(output), weights and biases."""
import numbers

import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "dense_param_count"
points = 2
all_or_nothing = True


@test_case(name="public_chapter_1_network", points=1, hidden=False)
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


def _keras_count(input_size, layer_sizes, output_size):
    """What Keras counts for the same network."""
    import keras

    layers = [keras.Input((input_size,))] + [keras.layers.Dense(int(units)) for units in layer_sizes]
    return keras.Sequential(layers + [keras.layers.Dense(output_size)]).count_params()


@test_case(name="hidden_matches_keras_count_params", points=1, hidden=True)
def hidden_matches_keras_count_params(dense_param_count):
    rng = np.random.default_rng(8)
    cases = [(784, [384, 384], 47), (784, [253] * 5, 47), (10, [1], 1), (3, (5, 7, 2), 4), (1, [1, 1, 1], 1),
             (784, np.array([100, 50]), 10)]
    for _ in range(5):
        depth = int(rng.integers(1, 6))
        cases.append((int(rng.integers(2, 900)), [int(w) for w in rng.integers(1, 300, size=depth)],
                      int(rng.integers(2, 60))))
    for input_size, layer_sizes, output_size in cases:
        got = dense_param_count(input_size, layer_sizes, output_size)
        expected = _keras_count(input_size, layer_sizes, output_size)
        call = f"dense_param_count({input_size}, {list(layer_sizes)}, {output_size})"
        assert isinstance(got, numbers.Integral), f"{call} returned {got!r} of type {type(got).__name__}; return an int"
        assert got == expected, (
            f"{call} returned {got}; Keras counts {expected} (each Dense layer has inputs * units weights "
            "and one bias per unit; count the output layer too)"
        )
