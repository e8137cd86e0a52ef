"""roc_curve: false- and true-positive rates for every threshold, from inf down to the lowest score."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "roc_curve"
points = 2
all_or_nothing = True


@test_case(name="public_four_scores", points=1, hidden=False)
def public_four_scores(roc_curve):
    result = roc_curve(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    assert result is not None and len(result) == 3, "roc_curve must return (fpr, tpr, thresholds)"
    fpr, tpr, thresholds = (np.asarray(a, dtype=float) for a in result)
    assert np.array_equal(thresholds, [np.inf, 0.8, 0.4, 0.35, 0.1]), f"thresholds {thresholds}; expected [inf, 0.8, 0.4, 0.35, 0.1]"
    assert np.allclose(tpr, [0, 0.5, 0.5, 1, 1]), f"tpr {tpr}; expected [0, 0.5, 0.5, 1, 1]"
    assert np.allclose(fpr, [0, 0, 0.5, 0.5, 1]), f"fpr {fpr}; expected [0, 0, 0.5, 0.5, 1]"


# --- hidden -------------------------------------------------------------------------------------
def _reference(y, s):
    thresholds = np.concatenate([[np.inf], np.unique(s)[::-1]])
    tpr = np.array([np.mean(s[y == 1] >= t) for t in thresholds])
    fpr = np.array([np.mean(s[y == 0] >= t) for t in thresholds])
    return fpr, tpr, thresholds


@test_case(name="hidden_ties_and_random", points=1, hidden=True)
def hidden_ties_and_random(roc_curve):
    rng = np.random.default_rng(4)
    cases = [(np.array([1, 0, 1, 0, 1]), np.array([0.5, 0.5, 0.9, 0.2, 0.5]))]  # ties across the classes
    for _ in range(3):
        y = rng.integers(0, 2, 300)
        y[:2] = [0, 1]
        cases.append((y, np.round(rng.random(300) + 0.3 * y, 2)))            # many ties
    for y, s in cases:
        fpr, tpr, thresholds = (np.asarray(a, dtype=float) for a in roc_curve(y, s))
        e_fpr, e_tpr, e_thr = _reference(y, s)
        assert thresholds.shape == e_thr.shape and np.allclose(thresholds, e_thr), (
            f"thresholds must be inf then the {len(e_thr) - 1} distinct scores in decreasing order (ties count once)"
        )
        assert np.allclose(fpr, e_fpr) and np.allclose(tpr, e_tpr), (
            "wrong rates: at threshold t predict 1 for every score >= t (tied scores switch together)"
        )
