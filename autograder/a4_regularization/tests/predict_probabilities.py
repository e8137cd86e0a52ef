"""predict_probabilities: class probabilities in inference mode (no dropout, moving statistics), batch by batch."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "predict_probabilities"
points = 1
hidden_checks = ("the values of model(images, training=False) for models with dropout and batch normalization (the trained one "
                 "included), and batch sizes that do not divide the number of images, with a float32 result")


@test_case(name="public_deterministic", points=0.5, hidden=False)
def public_deterministic(predict_probabilities, build_regularized_cnn):
    model = build_regularized_cnn(0.5, True)
    x = np.random.default_rng(0).random((20, 28, 28, 1)).astype("float32")
    first = predict_probabilities(model, x)
    assert first is not None, "predict_probabilities returned None; did you forget `return`?"
    first, second = np.asarray(first), np.asarray(predict_probabilities(model, x))
    assert first.shape == (20, 47), f"predict_probabilities of 20 images returned shape {first.shape}; expected (20, 47)"
    assert np.allclose(first, second, atol=1e-6), "two calls on the same images disagree: dropout is still active (use inference mode)"


def _images(n, seed):
    rng = np.random.default_rng(seed)
    return (rng.random((n, 28, 28, 1)) * (rng.random((n, 1, 1, 1)) < 0.9)).astype("float32")


@test_case(name="hidden_inference_mode", points=0.25, hidden=True)
def hidden_inference_mode(predict_probabilities, build_regularized_cnn, regularized_cnn):
    models = {"a CNN with batch normalization only": build_regularized_cnn(0.0, True),
              "a CNN with dropout and batch normalization": build_regularized_cnn(0.5, True)}
    if regularized_cnn is not None:
        models["the trained regularized_cnn"] = regularized_cnn
    x = _images(50, 1)
    for label, model in models.items():
        expected = np.asarray(model(x, training=False))
        out = np.asarray(predict_probabilities(model, x))
        assert out.shape == expected.shape, f"{label}: shape {out.shape}; expected {expected.shape}"
        if np.abs(out - expected).max() < 1e-4:
            continue
        if np.abs(out - np.asarray(model(x, training=True))).max() < 1e-4:
            raise AssertionError(f"{label}: these are training-mode outputs (batch statistics); inference mode uses the "
                                 "moving statistics and no dropout: training=False (see Part F)")
        raise AssertionError(f"{label}: differs from model(x, training=False) by up to {np.abs(out - expected).max():.3g} "
                             "(inference mode: no dropout, moving statistics; see Part F)")


@test_case(name="hidden_batches", points=0.25, hidden=True)
def hidden_batches(predict_probabilities, build_regularized_cnn):
    model = build_regularized_cnn(0.25, True)
    x = _images(23, 2)
    expected = np.asarray(model(x, training=False))
    for batch_size in (7, 1, 100):
        out = np.asarray(predict_probabilities(model, x, batch_size=batch_size))
        if 23 % batch_size and out.shape == (23 // batch_size * batch_size, 47):
            raise AssertionError(f"batch_size={batch_size}: the last, partial batch is missing; step through the images "
                                 "with range(0, len(images), batch_size) (see Part F)")
        assert out.shape == expected.shape, f"batch_size={batch_size}: shape {out.shape}; expected {expected.shape}"
        err = float(np.abs(out - expected).max())
        assert err < 1e-4, f"batch_size={batch_size}: differs from model(x, training=False) by up to {err:.3g} (see Part F)"
        assert out.dtype == np.float32, f"predict_probabilities returned {out.dtype}; the docstring asks for float32"
