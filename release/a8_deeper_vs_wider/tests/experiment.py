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
