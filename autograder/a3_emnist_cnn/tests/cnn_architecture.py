"""cnn_architecture: build_cnn returns a CNN with >= 2 Conv2D layers (ReLU) each followed by MaxPooling2D,
Flatten, a 47-way softmax and 30,000 to 1,000,000 trainable parameters."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "cnn_architecture"
points = 2
hidden_checks = ("ReLU on every Conv2D layer, a MaxPooling2D after each, Flatten before the dense part, "
                 "softmax probabilities on the output, and 30,000 to 1,000,000 trainable parameters")


@test_case(name="public_two_convolutions", points=0.5, hidden=False)
def public_two_convolutions(build_cnn):
    import keras

    model = build_cnn()
    assert isinstance(model, keras.Model), f"build_cnn must return a keras.Model, not {type(model).__name__}"
    assert tuple(model.input_shape) == (None, 28, 28, 1), f"the CNN takes {model.input_shape}; expected (None, 28, 28, 1)"
    assert tuple(model.output_shape) == (None, 47), f"the CNN's output shape is {model.output_shape}; expected (None, 47)"
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert len(convs) >= 2, f"the CNN has {len(convs)} Conv2D layer(s); at least two are needed"


#: The range of trainable parameters the notebook states.
_PARAMS = (30_000, 1_000_000)


def _layers(model):
    """The model's layers, nested models flattened, input layers left out."""
    import keras

    out = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            out.extend(_layers(layer))
        elif not isinstance(layer, keras.layers.InputLayer):
            out.append(layer)
    return out


def _activation(layer):
    """The name of a layer's activation ('linear' when it has none)."""
    import keras

    if isinstance(layer, keras.layers.ReLU):
        return "relu"
    activation = getattr(layer, "activation", None)
    if activation is None:
        return "linear"
    name = keras.activations.serialize(activation)
    return name if isinstance(name, str) else str(name.get("config", name))


@test_case(name="hidden_relu_and_max_pooling", points=0.5, hidden=True)
def hidden_relu_and_max_pooling(build_cnn):
    import keras

    layers = _layers(build_cnn())
    convs = [i for i, layer in enumerate(layers) if isinstance(layer, keras.layers.Conv2D)]
    assert len(convs) >= 2, f"the CNN has {len(convs)} Conv2D layer(s); at least two are needed"
    for number, i in enumerate(convs, start=1):
        stage = []  # the layers between this convolution and the next convolution, pooling or Flatten
        for layer in layers[i + 1:]:
            if isinstance(layer, (keras.layers.Conv2D, keras.layers.MaxPooling2D, keras.layers.AveragePooling2D,
                                  keras.layers.Flatten)):
                break
            stage.append(layer)
        relu = _activation(layers[i]) == "relu" or (
            _activation(layers[i]) == "linear" and any(_activation(layer) == "relu" for layer in stage))
        assert relu, (
            f"Conv2D layer {number} has no ReLU: use Conv2D(..., activation='relu') (see Part C)"
        )
        rest = layers[i + 1:]
        pools = [layer for layer in rest if isinstance(layer, keras.layers.MaxPooling2D)]
        if not pools and any(isinstance(layer, keras.layers.AveragePooling2D) for layer in rest):
            raise AssertionError(f"Conv2D layer {number} is followed by AveragePooling2D; Part C asks for MaxPooling2D")
        assert pools, f"Conv2D layer {number} is not followed by a MaxPooling2D layer (see Part C)"
    flatten = [i for i, layer in enumerate(layers) if isinstance(layer, keras.layers.Flatten)]
    assert flatten and flatten[0] > convs[-1], (
        "the CNN needs a Flatten layer after its last convolution stage, before the Dense layers (see Part C)"
    )


@test_case(name="hidden_softmax_output", points=0.5, hidden=True)
def hidden_softmax_output(build_cnn):
    model = build_cnn()
    x = np.random.default_rng(1).random((3, 28, 28, 1)).astype("float32")
    probs = np.asarray(model(x, training=False), dtype=np.float64)
    assert probs.shape == (3, 47), f"the CNN maps a batch of 3 images to shape {probs.shape}; expected (3, 47)"
    assert (probs >= 0).all() and np.allclose(probs.sum(axis=1), 1, atol=1e-4), (
        "softmax is missing on the output: the CNN's outputs are not probabilities; end with "
        "Dense(47, activation='softmax') (see Part C)"
    )
    assert build_cnn() is not model, "build_cnn must build a new model on every call"


@test_case(name="hidden_parameter_range", points=0.5, hidden=True)
def hidden_parameter_range(build_cnn):
    model = build_cnn()
    trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
    low, high = _PARAMS
    assert trainable >= low, (
        f"the CNN has {trainable:,} trainable parameters, fewer than the {low:,} Part C asks for: use more filters "
        "(e.g. 32 and 64) or a hidden Dense layer"
    )
    assert trainable <= high, (
        f"the CNN has {trainable:,} trainable parameters, more than the {high:,} Part C allows: pool after each "
        "convolution and keep the dense part small"
    )
