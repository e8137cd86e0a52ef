"""conv2d: NHWC convolution layer (kernels (kh, kw, C, F), bias (F,)) against keras.layers.Conv2D."""
import numpy as np
from otter.test_files import test_case

from cnnkit.guards import call_without

OK_FORMAT = False  # otter: exception-based format
name = "conv2d"
points = 4
all_or_nothing = True


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


@test_case(name="public_output_shapes", points=1, hidden=False)
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


def _keras_conv2d(x, w, b, stride, padding):
    import keras

    layer = keras.layers.Conv2D(w.shape[3], w.shape[:2], strides=stride, padding=padding)
    layer.build(x.shape)
    layer.set_weights([w.astype("float32"), b.astype("float32")])
    return np.asarray(layer(x.astype("float32")), dtype=float)


def _compare_with_keras(conv2d, configs, seed):
    rng = np.random.default_rng(seed)
    for xshape, kshape, stride, padding in configs:
        x = rng.normal(size=xshape)
        w = rng.normal(size=kshape)
        b = rng.normal(size=kshape[3])
        expected = _keras_conv2d(x, w, b, stride, padding)
        out = np.asarray(conv2d(x, w, b, stride=stride, padding=padding))
        where = f"conv2d with x {xshape}, kernels {kshape}, stride={stride}, padding={padding!r}"
        assert out.shape == expected.shape, f"{where} returned shape {out.shape}; expected {expected.shape}"
        err = np.abs(out - expected).max()
        assert err < 1e-4, f"{where} differs from keras.layers.Conv2D by up to {err:.3g}"


@test_case(name="hidden_matches_keras_valid", points=0.5, hidden=True)
def hidden_matches_keras_valid(conv2d):
    _compare_with_keras(conv2d, [((2, 7, 8, 3), (3, 3, 3, 4), 1, "valid"), ((1, 9, 6, 2), (2, 4, 2, 3), 1, "valid"),
                                 ((3, 9, 9, 1), (3, 3, 1, 2), 2, "valid"), ((1, 10, 11, 2), (4, 4, 2, 2), 3, "valid")], 1)


@test_case(name="hidden_matches_keras_same", points=1, hidden=True)
def hidden_matches_keras_same(conv2d):
    _compare_with_keras(conv2d, [((2, 7, 8, 3), (3, 3, 3, 4), 1, "same"), ((1, 6, 6, 2), (2, 2, 2, 3), 1, "same"),
                                 ((1, 9, 8, 2), (3, 3, 2, 2), 2, "same"), ((2, 8, 7, 1), (4, 4, 1, 2), 2, "same"),
                                 ((1, 10, 11, 3), (5, 3, 3, 2), 3, "same"), ((1, 5, 5, 1), (2, 3, 1, 1), 2, "same")], 2)


@test_case(name="hidden_int_padding_and_flip", points=0.25, hidden=True)
def hidden_int_padding_and_flip(conv2d):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 6, 5, 2))
    w = rng.normal(size=(3, 2, 2, 3))
    b = rng.normal(size=3)
    for padding, stride in [(1, 1), (2, 2), (0, 1)]:
        padded = np.pad(x, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
        expected = _keras_conv2d(padded, w, b, stride, "valid")
        out = np.asarray(conv2d(x, w, b, stride=stride, padding=padding))
        where = f"conv2d with padding={padding}, stride={stride}"
        assert out.shape == expected.shape, f"{where} returned shape {out.shape}; expected {expected.shape}"
        flipped = _keras_conv2d(padded, w[::-1, ::-1], b, stride, "valid")
        if np.allclose(out, flipped, atol=1e-4):
            raise AssertionError(f"{where} flips the kernels (true convolution); compute the cross-correlation")
        assert np.allclose(out, expected, atol=1e-4), f"{where}: wrong values (largest error {np.abs(out - expected).max():.3g})"


@test_case(name="hidden_no_library", points=0.25, hidden=True)
def hidden_no_library(conv2d):
    rng = np.random.default_rng(4)
    x, w, b = rng.normal(size=(2, 6, 6, 2)), rng.normal(size=(3, 3, 2, 2)), rng.normal(size=2)
    expected = _keras_conv2d(x, w, b, 2, "same")
    out = np.asarray(call_without(conv2d, _FORBIDDEN, x, w, b, stride=2, padding="same"))
    assert out.shape == expected.shape and np.allclose(out, expected, atol=1e-4), "conv2d gives wrong values"
