"""smile_cnn: the saved smile classifier (smile_cnn.keras): shapes, and accuracy and F1 on hidden faces."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "smile_cnn"
points = 4
hidden_checks = ("the saved model's F1 and accuracy on hidden faces (through your preprocess_faces), and that "
                 "build_smile_cnn returns a (None, 64, 64, 1) -> (None, 1) model ending in one sigmoid unit, compiled "
                 "with Adam, binary cross-entropy and the accuracy metric")


@test_case(name="public_saved_model", points=1, hidden=False)
def public_saved_model(smile_model, build_smile_cnn):
    import keras

    assert smile_model is not None, (
        "smile_model is None: the submission has no saved smile_cnn.keras (run the training cell, then submit "
        "smile_cnn.keras beside the notebook)"
    )
    assert isinstance(smile_model, keras.Model), f"smile_model must be a keras.Model, not {type(smile_model).__name__}"
    assert tuple(smile_model.input_shape) == (None, 64, 64, 1), f"the input shape is {smile_model.input_shape}; expected (None, 64, 64, 1)"
    assert tuple(smile_model.output_shape) == (None, 1), f"the output shape is {smile_model.output_shape}; expected (None, 1): one smile probability"
    out = np.asarray(smile_model.predict(np.random.default_rng(0).random((4, 64, 64, 1)).astype("float32"), verbose=0))
    assert np.all((out >= 0) & (out <= 1)), "the output must be a probability (a sigmoid unit)"
    convs = [layer for layer in smile_model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert len(convs) >= 2, f"the smile model has {len(convs)} Conv2D layer(s); a CNN with at least two is expected"


# --- hidden -------------------------------------------------------------------------------------
def _hidden_predictions(smile_model, preprocess_faces):
    """The saved model's decisions (score >= 0.5) on the hidden faces, and the truth."""
    from cnnkit.checks import hidden_eval_data

    data = hidden_eval_data("smiles")
    x = np.asarray(preprocess_faces(data["images"]), dtype="float32")
    predicted = np.asarray(smile_model.predict(x, batch_size=256, verbose=0)).ravel() >= 0.5
    return predicted, data["labels"].astype(bool)


@test_case(name="hidden_f1", points=1, hidden=True)
def hidden_f1(smile_model, preprocess_faces):
    from cnnkit.checks import threshold

    predicted, truth = _hidden_predictions(smile_model, preprocess_faces)
    tp = int(np.sum(predicted & truth))
    precision = tp / max(int(predicted.sum()), 1)
    recall = tp / max(int(truth.sum()), 1)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    needed = threshold("a7_f1", "smiles")
    assert f1 >= needed, (
        f"on hidden faces the smile F1 is {f1:.3f} (precision {precision:.2f}, recall {recall:.2f}); at least "
        f"{needed} is expected (a classifier that rarely says 'smile' has a high accuracy and a low F1: train with "
        "the class weights of Part C)"
    )


@test_case(name="hidden_accuracy", points=1, hidden=True)
def hidden_accuracy(smile_model, preprocess_faces):
    from cnnkit.checks import threshold

    predicted, truth = _hidden_predictions(smile_model, preprocess_faces)
    accuracy = float(np.mean(predicted == truth))
    needed = threshold("a7_accuracy", "smiles")
    assert accuracy >= needed, f"on hidden faces the accuracy is {accuracy:.3f}; at least {needed} is expected"


@test_case(name="hidden_built_model", points=0.5, hidden=True)
def hidden_built_model(build_smile_cnn):
    import keras

    model = build_smile_cnn()
    assert isinstance(model, keras.Model), f"build_smile_cnn must return a keras.Model, not {type(model).__name__}"
    assert tuple(model.input_shape) == (None, 64, 64, 1), (
        f"build_smile_cnn's model takes {model.input_shape}; expected (None, 64, 64, 1) faces"
    )
    assert tuple(model.output_shape) == (None, 1), (
        f"build_smile_cnn's model gives {model.output_shape}; expected (None, 1): one smile probability"
    )
    activation = model.layers[-1].get_config().get("activation")
    assert activation != "softmax", (
        "the output is a softmax over one unit, which is always 1.0: end in one sigmoid unit (see Part D)"
    )
    assert activation == "sigmoid", (
        f"the last layer's activation is {activation!r}: end in one sigmoid unit, the probability of a smile "
        "(Dense(1, activation='sigmoid'), or Dense(1) then Activation('sigmoid'))"
    )


def _entry_name(entry):
    """The lower-case name, without underscores, of a serialised optimizer, loss or metric."""
    if isinstance(entry, dict):
        entry = entry.get("config") if entry.get("class_name") == "function" else entry.get("class_name")
    return str(entry).lower().replace("_", "") if isinstance(entry, str) else ""


@test_case(name="hidden_compiled", points=0.5, hidden=True)
def hidden_compiled(build_smile_cnn, keras):
    # keras is the notebook's module: the compile settings are read where the model was built
    config = keras.Model.get_compile_config(build_smile_cnn())
    assert config, "build_smile_cnn must return the model compiled: call model.compile(...) before returning it"
    assert _entry_name(config.get("optimizer")) == "adam", (
        f"the model is compiled with the optimizer {_entry_name(config.get('optimizer'))!r}; the text asks for Adam"
    )
    loss = config.get("loss")
    assert _entry_name(loss) in ("binarycrossentropy", "bce"), (
        f"the loss is {_entry_name(loss)!r}; a yes/no output is trained with the binary cross-entropy (see Part D)"
    )
    assert not (isinstance(loss, dict) and isinstance(loss.get("config"), dict) and loss["config"].get("from_logits")), (
        "the loss uses from_logits=True, but the model's output is already a sigmoid probability"
    )
    metrics = config.get("metrics") or []
    names = [_entry_name(m) for m in (metrics if isinstance(metrics, list) else [metrics])]
    assert any(n in ("accuracy", "acc", "binaryaccuracy") for n in names), (
        f"the model is compiled with the metrics {names}; the accuracy metric is asked for (metrics=['accuracy'])"
    )
