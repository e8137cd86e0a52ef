"""dropout_forward: inverted dropout; the identity at inference, expectation-preserving in training."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "dropout_forward"
points = 3
hidden_checks = ("other shapes and rates, the identity at inference for any rate and seed (a float array), the fraction "
                 "dropped, kept values divided by 1 - rate (rate 0 included), and the mask drawn from the given seed as "
                 "rng.random(x.shape) >= rate")


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


def _reference(x, rate, seed):
    """Inverted dropout in training mode, with the mask of the docstring."""
    keep = np.random.default_rng(seed).random(np.shape(x)) >= rate
    return np.where(keep, np.asarray(x, dtype=float) / (1 - rate), 0.0)


@test_case(name="hidden_identity_at_inference", points=0.5, hidden=True)
def hidden_identity_at_inference(dropout_forward):
    rng = np.random.default_rng(6)
    for x, rate, seed in [(rng.normal(size=(4, 5, 5, 2)), 0.4, 0), (rng.normal(size=(6, 9)), 0.7, 1),
                          (rng.integers(1, 9, size=(3, 7)), 0.5, 2)]:
        copy = x.copy()
        out = np.asarray(dropout_forward(x, rate, False, seed))
        assert np.array_equal(x, copy), "dropout_forward must not modify its input"
        if out.shape == x.shape and np.allclose(out, _reference(x, rate, seed)):
            raise AssertionError("dropout is applied at inference: with training=False return x unchanged (see Part B)")
        if out.shape == x.shape and np.allclose(out, x * (1 - rate)):
            raise AssertionError("dropout_forward scales by 1 - rate at inference; inverted dropout rescales in training, "
                                 "so inference returns x unchanged (see Part B)")
        assert out.shape == x.shape and np.allclose(out, x), (
            "at inference (training=False) dropout must return x unchanged, as keras.layers.Dropout(rate)(x, training=False)"
        )
        assert np.issubdtype(out.dtype, np.floating), f"dropout_forward returned {out.dtype}; return a float array"


@test_case(name="hidden_fraction_dropped", points=0.5, hidden=True)
def hidden_fraction_dropped(dropout_forward):
    for rate in (0.2, 0.7):
        out = np.asarray(dropout_forward(np.ones((400, 500)), rate, True, 123))
        assert out.shape == (400, 500), f"an input of shape (400, 500) came back as {out.shape}"
        dropped = float(np.mean(out == 0))
        if abs(dropped - (1 - rate)) < 0.01:
            raise AssertionError("dropout_forward keeps a fraction `rate` of the values; rate is the probability of "
                                 "DROPPING each value (see Part B)")
        assert abs(dropped - rate) < 0.01, f"rate={rate}: {dropped:.3f} of the values were dropped; expected about {rate}"


@test_case(name="hidden_inverted_scaling", points=0.5, hidden=True)
def hidden_inverted_scaling(dropout_forward):
    x = np.random.default_rng(5).normal(size=(8, 6, 6, 3))
    for rate in (0.3, 0.6):
        out = np.asarray(dropout_forward(x, rate, True, 9))
        assert out.shape == x.shape, f"an input of shape {x.shape} came back as {out.shape}"
        kept = out != 0
        for factor, message in [(1.0, "kept values are not rescaled"), (1 - rate, "kept values are multiplied by 1 - rate"),
                                (1 / rate, "kept values are divided by rate")]:
            if kept.any() and np.allclose(out[kept], x[kept] * factor):
                raise AssertionError(f"{message}; inverted dropout scales them by 1 / (1 - rate), so that the expected "
                                     "value stays x (see Part B)")
        assert np.allclose(out[kept], x[kept] / (1 - rate)), "kept values must be x / (1 - rate) (see Part B)"
    out = np.asarray(dropout_forward(x, 0.0, True, 7))
    assert out.shape == x.shape and np.allclose(out, x), "with rate 0 dropout must keep every value unchanged"


def _masked_input():
    """A batch with no value equal to 0, so that the zeros of the output are the dropped values."""
    return np.random.default_rng(4).normal(size=(5, 4, 4, 3)) + 10.0


@test_case(name="hidden_mask_from_seed", points=0.25, hidden=True)
def hidden_mask_from_seed(dropout_forward):
    x = _masked_input()
    first, again = np.asarray(dropout_forward(x, 0.4, True, 7)), np.asarray(dropout_forward(x, 0.4, True, 7))
    other = np.asarray(dropout_forward(x, 0.4, True, 8))
    assert np.array_equal(first, again), "the same seed must give the same mask (draw it from the rng you are given)"
    assert not np.array_equal(first, other), "different seeds gave the same mask (draw it from the rng you are given)"
    mask = first != 0
    assert mask.shape == x.shape, f"an input of shape {x.shape} came back as {first.shape}"
    if all(np.array_equal(mask[0], mask[n]) for n in range(len(mask))):
        raise AssertionError("every image got the same mask: draw one random number per value, rng.random(x.shape) "
                             "(see Part B)")


@test_case(name="hidden_mask_rule", points=0.25, hidden=True)
def hidden_mask_rule(dropout_forward):
    x = _masked_input()
    mask = np.asarray(dropout_forward(x, 0.4, True, 7)) != 0
    expected = np.random.default_rng(7).random(x.shape) >= 0.4
    assert mask.shape == x.shape and np.array_equal(mask, expected), (
        "the mask differs from the docstring's: keep value i when np.random.default_rng(rng).random(x.shape)[i] >= rate "
        "(see Part B)"
    )
