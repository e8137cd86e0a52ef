"""architectures: build_dense, and the wider and deeper networks' layer rules and +-5 % parameter budget.

build_dense is checked by what it computes, not how it is written: ``keras.Sequential`` or the functional
API, ``activation=...`` or separate ``Activation`` layers all pass."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "architectures"
points = 3
hidden_checks = ("build_dense for other layer lists (none, one, several) and another num_classes, ReLU after every "
                 "hidden layer and softmax on the output, the wider network's two layers each at least as wide as "
                 "Chapter 1's, the deeper network's four or more layers of at most 256, and the reference CNN unchanged")

BASELINE_SIZES = [256, 128]
TOLERANCE = 0.05


@test_case(name="public_build_dense_and_budgets", points=1, hidden=False)
def public_build_dense_and_budgets(build_dense, wider_sizes, deeper_sizes):
    from cnnkit.config import load_course_config

    model = build_dense([256, 128])
    assert model is not None, "build_dense returned None; did you forget `return`?"
    assert model.count_params() == 239_919, (
        f"build_dense([256, 128]) has {model.count_params()} parameters; Chapter 1's network has 239919"
    )
    assert tuple(model.input_shape) == (None, 28, 28, 1), f"the input shape is {model.input_shape}; expected (None, 28, 28, 1)"
    assert tuple(model.output_shape) == (None, 47), f"the output shape is {model.output_shape}; expected (None, 47)"
    budget = load_course_config().REFERENCE_CNN_PARAMS
    for label, sizes in (("wider_sizes", wider_sizes), ("deeper_sizes", deeper_sizes)):
        assert sizes is not None, f"{label} is None: set it to the list of hidden-layer widths"
        count = build_dense(sizes).count_params()
        assert abs(count / budget - 1) <= TOLERANCE, (
            f"build_dense({label}) has {count} parameters, {count / budget - 1:+.1%} of the budget {budget}; "
            "it must be within 5 %"
        )


def _layers(model):
    """The model's layers, nested models flattened."""
    import keras

    out = []
    for layer in model.layers:
        out.extend(_layers(layer) if isinstance(layer, keras.Model) else [layer])
    return out


def _dense(model):
    """The layers with a kernel (the Dense layers), in order."""
    return [layer for layer in _layers(model) if getattr(layer, "kernel", None) is not None]


def _kernel_shapes(model):
    return [tuple(int(d) for d in layer.kernel.shape) for layer in _dense(model)]


def _expected_shapes(sizes, num_classes=47):
    widths = [784, *[int(w) for w in sizes], num_classes]
    return list(zip(widths[:-1], widths[1:]))


def _probe(model, layer, x):
    """What ``layer`` receives from the network for the batch x."""
    import keras

    return np.asarray(keras.Model(model.inputs, layer.input)(x), dtype=np.float64)


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@test_case(name="hidden_build_dense_layers", points=0.5, hidden=True)
def hidden_build_dense_layers(build_dense):
    for sizes in ([], [7], [5, 9, 3], (64, 32)):
        model = build_dense(sizes)
        assert tuple(model.input_shape) == (None, 28, 28, 1), (
            f"build_dense takes inputs of shape {model.input_shape}; expected keras.Input((28, 28, 1)) and Flatten"
        )
        shapes = _kernel_shapes(model)
        assert shapes == _expected_shapes(sizes), (
            f"build_dense for a list of {len(sizes)} hidden layers has Dense layers of {[s[1] for s in shapes]} "
            f"units; expected one Dense layer per entry of layer_sizes, in order, then Dense(num_classes)"
        )
    assert build_dense([4]) is not build_dense([4]), "build_dense must return a new model on every call"


@test_case(name="hidden_build_dense_relu_and_softmax", points=0.5, hidden=True)
def hidden_build_dense_relu_and_softmax(build_dense):
    model = build_dense([12, 9, 6])
    dense = _dense(model)
    assert len(dense) == 4, f"build_dense for 3 hidden layers has {len(dense)} Dense layers; expected 4"
    rng = np.random.default_rng(4)
    for layer in dense:
        w_shape, b_shape = (tuple(int(d) for d in v.shape) for v in (layer.kernel, layer.bias))
        layer.set_weights([rng.normal(0, 1.5 / np.sqrt(w_shape[0]), w_shape).astype(np.float32),
                           rng.normal(0, 0.3, b_shape).astype(np.float32)])
    x = rng.random((5, 28, 28, 1)).astype(np.float32)
    h = x.reshape(5, -1).astype(np.float64)
    for number, (layer, following) in enumerate(zip(dense[:-1], dense[1:]), start=1):
        w, b = (np.asarray(v, dtype=np.float64) for v in layer.get_weights())
        got = _probe(model, following, x)
        if np.allclose(got, h @ w + b, atol=1e-3):
            raise AssertionError(f"hidden layer {number} has no activation: use Dense(units, activation='relu') (see "
                                 "the docstring of build_dense)")
        assert np.allclose(got, np.maximum(h @ w + b, 0), atol=1e-3), (
            f"hidden layer {number} does not compute relu(x W + b): use Dense(units, activation='relu')"
        )
        h = got
    w, b = (np.asarray(v, dtype=np.float64) for v in dense[-1].get_weights())
    probs = np.asarray(model(x, training=False), dtype=np.float64)
    if np.allclose(probs, h @ w + b, atol=1e-3):
        raise AssertionError("softmax is missing on the output layer: use Dense(num_classes, activation='softmax')")
    assert np.allclose(probs, _softmax(h @ w + b), atol=1e-5), (
        "the output is not the softmax of the last Dense layer: use Dense(num_classes, activation='softmax')"
    )


@test_case(name="hidden_build_dense_num_classes", points=0.25, hidden=True)
def hidden_build_dense_num_classes(build_dense):
    for num_classes in (10, 26):
        model = build_dense([8], num_classes=num_classes)
        assert tuple(model.output_shape) == (None, num_classes), (
            f"build_dense with another num_classes gives outputs of shape {model.output_shape}: the output layer has "
            "num_classes units (do not write 47)"
        )


def _count(sizes):
    widths = [784, *[int(w) for w in sizes], 47]
    return sum((a + 1) * b for a, b in zip(widths[:-1], widths[1:]))


@test_case(name="hidden_wider_rules", points=0.5, hidden=True)
def hidden_wider_rules(wider_sizes, build_cnn):
    from cnnkit.config import load_course_config

    budget = load_course_config().REFERENCE_CNN_PARAMS
    sizes = [int(w) for w in wider_sizes]  # (a release's None fails here, before the given CNN is looked at)
    assert build_cnn().count_params() == budget, (
        f"build_cnn() has {build_cnn().count_params()} parameters; the reference CNN has {budget}: do not change it"
    )
    assert len(sizes) == len(BASELINE_SIZES), (
        f"wider_sizes = {sizes} has {len(sizes)} hidden layers; the wider network keeps Chapter 1's "
        f"{len(BASELINE_SIZES)} (adding layers makes it deeper, not wider)"
    )
    assert all(w >= b for w, b in zip(sizes, BASELINE_SIZES)), (
        f"wider_sizes = {sizes}: each layer must be at least as wide as Chapter 1's {BASELINE_SIZES}, layer by layer"
    )
    assert abs(_count(sizes) / budget - 1) <= TOLERANCE, (
        f"wider_sizes = {sizes} gives {_count(sizes)} parameters, outside 5 % of {budget}"
    )


@test_case(name="hidden_deeper_rules", points=0.25, hidden=True)
def hidden_deeper_rules(deeper_sizes):
    from cnnkit.config import load_course_config

    budget = load_course_config().REFERENCE_CNN_PARAMS
    sizes = [int(w) for w in deeper_sizes]
    assert len(sizes) >= 2 * len(BASELINE_SIZES), (
        f"deeper_sizes = {sizes} has {len(sizes)} hidden layers; the deeper network needs at least "
        f"{2 * len(BASELINE_SIZES)} (twice Chapter 1's)"
    )
    assert min(sizes) >= 1 and max(sizes) <= max(BASELINE_SIZES), (
        f"deeper_sizes = {sizes}: no layer may be wider than Chapter 1's widest ({max(BASELINE_SIZES)})"
    )
    assert abs(_count(sizes) / budget - 1) <= TOLERANCE, (
        f"deeper_sizes = {sizes} gives {_count(sizes)} parameters, outside 5 % of {budget}"
    )
