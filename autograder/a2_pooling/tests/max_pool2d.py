"""max_pool2d: max pooling of an NHWC batch ("valid" windows) against keras.layers.MaxPooling2D."""
import numpy as np
from otter.test_files import test_case

from cnnkit.guards import call_without

OK_FORMAT = False  # otter: exception-based format
name = "max_pool2d"
points = 3
all_or_nothing = True


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


def _keras_pool(x, pool_size, stride, kind):
    import keras

    layer_class = keras.layers.MaxPooling2D if kind == "max" else keras.layers.AveragePooling2D
    layer = layer_class(pool_size=pool_size, strides=stride, padding="valid")
    return np.asarray(layer(x.astype("float32")), dtype=float)


@test_case(name="hidden_matches_keras_random", points=0.5, hidden=True)
def hidden_matches_keras_random(max_pool2d):
    rng = np.random.default_rng(21)
    for xshape, pool_size, stride in [((2, 8, 8, 3), 2, None), ((1, 7, 9, 2), 2, None), ((3, 9, 8, 1), 3, 2),
                                      ((1, 6, 5, 4), 2, 1), ((2, 10, 10, 2), 3, 3), ((1, 11, 7, 1), 4, 2)]:
        x = rng.normal(size=xshape)
        expected = _keras_pool(x, pool_size, stride, "max")
        out = np.asarray(max_pool2d(x, pool_size=pool_size, stride=stride))
        where = f"max_pool2d of {xshape} with pool_size={pool_size}, stride={stride}"
        assert out.shape == expected.shape, f"{where} returned shape {out.shape}; expected {expected.shape}"
        average = _keras_pool(x, pool_size, stride, "avg")
        if np.allclose(out, average, atol=1e-5):
            raise AssertionError(f"{where} returns the window averages; max pooling keeps the largest value")
        assert np.allclose(out, expected, atol=1e-5), f"{where} differs from keras.layers.MaxPooling2D"


@test_case(name="hidden_negative_values_and_channels", points=0.5, hidden=True)
def hidden_negative_values_and_channels(max_pool2d):
    x = -1.0 - np.arange(2 * 4 * 4 * 3, dtype=float).reshape(2, 4, 4, 3)  # every value negative
    out = np.asarray(max_pool2d(x))
    expected = _keras_pool(x, 2, None, "max")
    assert out.shape == expected.shape, f"max_pool2d returned shape {out.shape}; expected {expected.shape}"
    assert np.allclose(out, expected), (
        "max_pool2d is wrong when every value is negative (do not start the maximum at 0) or mixes channels "
        "(pool each channel on its own)"
    )
    copy = x.copy()
    max_pool2d(x, pool_size=3, stride=1)
    assert np.array_equal(x, copy), "max_pool2d must not modify its input"


@test_case(name="hidden_no_library", points=0.5, hidden=True)
def hidden_no_library(max_pool2d):
    x = np.random.default_rng(5).normal(size=(2, 6, 6, 2))
    expected = _keras_pool(x, 2, None, "max")
    out = np.asarray(call_without(max_pool2d, _FORBIDDEN, x, pool_size=2))
    assert out.shape == expected.shape and np.allclose(out, expected, atol=1e-5), "max_pool2d gives wrong values"
