"""compare_with_keras: largest |difference| from the Keras probabilities, top-1 agreement and accuracy."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "compare_with_keras"
points = 2
hidden_checks = ("each of the three values on other numbers of images and classes: the largest absolute difference "
                 "over all images and classes, agreement between the two models' most probable classes, and accuracy "
                 "of probs (not of keras_probs) against the labels, as fractions and floats")

KEYS = ("max_abs_diff", "agreement", "accuracy")


def _call(compare_with_keras, probs, keras_probs, labels):
    """compare_with_keras's dict (of the three keys, floats), checked for its form."""
    out = compare_with_keras(probs, keras_probs, labels)
    assert out is not None, "compare_with_keras returned None; did you forget `return`?"
    assert isinstance(out, dict), f"compare_with_keras must return a dict, not {type(out).__name__}"
    assert set(out) >= set(KEYS), f"compare_with_keras returned the keys {sorted(out)}; expected {', '.join(KEYS)}"
    kinds = {key: type(out[key]).__name__ for key in KEYS if not isinstance(out[key], (float, np.floating))}
    assert not kinds, f"the three values must be floats; got {kinds}"
    return out


@test_case(name="public_small_example", points=0.5, hidden=False)
def public_small_example(compare_with_keras):
    # (self-contained: the release keeps the public cases without the file's helper functions)
    out = compare_with_keras([[0.7, 0.2, 0.1], [0.2, 0.5, 0.3]], [[0.8, 0.1, 0.1], [0.5, 0.2, 0.3]], [1, 1])
    assert out is not None, "compare_with_keras returned None; did you forget `return`?"
    assert isinstance(out, dict), f"compare_with_keras must return a dict, not {type(out).__name__}"
    assert set(out) >= set(KEYS), f"compare_with_keras returned the keys {sorted(out)}; expected {', '.join(KEYS)}"
    for key, expected in (("max_abs_diff", 0.3), ("agreement", 0.5), ("accuracy", 0.5)):
        assert abs(float(out[key]) - expected) < 1e-6, f"{key} = {out[key]}; expected {expected}"


# --- hidden -------------------------------------------------------------------------------------


def _random_cases():
    """(probs, keras_probs, labels) of 500 images and 47 classes, 7 and 5, 1 and 3: a converted model
    that differs from Keras on some images, labels mostly Keras' choice."""
    rng = np.random.default_rng(21)
    for n, k in ((500, 47), (7, 5), (1, 3)):
        keras_probs = rng.dirichlet(np.ones(k), size=n).astype(np.float32)
        noise = rng.normal(0, 0.2, size=(n, k)) * (rng.random((n, 1)) < 0.4)
        probs = np.clip(keras_probs + noise, 0, None).astype(np.float32)
        labels = np.where(rng.random(n) < 0.8, keras_probs.argmax(axis=1), rng.integers(0, k, n))
        yield probs, keras_probs, labels


@test_case(name="hidden_max_abs_diff", points=0.5, hidden=True)
def hidden_max_abs_diff(compare_with_keras):
    # the largest ABSOLUTE difference, whichever of the two is larger, then random predictions
    a, b = np.array([[0.1, 0.7, 0.2]]), np.array([[0.6, 0.3, 0.1]])
    cases = [(a, b, np.array([1])), (b, a, np.array([1])), *_random_cases()]
    for probs, keras_probs, labels in cases:
        got = float(_call(compare_with_keras, probs, keras_probs, labels)["max_abs_diff"])
        diff = np.asarray(probs, dtype=np.float64) - keras_probs
        expected = float(np.abs(diff).max())
        if abs(got - expected) < 1e-6:
            continue
        if abs(got - float(diff.max())) < 1e-6 or abs(got - float(-diff.min())) < 1e-6:
            raise AssertionError("max_abs_diff is the largest signed difference; take the absolute value first, |probs - keras_probs|")
        if abs(got - float(np.abs(diff).mean())) < 1e-6:
            raise AssertionError("max_abs_diff is the mean |difference|; it is the largest one over all images and classes")
        raise AssertionError(f"max_abs_diff of {len(probs)} images, {probs.shape[1]} classes is {got:.6g}; expected "
                             f"{expected:.6g}, the largest |probs - keras_probs| over all images and classes")


@test_case(name="hidden_agreement", points=0.5, hidden=True)
def hidden_agreement(compare_with_keras):
    for probs, keras_probs, labels in _random_cases():
        got = float(_call(compare_with_keras, probs, keras_probs, labels)["agreement"])
        predicted = probs.argmax(axis=1)
        expected = float(np.mean(predicted == keras_probs.argmax(axis=1)))
        if abs(got - expected) < 1e-6:
            continue
        if abs(got - float(np.mean(predicted == labels))) < 1e-6:
            raise AssertionError("agreement compares probs with the labels: it compares the most probable classes of "
                                 "probs and keras_probs (the labels are for accuracy)")
        if abs(got - 100 * expected) < 1e-4 or abs(got - float(np.sum(predicted == keras_probs.argmax(axis=1)))) < 1e-6:
            raise AssertionError("agreement is a percentage or a count; it is a fraction of the images, between 0 and 1")
        raise AssertionError(f"agreement of {len(probs)} images, {probs.shape[1]} classes is {got:.6g}; expected {expected:.6g}, "
                             "the fraction of images whose most probable class is the same in both")


@test_case(name="hidden_accuracy", points=0.5, hidden=True)
def hidden_accuracy(compare_with_keras):
    for probs, keras_probs, labels in _random_cases():
        got = float(_call(compare_with_keras, probs, keras_probs, labels)["accuracy"])
        expected = float(np.mean(probs.argmax(axis=1) == labels))
        if abs(got - expected) < 1e-6:
            continue
        if abs(got - float(np.mean(keras_probs.argmax(axis=1) == labels))) < 1e-6:
            raise AssertionError("accuracy is the Keras model's (keras_probs against the labels); it is the accuracy of "
                                 "the converted model's probs")
        if abs(got - 100 * expected) < 1e-4 or abs(got - float(np.sum(probs.argmax(axis=1) == labels))) < 1e-6:
            raise AssertionError("accuracy is a percentage or a count; it is a fraction of the images, between 0 and 1")
        raise AssertionError(f"accuracy of {len(probs)} images, {probs.shape[1]} classes is {got:.6g}; expected {expected:.6g}, "
                             "the fraction of images whose most probable class in probs is the true label")
