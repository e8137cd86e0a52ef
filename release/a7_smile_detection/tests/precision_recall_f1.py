"""precision_recall_f1: precision, recall and F1 of the positive class, and the accuracy."""
import numpy as np
from otter.test_files import test_case
OK_FORMAT = False  # otter: exception-based format
name = "precision_recall_f1"
points = 2
hidden_checks = ("examples where precision and recall differ (not swapped), F1 as their harmonic mean, the accuracy, "
                 "0.0 for every ratio whose denominator is 0, Python floats, and list and bool inputs")


@test_case(name="public_hand_example", points=0.5, hidden=False)
def public_hand_example(precision_recall_f1):
    y_true = np.array([1, 1, 1, 0, 0, 0, 0, 0])
    y_pred = np.array([1, 1, 0, 1, 0, 0, 0, 0])   # TP 2, FN 1, FP 1, TN 4
    m = precision_recall_f1(y_true, y_pred)
    assert isinstance(m, dict), f"precision_recall_f1 must return a dict, not {type(m).__name__}"
    for key, expected in [("precision", 2 / 3), ("recall", 2 / 3), ("f1", 2 / 3), ("accuracy", 6 / 8)]:
        assert np.isclose(m[key], expected), f"{key} is {m[key]}, expected {expected:.4f} (TP 2, FN 1, FP 1, TN 4)"
