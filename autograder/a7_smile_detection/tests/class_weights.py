"""class_weights: balanced weights N / (K * N_c) for Keras' class_weight."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "class_weights"
points = 1
hidden_checks = ("three classes, K counting only the classes present (labels need not be 0..K-1), list input, "
                 "and Python int keys with float weights")


@test_case(name="public_three_to_one", points=0.25, hidden=False)
def public_three_to_one(class_weights):
    weights = class_weights(np.array([0, 0, 0, 1]))
    assert isinstance(weights, dict), f"class_weights must return a dict, not {type(weights).__name__}"
    assert set(weights) == {0, 1}, f"the keys must be the classes 0 and 1, got {sorted(weights)}"
    assert np.isclose(weights[0], 4 / 6) and np.isclose(weights[1], 2.0), (
        f"for labels [0, 0, 0, 1] the weights are N / (K N_c) = 4/6 and 2; got {weights}"
    )


# --- hidden -------------------------------------------------------------------------------------
def _expected(labels):
    classes, counts = np.unique(labels, return_counts=True)
    return {int(c): len(labels) / (len(classes) * n) for c, n in zip(classes, counts)}


def _assert_weights(weights, labels):
    expected = _expected(labels)
    assert isinstance(weights, dict), f"class_weights must return a dict, not {type(weights).__name__}"
    keys = sorted(int(k) for k in weights)
    assert keys == sorted(expected), (
        f"the keys must be the {len(expected)} classes present in the labels, got {keys}: no weight for a class "
        "that has no example"
    )
    got = {int(k): float(v) for k, v in weights.items()}
    if max(expected) + 1 != len(expected):
        k_from_largest_label = {c: len(labels) / ((max(expected) + 1) * np.sum(labels == c)) for c in expected}
        assert not all(np.isclose(got[c], k_from_largest_label[c]) for c in expected), (
            "K is the number of classes present in the labels, not the largest label + 1 (see Part C)"
        )
    for c, value in expected.items():
        assert np.isclose(got[c], value), (
            f"the weight of class {c} is {got[c]:.4f}, expected N / (K N_c) = {value:.4f}: every class must get "
            "the same total weight N / K (see Part C)"
        )


@test_case(name="hidden_three_classes", points=0.25, hidden=True)
def hidden_three_classes(class_weights):
    labels = np.random.default_rng(3).choice(3, size=500, p=[0.6, 0.3, 0.1])
    _assert_weights(class_weights(labels), labels)


@test_case(name="hidden_classes_present", points=0.25, hidden=True)
def hidden_classes_present(class_weights):
    for labels in (np.array([2] * 9 + [5] * 3), np.array([1, 1, 1, 1, 3, 3, 3, 3, 3, 3, 3, 3], np.int32)):
        _assert_weights(class_weights(labels), labels)
    labels = [1, 0, 1, 1, 1]                                  # a list, the rare class first
    _assert_weights(class_weights(labels), np.array(labels))


@test_case(name="hidden_key_and_value_types", points=0.25, hidden=True)
def hidden_key_and_value_types(class_weights):
    weights = class_weights(np.array([0, 1, 1, 1, 2, 2], np.int64))
    assert isinstance(weights, dict), f"class_weights must return a dict, not {type(weights).__name__}"
    assert all(type(k) is int for k in weights), (
        f"the keys must be Python ints, got {sorted({type(k).__name__ for k in weights})}: np.unique gives NumPy "
        "integers, convert each class with int()"
    )
    assert all(isinstance(v, float) for v in weights.values()), (
        f"the weights must be floats, got {sorted({type(v).__name__ for v in weights.values()})}"
    )
