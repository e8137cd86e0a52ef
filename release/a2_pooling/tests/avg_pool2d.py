"""avg_pool2d: average pooling of an NHWC batch ("valid" windows) against keras.layers.AveragePooling2D."""
import numpy as np
from otter.test_files import test_case
from cnnkit.guards import call_without
OK_FORMAT = False  # otter: exception-based format
name = "avg_pool2d"
points = 2
hidden_checks = ("other sizes and channel counts, the default stride (= pool_size), explicit strides smaller and larger than "
                 "the window, windows that do not fit dropped, uint8 inputs averaged in float, and no library pooling")


@test_case(name="public_hand_example", points=1, hidden=False)
def public_hand_example(avg_pool2d):
    image = np.array([[1, 3, 2, 0],
                      [4, 2, 1, 5],
                      [0, 1, 7, 2],
                      [6, 2, 3, 1]], dtype=float)
    out = avg_pool2d(image.reshape(1, 4, 4, 1))
    assert out is not None, "avg_pool2d returned None; did you forget `return`?"
    out = np.asarray(out)
    assert out.shape == (1, 2, 2, 1), f"avg_pool2d of a (1, 4, 4, 1) batch returned shape {out.shape}; expected (1, 2, 2, 1)"
    expected = np.array([[2.5, 2.0], [2.25, 3.25]])
    if np.allclose(out[0, :, :, 0], [[4, 5], [6, 7]]):
        raise AssertionError("this is max pooling: average pooling keeps the mean of each window (see Part B)")
    assert np.allclose(out[0, :, :, 0], expected), f"avg_pool2d returned\n{out[0, :, :, 0]}\nexpected\n{expected}"
