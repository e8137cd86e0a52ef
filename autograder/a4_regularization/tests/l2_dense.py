"""l2_dense: Chapter 1's dense network with an L2 penalty (kernel_regularizer) on every Dense kernel."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "l2_dense"
points = 1
hidden_checks = ("the penalty equal to l2 * sum of the squared kernels for other l2 values, on the kernels only (not the biases), "
                 "no regularizer for l2 = 0, and the function computed: Flatten, Dense 256 and 128 with ReLU, Dense 47 with softmax")


@test_case(name="public_penalty_on_every_kernel", points=0.5, hidden=False)
def public_penalty_on_every_kernel(build_dense_model):
    import keras

    model = build_dense_model(1e-3)
    assert isinstance(model, keras.Model), f"build_dense_model must return a keras.Model, not {type(model).__name__}"
    assert model.count_params() == 239_919, f"the model has {model.count_params():,} parameters; Chapter 1's network has 239,919"
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    missing = [layer.name for layer in dense if layer.kernel_regularizer is None]
    assert len(dense) == 3 and not missing, f"Dense layers without kernel_regularizer: {missing}; all three need the L2 penalty"


def _dense_layers(model):
    """The Dense layers of ``model`` in order, those of nested models included."""
    import keras

    found = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            found.extend(_dense_layers(layer))
        elif isinstance(layer, keras.layers.Dense):
            found.append(layer)
    return found


def _penalty(model):
    """The sum of the model's regularization losses."""
    model(np.zeros((1, 28, 28, 1), dtype="float32"))
    return float(sum(float(np.asarray(loss)) for loss in model.losses))


@test_case(name="hidden_penalty_value", points=0.25, hidden=True)
def hidden_penalty_value(build_dense_model):
    rng = np.random.default_rng(0)
    for l2 in (1e-4, 3e-3):
        model = build_dense_model(l2)
        dense = _dense_layers(model)
        for layer in dense:  # non-zero biases, so that a penalty on them shows
            layer.bias.assign(rng.normal(size=tuple(layer.bias.shape)).astype("float32"))
        penalty = _penalty(model)
        kernels = sum(float(np.sum(np.square(np.asarray(layer.kernel)))) for layer in dense)
        biases = sum(float(np.sum(np.square(np.asarray(layer.bias)))) for layer in dense)
        l1 = sum(float(np.sum(np.abs(np.asarray(layer.kernel)))) for layer in dense)
        expected = l2 * kernels
        if abs(penalty - expected) <= 1e-4 * expected:
            continue
        for wrong, message in [
            (l2 * (kernels + biases), "the penalty is counted on the biases too; only the kernels get it (see Part A)"),
            (l2 * kernels / 2, "the penalty is half of l2 * sum(w**2): pass l2 itself to keras.regularizers.L2 (see Part A)"),
            (l2 * l1, "this is an L1 penalty (l2 * sum |w|); L2 sums the squared weights (see Part A)"),
        ]:
            if abs(penalty - wrong) <= 1e-4 * wrong:
                raise AssertionError(message)
        raise AssertionError("the model's penalty differs from l2 * the sum of the squared kernels; give every Dense "
                             "layer kernel_regularizer=keras.regularizers.L2(l2) (see Part A)")


@test_case(name="hidden_no_regularizer_at_zero", points=0.125, hidden=True)
def hidden_no_regularizer_at_zero(build_dense_model):
    plain = build_dense_model(0.0)
    regularized = [layer.name for layer in _dense_layers(plain)
                   if layer.kernel_regularizer is not None or layer.bias_regularizer is not None]
    assert not regularized and _penalty(plain) == 0, (
        f"build_dense_model(0) must add no regularizer at all; {regularized or 'the model'} still has one (see Part A)"
    )


@test_case(name="hidden_computes_the_stated_network", points=0.125, hidden=True)
def hidden_computes_the_stated_network(build_dense_model):
    model = build_dense_model(0.0)
    dense = _dense_layers(model)
    units = [int(layer.units) for layer in dense]
    assert units == [256, 128, 47], f"Dense layers with {units} units; expected 256, 128, 47 (see Part A)"
    x = np.random.default_rng(1).random((4, 28, 28, 1)).astype("float32")
    out = np.asarray(model(x, training=False), dtype=float)
    weights = [(np.asarray(layer.kernel, dtype=float), np.asarray(layer.bias, dtype=float) if layer.use_bias else 0.0)
               for layer in dense]

    def forward(hidden_activation, output_activation):
        h = x.reshape(len(x), -1).astype(float)
        for i, (kernel, bias) in enumerate(weights):
            h = h @ kernel + bias
            h = hidden_activation(h) if i < len(weights) - 1 else output_activation(h)
        return h

    def relu(h):
        return np.maximum(h, 0)

    def softmax(h):
        e = np.exp(h - h.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    if np.allclose(out, forward(relu, softmax), atol=1e-5):
        return
    if np.allclose(out, forward(relu, lambda h: h), atol=1e-5):
        raise AssertionError("the output layer has no softmax: Dense(47, activation='softmax') returns probabilities (see Part A)")
    if np.allclose(out, forward(lambda h: h, softmax), atol=1e-5):
        raise AssertionError("the hidden Dense layers have no activation: both use ReLU (see Part A)")
    raise AssertionError("the model does not compute Flatten -> Dense(256, relu) -> Dense(128, relu) -> Dense(47, softmax) "
                         "(see Part A)")
