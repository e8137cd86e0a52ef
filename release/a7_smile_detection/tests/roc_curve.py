"""roc_curve: false- and true-positive rates for every threshold, from inf down to the lowest score."""
import numpy as np
from otter.test_files import test_case
OK_FORMAT = False  # otter: exception-based format
name = "roc_curve"
points = 2
hidden_checks = ("float arrays, the endpoints (0, 0) and (1, 1), thresholds inf then each distinct score once in "
                 "decreasing order, tied scores switching together at score >= t, and scores outside [0, 1], "
                 "unsorted, on larger random inputs")


@test_case(name="public_four_scores", points=0.5, hidden=False)
def public_four_scores(roc_curve):
    result = roc_curve(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    assert result is not None and len(result) == 3, "roc_curve must return (fpr, tpr, thresholds)"
    fpr, tpr, thresholds = (np.asarray(a, dtype=float) for a in result)
    assert np.array_equal(thresholds, [np.inf, 0.8, 0.4, 0.35, 0.1]), f"thresholds {thresholds}; expected [inf, 0.8, 0.4, 0.35, 0.1]"
    assert np.allclose(tpr, [0, 0.5, 0.5, 1, 1]), f"tpr {tpr}; expected [0, 0.5, 0.5, 1, 1]"
    assert np.allclose(fpr, [0, 0, 0.5, 0.5, 1]), f"fpr {fpr}; expected [0, 0, 0.5, 0.5, 1]"
