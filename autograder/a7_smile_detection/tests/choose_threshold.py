"""choose_threshold: the score with the best F1 on validation data, ties to the largest."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "choose_threshold"
points = 1
hidden_checks = ("the best F1 on random validation sets (not the accuracy, not 0.5), predictions by score >= t, ties "
                 "between thresholds of equal F1 broken towards the largest, repeated scores, list input, a Python float")


def _f1_at(y_true, scores, t):
    y_true = np.asarray(y_true).astype(bool)
    predicted = np.asarray(scores, dtype=float) >= t
    tp = int(np.sum(predicted & y_true))
    return 2 * tp / (int(predicted.sum()) + int(y_true.sum()))


def _best(y_true, scores):
    """(best F1, the largest threshold that reaches it), by trying every distinct score."""
    candidates = np.unique(np.asarray(scores, dtype=float))[::-1]
    f1 = [_f1_at(y_true, scores, t) for t in candidates]
    return max(f1), float(candidates[int(np.argmax(f1))])


def _assert_best(choose_threshold, y_true, scores):
    t = choose_threshold(y_true, scores)
    assert isinstance(t, float), f"choose_threshold must return a Python float, not {type(t).__name__}"
    best_f1, best_t = _best(y_true, scores)
    assert np.any(np.asarray(scores, dtype=float) == t), (
        f"the threshold {t!r} is not one of the scores: return the score s itself, so that 'score >= s' is the rule"
    )
    got = _f1_at(y_true, scores, t)
    assert np.isclose(got, best_f1), (
        f"predicting 1 for score >= {t:.4f} gives an F1 of {got:.4f}; the best threshold among the scores reaches "
        f"{best_f1:.4f} (at {best_t:.4f}): choose the one with the highest F1 of the positive class"
    )
    assert t == best_t, (
        f"{t:.4f} and {best_t:.4f} both give the best F1 {best_f1:.4f}; the text asks for the largest of them"
    )


@test_case(name="public_hand_computed", points=0.25, hidden=False)
def public_hand_computed(choose_threshold):
    y = np.array([0, 0, 1, 0, 1, 1])
    s = np.array([0.1, 0.2, 0.3, 0.4, 0.8, 0.9])
    t = choose_threshold(y, s)
    # score >= 0.3: 3 TP, 1 FP -> F1 6/7; >= 0.8: 2 TP -> F1 0.8; >= 0.1: F1 2/3
    assert isinstance(t, float), f"choose_threshold must return a Python float, not {type(t).__name__}"
    assert t == 0.3, f"for these scores the best F1 (6/7) is at score >= 0.3; got {t!r}"


# --- hidden -------------------------------------------------------------------------------------
@test_case(name="hidden_random_validation_sets", points=0.25, hidden=True)
def hidden_random_validation_sets(choose_threshold):
    rng = np.random.default_rng(11)
    for n, share in ((60, 0.3), (200, 0.55), (500, 0.1)):
        y = (rng.random(n) < share).astype(np.int64)
        y[:2] = [0, 1]
        scores = np.clip(0.25 + 0.3 * y + rng.normal(0, 0.2, n), 0, 1)
        _assert_best(choose_threshold, y, scores)


@test_case(name="hidden_not_accuracy_nor_half", points=0.25, hidden=True)
def hidden_not_accuracy_nor_half(choose_threshold):
    # the best F1 is at >= 0.7 (3/4); the accuracy is best (8/10) at >= 0.9 and at >= 0.7; 0.5 gives F1 0.6
    y = np.array([1, 1, 0, 1, 0, 0, 1, 0, 0, 0])
    s = np.array([0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1])
    _assert_best(choose_threshold, y, s)
    t = choose_threshold(y, s)
    assert t != 0.5, "the threshold is chosen on the validation data, not 0.5 by habit"


@test_case(name="hidden_ties_and_repeats", points=0.25, hidden=True)
def hidden_ties_and_repeats(choose_threshold):
    # >= 0.9 and >= 0.6 both give F1 2/3: the largest, 0.9, is asked for
    _assert_best(choose_threshold, [1, 0, 0, 1, 0], [0.9, 0.8, 0.7, 0.6, 0.3])
    # repeated scores: a threshold keeps or drops all faces of one score at once
    _assert_best(choose_threshold, [0, 1, 1, 0, 1, 0, 0], [0.8, 0.8, 0.8, 0.5, 0.5, 0.5, 0.2])
    # lists, and integer scores
    _assert_best(choose_threshold, [0, 1, 0, 1, 1], [1, 3, 2, 3, 5])
