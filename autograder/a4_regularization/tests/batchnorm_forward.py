"""batchnorm_forward: batch normalization over the last axis, as keras.layers.BatchNormalization."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "batchnorm_forward"
points = 4
all_or_nothing = True


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
        raise AssertionError("in inference mode normalise with the MOVING statistics, not the batch's")
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


def _compare(batchnorm_forward, shape, training, momentum, eps, seed):
    rng = np.random.default_rng(seed)
    c = shape[-1]
    x = rng.normal(loc=rng.normal(scale=3, size=c), scale=rng.uniform(0.2, 5, size=c), size=shape)
    gamma, beta = rng.uniform(0.5, 2, size=c), rng.normal(size=c)
    mean, var = rng.normal(size=c), rng.uniform(0.3, 3, size=c)
    originals = [a.copy() for a in (x, gamma, beta, mean, var)]
    kwargs = {"momentum": momentum, "eps": eps}
    out, new_mean, new_var = (np.asarray(r, dtype=float) for r in batchnorm_forward(x, gamma, beta, mean, var, training, **kwargs))
    k_out, k_mean, k_var = _keras_bn(x, gamma, beta, mean, var, training, momentum, eps)
    where = f"training={training}, x {shape}, momentum={momentum}, eps={eps}"
    assert all(np.array_equal(a, b) for a, b in zip((x, gamma, beta, mean, var), originals)), f"{where}: batchnorm_forward modified its inputs"
    assert out.shape == k_out.shape, f"{where}: output shape {out.shape}; expected {k_out.shape}"
    err = float(np.abs(out - k_out).max())
    if err > 1e-3 and not training:
        axes = tuple(range(x.ndim - 1))
        batch_stats = gamma * (x - x.mean(axes)) / np.sqrt(x.var(axes) + eps) + beta
        if np.allclose(out, batch_stats, atol=1e-3):
            raise AssertionError(f"{where}: inference mode used the batch statistics; it must use the moving ones")
    if err > 1e-3 and training:
        axes = tuple(range(x.ndim - 1))
        n = int(np.prod([shape[a] for a in axes]))
        unbiased = gamma * (x - x.mean(axes)) / np.sqrt(x.var(axes) * n / (n - 1) + eps) + beta
        if np.allclose(out, unbiased, atol=1e-3):
            raise AssertionError(f"{where}: use the biased batch variance (divide by N, np.var's default), as Keras does")
    assert err < 1e-3, f"{where}: the output differs from keras.layers.BatchNormalization by up to {err:.3g}"
    assert np.allclose(new_mean, k_mean, atol=1e-4) and np.allclose(new_var, k_var, atol=1e-4), (
        f"{where}: the new moving statistics differ from Keras' (mean {new_mean.round(4)} vs {k_mean.round(4)}, "
        f"variance {new_var.round(4)} vs {k_var.round(4)})"
    )


@test_case(name="hidden_inference_matches_keras", points=1, hidden=True)
def hidden_inference_matches_keras(batchnorm_forward):
    _compare(batchnorm_forward, (6, 5), False, 0.99, 1e-3, 1)
    _compare(batchnorm_forward, (4, 7, 7, 3), False, 0.9, 1e-5, 2)
    _compare(batchnorm_forward, (1, 3, 3, 2), False, 0.99, 1e-3, 3)


@test_case(name="hidden_training_matches_keras", points=2, hidden=True)
def hidden_training_matches_keras(batchnorm_forward):
    _compare(batchnorm_forward, (8, 5), True, 0.99, 1e-3, 4)
    _compare(batchnorm_forward, (4, 6, 6, 3), True, 0.9, 1e-3, 5)
    _compare(batchnorm_forward, (3, 4), True, 0.5, 1e-2, 6)
    rng = np.random.default_rng(7)
    x = rng.normal(loc=4.0, scale=3.0, size=(64, 2))
    out, _, _ = batchnorm_forward(x, np.ones(2), np.zeros(2), np.zeros(2), np.ones(2), True)
    out = np.asarray(out)
    assert np.allclose(out.mean(axis=0), 0, atol=1e-6) and np.allclose(out.std(axis=0), 1, atol=1e-2), (
        "in training mode each channel of the output must have mean 0 and standard deviation about 1 (gamma = 1, beta = 0)"
    )
