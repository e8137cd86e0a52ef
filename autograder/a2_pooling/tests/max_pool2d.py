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


def _keras_max_pool(x, pool_size, stride):
    import keras

    layer = keras.layers.MaxPooling2D(pool_size=pool_size, strides=stride, padding="valid")
    return np.asarray(layer(x.astype("float32")), dtype=float)


def _pool(x, pool_size, stride, reduce):
    """Pooling with ``reduce`` (np.max, np.mean) over each "valid" window, channel by channel."""
    n, h, w, c = x.shape
    h_out, w_out = (h - pool_size) // stride + 1, (w - pool_size) // stride + 1
    out = np.zeros((n, h_out, w_out, c))
    for i in range(h_out):
        for j in range(w_out):
            window = x[:, i * stride:i * stride + pool_size, j * stride:j * stride + pool_size, :]
            out[:, i, j, :] = reduce(window, axis=(1, 2))
    return out


def _mistakes(x, pool_size, stride):
    """What the known mistakes return: a list of (message, array)."""
    step = pool_size if stride is None else stride
    return [
        ("this is average pooling: max pooling keeps the largest value of each window (see Part A)",
         _pool(x, pool_size, step, np.mean)),
        ("max_pool2d ignores the stride: the windows start `stride` pixels apart, and overlap when stride < pool_size "
         "(see Part A)", _pool(x, pool_size, pool_size, np.max)),
        ("max_pool2d uses stride 1 when stride is None; None means stride = pool_size (see Part A)",
         _pool(x, pool_size, 1, np.max)),
        ("max_pool2d starts the maximum at 0: a window of negative values has a negative maximum (see Part A)",
         np.maximum(_pool(x, pool_size, step, np.max), 0)),
        ("max_pool2d takes the maximum across channels too: each channel is pooled on its own (see Part A)",
         np.broadcast_to(_pool(x, pool_size, step, np.max).max(axis=-1, keepdims=True),
                         _pool(x, pool_size, step, np.max).shape)),
    ]


def _check(max_pool2d, configs, x_of):
    """max_pool2d against Keras: ``configs`` of (x shape, pool_size, stride); ``x_of(shape)`` makes the input."""
    for xshape, pool_size, stride in configs:
        x = x_of(xshape)
        expected = _keras_max_pool(x, pool_size, stride)
        out = np.asarray(max_pool2d(x, pool_size=pool_size, stride=stride), dtype=float)
        if out.shape == expected.shape and np.allclose(out, expected, atol=1e-5):
            continue
        for message, wrong in _mistakes(x, pool_size, stride):
            if out.shape == wrong.shape and np.allclose(out, wrong, atol=1e-5):
                raise AssertionError(message)
        where = f"max_pool2d with pool_size={pool_size}, stride={stride}"
        assert out.shape == expected.shape, (
            f"{where} returned shape {out.shape}; expected {expected.shape} (windows that do not fit are dropped)"
        )
        raise AssertionError(f"{where} differs from keras.layers.MaxPooling2D")


def _positive(seed):
    """Random positive inputs (the negative case checks negative values on its own)."""
    rng = np.random.default_rng(seed)
    return lambda shape: rng.uniform(0.5, 5.0, size=shape)


@test_case(name="hidden_default_stride", points=0.5, hidden=True)
def hidden_default_stride(max_pool2d):
    _check(max_pool2d, [((2, 8, 8, 3), 2, None), ((1, 7, 9, 2), 2, None), ((3, 9, 11, 1), 3, None),
                        ((1, 5, 5, 4), 4, None)], _positive(21))


@test_case(name="hidden_explicit_strides", points=0.5, hidden=True)
def hidden_explicit_strides(max_pool2d):
    _check(max_pool2d, [((3, 9, 8, 1), 3, 2), ((1, 6, 5, 4), 2, 1), ((2, 10, 10, 2), 2, 3), ((1, 11, 7, 1), 4, 2)],
           _positive(22))


@test_case(name="hidden_negative_values_channels_and_input", points=0.25, hidden=True)
def hidden_negative_values_channels_and_input(max_pool2d):
    rng = np.random.default_rng(23)
    _check(max_pool2d, [((2, 4, 4, 3), 2, None), ((1, 6, 6, 2), 3, None)], lambda shape: -1.0 - rng.random(shape) * 5)
    _check(max_pool2d, [((2, 4, 6, 3), 2, None)], lambda shape: rng.normal(size=shape) + np.arange(shape[-1]) * 3.0)
    x = rng.normal(size=(1, 6, 6, 3))
    copy = x.copy()
    max_pool2d(x, pool_size=3, stride=1)
    assert np.array_equal(x, copy), "max_pool2d must not modify its input"


@test_case(name="hidden_no_library", points=0.25, hidden=True)
def hidden_no_library(max_pool2d):
    x = np.random.default_rng(5).normal(size=(2, 6, 6, 2))
    out = np.asarray(call_without(max_pool2d, _FORBIDDEN, x, pool_size=2))
    assert out.shape == (2, 3, 3, 2), f"max_pool2d returned shape {out.shape}; expected (2, 3, 3, 2)"
