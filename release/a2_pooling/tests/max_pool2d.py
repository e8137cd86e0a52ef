"""max_pool2d: max pooling of an NHWC batch ("valid" windows) against keras.layers.MaxPooling2D."""
import numpy as np
from otter.test_files import test_case
from cnnkit.guards import call_without
OK_FORMAT = False  # otter: exception-based format
name = "max_pool2d"
points = 3
hidden_checks = ("other sizes and channel counts, the default stride (= pool_size), explicit strides smaller and larger than "
                 "the window, windows that do not fit dropped, negative values, each channel pooled on its own, "
                 "the input left unmodified, and no library pooling")


@test_case(name="public_hand_example", points=1, hidden=False)
def public_hand_example(max_pool2d):
    image = np.array([[1, 3, 2, 0],
                      [4, 2, 1, 5],
                      [0, 1, 7, 2],
                      [6, 2, 3, 1]], dtype=float)
    x = image.reshape(1, 4, 4, 1)
    out = max_pool2d(x)
    assert out is not None, "max_pool2d returned None; did you forget `return`?"
    out = np.asarray(out)
    assert out.shape == (1, 2, 2, 1), f"max_pool2d of a (1, 4, 4, 1) batch returned shape {out.shape}; expected (1, 2, 2, 1)"
    expected = np.array([[4, 5], [6, 7]], dtype=float)
    if np.allclose(out[0, :, :, 0], [[2.5, 2.0], [2.25, 3.25]]):
        raise AssertionError("this is average pooling: max pooling keeps the largest value of each window (see Part A)")
    assert np.allclose(out[0, :, :, 0], expected), f"max_pool2d returned\n{out[0, :, :, 0]}\nexpected\n{expected}"


@test_case(name="public_output_shapes", points=0.5, hidden=False)
def public_output_shapes(max_pool2d):
    for xshape, pool_size, stride, expected in [((2, 9, 9, 3), 3, None, (2, 3, 3, 3)), ((1, 5, 5, 2), 2, 1, (1, 4, 4, 2)),
                                                ((1, 7, 6, 1), 2, None, (1, 3, 3, 1))]:
        out = np.asarray(max_pool2d(np.zeros(xshape), pool_size=pool_size, stride=stride))
        assert out.shape == expected, (
            f"max_pool2d of {xshape} with pool_size={pool_size}, stride={stride} returned shape {out.shape}; "
            f"expected {expected} (stride=None means stride = pool_size; windows that do not fit are dropped)"
        )
