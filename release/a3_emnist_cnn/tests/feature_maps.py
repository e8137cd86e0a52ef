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
