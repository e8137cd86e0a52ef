"""choose_threshold: the score with the best F1 on validation data, ties to the largest."""
import numpy as np
from otter.test_files import test_case
OK_FORMAT = False  # otter: exception-based format
name = "choose_threshold"
points = 1
hidden_checks = ("the best F1 on random validation sets (not the accuracy, not 0.5), predictions by score >= t, ties "
                 "between thresholds of equal F1 broken towards the largest, repeated scores, list input, a Python float")


@test_case(name="public_hand_computed", points=0.25, hidden=False)
def public_hand_computed(choose_threshold):
    y = np.array([0, 0, 1, 0, 1, 1])
    s = np.array([0.1, 0.2, 0.3, 0.4, 0.8, 0.9])
    t = choose_threshold(y, s)
    # score >= 0.3: 3 TP, 1 FP -> F1 6/7; >= 0.8: 2 TP -> F1 0.8; >= 0.1: F1 2/3
    assert isinstance(t, float), f"choose_threshold must return a Python float, not {type(t).__name__}"
    assert t == 0.3, f"for these scores the best F1 (6/7) is at score >= 0.3; got {t!r}"
