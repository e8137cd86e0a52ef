"""conv2d_single: one-channel 2-D cross-correlation with stride and zero padding."""
import numpy as np
from otter.test_files import test_case
from cnnkit.guards import call_without
OK_FORMAT = False  # otter: exception-based format
name = "conv2d_single"
points = 3
hidden_checks = ("other image and kernel sizes (non-square kernels included), no kernel flip, strides 2 and 3, "
                 "padding 1 and 2, uint8 images computed in float, and no library convolution")


@test_case(name="public_hand_example", points=1, hidden=False)
def public_hand_example(conv2d_single):
    image = np.array([[1, 2, 3, 0],
                      [4, 5, 6, 1],
                      [7, 8, 9, 2]], dtype=float)
    kernel = np.array([[1, 0],
                       [0, -1]], dtype=float)
    # out[i, j] = image[i, j] * 1 + image[i + 1, j + 1] * (-1)
    expected = np.array([[-4, -4, 2],
                         [-4, -4, 4]], dtype=float)
    out = conv2d_single(image, kernel)
    assert out is not None, "conv2d_single returned None; did you forget `return`?"
    out = np.asarray(out)
    assert out.shape == (2, 3), f"conv2d_single of a (3, 4) image with a (2, 2) kernel returned shape {out.shape}; expected (2, 3)"
    if np.allclose(out, -expected):
        raise AssertionError("this is the true convolution: the kernel is flipped; deep-learning libraries do not flip it "
                             "(see Part C)")
    assert np.allclose(out, expected), f"conv2d_single returned\n{out}\nexpected\n{expected}"


@test_case(name="public_output_shapes", points=0.5, hidden=False)
def public_output_shapes(conv2d_single):
    image = np.zeros((28, 28))
    for k, stride, padding, expected in [(3, 1, 0, (26, 26)), (3, 1, 1, (28, 28)), (3, 2, 1, (14, 14)), (5, 1, 2, (28, 28))]:
        out = np.asarray(conv2d_single(image, np.ones((k, k)), stride=stride, padding=padding))
        assert out.shape == expected, (
            f"conv2d_single of a (28, 28) image with a ({k}, {k}) kernel, stride={stride}, padding={padding} "
            f"returned shape {out.shape}; expected {expected}"
        )
