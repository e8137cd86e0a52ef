"""conv2d: NHWC convolution layer (kernels (kh, kw, C, F), bias (F,)) against keras.layers.Conv2D."""
import numpy as np
from otter.test_files import test_case
from cnnkit.guards import call_without
OK_FORMAT = False  # otter: exception-based format
name = "conv2d"
points = 4
hidden_checks = ("other sizes, channel and filter counts (non-square kernels included), the bias, no kernel flip, "
                 "strides 2 and 3, int padding, 'same' padding against Keras (odd and even kernels, with strides: the extra "
                 "row and column at the bottom and right), a float result, and no library convolution")


@test_case(name="public_valid_shape_and_bias", points=1, hidden=False)
def public_valid_shape_and_bias(conv2d):
    x = np.ones((1, 5, 5, 2))
    w = np.ones((3, 3, 2, 4))
    b = np.array([0.0, 1.0, 2.0, 3.0])
    out = conv2d(x, w, b)
    assert out is not None, "conv2d returned None; did you forget `return`?"
    out = np.asarray(out)
    assert out.shape == (1, 3, 3, 4), f"conv2d(x (1, 5, 5, 2), w (3, 3, 2, 4)) returned shape {out.shape}; expected (1, 3, 3, 4)"
    # every output sums 3 * 3 * 2 = 18 ones, plus the filter's bias
    expected = np.broadcast_to(18.0 + b, (1, 3, 3, 4))
    assert np.allclose(out, expected), (
        f"conv2d with all-ones inputs and kernels: out[0, 0, 0] = {out[0, 0, 0]}, expected {expected[0, 0, 0]} "
        "(each output sums over the window AND the input channels, then adds the filter's bias)"
    )


@test_case(name="public_output_shapes", points=0.5, hidden=False)
def public_output_shapes(conv2d):
    x = np.zeros((2, 6, 7, 3))
    for kshape, stride, padding, expected in [((3, 3), 1, "same", (2, 6, 7, 5)), ((3, 3), 2, "valid", (2, 2, 3, 5)),
                                              ((3, 3), 1, 1, (2, 6, 7, 5)), ((2, 2), 2, "same", (2, 3, 4, 5))]:
        w = np.zeros(kshape + (3, 5))
        out = np.asarray(conv2d(x, w, np.zeros(5), stride=stride, padding=padding))
        assert out.shape == expected, (
            f"conv2d of x {x.shape} with kernels {w.shape}, stride={stride}, padding={padding!r} "
            f"returned shape {out.shape}; expected {expected}"
        )
