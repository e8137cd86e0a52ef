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
