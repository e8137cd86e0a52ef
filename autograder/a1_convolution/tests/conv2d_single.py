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


def _correlate(padded, kernel, stride):
    """The cross-correlation of an already padded image, windows ``stride`` apart."""
    kh, kw = kernel.shape
    h, w = (padded.shape[0] - kh) // stride + 1, (padded.shape[1] - kw) // stride + 1
    out = np.zeros((h, w))
    for u in range(kh):
        for v in range(kw):
            out += kernel[u, v] * padded[u:u + stride * (h - 1) + 1:stride, v:v + stride * (w - 1) + 1:stride]
    return out


def _point_symmetric(kernel):
    """A kernel equal to its flip, so that the flip mistake cannot show in the case that uses it."""
    return kernel + kernel[::-1, ::-1]


def _compare(conv2d_single, image, kernel, stride, padding, mistakes):
    """Fail with the message of the first known mistake whose result the function returns, or with
    the shapes or the error."""
    image = np.asarray(image, dtype=float)
    expected = _correlate(np.pad(image, padding), kernel, stride)
    out = np.asarray(conv2d_single(image, kernel, stride=stride, padding=padding), dtype=float)
    if out.shape == expected.shape and np.allclose(out, expected, atol=1e-9):
        return
    for message, wrong in mistakes(image, kernel, stride, padding).items():
        if out.shape == wrong.shape and np.allclose(out, wrong, atol=1e-9):
            raise AssertionError(message)
    where = f"conv2d_single with stride={stride}, padding={padding} and a {kernel.shape} kernel"
    assert out.shape == expected.shape, f"{where} returned shape {out.shape}; expected {expected.shape}"
    raise AssertionError(f"{where} has the right shape but wrong values (largest error {np.abs(out - expected).max():.3g})")


def _value_mistakes(image, kernel, stride, padding):
    padded = np.pad(image, padding)
    return {
        "this is the true convolution: the kernel is flipped; compute the cross-correlation (see Part C)":
            _correlate(padded, kernel[::-1, ::-1], stride),
        "conv2d_single uses the transposed kernel: kernel[u, v] multiplies row i + u, column j + v (see Part C)":
            _correlate(padded, kernel.T, stride),
    }


def _stride_mistakes(image, kernel, stride, padding):
    padded = np.pad(image, padding)
    full = _correlate(padded, kernel, 1)
    h, w = _correlate(padded, kernel, stride).shape
    return {
        "conv2d_single ignores the stride: windows start `stride` pixels apart (see Parts B and C)": full,
        "conv2d_single has the strided output size but its windows start 1 pixel apart: the window of out[i, j] "
        "starts at row i*stride, column j*stride (see Part C)": full[:h, :w],
    }


def _padding_mistakes(image, kernel, stride, padding):
    return {
        "conv2d_single ignores the padding: pad the image with zero_pad first (see Parts A and C)":
            _correlate(image, kernel, stride),
        "conv2d_single pads one side only: `padding` zeros go on EACH side (see Part A)":
            _correlate(np.pad(image, (0, padding)), kernel, stride),
        "conv2d_single pads 2 * padding on each side: `padding` is the width on each side (see Part A)":
            _correlate(np.pad(image, 2 * padding), kernel, stride),
    }


@test_case(name="hidden_values_no_flip", points=0.5, hidden=True)
def hidden_values_no_flip(conv2d_single):
    rng = np.random.default_rng(2024)
    for shape, kshape in [((9, 7), (3, 3)), ((10, 11), (2, 2)), ((8, 9), (4, 2)), ((6, 8), (1, 1)), ((7, 7), (3, 5))]:
        _compare(conv2d_single, rng.normal(size=shape), rng.normal(size=kshape), 1, 0, _value_mistakes)


@test_case(name="hidden_strides", points=0.5, hidden=True)
def hidden_strides(conv2d_single):
    rng = np.random.default_rng(7)
    for shape, kshape, stride in [((12, 9), (3, 3), 2), ((13, 13), (3, 5), 3), ((8, 6), (1, 1), 2), ((11, 10), (2, 4), 2)]:
        kernel = _point_symmetric(rng.normal(size=kshape))
        _compare(conv2d_single, rng.normal(size=shape), kernel, stride, 0, _stride_mistakes)


@test_case(name="hidden_padding", points=0.25, hidden=True)
def hidden_padding(conv2d_single):
    rng = np.random.default_rng(8)
    for shape, kshape, stride, padding in [((7, 7), (5, 5), 1, 2), ((9, 6), (3, 2), 1, 1), ((10, 11), (3, 3), 2, 1)]:
        kernel = _point_symmetric(rng.normal(size=kshape))
        _compare(conv2d_single, rng.normal(size=shape), kernel, stride, padding, _padding_mistakes)


@test_case(name="hidden_uint8_in_float", points=0.125, hidden=True)
def hidden_uint8_in_float(conv2d_single):
    image = np.random.default_rng(3).integers(0, 256, size=(10, 9), dtype=np.uint8)
    copy = image.copy()
    kernel = np.array([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]])  # equal to its flip and its transpose
    out = np.asarray(conv2d_single(image, kernel))
    assert np.array_equal(image, copy), "conv2d_single must not modify its input"
    expected = _correlate(image.astype(float), kernel, 1)
    assert out.shape == expected.shape and np.allclose(out, expected), (
        "conv2d_single on a uint8 image gives wrong values; convert the image to float first "
        "(uint8 arithmetic wraps around at 256; see Part C)"
    )
    assert np.issubdtype(out.dtype, np.floating), f"conv2d_single returned {out.dtype}; return a float array"


@test_case(name="hidden_no_library", points=0.125, hidden=True)
def hidden_no_library(conv2d_single):
    rng = np.random.default_rng(4)
    image, kernel = rng.normal(size=(9, 8)), rng.normal(size=(3, 3))
    out = np.asarray(call_without(conv2d_single, _FORBIDDEN, image, kernel))
    assert out.shape == (7, 6), f"conv2d_single of a (9, 8) image with a (3, 3) kernel returned shape {out.shape}; expected (7, 6)"
