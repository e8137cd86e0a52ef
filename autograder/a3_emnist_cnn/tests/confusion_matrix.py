"""confusion_matrix: integer counts M[true, predicted] of shape (num_classes, num_classes), as tf.math.confusion_matrix."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "confusion_matrix"
points = 2
hidden_checks = ("other numbers of labels and classes against tf.math.confusion_matrix, rows = true labels, "
                 "repeated (true, predicted) pairs each counted, classes that never occur, integer counts, "
                 "plain lists, and the counting done with NumPy")


@test_case(name="public_small_example", points=0.5, hidden=False)
def public_small_example(confusion_matrix):
    y_true = [0, 0, 1, 2, 2, 2]
    y_pred = [0, 1, 1, 2, 0, 0]
    expected = np.array([[1, 1, 0],
                         [0, 1, 0],
                         [2, 0, 1]])
    out = confusion_matrix(y_true, y_pred, 3)
    assert out is not None, "confusion_matrix returned None; did you forget `return`?"
    out = np.asarray(out)
    assert out.shape == (3, 3), f"confusion_matrix with 3 classes returned shape {out.shape}; expected (3, 3)"
    if np.array_equal(out, expected.T):
        raise AssertionError("rows and columns are swapped: rows must be the TRUE labels, columns the predictions")
    assert np.array_equal(out, expected), f"confusion_matrix returned\n{out}\nexpected\n{expected}"


def _labels(n, k, seed):
    """n true labels of k classes and predictions right about 60 % of the time."""
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, k, n)
    return y_true, np.where(rng.random(n) < 0.6, y_true, rng.integers(0, k, n))


def _reference(y_true, y_pred, k):
    import tensorflow as tf

    return tf.math.confusion_matrix(np.asarray(y_true), np.asarray(y_pred), num_classes=k).numpy().astype(np.int64)


def _same_up_to_orientation(out, expected):
    """``out`` equals ``expected`` or its transpose (the orientation is a case of its own)."""
    return np.array_equal(out, expected) or np.array_equal(out, expected.T)


def _distinct_pairs(y_true, y_pred, k):
    """What ``M[y_true, y_pred] += 1`` gives: each distinct pair counted once."""
    out = np.zeros((k, k), dtype=np.int64)
    out[np.asarray(y_true), np.asarray(y_pred)] = 1
    return out


@test_case(name="hidden_rows_are_true_labels", points=0.5, hidden=True)
def hidden_rows_are_true_labels(confusion_matrix):
    for n, k, seed in ((1000, 47, 11), (50, 10, 12)):
        y_true, y_pred = _labels(n, k, seed)
        expected = _reference(y_true, y_pred, k)
        out = np.asarray(confusion_matrix(y_true, y_pred, k))
        assert out.shape == (k, k), f"confusion_matrix returned shape {out.shape}; expected (num_classes, num_classes)"
        if np.array_equal(out, expected.T):
            raise AssertionError("rows and columns are swapped: M[i, j] counts true label i predicted as j, so rows "
                                 "are the TRUE labels (see Part F)")
        assert np.array_equal(out, expected), (
            "confusion_matrix differs from tf.math.confusion_matrix on a larger set of labels: M[i, j] must count "
            "the images with true label i and prediction j (see Part F)"
        )


@test_case(name="hidden_repeated_pairs_all_counted", points=0.25, hidden=True)
def hidden_repeated_pairs_all_counted(confusion_matrix):
    y_true, y_pred = np.array([1, 1, 1, 0, 2, 2, 1]), np.array([1, 1, 0, 0, 2, 2, 1])
    out = np.asarray(confusion_matrix(y_true, y_pred, 3))
    if _same_up_to_orientation(out, _distinct_pairs(y_true, y_pred, 3)):
        raise AssertionError("a (true, predicted) pair that occurs several times is counted once: M[y_true, y_pred] "
                             "+= 1 with index arrays adds 1 per distinct pair; use np.add.at, np.bincount or a loop")
    assert _same_up_to_orientation(out, _reference(y_true, y_pred, 3)), (
        "confusion_matrix miscounts labels that occur several times: every image adds 1 to its entry"
    )


@test_case(name="hidden_num_classes_sets_the_size", points=0.25, hidden=True)
def hidden_num_classes_sets_the_size(confusion_matrix):
    y_true, y_pred = [3, 3, 0, 1], [3, 1, 0, 1]  # classes 2, 4 and 5 never occur
    out = np.asarray(confusion_matrix(y_true, y_pred, 6))
    assert out.shape == (6, 6), (
        f"confusion_matrix returned shape {out.shape} when some classes never occur; the size is num_classes x "
        "num_classes, not set by the largest label seen"
    )
    assert _same_up_to_orientation(out, _reference(y_true, y_pred, 6)), (
        "confusion_matrix is wrong when some classes never occur: their rows and columns hold zeros"
    )


@test_case(name="hidden_integer_counts_from_lists", points=0.25, hidden=True)
def hidden_integer_counts_from_lists(confusion_matrix):
    y_true, y_pred = _labels(30, 5, 13)
    out = np.asarray(confusion_matrix([int(v) for v in y_true], [int(v) for v in y_pred], 5))
    assert np.issubdtype(out.dtype, np.integer), (
        f"confusion_matrix returned dtype {out.dtype}; the counts must be integers (np.zeros gives float64 unless "
        "you pass dtype=np.int64)"
    )
    assert _same_up_to_orientation(out, _reference(y_true, y_pred, 5)), (
        "confusion_matrix is wrong when the labels are plain lists (convert them with np.asarray first)"
    )


@test_case(name="hidden_counted_with_numpy", points=0.25, hidden=True)
def hidden_counted_with_numpy(confusion_matrix):
    from cnnkit.guards import call_without

    y_true, y_pred = _labels(40, 6, 14)
    out = call_without(confusion_matrix, {"tensorflow.math": ["confusion_matrix"], "sklearn.metrics": ["confusion_matrix"]},
                       y_true, y_pred, 6)
    assert _same_up_to_orientation(np.asarray(out), _reference(y_true, y_pred, 6)), (
        "confusion_matrix differs from tf.math.confusion_matrix"
    )
