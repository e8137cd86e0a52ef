"""feature_maps: one (H, W, C) array per Conv2D layer, the layer's output for one (28, 28) image."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "feature_maps"
points = 2
all_or_nothing = True


@test_case(name="public_shapes", points=1, hidden=False)
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


def _expected(model, x):
    """Reference outputs of every Conv2D layer for the prepared batch x (1, 28, 28, 1)."""
    import keras

    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    probe = keras.Model(model.inputs[0], [layer.output for layer in convs])
    out = probe(x, training=False)
    return [np.asarray(o)[0] for o in (out if isinstance(out, (list, tuple)) else [out])]


def _compare(feature_maps, model, image, x, what):
    maps = feature_maps(model, image)
    expected = _expected(model, x)
    shapes = [tuple(np.asarray(m).shape) for m in maps]
    assert shapes == [e.shape for e in expected], f"{what}: shapes {shapes}; expected {[e.shape for e in expected]}"
    for i, (mine, ref) in enumerate(zip(maps, expected)):
        err = float(np.abs(np.asarray(mine, dtype=np.float64) - ref).max())
        assert err <= 1e-4 * max(1.0, float(np.abs(ref).max())), (
            f"{what}: the maps of Conv2D layer {i + 1} differ from the layer's output by up to {err:.3g}"
        )


@test_case(name="hidden_values_uint8_and_float", points=1, hidden=True)
def hidden_values_uint8_and_float(feature_maps, build_cnn, cnn_model):
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (28, 28), dtype=np.uint8)
    image[rng.random((28, 28)) < 0.5] = 0
    scaled = image.astype("float32") / 255
    batch = scaled[None, :, :, None]
    models = {"a new build_cnn() model": build_cnn()}
    if cnn_model is not None:
        models["the trained cnn_model"] = cnn_model
    for label, model in models.items():
        _compare(feature_maps, model, image, batch, f"{label}, a uint8 image (to be divided by 255)")
        _compare(feature_maps, model, scaled, batch, f"{label}, a float image (already in [0, 1])")
