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
