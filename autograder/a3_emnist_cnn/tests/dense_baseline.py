"""dense_baseline: Chapter 1's dense network, Flatten -> Dense 256 (ReLU) -> Dense 128 (ReLU) -> Dense 47 (softmax).

The checks compare what the network computes, not how it is written: ``keras.Sequential`` or the
functional API, ``activation="relu"`` or a separate ``Activation``/``ReLU`` layer all pass."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "dense_baseline"
points = 1
hidden_checks = ("the input (28, 28, 1), the Dense layers 256, 128 and 47 in this order, ReLU after both hidden layers "
                 "and softmax on the output, each computed on the network's own outputs")


@test_case(name="public_parameters_and_output", points=0.25, hidden=False)
def public_parameters_and_output(build_dense_model):
    import keras

    model = build_dense_model()
    assert isinstance(model, keras.Model), f"build_dense_model must return a keras.Model, not {type(model).__name__}"
    assert tuple(model.output_shape) == (None, 47), f"the model's output shape is {model.output_shape}; expected (None, 47)"
    n = model.count_params()
    assert n == 239_919, f"the model has {n:,} parameters; Chapter 1's network has 239,919 (784*256+256 + 256*128+128 + 128*47+47)"


def _layers(model):
    """The model's layers, nested models flattened."""
    import keras

    out = []
    for layer in model.layers:
        out.extend(_layers(layer) if isinstance(layer, keras.Model) else [layer])
    return out


def _dense(model):
    """The layers with a kernel and a bias (the Dense layers), in order."""
    return [layer for layer in _layers(model) if getattr(layer, "kernel", None) is not None]


def _relu(x):
    return np.maximum(x, 0.0)


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _set_weights(model, seed):
    """Random weights of a size where ReLU cuts off about half the units; returns [(W, b)] per Dense layer."""
    rng = np.random.default_rng(seed)
    weights = []
    for layer in _dense(model):
        w_shape, b_shape = (tuple(int(d) for d in v.shape) for v in (layer.kernel, layer.bias))
        w = rng.normal(0, 1.5 / np.sqrt(w_shape[0]), w_shape).astype(np.float32)
        b = rng.normal(0, 0.3, b_shape).astype(np.float32)
        layer.set_weights([w, b])
        weights.append((w.astype(np.float64), b.astype(np.float64)))
    return weights


def _batch(model, seed):
    """Six random images, shaped as the model's input takes them (so that each case checks its own clause)."""
    x = np.random.default_rng(seed).random((6, 28, 28, 1)).astype(np.float32)
    shape = tuple(model.input_shape[1:])
    return x.reshape((6, *shape)) if None not in shape and int(np.prod(shape)) == 784 else x


def _probe(model, layer, x):
    """What ``layer`` receives from the network for the batch x."""
    import keras

    return np.asarray(keras.Model(model.inputs, layer.input)(x), dtype=np.float64)


@test_case(name="hidden_input_and_layer_sizes", points=0.25, hidden=True)
def hidden_input_and_layer_sizes(build_dense_model):
    model = build_dense_model()
    assert tuple(model.input_shape) == (None, 28, 28, 1), (
        f"the model takes inputs of shape {model.input_shape}; expected keras.Input((28, 28, 1)) followed by Flatten"
    )
    shapes = [tuple(int(d) for d in layer.kernel.shape) for layer in _dense(model)]
    assert shapes == [(784, 256), (256, 128), (128, 47)], (
        f"the Dense layers' weight matrices have shapes {shapes}; expected [(784, 256), (256, 128), (128, 47)]: "
        "Flatten, then Dense(256), Dense(128) and Dense(47), in this order (see Part B)"
    )
    assert all(getattr(layer, "bias", None) is not None for layer in _dense(model)), "every Dense layer needs its bias"
    assert build_dense_model() is not model, "build_dense_model must build a new model on every call"


@test_case(name="hidden_relu_on_the_hidden_layers", points=0.25, hidden=True)
def hidden_relu_on_the_hidden_layers(build_dense_model):
    model = build_dense_model()
    dense = _dense(model)
    assert len(dense) == 3, f"the model has {len(dense)} Dense layers; expected 3 (256, 128, 47)"
    (w1, b1), (w2, b2), _ = _set_weights(model, 5)
    x = _batch(model, 6)
    flat = x.reshape(6, -1).astype(np.float64)
    first = _probe(model, dense[1], x)
    if np.allclose(first, flat @ w1 + b1, atol=1e-3):
        raise AssertionError("the first hidden layer has no ReLU: use Dense(256, activation='relu') (see Part B)")
    assert np.allclose(first, _relu(flat @ w1 + b1), atol=1e-3), (
        "the first hidden layer does not compute relu(x W + b) on the flattened image: Flatten, then "
        "Dense(256, activation='relu') (see Part B)"
    )
    second = _probe(model, dense[2], x)
    if np.allclose(second, first @ w2 + b2, atol=1e-3):
        raise AssertionError("the second hidden layer has no ReLU: use Dense(128, activation='relu') (see Part B)")
    assert np.allclose(second, _relu(first @ w2 + b2), atol=1e-3), (
        "the second hidden layer does not compute relu(h W + b): use Dense(128, activation='relu') (see Part B)"
    )


@test_case(name="hidden_softmax_output", points=0.25, hidden=True)
def hidden_softmax_output(build_dense_model):
    model = build_dense_model()
    dense = _dense(model)
    assert len(dense) == 3, f"the model has {len(dense)} Dense layers; expected 3 (256, 128, 47)"
    _, _, (w3, b3) = _set_weights(model, 7)
    x = _batch(model, 8)
    logits = _probe(model, dense[2], x) @ w3 + b3
    probs = np.asarray(model(x, training=False), dtype=np.float64)
    if np.allclose(probs, logits, atol=1e-3):
        raise AssertionError("softmax is missing on the output: the last layer returns scores, not probabilities; use "
                             "Dense(47, activation='softmax') (see Part B)")
    assert np.allclose(probs, _softmax(logits), atol=1e-5), (
        "the output is not the softmax of the last Dense layer: use Dense(47, activation='softmax'), one probability "
        "per class (see Part B)"
    )
