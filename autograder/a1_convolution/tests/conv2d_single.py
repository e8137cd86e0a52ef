"""conv2d_single: one-channel 2-D cross-correlation with stride and zero padding."""
import numpy as np
from otter.test_files import test_case

from cnnkit.guards import call_without

OK_FORMAT = False  # otter: exception-based format
name = "conv2d_single"
points = 3
all_or_nothing = True


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
        raise AssertionError("you flipped the kernel (true convolution); deep-learning libraries do not flip it")
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


# --- hidden -------------------------------------------------------------------------------------
#: Library routines that would do the work of the function under test: ``{module: [names]}``.
_FORBIDDEN = {
    "numpy": ["convolve", "correlate"],
    "scipy.signal": ["correlate", "correlate2d", "convolve", "convolve2d", "fftconvolve", "oaconvolve"],
    "scipy.ndimage": ["correlate", "convolve", "correlate1d", "convolve1d"],
    "cv2": ["filter2D", "sepFilter2D", "Sobel", "Scharr"],
    "tensorflow.nn": ["conv2d", "convolution", "depthwise_conv2d"],
    "keras.ops": ["conv", "depthwise_conv", "separable_conv"],
    "torch.nn.functional": ["conv2d"],
}


def _reference(image, kernel, stride, padding):
    from scipy.signal import correlate2d

    padded = np.pad(np.asarray(image, dtype=float), padding)
    return correlate2d(padded, np.asarray(kernel, dtype=float), mode="valid")[::stride, ::stride]


@test_case(name="hidden_matches_scipy_random", points=0.5, hidden=True)
def hidden_matches_scipy_random(conv2d_single):
    rng = np.random.default_rng(2024)
    configs = [((9, 7), (3, 3), 1, 0), ((10, 11), (2, 2), 1, 0), ((12, 9), (4, 2), 2, 1),
               ((13, 13), (3, 5), 3, 2), ((8, 6), (1, 1), 2, 0), ((7, 7), (5, 5), 1, 2), ((11, 10), (3, 3), 2, 1)]
    for shape, kshape, stride, padding in configs:
        image, kernel = rng.normal(size=shape), rng.normal(size=kshape)
        expected = _reference(image, kernel, stride, padding)
        out = np.asarray(conv2d_single(image, kernel, stride=stride, padding=padding))
        where = f"image {shape}, kernel {kshape}, stride={stride}, padding={padding}"
        assert out.shape == expected.shape, f"conv2d_single with {where} returned shape {out.shape}; expected {expected.shape}"
        assert np.allclose(out, expected, atol=1e-9), (
            f"conv2d_single with {where}: largest error {np.abs(out - expected).max():.3g}"
        )


@test_case(name="hidden_cross_correlation_not_convolution", points=0.5, hidden=True)
def hidden_cross_correlation_not_convolution(conv2d_single):
    rng = np.random.default_rng(7)
    image = rng.normal(size=(6, 6))
    kernel = np.array([[1.0, 2.0, 0.0], [0.0, 0.0, -1.0], [3.0, 0.0, 0.0]])
    out = np.asarray(conv2d_single(image, kernel))
    flipped = _reference(image, kernel[::-1, ::-1], 1, 0)
    if out.shape == flipped.shape and np.allclose(out, flipped):
        raise AssertionError("conv2d_single flips the kernel (true convolution); compute the cross-correlation")
    assert np.allclose(out, _reference(image, kernel, 1, 0)), "conv2d_single with an asymmetric kernel is wrong"


@test_case(name="hidden_no_library_and_uint8_input", points=0.5, hidden=True)
def hidden_no_library_and_uint8_input(conv2d_single):
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, size=(10, 9), dtype=np.uint8)
    kernel = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
    copy = image.copy()
    out = np.asarray(call_without(conv2d_single, _FORBIDDEN, image, kernel, stride=2, padding=1))
    assert np.array_equal(image, copy), "conv2d_single must not modify its input"
    expected = _reference(image, kernel, 2, 1)
    assert out.shape == expected.shape, f"conv2d_single returned shape {out.shape}; expected {expected.shape}"
    assert np.allclose(out, expected), (
        "conv2d_single on a uint8 image gives wrong values; convert the image to float first "
        "(uint8 arithmetic wraps around at 256)"
    )
