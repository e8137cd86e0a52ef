"""avg_pool2d: average pooling of an NHWC batch ("valid" windows) against keras.layers.AveragePooling2D."""
import numpy as np
from otter.test_files import test_case

from cnnkit.guards import call_without

OK_FORMAT = False  # otter: exception-based format
name = "avg_pool2d"
points = 2
all_or_nothing = True


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


@test_case(name="hidden_matches_keras_random", points=0.5, hidden=True)
def hidden_matches_keras_random(avg_pool2d):
    rng = np.random.default_rng(22)
    for xshape, pool_size, stride in [((2, 8, 8, 3), 2, None), ((1, 7, 9, 2), 2, None), ((3, 9, 8, 1), 3, 2),
                                      ((1, 6, 5, 4), 2, 1), ((2, 10, 10, 2), 3, 3), ((1, 11, 7, 1), 4, 2)]:
        x = rng.normal(size=xshape)
        expected = _keras_avg_pool(x, pool_size, stride)
        out = np.asarray(avg_pool2d(x, pool_size=pool_size, stride=stride))
        where = f"avg_pool2d of {xshape} with pool_size={pool_size}, stride={stride}"
        assert out.shape == expected.shape, f"{where} returned shape {out.shape}; expected {expected.shape}"
        assert np.allclose(out, expected, atol=1e-5), f"{where} differs from keras.layers.AveragePooling2D"


@test_case(name="hidden_no_library_and_uint8", points=0.5, hidden=True)
def hidden_no_library_and_uint8(avg_pool2d):
    x = np.random.default_rng(6).integers(0, 256, size=(1, 6, 6, 2), dtype=np.uint8)
    expected = _keras_avg_pool(x.astype(float), 3, None)
    out = np.asarray(call_without(avg_pool2d, _FORBIDDEN, x, pool_size=3))
    assert out.shape == expected.shape, f"avg_pool2d returned shape {out.shape}; expected {expected.shape}"
    assert np.allclose(out, expected, atol=1e-3), (
        "avg_pool2d on a uint8 batch gives wrong values; compute in float (uint8 sums wrap around at 256)"
    )
