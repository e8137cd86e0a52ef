"""precision_recall_f1: precision, recall and F1 of the positive class, and the accuracy."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "precision_recall_f1"
points = 2
all_or_nothing = True


@test_case(name="public_hand_example", points=1, hidden=False)
def public_hand_example(precision_recall_f1):
    y_true = np.array([1, 1, 1, 0, 0, 0, 0, 0])
    y_pred = np.array([1, 1, 0, 1, 0, 0, 0, 0])   # TP 2, FN 1, FP 1, TN 4
    m = precision_recall_f1(y_true, y_pred)
    assert isinstance(m, dict), f"precision_recall_f1 must return a dict, not {type(m).__name__}"
    for key, expected in [("precision", 2 / 3), ("recall", 2 / 3), ("f1", 2 / 3), ("accuracy", 6 / 8)]:
        assert np.isclose(m[key], expected), f"{key} is {m[key]}, expected {expected:.4f} (TP 2, FN 1, FP 1, TN 4)"


# --- hidden -------------------------------------------------------------------------------------
@test_case(name="hidden_random_and_degenerate", points=1, hidden=True)
def hidden_random_and_degenerate(precision_recall_f1):
    rng = np.random.default_rng(8)
    for _ in range(5):
        y_true, y_pred = rng.integers(0, 2, 200), rng.integers(0, 2, 200)
        tp = np.sum((y_true == 1) & (y_pred == 1))
        p, r = tp / np.sum(y_pred == 1), tp / np.sum(y_true == 1)
        m = precision_recall_f1(y_true, y_pred)
        for key, expected in [("precision", p), ("recall", r), ("f1", 2 * p * r / (p + r)), ("accuracy", np.mean(y_true == y_pred))]:
            assert np.isclose(m[key], expected), f"{key} is {m[key]}, expected {expected:.4f}"
    never = precision_recall_f1(np.array([1, 0, 0, 1]), np.array([0, 0, 0, 0]))
    assert never["precision"] == 0 and never["recall"] == 0 and never["f1"] == 0 and np.isclose(never["accuracy"], 0.5), (
        f"a classifier that never predicts 1 has precision, recall and F1 0 (not an error, not nan); got {never}"
    )
    perfect = precision_recall_f1([True, False, True], [True, False, True])
    assert all(np.isclose(perfect[k], 1.0) for k in ("precision", "recall", "f1", "accuracy")), f"a perfect classifier scores 1 everywhere; got {perfect}"
