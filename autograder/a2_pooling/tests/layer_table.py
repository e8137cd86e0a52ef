"""layer_table: output shape and parameter count of each layer of the small CNN, computed by hand."""
import numbers

from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "layer_table"
points = 3
all_or_nothing = True

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


@test_case(name="hidden_matches_keras_model", points=2, hidden=True)
def hidden_matches_keras_model(layer_table):
    model = _model()
    wrong = []
    for layer_name in LAYERS:
        layer = model.get_layer(layer_name)
        shape = tuple(int(d) for d in layer.output.shape[1:])
        params = int(layer.count_params())
        mine = tuple(layer_table[layer_name])
        if tuple(mine[0]) != shape:
            wrong.append(f"{layer_name}: output shape {tuple(mine[0])}, the model's is {shape}")
        if mine[1] != params:
            wrong.append(f"{layer_name}: {mine[1]} parameters, the model has {params}")
    assert not wrong, "layer_table does not match the model: " + "; ".join(wrong)
