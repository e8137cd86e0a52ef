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


# --- hidden -------------------------------------------------------------------------------------
#: Library routines that would do the work of the function under test: ``{module: [names]}``.
_FORBIDDEN = {
    "scipy.ndimage": ["maximum_filter", "uniform_filter", "generic_filter"],
    "skimage.measure": ["block_reduce"],
    "cv2": ["dilate", "blur", "boxFilter", "resize"],
    "tensorflow.nn": ["max_pool", "max_pool2d", "avg_pool", "avg_pool2d", "pool"],
    "keras.ops": ["max_pool", "average_pool"],
    "torch.nn.functional": ["max_pool2d", "avg_pool2d"],
}


def _keras_avg_pool(x, pool_size, stride):
    import keras

    layer = keras.layers.AveragePooling2D(pool_size=pool_size, strides=stride, padding="valid")
    return np.asarray(layer(x.astype("float32")), dtype=float)


def _pool(x, pool_size, stride, reduce):
    """Pooling with ``reduce`` (np.max, np.mean, np.sum) over each "valid" window, channel by channel."""
    n, h, w, c = x.shape
    h_out, w_out = (h - pool_size) // stride + 1, (w - pool_size) // stride + 1
    out = np.zeros((n, h_out, w_out, c))
    for i in range(h_out):
        for j in range(w_out):
            out[:, i, j, :] = reduce(x[:, i * stride:i * stride + pool_size, j * stride:j * stride + pool_size, :], axis=(1, 2))
    return out


def _mistakes(x, pool_size, stride):
    """What the known mistakes return: a list of (message, array)."""
    step = pool_size if stride is None else stride
    sums = _pool(x, pool_size, step, np.sum)
    return [
        ("this is max pooling: average pooling keeps the mean of each window (see Part B)", _pool(x, pool_size, step, np.max)),
        ("avg_pool2d divides by pool_size; a window holds pool_size**2 values (see Part B)", sums / pool_size),
        ("avg_pool2d returns the window sums; divide them by the window's size, pool_size**2 (see Part B)", sums),
        ("avg_pool2d ignores the stride: the windows start `stride` pixels apart, and overlap when stride < pool_size "
         "(see Parts A and B)", _pool(x, pool_size, pool_size, np.mean)),
        ("avg_pool2d uses stride 1 when stride is None; None means stride = pool_size (see Part A)",
         _pool(x, pool_size, 1, np.mean)),
    ]


def _check(avg_pool2d, configs, x_of):
    """avg_pool2d against Keras: ``configs`` of (x shape, pool_size, stride); ``x_of(shape)`` makes the input."""
    for xshape, pool_size, stride in configs:
        x = x_of(xshape)
        expected = _keras_avg_pool(x.astype(float), pool_size, stride)
        out = np.asarray(avg_pool2d(x, pool_size=pool_size, stride=stride), dtype=float)
        if out.shape == expected.shape and np.allclose(out, expected, atol=1e-5):
            continue
        for message, wrong in _mistakes(x.astype(float), pool_size, stride):
            if out.shape == wrong.shape and np.allclose(out, wrong, atol=1e-5):
                raise AssertionError(message)
        where = f"avg_pool2d with pool_size={pool_size}, stride={stride}"
        assert out.shape == expected.shape, (
            f"{where} returned shape {out.shape}; expected {expected.shape} (windows that do not fit are dropped)"
        )
        raise AssertionError(f"{where} differs from keras.layers.AveragePooling2D")


def _normal(seed):
    rng = np.random.default_rng(seed)
    return lambda shape: rng.normal(size=shape)


@test_case(name="hidden_default_stride", points=0.25, hidden=True)
def hidden_default_stride(avg_pool2d):
    _check(avg_pool2d, [((2, 8, 8, 3), 2, None), ((1, 7, 9, 2), 2, None), ((3, 9, 11, 1), 3, None)], _normal(22))


@test_case(name="hidden_explicit_strides", points=0.25, hidden=True)
def hidden_explicit_strides(avg_pool2d):
    _check(avg_pool2d, [((3, 9, 8, 1), 3, 2), ((1, 6, 5, 4), 2, 1), ((2, 10, 10, 2), 2, 3), ((1, 11, 7, 1), 4, 2)],
           _normal(23))


@test_case(name="hidden_uint8_in_float", points=0.25, hidden=True)
def hidden_uint8_in_float(avg_pool2d):
    x = np.random.default_rng(6).integers(128, 256, size=(1, 6, 6, 2), dtype=np.uint8)
    copy = x.copy()
    out = np.asarray(avg_pool2d(x, pool_size=3))
    assert np.array_equal(x, copy), "avg_pool2d must not modify its input"
    expected = _keras_avg_pool(x.astype(float), 3, None)
    assert out.shape == expected.shape and np.allclose(out, expected, atol=1e-3), (
        "avg_pool2d on a uint8 batch gives wrong values; compute in float (uint8 sums wrap around at 256; see Part B)"
    )
    assert np.issubdtype(out.dtype, np.floating), f"avg_pool2d returned {out.dtype}; return a float array"


@test_case(name="hidden_no_library", points=0.25, hidden=True)
def hidden_no_library(avg_pool2d):
    x = np.random.default_rng(7).normal(size=(2, 6, 6, 2))
    out = np.asarray(call_without(avg_pool2d, _FORBIDDEN, x, pool_size=2))
    assert out.shape == (2, 3, 3, 2), f"avg_pool2d returned shape {out.shape}; expected (2, 3, 3, 2)"
