"""regularized_cnn: build_regularized_cnn(dropout_rate, batchnorm) adds Dropout / BatchNormalization as asked."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "regularized_cnn"
points = 2
all_or_nothing = True


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


def _kinds(model):
    import keras

    out = []
    for layer in model.layers:
        out.extend(_kinds(layer) if isinstance(layer, keras.Model) else [layer])
    return out


@test_case(name="hidden_arguments_respected", points=1, hidden=True)
def hidden_arguments_respected(build_regularized_cnn):
    import keras

    for rate, bn in ((0.0, False), (0.5, False), (0.0, True), (0.3, True)):
        model = build_regularized_cnn(rate, bn)
        layers = _kinds(model)
        where = f"build_regularized_cnn({rate}, {bn})"
        convs = [layer for layer in layers if isinstance(layer, keras.layers.Conv2D)]
        norms = [layer for layer in layers if isinstance(layer, keras.layers.BatchNormalization)]
        drops = [layer for layer in layers if isinstance(layer, keras.layers.Dropout)]
        assert len(convs) >= 2, f"{where} has {len(convs)} Conv2D layer(s); at least two are needed"
        assert bool(norms) == bn, f"{where} has {len(norms)} BatchNormalization layer(s)"
        if rate > 0:
            assert drops and all(abs(layer.rate - rate) < 1e-9 for layer in drops), (
                f"{where}: Dropout rates {[layer.rate for layer in drops]}; expected {rate}"
            )
        else:
            assert not [layer for layer in drops if layer.rate > 0], f"{where} has Dropout layers"
        trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
        low, high = _PARAMS
        assert low <= trainable <= high, f"{where} has {trainable:,} trainable parameters; between {low:,} and {high:,} are asked for"
        probs = np.asarray(model(np.random.default_rng(0).random((2, 28, 28, 1)).astype("float32"), training=False))
        assert probs.shape == (2, 47) and np.allclose(probs.sum(axis=1), 1, atol=1e-4), f"{where}: the outputs are not 47 probabilities"
