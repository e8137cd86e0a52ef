"""experiment: the saved models (wider.keras, deeper.keras, cnn.keras) and histories.json: architectures,
the same training budget, and what they learned."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "experiment"
points = 2

hidden_checks = ("the saved wider and deeper models' Dense layers against wider_sizes and deeper_sizes with softmax "
                 "outputs, the saved CNN against the reference, every history of the budget's number of epochs "
                 "(loss, accuracy, val_loss, val_accuracy) with its training seconds, and each model's accuracy on "
                 "hidden EMNIST images")

MODEL_FILES = {"wider": "wider.keras", "deeper": "deeper.keras", "cnn": "cnn.keras"}


@test_case(name="public_saved_models_and_histories", points=1, hidden=False)
def public_saved_models_and_histories(wider_model, deeper_model, cnn_model, histories):
    import keras

    for label, model in (("wider", wider_model), ("deeper", deeper_model), ("cnn", cnn_model)):
        assert model is not None, (
            f"{label}_model is None: the submission has no saved model {MODEL_FILES[label]} (run the training "
            f"cells, then submit {MODEL_FILES[label]} beside the notebook)"
        )
        assert isinstance(model, keras.Model), f"{label}_model must be a keras.Model, not {type(model).__name__}"
        assert tuple(model.output_shape) == (None, 47), f"{label}_model's output shape is {model.output_shape}"
    assert isinstance(histories, dict), "histories must be the dict that keep_histories returns"
    for label in MODEL_FILES:
        assert label in histories and "val_accuracy" in histories[label] and "seconds" in histories[label], (
            f"histories has no complete entry for {label!r} (submit histories.json with the models)"
        )


def _dense_units(model):
    import keras

    return [layer.units for layer in model.layers if isinstance(layer, keras.layers.Dense)]


def _course():
    """The course configuration (the repository's course_config.py when grading)."""
    from cnnkit import config

    return config.load_course_config()


def _budget():
    from cnnkit import evaldata

    return _course().DEEPER_VS_WIDER_BUDGET[evaldata.kind("emnist")]


@test_case(name="hidden_saved_architectures", points=0.5, hidden=True)
def hidden_saved_architectures(wider_model, deeper_model, cnn_model, wider_sizes, deeper_sizes):
    import keras

    for label, model, sizes in (("wider", wider_model, wider_sizes), ("deeper", deeper_model, deeper_sizes)):
        units = _dense_units(model)
        expected = [int(w) for w in sizes] + [47]
        assert units == expected, (
            f"the saved {MODEL_FILES[label]} has Dense layers of {units} units, but {label}_sizes gives {expected}: "
            "train again after changing the sizes, and submit the new file"
        )
        assert not [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)], (
            f"{MODEL_FILES[label]} must be a dense network"
        )
        probs = np.asarray(model(np.random.default_rng(0).random((3, 28, 28, 1)).astype("float32")), dtype=np.float64)
        assert (probs >= 0).all() and np.allclose(probs.sum(axis=1), 1, atol=1e-4), (
            f"the saved {MODEL_FILES[label]} does not output probabilities: build_dense ends with "
            "Dense(num_classes, activation='softmax'); train again and submit the new file"
        )
    reference = _course().REFERENCE_CNN_PARAMS
    assert cnn_model.count_params() == reference, (
        f"the saved cnn.keras has {cnn_model.count_params()} parameters; the reference CNN has {reference}"
    )


@test_case(name="hidden_same_training_budget", points=0.25, hidden=True)
def hidden_same_training_budget(histories):
    budget = _budget()
    for label in MODEL_FILES:
        for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
            epochs = len(histories[label].get(key, []))
            assert epochs == budget["epochs"], (
                f"histories[{label!r}][{key!r}] holds {epochs} epochs; every network trains the budget's "
                f"{budget['epochs']} epochs with validation after each (see Part D)"
            )
        seconds = histories[label]["seconds"]
        assert isinstance(seconds, (int, float)) and seconds > 0, (
            f"histories[{label!r}]['seconds'] = {seconds!r}; it must be the training time in seconds"
        )


@test_case(name="hidden_models_learned", points=0.25, hidden=True)
def hidden_models_learned(wider_model, deeper_model, cnn_model):
    from cnnkit.checks import hidden_eval_data, threshold

    data = hidden_eval_data("emnist")
    x = data["images"][..., None].astype("float32") / 255
    needed = threshold("a8_min_accuracy")
    for label, model in (("wider", wider_model), ("deeper", deeper_model), ("cnn", cnn_model)):
        predicted = np.asarray(model.predict(x, batch_size=1000, verbose=0)).argmax(axis=1)
        accuracy = float(np.mean(predicted == data["labels"]))
        assert accuracy >= needed, (
            f"the saved {MODEL_FILES[label]} classifies {accuracy:.1%} of the hidden test images correctly; at "
            f"least {needed:.0%} is expected after the notebook's training (was it saved after training?)"
        )
