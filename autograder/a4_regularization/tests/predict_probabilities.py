"""predict_probabilities: class probabilities in inference mode (no dropout, moving statistics), batch by batch."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "predict_probabilities"
points = 1
all_or_nothing = True


@test_case(name="public_deterministic", points=0.5, hidden=False)
def public_deterministic(predict_probabilities, build_regularized_cnn):
    model = build_regularized_cnn(0.5, True)
    x = np.random.default_rng(0).random((20, 28, 28, 1)).astype("float32")
    first = predict_probabilities(model, x)
    assert first is not None, "predict_probabilities returned None; did you forget `return`?"
    first, second = np.asarray(first), np.asarray(predict_probabilities(model, x))
    assert first.shape == (20, 47), f"predict_probabilities of 20 images returned shape {first.shape}; expected (20, 47)"
    assert np.allclose(first, second, atol=1e-6), "two calls on the same images disagree: dropout is still active (use inference mode)"


@test_case(name="hidden_inference_mode_in_batches", points=0.5, hidden=True)
def hidden_inference_mode_in_batches(predict_probabilities, build_regularized_cnn, regularized_cnn):
    rng = np.random.default_rng(1)
    models = {"build_regularized_cnn(0.5, True)": build_regularized_cnn(0.5, True)}
    if regularized_cnn is not None:
        models["the trained regularized_cnn"] = regularized_cnn
    for label, model in models.items():
        x = (rng.random((50, 28, 28, 1)) * (rng.random((50, 1, 1, 1)) < 0.9)).astype("float32")
        expected = np.asarray(model(x, training=False))
        for batch_size in (1024, 7):
            out = np.asarray(predict_probabilities(model, x, batch_size=batch_size))
            assert out.shape == expected.shape, f"{label}, batch_size={batch_size}: shape {out.shape}; expected {expected.shape}"
            err = float(np.abs(out - expected).max())
            assert err < 1e-4, (
                f"{label}, batch_size={batch_size}: differs from model(x, training=False) by up to {err:.3g} "
                "(inference mode: no dropout, moving statistics)"
            )
