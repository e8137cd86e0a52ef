"""cnn_architecture: build_cnn returns a CNN with >= 2 Conv2D layers, a 47-way softmax, 30k to 1M parameters."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "cnn_architecture"
points = 2
all_or_nothing = True


@test_case(name="public_two_convolutions", points=1, hidden=False)
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
    """The model's layers, nested models flattened."""
    import keras

    out = []
    for layer in model.layers:
        out.extend(_layers(layer) if isinstance(layer, keras.Model) else [layer])
    return out


@test_case(name="hidden_softmax_and_parameters", points=1, hidden=True)
def hidden_softmax_and_parameters(build_cnn):
    import keras

    model = build_cnn()
    convs = [layer for layer in _layers(model) if isinstance(layer, keras.layers.Conv2D)]
    assert len(convs) >= 2, f"the CNN has {len(convs)} Conv2D layer(s); at least two are needed"
    trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
    low, high = _PARAMS
    assert low <= trainable <= high, f"the CNN has {trainable:,} trainable parameters; between {low:,} and {high:,} are asked for"
    x = np.random.default_rng(1).random((3, 28, 28, 1)).astype("float32")
    probs = np.asarray(model(x, training=False))
    assert probs.shape == (3, 47), f"the CNN maps 3 images to shape {probs.shape}; expected (3, 47)"
    assert (probs >= 0).all() and np.allclose(probs.sum(axis=1), 1, atol=1e-4), (
        "the CNN's outputs are not probabilities: end with Dense(47, activation='softmax')"
    )
    assert build_cnn() is not model, "build_cnn must build a new model on every call"
