"""feature_maps: one float32 (H, W, C) array per Conv2D layer, in layer order, the layer's output for one
(28, 28) image prepared as the model expects (uint8 divided by 255, float taken as it is)."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "feature_maps"
points = 2
hidden_checks = ("the values of every map against the layers' outputs, uint8 images divided by 255 and float images "
                 "taken as they are, models with another number of Conv2D layers and channels, the trained "
                 "cnn_model, and float32 arrays")


@test_case(name="public_shapes", points=0.5, hidden=False)
def public_shapes(feature_maps, build_cnn):
    import keras

    model = build_cnn()
    image = np.random.default_rng(0).integers(0, 256, (28, 28), dtype=np.uint8)
    maps = feature_maps(model, image)
    assert maps is not None, "feature_maps returned None; did you forget `return`?"
    shapes = [tuple(np.asarray(m).shape) for m in maps]
    expected = [tuple(int(d) for d in layer.output.shape[1:]) for layer in model.layers
                if isinstance(layer, keras.layers.Conv2D)]
    assert shapes == expected, (
        f"feature_maps(build_cnn(), image) returned shapes {shapes}; expected {expected} "
        "(one array per Conv2D layer, in order, without the batch axis)"
    )


def _three_convs():
    """A model unlike the notebook's: three Conv2D layers of 4, 6 and 5 channels, one without pooling after it."""
    import keras

    keras.utils.set_random_seed(9)
    return keras.Sequential([
        keras.Input((28, 28, 1)), keras.layers.Conv2D(4, 3, activation="relu"), keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(6, 5, activation="relu"), keras.layers.Conv2D(5, 3, activation="relu"),
        keras.layers.MaxPooling2D(2), keras.layers.Flatten(), keras.layers.Dense(47, activation="softmax")])


def _image(seed):
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (28, 28), dtype=np.uint8)
    image[rng.random((28, 28)) < 0.5] = 0
    image[4:22, 9:12] = 255  # a vertical stroke: the transposed image gives other maps
    return image


def _expected(model, x, *, activation=True):
    """Every Conv2D layer's output (``activation=False``: before its activation) for the batch x (1, 28, 28, 1)."""
    import keras

    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    probe = keras.Model(model.inputs[0], [layer.output if activation else layer.input for layer in convs])
    out = probe(x, training=False)
    out = [np.asarray(o)[0] for o in (out if isinstance(out, (list, tuple)) else [out])]
    if activation:
        return out
    return [np.asarray(layer.convolution_op(o[None], layer.kernel) + layer.bias)[0]
            for layer, o in zip(convs, out)]


def _close(maps, expected):
    return len(maps) == len(expected) and all(
        np.asarray(m).shape == e.shape and np.abs(np.asarray(m, dtype=np.float64) - e).max()
        <= 1e-4 * max(1.0, float(np.abs(e).max())) for m, e in zip(maps, expected))


def _compare(maps, model, x, what):
    """Assert that ``maps`` are the model's Conv2D outputs for x, naming the mistake when one is recognisable."""
    expected = _expected(model, x)
    shapes = [tuple(np.asarray(m).shape) for m in maps]
    assert shapes == [e.shape for e in expected], (
        f"{what}: the maps have shapes {shapes}; expected {[e.shape for e in expected]} (one (H, W, C) array per "
        "Conv2D layer of the model, in layer order, without the batch axis)"
    )
    if _close(maps, _expected(model, np.swapaxes(x, 1, 2))):
        raise AssertionError(f"{what}: the maps are those of the transposed image; give the model the image as it is")
    if _close(maps, _expected(model, x, activation=False)):
        raise AssertionError(f"{what}: these are the maps before the layers' ReLU; return each Conv2D layer's output")
    for i, (mine, ref) in enumerate(zip(maps, expected)):
        err = float(np.abs(np.asarray(mine, dtype=np.float64) - ref).max())
        assert err <= 1e-4 * max(1.0, float(np.abs(ref).max())), (
            f"{what}: the maps of Conv2D layer {i + 1} differ from the layer's output by up to {err:.3g}"
        )


def _models(build_cnn, cnn_model):
    models = {"a new build_cnn() model": build_cnn(), "a model with three Conv2D layers": _three_convs()}
    if cnn_model is not None:
        models["the trained cnn_model"] = cnn_model
    return models


@test_case(name="hidden_uint8_image_divided_by_255", points=0.5, hidden=True)
def hidden_uint8_image_divided_by_255(feature_maps, build_cnn, cnn_model):
    image = _image(3)
    batch = (image.astype("float32") / 255)[None, :, :, None]
    for label, model in _models(build_cnn, cnn_model).items():
        maps = list(feature_maps(model, image))
        what = f"{label}, a uint8 image"
        if len(maps) == len(_expected(model, batch)) and _close(maps, _expected(model, image.astype("float32")[None, :, :, None])):
            raise AssertionError(f"{what}: the uint8 image was not divided by 255; the model takes pixels in [0, 1] "
                                 "(see Part A)")
        _compare(maps, model, batch, what)


@test_case(name="hidden_float_image_taken_as_is", points=0.25, hidden=True)
def hidden_float_image_taken_as_is(feature_maps, build_cnn, cnn_model):
    scaled = _image(4).astype("float32") / 255
    batch = scaled[None, :, :, None]
    for label, model in _models(build_cnn, cnn_model).items():
        maps = list(feature_maps(model, scaled))
        what = f"{label}, a float image already in [0, 1]"
        if len(maps) == len(_expected(model, batch)) and _close(maps, _expected(model, batch / 255)):
            raise AssertionError(f"{what}: the float image was divided by 255 again; only uint8 images are scaled")
        _compare(maps, model, batch, what)


@test_case(name="hidden_every_conv_layer_in_order", points=0.5, hidden=True)
def hidden_every_conv_layer_in_order(feature_maps):
    model = _three_convs()
    image = _image(5).astype("float32") / 255  # a float image: this case checks the layers, not the scaling
    maps = list(feature_maps(model, image))
    expected = _expected(model, image[None, :, :, None])
    assert len(maps) == len(expected), (
        f"feature_maps returned {len(maps)} arrays for a model with another number of Conv2D layers; expected one "
        "per Conv2D layer of the model it is given"
    )
    if _close(maps[::-1], expected):
        raise AssertionError("the maps are in reverse order; return them in the order of the layers")
    _compare(maps, model, image[None, :, :, None], "a model with three Conv2D layers")


@test_case(name="hidden_float32_arrays", points=0.25, hidden=True)
def hidden_float32_arrays(feature_maps, build_cnn):
    maps = feature_maps(build_cnn(), _image(6))
    assert isinstance(maps, (list, tuple)), f"feature_maps must return a list of arrays, not {type(maps).__name__}"
    dtypes = [str(np.asarray(m).dtype) for m in maps]
    assert all(dtype == "float32" for dtype in dtypes), f"feature_maps returned arrays of dtypes {dtypes}; expected float32"
