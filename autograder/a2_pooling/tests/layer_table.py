"""layer_table: output shape and parameter count of each layer of the small CNN, computed by hand."""
import numbers

from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "layer_table"
points = 3
hidden_checks = "the output shape and parameter count of pool1, conv2, pool2, flatten and dense, each against the model"

LAYERS = ("conv1", "pool1", "conv2", "pool2", "flatten", "dense")


@test_case(name="public_structure_and_first_layer", points=1, hidden=False)
def public_structure_and_first_layer(layer_table):
    assert isinstance(layer_table, dict), "layer_table must be a dict {layer name: (output shape, parameters)}"
    missing = [layer for layer in LAYERS if layer not in layer_table]
    assert not missing, f"layer_table has no entry for {missing}"
    for layer in LAYERS:
        entry = layer_table[layer]
        assert isinstance(entry, tuple) and len(entry) == 2, f"layer_table[{layer!r}] must be a pair (output shape, parameters)"
        shape, params = entry
        assert shape is not None and params is not None, f"layer_table[{layer!r}] still holds None: fill in your numbers"
        assert isinstance(shape, tuple) and all(isinstance(d, numbers.Integral) for d in shape), (
            f"the output shape of {layer!r} must be a tuple of ints without the batch axis, e.g. (26, 26, 32); got {shape!r}"
        )
        assert isinstance(params, numbers.Integral), f"the parameter count of {layer!r} must be an int; got {params!r}"
    assert layer_table["conv1"] == ((26, 26, 32), 320), (
        f"conv1: you wrote {layer_table['conv1']}; 32 filters of 3x3 on a 28x28x1 input give ((26, 26, 32), 320): "
        "26 = 28 - 3 + 1 and 320 = 3 * 3 * 1 * 32 weights + 32 biases"
    )


def _model():
    import keras

    return keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(32, 3, activation="relu", name="conv1"),
        keras.layers.MaxPooling2D(2, name="pool1"),
        keras.layers.Conv2D(64, 3, activation="relu", name="conv2"),
        keras.layers.MaxPooling2D(2, name="pool2"),
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(47, activation="softmax", name="dense"),
    ])


def _truth(layer_name):
    """(output shape, parameters) of one layer of the model."""
    layer = _model().get_layer(layer_name)
    return tuple(int(d) for d in layer.output.shape[1:]), int(layer.count_params())


def _check(layer_table, layer_name, mistakes):
    """layer_table[layer_name] against the model; ``mistakes``: {wrong (shape, parameters): message}."""
    mine = layer_table[layer_name]
    mine = (tuple(mine[0]), mine[1])
    truth = _truth(layer_name)
    if mine == truth:
        return
    if mine in mistakes:
        raise AssertionError(mistakes[mine])
    assert mine[0] == truth[0], f"{layer_name}: the output shape {mine[0]} differs from the model's (see the rules of Part C)"
    raise AssertionError(f"{layer_name}: the parameter count {mine[1]} differs from the model's (see the rules of Part C)")


@test_case(name="hidden_pooling_layers", points=0.5, hidden=True)
def hidden_pooling_layers(layer_table):
    _check(layer_table, "pool1", {((13, 13, 32), 320): "pool1: a pooling layer has no parameters (see Part C)",
                                  ((26, 26, 32), 0): "pool1: MaxPooling2D(2) halves the height and width (see Part C)"})
    _check(layer_table, "pool2", {((6, 6, 64), 0): "pool2 rounds up: MaxPooling2D(2) drops the odd row and column, "
                                                   "floor(11 / 2) = 5 (see Part C)",
                                  ((5, 5, 64), 18_496): "pool2: a pooling layer has no parameters (see Part C)"})


@test_case(name="hidden_conv2", points=0.5, hidden=True)
def hidden_conv2(layer_table):
    _check(layer_table, "conv2", {
        ((11, 11, 64), 3 * 3 * 64 + 64): "conv2 counts one input channel: each of its 64 filters has one 3x3 kernel "
                                         "per input channel, 32 of them (see Part C)",
        ((11, 11, 64), 3 * 3 * 32 * 64): "conv2 forgets the biases: one per filter (see Part C)",
        ((13, 13, 64), 3 * 3 * 32 * 64 + 64): "conv2 keeps the size, but a 'valid' 3x3 convolution takes 2 rows and "
                                              "columns: 13 - 3 + 1 (see Part C)",
    })


@test_case(name="hidden_flatten", points=0.5, hidden=True)
def hidden_flatten(layer_table):
    _check(layer_table, "flatten", {
        ((6 * 6 * 64,), 0): "flatten follows a pool2 that rounds up; MaxPooling2D(2) drops the odd row and column (see Part C)",
        ((5, 5, 64), 0): "flatten has ONE axis of length H * W * C (see Part C)",
    })


@test_case(name="hidden_dense", points=0.5, hidden=True)
def hidden_dense(layer_table):
    _check(layer_table, "dense", {
        ((47,), 1600 * 47): "dense forgets the biases: one per unit, 47 (see Part C)",
        ((47,), 6 * 6 * 64 * 47 + 47): "dense follows a pool2 that rounds up; MaxPooling2D(2) drops the odd row and "
                                       "column (see Part C)",
    })
