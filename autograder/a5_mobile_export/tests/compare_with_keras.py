"""compare_with_keras: largest |difference| from the Keras probabilities, top-1 agreement and accuracy."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "compare_with_keras"
points = 2
all_or_nothing = True


@test_case(name="public_small_example", points=1, hidden=False)
def public_small_example(compare_with_keras):
    out = compare_with_keras([[0.7, 0.2, 0.1], [0.2, 0.5, 0.3]], [[0.8, 0.1, 0.1], [0.5, 0.2, 0.3]], [1, 1])
    assert out is not None, "compare_with_keras returned None; did you forget `return`?"
    assert isinstance(out, dict), f"compare_with_keras must return a dict, not {type(out).__name__}"
    assert set(out) >= {"max_abs_diff", "agreement", "accuracy"}, (
        f"compare_with_keras returned the keys {sorted(out)}; expected max_abs_diff, agreement and accuracy"
    )
    for key, expected in (("max_abs_diff", 0.3), ("agreement", 0.5), ("accuracy", 0.5)):
        assert abs(float(out[key]) - expected) < 1e-6, f"{key} = {out[key]}; expected {expected}"


@test_case(name="hidden_random_predictions", points=1, hidden=True)
def hidden_random_predictions(compare_with_keras):
    rng = np.random.default_rng(21)
    for n, k in ((500, 47), (7, 5), (1, 3)):
        keras_probs = rng.dirichlet(np.ones(k), size=n).astype(np.float32)
        noise = rng.normal(0, 0.05, size=(n, k)) * (rng.random((n, 1)) < 0.3)
        probs = np.clip(keras_probs + noise, 0, None).astype(np.float32)
        labels = np.where(rng.random(n) < 0.8, keras_probs.argmax(axis=1), rng.integers(0, k, n))
        out = compare_with_keras(probs, keras_probs, labels)
        expected = {"max_abs_diff": float(np.abs(probs.astype(np.float64) - keras_probs).max()),
                    "agreement": float(np.mean(probs.argmax(1) == keras_probs.argmax(1))),
                    "accuracy": float(np.mean(probs.argmax(1) == labels))}
        for key, value in expected.items():
            assert abs(float(out[key]) - value) < 1e-6, f"{key} of {n} images, {k} classes: {out[key]}; expected {value:.6g}"
        assert all(isinstance(out[key], (float, np.floating)) for key in expected), "the three values must be floats"
    # the largest ABSOLUTE difference, whichever of the two is larger
    a, b = np.array([[0.1, 0.7, 0.2]]), np.array([[0.6, 0.3, 0.1]])
    for probs, keras_probs in ((a, b), (b, a)):
        out = compare_with_keras(probs, keras_probs, np.array([1]))
        assert abs(out["max_abs_diff"] - 0.5) < 1e-6, (
            f"max_abs_diff of {probs.tolist()} against {keras_probs.tolist()} is {out['max_abs_diff']}; expected |0.1 - 0.6| = 0.5"
        )
