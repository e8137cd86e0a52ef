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


def _correlate(x, w, b, stride, pads_h, pads_w):
    """The layer's output with explicit (top, bottom) and (left, right) zero padding."""
    padded = np.pad(x, ((0, 0), pads_h, pads_w, (0, 0)))
    kh, kw = w.shape[:2]
    h, wd = (padded.shape[1] - kh) // stride + 1, (padded.shape[2] - kw) // stride + 1
    out = np.zeros((x.shape[0], h, wd, w.shape[3]))
    for u in range(kh):
        for v in range(kw):
            out += padded[:, u:u + stride * (h - 1) + 1:stride, v:v + stride * (wd - 1) + 1:stride, :] @ w[u, v]
    return out + b


def _same_total(size, k, stride):
    return max((-(-size // stride) - 1) * stride + k - size, 0)


def _mistakes(x, w, b, stride, padding):
    """What the known mistakes return: a list of (message, array)."""
    kh, kw = w.shape[:2]
    none = ((0, 0), (0, 0))
    wrong = []
    if padding == "valid" and stride == 1:
        wrong += [("this is the true convolution: the kernels are flipped; compute the cross-correlation (see Part C)",
                   _correlate(x, w[::-1, ::-1], b, 1, *none)),
                  ("conv2d forgets the bias: add b[f] to every output of filter f (see Part E)",
                   _correlate(x, w, 0 * b, 1, *none))]
    if padding == "valid" and stride > 1:
        full = _correlate(x, w, b, 1, *none)
        h, wd = (x.shape[1] - kh) // stride + 1, (x.shape[2] - kw) // stride + 1
        wrong += [("conv2d ignores the stride: windows start `stride` pixels apart (see Parts B and E)", full),
                  ("conv2d has the strided output size but its windows start 1 pixel apart: the window of out[n, i, j] "
                   "starts at row i*stride, column j*stride (see Part E)", full[:, :h, :wd])]
    if isinstance(padding, int) and padding > 0:
        wrong += [("conv2d ignores an int padding: p zeros go on each side of H and W (see Part E)",
                   _correlate(x, w, b, stride, *none)),
                  ("conv2d puts an int padding on one side only: p zeros go on EACH side (see Part E)",
                   _correlate(x, w, b, stride, (0, padding), (0, padding)))]
    if padding == "same":
        th, tw = _same_total(x.shape[1], kh, stride), _same_total(x.shape[2], kw, stride)
        if stride > 1:
            wrong.append(("conv2d computes the 'same' padding as for stride 1 (k - 1 in total); with a stride the total "
                          "is max((ceil(H / s) - 1) * s + k - H, 0) (see Part E)",
                          _correlate(x, w, b, stride, ((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2))))
        wrong.append(("conv2d puts the extra row/column of 'same' padding at the top/left; Keras puts it at the "
                      "bottom/right (see Part E)",
                      _correlate(x, w, b, stride, (th - th // 2, th // 2), (tw - tw // 2, tw // 2))))
        for ph, pw in [((kh - 1) // 2, (kw - 1) // 2), (kh // 2, kw // 2), (th // 2, tw // 2), (th - th // 2, tw - tw // 2)]:
            wrong.append(("conv2d pads 'same' symmetrically; with an even kernel or a stride the total can be odd, and "
                          "Keras puts the extra row/column at the bottom/right (see Part E)",
                          _correlate(x, w, b, stride, (ph, ph), (pw, pw))))
    return wrong


def _check(conv2d, configs, seed, *, symmetric_kernels):
    """conv2d against Keras on random inputs: ``configs`` of (x shape, kernel shape, stride, padding).
    ``symmetric_kernels``: kernels equal to their flip and no bias, so that a case about padding or
    strides does not fail for a flipped kernel or a missing bias (their own cases check those)."""
    rng = np.random.default_rng(seed)
    for xshape, kshape, stride, padding in configs:
        x, w, b = rng.normal(size=xshape), rng.normal(size=kshape), rng.normal(size=kshape[3])
        if symmetric_kernels:
            w, b = w + w[::-1, ::-1], 0 * b
        if isinstance(padding, int):
            expected = _keras_conv2d(np.pad(x, ((0, 0), (padding, padding), (padding, padding), (0, 0))), w, b, stride, "valid")
        else:
            expected = _keras_conv2d(x, w, b, stride, padding)
        out = np.asarray(conv2d(x, w, b, stride=stride, padding=padding), dtype=float)
        if out.shape == expected.shape and np.abs(out - expected).max() < 1e-4:
            continue
        for message, wrong in _mistakes(x, w, b, stride, padding):
            if out.shape == wrong.shape and np.abs(out - wrong).max() < 1e-4:
                raise AssertionError(message)
        where = f"conv2d with {kshape[:2]} kernels, stride={stride}, padding={padding!r}"
        assert out.shape == expected.shape, f"{where} returned shape {out.shape}; expected {expected.shape}"
        raise AssertionError(f"{where} differs from keras.layers.Conv2D by up to {np.abs(out - expected).max():.3g}")


@test_case(name="hidden_valid_values_and_bias", points=0.5, hidden=True)
def hidden_valid_values_and_bias(conv2d):
    _check(conv2d, [((2, 7, 8, 3), (3, 3, 3, 4), 1, "valid"), ((1, 9, 6, 2), (2, 4, 2, 3), 1, "valid"),
                    ((3, 6, 6, 1), (1, 1, 1, 2), 1, "valid")], 1, symmetric_kernels=False)


@test_case(name="hidden_strides", points=0.5, hidden=True)
def hidden_strides(conv2d):
    _check(conv2d, [((3, 9, 9, 1), (3, 3, 1, 2), 2, "valid"), ((1, 10, 11, 2), (4, 4, 2, 2), 3, "valid"),
                    ((2, 8, 7, 2), (2, 3, 2, 3), 2, "valid")], 2, symmetric_kernels=True)


@test_case(name="hidden_int_padding", points=0.25, hidden=True)
def hidden_int_padding(conv2d):
    _check(conv2d, [((2, 6, 5, 2), (3, 2, 2, 3), 1, 1), ((1, 6, 5, 2), (3, 3, 2, 2), 1, 2), ((1, 5, 5, 1), (2, 2, 1, 1), 1, 0)],
           3, symmetric_kernels=True)


@test_case(name="hidden_same_odd_kernels", points=0.5, hidden=True)
def hidden_same_odd_kernels(conv2d):
    _check(conv2d, [((2, 7, 8, 3), (3, 3, 3, 4), 1, "same"), ((1, 10, 11, 3), (5, 3, 3, 2), 1, "same"),
                    ((1, 6, 6, 2), (1, 1, 2, 2), 1, "same")], 4, symmetric_kernels=True)


@test_case(name="hidden_same_uneven_padding", points=0.5, hidden=True)
def hidden_same_uneven_padding(conv2d):
    _check(conv2d, [((1, 6, 6, 2), (2, 2, 2, 3), 1, "same"), ((1, 9, 8, 2), (3, 3, 2, 2), 2, "same"),
                    ((2, 8, 7, 1), (4, 4, 1, 2), 2, "same"), ((1, 10, 11, 3), (5, 3, 3, 2), 3, "same"),
                    ((1, 5, 5, 1), (2, 3, 1, 1), 2, "same")], 5, symmetric_kernels=True)


@test_case(name="hidden_no_library_float_result", points=0.25, hidden=True)
def hidden_no_library_float_result(conv2d):
    rng = np.random.default_rng(6)
    x, w, b = rng.integers(0, 9, size=(2, 6, 6, 2)), rng.integers(-3, 4, size=(3, 3, 2, 2)), rng.integers(0, 3, size=2)
    out = np.asarray(call_without(conv2d, _FORBIDDEN, x, w, b))
    assert out.shape == (2, 4, 4, 2), f"conv2d returned shape {out.shape}; expected (2, 4, 4, 2)"
    assert np.issubdtype(out.dtype, np.floating), f"conv2d of integer arrays returned {out.dtype}; return a float array"
