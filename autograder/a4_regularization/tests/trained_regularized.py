"""trained_regularized: the saved regularized CNN (regularized_cnn.keras): architecture, inference mode, accuracy."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "trained_regularized"
points = 3
hidden_checks = "predictions that are deterministic at inference, and the accuracy on hidden EMNIST test images"


@test_case(name="public_saved_model", points=1, hidden=False)
def public_saved_model(regularized_cnn):
    import keras

    assert regularized_cnn is not None, (
        "regularized_cnn is None: the submission has no saved model regularized_cnn.keras (run the training cell, "
        "then submit regularized_cnn.keras beside the notebook)"
    )
    assert isinstance(regularized_cnn, keras.Model), f"regularized_cnn must be a keras.Model, not {type(regularized_cnn).__name__}"
    assert tuple(regularized_cnn.output_shape) == (None, 47), f"the output shape is {regularized_cnn.output_shape}; expected (None, 47)"
    kinds = [type(layer).__name__ for layer in regularized_cnn.layers]
    assert kinds.count("Conv2D") >= 2, f"the saved CNN has {kinds.count('Conv2D')} Conv2D layer(s); at least two are needed"
    assert "BatchNormalization" in kinds and "Dropout" in kinds, f"the saved CNN has the layers {kinds}; it needs BatchNormalization and Dropout"


def _hidden_images():
    from cnnkit.checks import hidden_eval_data

    data = hidden_eval_data("emnist")
    return data["images"][..., None].astype("float32") / 255, data["labels"]


@test_case(name="hidden_deterministic_at_inference", points=0.5, hidden=True)
def hidden_deterministic_at_inference(regularized_cnn):
    assert regularized_cnn is not None, "there is no saved model regularized_cnn.keras"
    x = _hidden_images()[0][:200]
    first = np.asarray(regularized_cnn.predict(x, batch_size=100, verbose=0))
    again = np.asarray(regularized_cnn(x, training=False))
    assert np.allclose(first, again, atol=1e-4), "the saved model's predictions are not deterministic at inference"


@test_case(name="hidden_accuracy", points=1.5, hidden=True)
def hidden_accuracy(regularized_cnn):
    from cnnkit.checks import threshold

    assert regularized_cnn is not None, "there is no saved model regularized_cnn.keras"
    x, labels = _hidden_images()
    probs = np.asarray(regularized_cnn.predict(x, batch_size=500, verbose=0))
    accuracy = float(np.mean(probs.argmax(axis=1) == labels))
    needed = threshold("a4_regularized_accuracy")
    assert accuracy >= needed, (
        f"the saved regularized CNN classifies {accuracy:.1%} of the hidden test images correctly; at least {needed:.0%} "
        "is expected after the notebook's training (was it trained and saved after training?)"
    )
