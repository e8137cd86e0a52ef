"""l2_dense: Chapter 1's dense network with an L2 penalty (kernel_regularizer) on every Dense kernel."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "l2_dense"
points = 1
all_or_nothing = True


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
    import keras

    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


@test_case(name="hidden_penalty_value", points=0.5, hidden=True)
def hidden_penalty_value(build_dense_model):
    import keras

    for l2 in (1e-4, 3e-3):
        model = build_dense_model(l2)
        dense = _dense_layers(model)
        assert [layer.units for layer in dense] == [256, 128, 47], f"Dense layers with {[layer.units for layer in dense]} units; expected 256, 128, 47"
        model(np.zeros((1, 28, 28, 1), dtype="float32"))
        penalty = float(sum(float(np.asarray(loss)) for loss in model.losses))
        expected = l2 * sum(float(np.sum(np.square(np.asarray(layer.kernel)))) for layer in dense)
        assert abs(penalty - expected) <= 1e-4 * expected, (
            f"build_dense_model({l2:g}): the model's penalty is {penalty:.5g}; l2 * sum of the squared kernels is {expected:.5g}"
        )
        biases = [layer.name for layer in dense if layer.bias_regularizer is not None]
        assert not biases, f"only the kernels get the penalty; {biases} regularize their bias too"
    plain = build_dense_model(0.0)
    assert all(layer.kernel_regularizer is None for layer in _dense_layers(plain)), "build_dense_model(0) must add no regularizer"
    kinds = [type(layer).__name__ for layer in plain.layers if not isinstance(layer, keras.layers.InputLayer)]
    assert kinds == ["Flatten", "Dense", "Dense", "Dense"], f"layers {kinds}; expected Flatten, Dense, Dense, Dense"
