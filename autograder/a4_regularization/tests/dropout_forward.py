"""dropout_forward: inverted dropout; the identity at inference, expectation-preserving in training."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "dropout_forward"
points = 3
all_or_nothing = True


@test_case(name="public_inference_and_scaling", points=1, hidden=False)
def public_inference_and_scaling(dropout_forward):
    x = np.arange(1.0, 13.0).reshape(3, 4)
    out = dropout_forward(x, 0.5, False, 0)
    assert out is not None, "dropout_forward returned None; did you forget `return`?"
    out = np.asarray(out)
    assert out.shape == x.shape and np.array_equal(out, x), "at inference (training=False) dropout must return x unchanged"
    out = np.asarray(dropout_forward(np.ones((50, 40)), 0.5, True, 0))
    assert out.shape == (50, 40), f"dropout_forward kept shape (50, 40) as {out.shape}"
    values = set(np.unique(out).round(6))
    assert values <= {0.0, 2.0} and len(values) == 2, (
        f"dropout of ones with rate 0.5 in training gave the values {sorted(values)}; expected 0 (dropped) "
        "and 2 (kept, scaled by 1 / (1 - rate))"
    )


@test_case(name="hidden_statistics", points=1, hidden=True)
def hidden_statistics(dropout_forward):
    for rate in (0.2, 0.5, 0.7):
        x = np.ones((400, 500))
        out = np.asarray(dropout_forward(x, rate, True, 123))
        dropped = float(np.mean(out == 0))
        assert abs(dropped - rate) < 0.01, f"rate={rate}: {dropped:.3f} of the values were dropped; expected about {rate}"
        kept = out[out != 0]
        assert np.allclose(kept, 1 / (1 - rate)), (
            f"rate={rate}: kept values are {np.unique(kept.round(4))[:3]}, expected {1 / (1 - rate):.4f}: "
            "divide what is kept by 1 - rate (inverted dropout)"
        )
        assert abs(float(out.mean()) - 1.0) < 0.02, f"rate={rate}: the mean is {out.mean():.3f}; dropout must preserve the expected value (1)"
    rng = np.random.default_rng(5)
    x = rng.normal(size=(8, 6, 6, 3))
    out = np.asarray(dropout_forward(x, 0.3, True, 9))
    kept = out != 0
    assert out.shape == x.shape, f"a (8, 6, 6, 3) input came back as {out.shape}"
    assert np.allclose(out[kept], x[kept] / 0.7), "kept values must be x / (1 - rate)"


@test_case(name="hidden_inference_and_randomness", points=1, hidden=True)
def hidden_inference_and_randomness(dropout_forward):
    import keras

    rng = np.random.default_rng(6)
    x = rng.normal(size=(4, 5, 5, 2))
    keras_out = np.asarray(keras.layers.Dropout(0.4)(x.astype("float32"), training=False))
    for seed in (0, 1):
        out = np.asarray(dropout_forward(x, 0.4, False, seed))
        assert np.allclose(out, keras_out, atol=1e-6) and np.allclose(out, x), (
            "at inference dropout must be the identity, as keras.layers.Dropout(rate)(x, training=False)"
        )
    first, again = np.asarray(dropout_forward(x, 0.4, True, 7)), np.asarray(dropout_forward(x, 0.4, True, 7))
    other = np.asarray(dropout_forward(x, 0.4, True, 8))
    assert np.array_equal(first, again), "the same seed must give the same mask (draw it from the rng you are given)"
    assert not np.array_equal(first, other), "different seeds gave the same mask"
    assert np.allclose(np.asarray(dropout_forward(x, 0.0, True, 7)), x), "rate 0 must keep everything"
    keras_train = np.asarray(keras.layers.Dropout(0.4, seed=1)(np.ones((200, 200), "float32"), training=True))
    ours = np.asarray(dropout_forward(np.ones((200, 200)), 0.4, True, 1))
    assert np.allclose(np.unique(ours[ours != 0]), np.unique(keras_train[keras_train != 0]), atol=1e-5), (
        "kept values differ from keras.layers.Dropout's in training mode"
    )
