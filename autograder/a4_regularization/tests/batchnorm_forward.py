"""batchnorm_forward: batch normalization over the last axis, as keras.layers.BatchNormalization."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "batchnorm_forward"
points = 4
hidden_checks = ("other shapes (N, C) and (N, H, W, C) against Keras in both modes: the moving statistics at inference and "
                 "left unchanged, the batch mean and biased variance over every axis but the last in training, the "
                 "moving-average update with the given momentum, epsilon inside the square root with the given eps, "
                 "gamma as scale and beta as offset, and inputs left unmodified")


@test_case(name="public_inference_example", points=1, hidden=False)
def public_inference_example(batchnorm_forward):
    x = np.array([[1.0, 10.0], [3.0, 20.0]])
    gamma, beta = np.array([1.0, 2.0]), np.array([0.0, 1.0])
    moving_mean, moving_var = np.array([2.0, 10.0]), np.array([4.0, 100.0])
    result = batchnorm_forward(x, gamma, beta, moving_mean, moving_var, False, eps=0.0)
    assert result is not None and len(result) == 3, "batchnorm_forward must return (out, new_moving_mean, new_moving_var)"
    out, new_mean, new_var = (np.asarray(r) for r in result)
    expected = np.array([[-0.5, 1.0], [0.5, 3.0]])  # gamma * (x - moving_mean) / sqrt(moving_var) + beta
    if np.allclose(out, np.array([[-1.0, -1.0], [1.0, 3.0]])):
        raise AssertionError("in inference mode normalise with the MOVING statistics, not the batch's (see Part C)")
    assert out.shape == x.shape and np.allclose(out, expected), f"inference mode returned\n{out}\nexpected\n{expected}"
    assert np.allclose(new_mean, moving_mean) and np.allclose(new_var, moving_var), "inference must leave the moving statistics unchanged"


def _keras_bn(x, gamma, beta, mean, var, training, momentum, eps):
    """Keras' output and moving statistics after one call."""
    import keras

    layer = keras.layers.BatchNormalization(momentum=momentum, epsilon=eps)
    layer.build(x.shape)
    layer.set_weights([w.astype("float32") for w in (gamma, beta, mean, var)])
    out = np.asarray(layer(x.astype("float32"), training=training), dtype=float)
    return out, np.asarray(layer.moving_mean, dtype=float), np.asarray(layer.moving_variance, dtype=float)


def _inputs(shape, seed):
    """x with channels of very different scales, gamma, beta, and moving statistics that differ from
    the batch's (by up to half a standard deviation, and a variance 1.2 to 2 times as large)."""
    rng = np.random.default_rng(seed)
    c = shape[-1]
    x = rng.normal(loc=rng.normal(scale=3, size=c), scale=rng.uniform(1, 4, size=c), size=shape)
    axes = tuple(range(len(shape) - 1))
    mean = x.mean(axes) + rng.uniform(-0.5, 0.5, size=c) * x.std(axes)
    var = x.var(axes) * rng.uniform(1.2, 2, size=c)
    return x, rng.uniform(0.5, 2, size=c), rng.normal(size=c), mean, var


def _normalise(x, gamma, beta, mean, var, eps):
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


def _call(batchnorm_forward, x, gamma, beta, mean, var, training, momentum, eps):
    """The function's three results as float arrays, and a check that it left its inputs alone."""
    originals = [a.copy() for a in (x, gamma, beta, mean, var)]
    result = batchnorm_forward(x, gamma, beta, mean, var, training, momentum=momentum, eps=eps)
    assert result is not None and len(result) == 3, "batchnorm_forward must return (out, new_moving_mean, new_moving_var)"
    assert all(np.array_equal(a, b) for a, b in zip((x, gamma, beta, mean, var), originals)), (
        "batchnorm_forward modified its inputs; work on copies"
    )
    return tuple(np.asarray(r, dtype=float) for r in result)


#: Largest difference from Keras accepted: above float32 rounding, below every known mistake's, and
#: above what epsilon outside the square root changes for eps=1e-3 (that mistake has its own case).
_TOLERANCE = 5e-3


def _check_output(out, expected, mistakes, where):
    """``out`` against ``expected``; ``mistakes``: (message, what that mistake returns)."""
    assert out.shape == expected.shape, f"{where}: output shape {out.shape}; expected {expected.shape}"
    if np.abs(out - expected).max() < _TOLERANCE:
        return
    for message, wrong in mistakes:
        if np.abs(out - wrong).max() < _TOLERANCE:
            raise AssertionError(message)
    raise AssertionError(f"{where}: the output differs from keras.layers.BatchNormalization by up to "
                         f"{np.abs(out - expected).max():.3g}")


@test_case(name="hidden_inference_uses_moving_statistics", points=0.5, hidden=True)
def hidden_inference_uses_moving_statistics(batchnorm_forward):
    for shape, seed in [((6, 5), 1), ((4, 7, 7, 3), 2), ((1, 3, 3, 2), 3)]:
        x, gamma, beta, mean, var = _inputs(shape, seed)
        out, _, _ = _call(batchnorm_forward, x, gamma, beta, mean, var, False, 0.9, 1e-3)
        axes = tuple(range(x.ndim - 1))
        _check_output(out, _keras_bn(x, gamma, beta, mean, var, False, 0.9, 1e-3)[0], [
            ("inference mode used the batch statistics; it must use the MOVING statistics (see Part C)",
             _normalise(x, gamma, beta, x.mean(axes), x.var(axes), 1e-3)),
        ], "inference mode")


@test_case(name="hidden_inference_keeps_statistics", points=0.25, hidden=True)
def hidden_inference_keeps_statistics(batchnorm_forward):
    x, gamma, beta, mean, var = _inputs((5, 4, 4, 3), 4)
    _, new_mean, new_var = _call(batchnorm_forward, x, gamma, beta, mean, var, False, 0.9, 1e-3)
    assert np.allclose(new_mean, mean) and np.allclose(new_var, var), (
        "inference must return the moving statistics unchanged (copies of moving_mean and moving_var; see Part C)"
    )


@test_case(name="hidden_training_normalises_with_batch_statistics", points=0.75, hidden=True)
def hidden_training_normalises_with_batch_statistics(batchnorm_forward):
    for shape, seed in [((8, 5), 5), ((4, 6, 6, 3), 6), ((3, 4), 7)]:
        x, gamma, beta, mean, var = _inputs(shape, seed)
        out, _, _ = _call(batchnorm_forward, x, gamma, beta, mean, var, True, 0.9, 1e-3)
        axes = tuple(range(x.ndim - 1))
        n = x.size // x.shape[-1]
        mistakes = [
            ("training mode used the moving statistics; it must normalise with this batch's (see Part C)",
             _normalise(x, gamma, beta, mean, var, 1e-3)),
            ("use the biased batch variance (divide by N, np.var's default), as Keras does (see Part C)",
             _normalise(x, gamma, beta, x.mean(axes), x.var(axes) * n / (n - 1), 1e-3)),
        ]
        if x.ndim == 4:
            mistakes.append(("the batch statistics of feature maps are taken over N, H and W, every axis but the "
                             "channel axis, not over N alone (see Part C)",
                             _normalise(x, gamma, beta, x.mean(0), x.var(0), 1e-3)))
        _check_output(out, _keras_bn(x, gamma, beta, mean, var, True, 0.9, 1e-3)[0], mistakes, "training mode")
    x = np.random.default_rng(8).normal(loc=4.0, scale=3.0, size=(64, 2))
    out, _, _ = _call(batchnorm_forward, x, np.ones(2), np.zeros(2), np.zeros(2), np.ones(2), True, 0.99, 1e-3)
    assert np.allclose(out.mean(axis=0), 0, atol=1e-6) and np.allclose(out.std(axis=0), 1, atol=1e-2), (
        "in training mode each channel of the output must have mean 0 and standard deviation about 1 (gamma = 1, beta = 0)"
    )


@test_case(name="hidden_moving_average_update", points=0.5, hidden=True)
def hidden_moving_average_update(batchnorm_forward):
    for shape, momentum, seed in [((8, 5), 0.9, 9), ((4, 5, 5, 3), 0.5, 10), ((6, 2), 0.99, 11)]:
        x, gamma, beta, mean, var = _inputs(shape, seed)
        _, new_mean, new_var = _call(batchnorm_forward, x, gamma, beta, mean, var, True, momentum, 1e-3)
        _, k_mean, k_var = _keras_bn(x, gamma, beta, mean, var, True, momentum, 1e-3)
        if np.allclose(new_mean, k_mean, atol=1e-4) and np.allclose(new_var, k_var, atol=1e-4):
            continue
        axes = tuple(range(x.ndim - 1))
        batch_mean, batch_var = x.mean(axes), x.var(axes)
        if np.allclose(new_mean, (1 - momentum) * mean + momentum * batch_mean, atol=1e-4):
            raise AssertionError("the new moving statistics differ from Keras': m and 1 - m are swapped; "
                                 "new = m * moving + (1 - m) * batch statistic (see Part C)")
        if np.allclose(new_var, momentum * var + (1 - momentum) * np.sqrt(batch_var), atol=1e-4):
            raise AssertionError("the new moving statistics differ from Keras': the moving variance averages the batch "
                                 "variance, not its standard deviation (see Part C)")
        raise AssertionError(f"the new moving statistics differ from Keras' with momentum={momentum}; "
                             "new = m * moving + (1 - m) * batch statistic (see Part C)")


@test_case(name="hidden_epsilon", points=0.5, hidden=True)
def hidden_epsilon(batchnorm_forward):
    x, gamma, beta, mean, _ = _inputs((6, 4), 12)
    var = np.array([0.01, 0.2, 0.05, 1.0])
    for training in (False, True):
        out, _, _ = _call(batchnorm_forward, x, gamma, beta, mean, var, training, 0.9, 0.5)
        used_mean, used_var = (x.mean(0), x.var(0)) if training else (mean, var)
        _check_output(out, _keras_bn(x, gamma, beta, mean, var, training, 0.9, 0.5)[0], [
            ("epsilon is added outside the square root: divide by sqrt(var + eps) (see Part C)",
             gamma * (x - used_mean) / (np.sqrt(used_var) + 0.5) + beta),
            ("batchnorm_forward ignores its eps argument: add eps, not a constant of your own, to the variance (see Part C)",
             _normalise(x, gamma, beta, used_mean, used_var, 1e-3)),
            ("epsilon is missing: divide by sqrt(var + eps) (see Part C)", _normalise(x, gamma, beta, used_mean, used_var, 0.0)),
        ], f"eps=0.5, training={training}")


@test_case(name="hidden_scale_and_offset", points=0.5, hidden=True)
def hidden_scale_and_offset(batchnorm_forward):
    x, _, _, mean, var = _inputs((5, 3, 3, 3), 13)
    gamma, beta = np.array([0.5, 2.0, 1.5]), np.array([-1.0, 0.5, 4.0])
    out, _, _ = _call(batchnorm_forward, x, gamma, beta, mean, var, False, 0.9, 1e-3)
    x_hat = (x - mean) / np.sqrt(var + 1e-3)
    _check_output(out, _keras_bn(x, gamma, beta, mean, var, False, 0.9, 1e-3)[0], [
        ("gamma and beta are swapped: gamma scales the normalised values, beta is added (see Part C)", beta * x_hat + gamma),
        ("beta is added before the scaling: out = gamma * x_hat + beta (see Part C)", gamma * (x_hat + beta)),
        ("gamma and beta are not applied: out = gamma * x_hat + beta (see Part C)", x_hat),
    ], "with gamma and beta")
