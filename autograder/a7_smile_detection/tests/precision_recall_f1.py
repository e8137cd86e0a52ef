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


# --- hidden -------------------------------------------------------------------------------------
def _counts(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true).astype(bool), np.asarray(y_pred).astype(bool)
    return (int(np.sum(y_true & y_pred)), int(np.sum(~y_true & y_pred)), int(np.sum(y_true & ~y_pred)),
            int(np.sum(~y_true & ~y_pred)))


def _asymmetric_cases():
    """Label pairs where precision and recall differ, the first one a small hand case."""
    rng = np.random.default_rng(8)
    cases = [(np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0]), np.array([1, 0, 0, 0, 1, 0, 0, 0, 0, 0]))]  # TP 1, FN 3, FP 1
    for p_true, p_pred in [(0.3, 0.6), (0.5, 0.2), (0.7, 0.4)]:
        cases.append((rng.random(200) < p_true, rng.random(200) < p_pred))
    cases = [(y_true.astype(int), y_pred.astype(int)) for y_true, y_pred in cases]
    return cases


@test_case(name="hidden_precision_and_recall", points=0.5, hidden=True)
def hidden_precision_and_recall(precision_recall_f1):
    for y_true, y_pred in _asymmetric_cases():
        tp, fp, fn, _ = _counts(y_true, y_pred)
        p, r = tp / (tp + fp), tp / (tp + fn)
        m = precision_recall_f1(y_true, y_pred)
        assert not (np.isclose(m["precision"], r) and np.isclose(m["recall"], p)), (
            "precision and recall are swapped: precision = TP / (TP + FP) (of the predicted smiles), recall = "
            "TP / (TP + FN) (of the true smiles); see Part E"
        )
        assert np.isclose(m["precision"], p), f"precision is {m['precision']:.4f}, expected TP / (TP + FP) = {p:.4f}"
        assert np.isclose(m["recall"], r), f"recall is {m['recall']:.4f}, expected TP / (TP + FN) = {r:.4f}"


@test_case(name="hidden_f1", points=0.25, hidden=True)
def hidden_f1(precision_recall_f1):
    for y_true, y_pred in _asymmetric_cases():
        tp, fp, fn, _ = _counts(y_true, y_pred)
        p, r = tp / (tp + fp), tp / (tp + fn)
        f1 = precision_recall_f1(y_true, y_pred)["f1"]
        assert not np.isclose(f1, (p + r) / 2), (
            "F1 is the arithmetic mean of precision and recall here; it is their harmonic mean 2 P R / (P + R) "
            "(see Part E)"
        )
        assert np.isclose(f1, 2 * p * r / (p + r)), f"F1 is {f1:.4f}, expected 2 P R / (P + R) = {2 * p * r / (p + r):.4f}"


@test_case(name="hidden_accuracy", points=0.25, hidden=True)
def hidden_accuracy(precision_recall_f1):
    for y_true, y_pred in _asymmetric_cases():
        tp, fp, fn, tn = _counts(y_true, y_pred)
        accuracy = precision_recall_f1(y_true, y_pred)["accuracy"]
        assert np.isclose(accuracy, (tp + tn) / len(y_true)), (
            f"accuracy is {accuracy:.4f}, expected (TP + TN) / N = {(tp + tn) / len(y_true):.4f}: the share of all "
            "examples, both classes, predicted right"
        )


@test_case(name="hidden_zero_denominators", points=0.25, hidden=True)
def hidden_zero_denominators(precision_recall_f1):
    cases = [
        ([1, 0, 0, 1], [0, 0, 0, 0], (0.0, 0.0, 0.0, 0.5), "nothing predicted positive: precision 0.0"),
        ([0, 0, 0, 0, 0], [0, 1, 1, 0, 0], (0.0, 0.0, 0.0, 0.6), "no true positive example: recall 0.0"),
        ([0, 0, 0], [0, 0, 0], (0.0, 0.0, 0.0, 1.0), "no positives at all: precision, recall and F1 0.0"),
        ([1, 1, 0, 0], [0, 0, 1, 1], (0.0, 0.0, 0.0, 0.0), "no true positive: F1 0.0 (P + R = 0)"),
    ]
    for y_true, y_pred, expected, what in cases:
        m = precision_recall_f1(np.array(y_true), np.array(y_pred))
        got = tuple(m[k] for k in ("precision", "recall", "f1", "accuracy"))
        assert all(v is not None and not np.isnan(v) for v in got), (
            f"{what}; a ratio whose denominator is 0 is 0.0, not nan or None"
        )
        assert np.allclose(got, expected), f"{what}; got precision, recall, F1, accuracy = {got}"


@test_case(name="hidden_types_and_inputs", points=0.25, hidden=True)
def hidden_types_and_inputs(precision_recall_f1):
    for y_true, y_pred in [([True, False, True, True], [True, True, False, True]), ([1, 0, 1, 1], [1, 1, 0, 1]),
                           (np.array([1, 0, 0]), np.array([0, 0, 0]))]:
        m = precision_recall_f1(y_true, y_pred)
        assert isinstance(m, dict) and set(m) == {"precision", "recall", "f1", "accuracy"}, (
            f"precision_recall_f1 must return a dict with the keys precision, recall, f1 and accuracy, got {m!r}"
        )
        assert all(isinstance(v, float) for v in m.values()), (
            f"every value must be a float, got {[type(v).__name__ for v in m.values()]} (0 is an int: write 0.0)"
        )
    m = precision_recall_f1([True, False, True, True], [True, True, False, True])       # TP 2, FP 1, FN 1, TN 0
    assert np.allclose([m["precision"], m["recall"], m["accuracy"]], [2 / 3, 2 / 3, 0.5]), (
        f"lists of bools must work like 0/1 arrays; got {m}"
    )
