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
