"""dense_baseline: Chapter 1's dense network, Flatten -> Dense 256 -> Dense 128 -> Dense 47 softmax."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "dense_baseline"
points = 1
all_or_nothing = True


@test_case(name="public_parameters_and_output", points=0.5, hidden=False)
def public_parameters_and_output(build_dense_model):
    import keras

    model = build_dense_model()
    assert isinstance(model, keras.Model), f"build_dense_model must return a keras.Model, not {type(model).__name__}"
    assert tuple(model.output_shape) == (None, 47), f"the model's output shape is {model.output_shape}; expected (None, 47)"
    n = model.count_params()
    assert n == 239_919, f"the model has {n:,} parameters; Chapter 1's network has 239,919 (784*256+256 + 256*128+128 + 128*47+47)"


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


@test_case(name="hidden_layers", points=0.5, hidden=True)
def hidden_layers(build_dense_model):
    import keras

    model = build_dense_model()
    assert tuple(model.input_shape) == (None, 28, 28, 1), f"the model takes {model.input_shape}; expected (None, 28, 28, 1)"
    kinds = [type(layer).__name__ for layer in _layers(model)]
    assert kinds == ["Flatten", "Dense", "Dense", "Dense"], f"layers {kinds}; expected Flatten, Dense, Dense, Dense"
    dense = [layer for layer in _layers(model) if isinstance(layer, keras.layers.Dense)]
    units = [layer.units for layer in dense]
    activations = [keras.activations.serialize(layer.activation) for layer in dense]
    activations = [a if isinstance(a, str) else a.get("config", a) for a in activations]
    assert units == [256, 128, 47], f"Dense layers with {units} units; expected 256, 128, 47"
    assert activations == ["relu", "relu", "softmax"], f"activations {activations}; expected relu, relu, softmax"
    x = np.random.default_rng(0).random((4, 28, 28, 1)).astype("float32")
    probs = np.asarray(model(x))
    assert np.allclose(probs.sum(axis=1), 1, atol=1e-5), "the outputs are not probabilities (softmax rows sum to 1)"
    assert build_dense_model() is not model, "build_dense_model must build a new model on every call"
