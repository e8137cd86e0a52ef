"""dropout_forward: inverted dropout; the identity at inference, expectation-preserving in training."""
import numpy as np
from otter.test_files import test_case
OK_FORMAT = False  # otter: exception-based format
name = "dropout_forward"
points = 3
hidden_checks = ("other shapes and rates, the identity at inference for any rate and seed (a float array), the fraction "
                 "dropped, kept values divided by 1 - rate (rate 0 included), and the mask drawn from the given seed as "
                 "rng.random(x.shape) >= rate")


@test_case(name="public_inference_and_scaling", points=1, hidden=False)
def public_inference_and_scaling(dropout_forward):
    x = np.arange(1.0, 13.0).reshape(3, 4)
    out = dropout_forward(x, 0.5, False, 0)
    assert out is not None, "dropout_forward returned None; did you forget `return`?"
    out = np.asarray(out)
    assert out.shape == x.shape and np.array_equal(out, x), "at inference (training=False) dropout must return x unchanged"
    out = np.asarray(dropout_forward(np.ones((50, 40)), 0.5, True, 0))
    assert out.shape == (50, 40), f"dropout_forward kept shape (50, 40) as {out.shape}"
    values = set(np.unique(out).round(6))
    assert values <= {0.0, 2.0} and len(values) == 2, (
        f"dropout of ones with rate 0.5 in training gave the values {sorted(values)}; expected 0 (dropped) "
        "and 2 (kept, scaled by 1 / (1 - rate))"
    )
