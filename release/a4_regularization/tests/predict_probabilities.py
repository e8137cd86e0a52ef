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
