"""regularized_cnn: build_regularized_cnn(dropout_rate, batchnorm) adds Dropout / BatchNormalization as asked."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "regularized_cnn"
points = 2
hidden_checks = ("other argument values (dropout 0, 0.3 and 0.5, with and without batch normalization): the layers they ask "
                 "for, BatchNormalization(momentum=0.9) between each bias-free convolution or hidden Dense layer and its ReLU, "
                 "Dropout(dropout_rate) right before each Dense layer, the plain CNN with biases, 47 probabilities, and "
                 "30,000 to 1,500,000 trainable parameters")


@test_case(name="public_default_has_both", points=1, hidden=False)
def public_default_has_both(build_regularized_cnn):
    import keras

    model = build_regularized_cnn()
    assert isinstance(model, keras.Model), f"build_regularized_cnn must return a keras.Model, not {type(model).__name__}"
    assert tuple(model.input_shape) == (None, 28, 28, 1), f"the CNN takes {model.input_shape}; expected (None, 28, 28, 1)"
    assert tuple(model.output_shape) == (None, 47), f"the CNN's output shape is {model.output_shape}; expected (None, 47)"
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds.count("Conv2D") >= 2, f"the CNN has {kinds.count('Conv2D')} Conv2D layer(s); at least two are needed"
    assert "BatchNormalization" in kinds and "Dropout" in kinds, (
        f"build_regularized_cnn() (dropout 0.25, batch normalization) has the layers {kinds}; "
        "it needs BatchNormalization and Dropout layers"
    )


#: The range of trainable parameters the notebook states.
_PARAMS = (30_000, 1_500_000)

#: (dropout_rate, batchnorm) of the builds the hidden cases look at.
_ARGUMENTS = ((0.0, False), (0.5, False), (0.0, True), (0.3, True))


#: The models the hidden cases look at, built once per builder: {(id of the builder, rate, batchnorm):
#: (the builder, kept so that its id stays its own, the model)}.
_BUILT = {}


def _build(build_regularized_cnn, rate, bn):
    """build_regularized_cnn(rate, bn), built once for all the hidden cases."""
    key = (id(build_regularized_cnn), rate, bn)
    if key not in _BUILT:
        _BUILT[key] = (build_regularized_cnn, build_regularized_cnn(rate, bn))
    return _BUILT[key][1]


def _kinds(model):
    """The layers of ``model`` in order, those of nested models included."""
    import keras

    out = []
    for layer in model.layers:
        out.extend(_kinds(layer) if isinstance(layer, keras.Model) else [layer])
    return out


def _activation(layer):
    """The name of a layer's built-in activation ("linear" when it has none)."""
    return str(layer.get_config().get("activation", "linear") or "linear")


def _is_relu(layer):
    """A separate ReLU: Activation("relu") or keras.layers.ReLU() with its defaults."""
    import keras

    if isinstance(layer, keras.layers.ReLU):
        config = layer.get_config()
        return not config.get("negative_slope") and config.get("max_value") is None and not config.get("threshold")
    return isinstance(layer, keras.layers.Activation) and _activation(layer) == "relu"


@test_case(name="hidden_arguments_respected", points=0.25, hidden=True)
def hidden_arguments_respected(build_regularized_cnn):
    import keras

    for rate, bn in _ARGUMENTS:
        layers = _kinds(_build(build_regularized_cnn, rate, bn))
        where = f"build_regularized_cnn({rate}, {bn})"
        norms = [layer for layer in layers if isinstance(layer, keras.layers.BatchNormalization)]
        drops = [layer for layer in layers if isinstance(layer, keras.layers.Dropout)]
        assert bool(norms) == bn, f"{where} has {len(norms)} BatchNormalization layer(s)"
        if rate > 0:
            assert drops and all(abs(layer.rate - rate) < 1e-9 for layer in drops), (
                f"{where}: Dropout rates {[layer.rate for layer in drops]}; expected {rate}"
            )
        else:
            assert not [layer for layer in drops if layer.rate > 0], f"{where} has Dropout layers"


@test_case(name="hidden_batchnorm_placement", points=0.25, hidden=True)
def hidden_batchnorm_placement(build_regularized_cnn):
    import keras

    for rate, bn in _ARGUMENTS:
        layers = [layer for layer in _kinds(_build(build_regularized_cnn, rate, bn)) if not isinstance(layer, keras.layers.Dropout)]
        where = f"build_regularized_cnn({rate}, {bn})"
        weighted = [i for i, layer in enumerate(layers) if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense))]
        for i in weighted[:-1]:  # every convolution and hidden Dense layer; the output layer keeps its softmax
            layer, after = layers[i], layers[i + 1:i + 3]
            name = type(layer).__name__
            if not bn:
                relu = _activation(layer) == "relu" or (after and _is_relu(after[0]))
                assert relu and layer.use_bias, (
                    f"{where}: without batch normalization each {name} is the plain one, with its bias and a ReLU (see Part D)"
                )
                continue
            if _activation(layer) == "relu" and after and isinstance(after[0], keras.layers.BatchNormalization):
                raise AssertionError(f"{where}: BatchNormalization comes after the ReLU; put it between the {name} layer "
                                     "and its ReLU (see Part D)")
            assert after and isinstance(after[0], keras.layers.BatchNormalization), (
                f"{where}: a {name} layer is not followed by BatchNormalization; put one after each convolution and "
                "after the hidden dense layer (see Part D)"
            )
            assert len(after) == 2 and _is_relu(after[1]) and _activation(layer) == "linear", (
                f"{where}: {name} -> BatchNormalization -> ReLU is asked for: the {name} layer without activation, "
                "the ReLU after the normalization (see Part D)"
            )
            assert not layer.use_bias, (
                f"{where}: a {name} layer before BatchNormalization keeps its bias; use use_bias=False, beta replaces it "
                "(see Part D)"
            )
            assert abs(float(after[0].momentum) - 0.9) < 1e-9, (
                f"{where}: BatchNormalization with momentum {after[0].momentum}; use momentum=0.9 for our short trainings "
                "(see Part D)"
            )


@test_case(name="hidden_dropout_placement", points=0.25, hidden=True)
def hidden_dropout_placement(build_regularized_cnn):
    import keras

    for rate, bn in _ARGUMENTS:
        if rate == 0:
            continue
        layers = _kinds(_build(build_regularized_cnn, rate, bn))
        where = f"build_regularized_cnn({rate}, {bn})"
        dense = [i for i, layer in enumerate(layers) if isinstance(layer, keras.layers.Dense)]
        without = [layers[i].name for i in dense if not isinstance(layers[i - 1], keras.layers.Dropout)]
        assert not without, (
            f"{where}: Dense layers {without} have no Dropout right before them; put Dropout(dropout_rate) after Flatten "
            "and after the hidden dense layer's activation (see Part D)"
        )


@test_case(name="hidden_size_and_probabilities", points=0.25, hidden=True)
def hidden_size_and_probabilities(build_regularized_cnn):
    import keras

    for rate, bn in _ARGUMENTS:
        model = _build(build_regularized_cnn, rate, bn)
        where = f"build_regularized_cnn({rate}, {bn})"
        assert isinstance(model, keras.Model), f"{where} must return a keras.Model, not {type(model).__name__}"
        convs = [layer for layer in _kinds(model) if isinstance(layer, keras.layers.Conv2D)]
        assert len(convs) >= 2, f"{where} has {len(convs)} Conv2D layer(s); at least two are needed"
        trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
        low, high = _PARAMS
        assert low <= trainable <= high, f"{where} has {trainable:,} trainable parameters; between {low:,} and {high:,} are asked for"
        probs = np.asarray(model(np.random.default_rng(0).random((2, 28, 28, 1)).astype("float32"), training=False))
        assert probs.shape == (2, 47) and np.all(probs >= 0) and np.allclose(probs.sum(axis=1), 1, atol=1e-4), (
            f"{where}: the outputs are not 47 probabilities (a Dense(47, activation='softmax') output layer; see Part D)"
        )
