"""compare_with_keras: largest |difference| from the Keras probabilities, top-1 agreement and accuracy."""
import numpy as np
from otter.test_files import test_case
OK_FORMAT = False  # otter: exception-based format
name = "compare_with_keras"
points = 2
hidden_checks = ("each of the three values on other numbers of images and classes: the largest absolute difference "
                 "over all images and classes, agreement between the two models' most probable classes, and accuracy "
                 "of probs (not of keras_probs) against the labels, as fractions and floats")
KEYS = ("max_abs_diff", "agreement", "accuracy")


@test_case(name="public_small_example", points=0.5, hidden=False)
def public_small_example(compare_with_keras):
    # (self-contained: the release keeps the public cases without the file's helper functions)
    out = compare_with_keras([[0.7, 0.2, 0.1], [0.2, 0.5, 0.3]], [[0.8, 0.1, 0.1], [0.5, 0.2, 0.3]], [1, 1])
    assert out is not None, "compare_with_keras returned None; did you forget `return`?"
    assert isinstance(out, dict), f"compare_with_keras must return a dict, not {type(out).__name__}"
    assert set(out) >= set(KEYS), f"compare_with_keras returned the keys {sorted(out)}; expected {', '.join(KEYS)}"
    for key, expected in (("max_abs_diff", 0.3), ("agreement", 0.5), ("accuracy", 0.5)):
        assert abs(float(out[key]) - expected) < 1e-6, f"{key} = {out[key]}; expected {expected}"
