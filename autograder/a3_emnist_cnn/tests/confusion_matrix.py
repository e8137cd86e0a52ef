"""confusion_matrix: counts M[true, predicted], as tf.math.confusion_matrix."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "confusion_matrix"
points = 2
all_or_nothing = True


@test_case(name="public_small_example", points=1, hidden=False)
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


@test_case(name="hidden_matches_tensorflow", points=1, hidden=True)
def hidden_matches_tensorflow(confusion_matrix):
    import tensorflow as tf

    rng = np.random.default_rng(11)
    for n, k in ((1000, 47), (50, 10), (7, 5)):
        y_true = rng.integers(0, k, n)
        y_pred = np.where(rng.random(n) < 0.6, y_true, rng.integers(0, k, n))
        expected = tf.math.confusion_matrix(y_true, y_pred, num_classes=k).numpy()
        out = np.asarray(confusion_matrix(y_true, y_pred, k))
        assert out.shape == (k, k), f"confusion_matrix with {k} classes returned shape {out.shape}; expected ({k}, {k})"
        assert np.issubdtype(out.dtype, np.integer) or np.array_equal(out, np.round(out)), "counts must be whole numbers"
        if not np.array_equal(out, expected) and np.array_equal(out, expected.T):
            raise AssertionError("rows and columns are swapped: rows must be the TRUE labels, columns the predictions")
        assert np.array_equal(out, expected), f"confusion_matrix differs from tf.math.confusion_matrix ({n} labels, {k} classes)"
    # classes that never occur, and plain lists
    out = np.asarray(confusion_matrix([3, 3, 0], [3, 1, 0], 6))
    expected = tf.math.confusion_matrix([3, 3, 0], [3, 1, 0], num_classes=6).numpy()
    assert np.array_equal(out, expected), "confusion_matrix is wrong when some classes never occur (rows/columns of zeros)"
