"""trained_cnn: the saved CNN (emnist_cnn.keras): Part C's architecture and its accuracy on hidden EMNIST images."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "trained_cnn"
points = 3
hidden_checks = ("the saved CNN's input (28, 28, 1), softmax probabilities, 30,000 to 1,000,000 trainable parameters, "
                 "and its accuracy on hidden EMNIST test images prepared as in Part A")


@test_case(name="public_saved_cnn", points=1, hidden=False)
def public_saved_cnn(cnn_model):
    import keras

    assert cnn_model is not None, (
        "cnn_model is None: the submission has no saved model emnist_cnn.keras (run the training cell, "
        "then submit emnist_cnn.keras beside the notebook)"
    )
    assert isinstance(cnn_model, keras.Model), f"cnn_model must be a keras.Model, not {type(cnn_model).__name__}"
    assert tuple(cnn_model.output_shape) == (None, 47), f"the CNN's output shape is {cnn_model.output_shape}; expected (None, 47)"
    convs = [layer for layer in cnn_model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert len(convs) >= 2, f"the saved CNN has {len(convs)} Conv2D layer(s); at least two are needed"


@test_case(name="hidden_saved_architecture", points=0.5, hidden=True)
def hidden_saved_architecture(cnn_model):
    assert cnn_model is not None, "no saved model emnist_cnn.keras: train, save and submit it"
    assert tuple(cnn_model.input_shape) == (None, 28, 28, 1), (
        f"the saved CNN takes inputs of shape {cnn_model.input_shape}; expected (None, 28, 28, 1) (see Part C)"
    )
    trainable = int(sum(np.prod(w.shape) for w in cnn_model.trainable_weights))
    assert 30_000 <= trainable <= 1_000_000, (
        f"the saved CNN has {trainable:,} trainable parameters; Part C asks for 30,000 to 1,000,000"
    )
    x = np.random.default_rng(2).random((4, 28, 28, 1)).astype("float32")
    probs = np.asarray(cnn_model(x, training=False), dtype=np.float64)
    assert (probs >= 0).all() and np.allclose(probs.sum(axis=1), 1, atol=1e-4), (
        "softmax is missing on the saved CNN's output: its outputs are not probabilities; end build_cnn with "
        "Dense(47, activation='softmax'), train again and submit the new file (see Part C)"
    )


def _accuracy(model, images, labels):
    probs = np.asarray(model.predict(images, batch_size=500, verbose=0))
    return float(np.mean(probs.argmax(axis=1) == labels))


@test_case(name="hidden_accuracy_on_hidden_images", points=1.5, hidden=True)
def hidden_accuracy_on_hidden_images(cnn_model):
    assert cnn_model is not None, "no saved model emnist_cnn.keras: train, save and submit it"
    from cnnkit.checks import hidden_eval_data, threshold

    data = hidden_eval_data("emnist")
    x = data["images"][..., None].astype("float32") / 255
    accuracy = _accuracy(cnn_model, x, data["labels"])
    needed = threshold("a3_cnn_accuracy")
    if accuracy < needed and _accuracy(cnn_model, np.swapaxes(x, 1, 2), data["labels"]) >= needed:
        raise AssertionError("the saved CNN recognises the transposed images, not the upright ones: it was trained on "
                             "transposed images; cnnkit.data gives them upright (see The data), so prepare_images "
                             "must not transpose")
    assert accuracy >= needed, (
        f"the saved CNN classifies {accuracy:.1%} of the hidden test images correctly; at least {needed:.0%} "
        "is expected after the notebook's training (was it trained and saved after training?)"
    )
