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
