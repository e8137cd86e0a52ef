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


# --- hidden -------------------------------------------------------------------------------------
def _reference(y, s):
    thresholds = np.concatenate([[np.inf], np.unique(s)[::-1]])
    tpr = np.array([np.mean(s[y == 1] >= t) for t in thresholds])
    fpr = np.array([np.mean(s[y == 0] >= t) for t in thresholds])
    return fpr, tpr, thresholds


def _cases():
    """(labels, scores): ties across the classes, scores outside [0, 1], then larger random ones with many ties."""
    rng = np.random.default_rng(4)
    cases = [(np.array([1, 0, 1, 0, 1]), np.array([0.5, 0.5, 0.9, 0.2, 0.5])),
             (np.array([0, 1, 1, 0, 0, 1]), np.array([-2.0, 3.5, 3.5, 7.0, -2.0, 0.0]))]
    for _ in range(3):
        y = rng.integers(0, 2, 300)
        y[:2] = [0, 1]
        cases.append((y, np.round(rng.random(300) + 0.3 * y, 2)))
    return cases


@test_case(name="hidden_arrays_and_endpoints", points=0.25, hidden=True)
def hidden_arrays_and_endpoints(roc_curve):
    for y, s in _cases():
        result = roc_curve(y, s)
        assert isinstance(result, tuple) and len(result) == 3, "roc_curve must return a tuple (fpr, tpr, thresholds)"
        assert all(isinstance(a, np.ndarray) and a.ndim == 1 and a.dtype.kind == "f" for a in result), (
            f"fpr, tpr and thresholds must be 1-D float NumPy arrays, got {[type(a).__name__ for a in result]}"
        )
        fpr, tpr, _ = result
        assert fpr[0] == 0 and tpr[0] == 0, f"the curve must start at (0, 0) (threshold inf), got ({fpr[0]}, {tpr[0]})"
        assert np.isclose(fpr[-1], 1) and np.isclose(tpr[-1], 1), (
            f"the curve must end at (1, 1), got ({fpr[-1]}, {tpr[-1]}): at the lowest score predict 1 for score >= t "
            "(not >), and divide by the number of negatives and of positives"
        )


@test_case(name="hidden_thresholds", points=0.5, hidden=True)
def hidden_thresholds(roc_curve):
    for y, s in _cases():
        thresholds = np.asarray(roc_curve(y, s)[2], dtype=float)
        expected = _reference(y, s)[2]
        assert thresholds[0] == np.inf, f"the first threshold must be inf (above every score), got {thresholds[0]}"
        assert thresholds.shape == expected.shape, (
            f"{len(thresholds)} thresholds, expected {len(expected)}: inf, then each distinct score once (tied scores "
            "give one threshold)"
        )
        assert np.allclose(thresholds, expected), "the thresholds must be inf, then the distinct scores in decreasing order"


@test_case(name="hidden_rates_with_ties", points=0.5, hidden=True)
def hidden_rates_with_ties(roc_curve):
    for y, s in _cases():
        fpr, tpr, _ = (np.asarray(a, dtype=float) for a in roc_curve(y, s))
        e_fpr, e_tpr, e_thr = _reference(y, s)
        assert fpr.shape == e_fpr.shape and tpr.shape == e_tpr.shape, (
            f"fpr and tpr have {len(fpr)} and {len(tpr)} points, expected one per threshold ({len(e_thr)})"
        )
        swapped = np.allclose(fpr, e_tpr) and np.allclose(tpr, e_fpr)
        assert not swapped, "fpr and tpr are swapped: return (fpr, tpr, thresholds) in that order"
        assert np.allclose(fpr, e_fpr) and np.allclose(tpr, e_tpr), (
            "wrong rates: at threshold t predict 1 for every score >= t (tied scores switch together); tpr = TP / "
            "positives, fpr = FP / negatives"
        )


@test_case(name="hidden_input_types", points=0.25, hidden=True)
def hidden_input_types(roc_curve):
    y, s = [True, False, True, False, False], [3, 1, 2, 2, 0]            # lists, bool labels, int scores
    fpr, tpr, thresholds = (np.asarray(a, dtype=float) for a in roc_curve(y, s))
    assert np.array_equal(thresholds, [np.inf, 3, 2, 1, 0]), (
        f"for int scores given as a list the thresholds are [inf, 3, 2, 1, 0], got {thresholds}"
    )
    assert np.allclose(tpr, [0, 0.5, 1, 1, 1]) and np.allclose(fpr, [0, 0, 1 / 3, 2 / 3, 1]), (
        f"lists with bool labels must work like 0/1 arrays; got fpr {fpr}, tpr {tpr}"
    )
