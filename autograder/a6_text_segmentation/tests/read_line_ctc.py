"""read_line_ctc: the text of a line read with the CTC line reader, without boxes."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "read_line_ctc"
points = 2
hidden_checks = ("character accuracy on hidden lines and on hidden lines whose neighbouring characters touch, words "
                 "separated by single spaces and none at either end, class k read as mapping[k - 1] and the last "
                 "index as a space (a scripted model), the mapping argument, the model's own input height, negatives "
                 "read like their positives, colour input and an empty line")


@test_case(name="public_reads_composed_lines", points=0.5, hidden=False)
def public_reads_composed_lines(read_line_ctc, line_reader, mapping):
    from cnnkit import handwriting
    from cnnkit.data import load_emnist

    assert line_reader is not None, "line_reader is missing: run the setup cell (it loads line_reader.keras)"
    images, labels, chars = load_emnist(usage="test", limit=2000)
    lines = handwriting.compose_lines(images, labels, chars, 3, seed=5, touch_prob=0.5)
    texts = [read_line_ctc(line.image, line_reader, list(mapping)) for line in lines]
    assert all(isinstance(t, str) for t in texts), f"read_line_ctc must return a str, got {type(texts[0]).__name__}"
    accuracy = handwriting.character_accuracy(texts, [line.text for line in lines])
    assert accuracy >= 0.6, f"read {texts!r} for {[line.text for line in lines]!r}: character accuracy {accuracy:.2f}"


# --- hidden -------------------------------------------------------------------------------------
def _lines(prefix=""):
    from cnnkit.checks import hidden_eval_data
    from cnnkit.handwriting import lines_from_arrays

    data = hidden_eval_data("emnist_lines")
    return lines_from_arrays(data, prefix), [str(c) for c in data["mapping"]]


@test_case(name="hidden_character_accuracy", points=0.5, hidden=True)
def hidden_character_accuracy(read_line_ctc, line_reader):
    from cnnkit.checks import threshold
    from cnnkit.handwriting import character_accuracy

    needed = threshold("a6_ctc_accuracy", "emnist_lines")
    for prefix, what in [("", "hidden lines"), ("touch_", "hidden lines whose neighbouring characters touch")]:
        lines, mapping = _lines(prefix)
        texts = [read_line_ctc(line.image, line_reader, mapping) for line in lines[:16]]
        accuracy = character_accuracy(texts, [line.text for line in lines[:16]])
        assert accuracy >= needed, (
            f"on {what} read_line_ctc reads {accuracy:.1%} of the characters correctly (with the line reader); at least "
            f"{needed:.0%} is expected: binarize, line_tensor at the model's height, the model's scores, "
            "ctc_greedy_decode, index k as mapping[k - 1]")


def _scripted_model(path, symbols):
    """A Keras model of 32-row line tensors that outputs, whatever the line, scores whose best path is
    ``path``: a Dense layer with a zero kernel and the scores as its bias (plain layers only, so that the
    model travels to the kernel as a safe ``.keras`` file)."""
    import keras

    scores = (np.eye(symbols, dtype="float32")[list(path)] * 10).ravel()
    inputs = keras.Input((32, None, 1))
    dense = keras.layers.Dense(scores.size)
    outputs = keras.layers.Reshape((len(path), symbols))(dense(keras.layers.GlobalAveragePooling2D()(inputs)))
    model = keras.Model(inputs, outputs)
    dense.set_weights([np.zeros((1, scores.size), np.float32), scores])
    return model


@test_case(name="hidden_indices_and_spaces", points=0.25, hidden=True)
def hidden_indices_and_spaces(read_line_ctc):
    lines, mapping = _lines()
    k = len(mapping)
    image = lines[0].image
    cases = [
        ([1, 1, 0, 1, 5, k + 1, k, 0], f"{mapping[0]}{mapping[0]}{mapping[4]} {mapping[k - 1]}"),
        ([k + 1, k + 1, 3, 0, k + 1, 0, k + 1, 4, k + 1, k + 1], f"{mapping[2]} {mapping[3]}"),
        ([0, k + 1, 0], ""),
    ]
    for path, expected in cases:
        got = read_line_ctc(image, _scripted_model(path, k + 2), mapping)
        assert got == expected, (
            f"a model whose best path is {path} (blank 0, class k as k + 1, space {k + 1}) must read {expected!r}, got "
            f"{got!r}: index k is mapping[k - 1], index K + 1 a space; one space between words, none at either end")


@test_case(name="hidden_words_and_mapping", points=0.25, hidden=True)
def hidden_words_and_mapping(read_line_ctc, line_reader):
    lines, mapping = _lines()
    texts = [str(read_line_ctc(line.image, line_reader, mapping)) for line in lines[:8]]
    for text in texts:
        assert text == " ".join(text.split()), f"read {text!r}: words must be separated by single spaces, none at the ends"
    right = sum(len(text.split()) == len(line.text.split()) for text, line in zip(texts, lines))
    assert right >= 4, f"only {right} of 8 hidden lines are read with the right number of words: the space is index K + 1"
    shifted = mapping[1:] + mapping[:1]
    for text, line in zip(texts[:2], lines):
        expected = "".join(c if c == " " else shifted[mapping.index(c)] for c in text)
        assert read_line_ctc(line.image, line_reader, shifted) == expected, (
            "read_line_ctc must turn index k into mapping[k - 1] of the mapping argument it is given")


@test_case(name="hidden_model_height", points=0.25, hidden=True)
def hidden_model_height(read_line_ctc, line_reader):
    import keras

    from cnnkit.handwriting import character_accuracy

    lines, mapping = _lines()
    taller = keras.Sequential([keras.Input((64, None, 1)), keras.layers.AveragePooling2D((2, 2)), line_reader])
    advice = "scale the mask to the height the model takes (model.input_shape[1]), not a fixed one"
    try:
        texts = [read_line_ctc(line.image, taller, mapping) for line in lines[:6]]
    except ValueError as error:  # Keras refuses an input of another height
        raise AssertionError(f"a line reader of 64-row input fails ({str(error).splitlines()[0][:120]}): {advice}") from None
    accuracy = character_accuracy(texts, [line.text for line in lines[:6]])
    assert accuracy >= 0.6, f"a line reader of 64-row input reads {accuracy:.1%} of the characters: {advice}"


@test_case(name="hidden_negative_colour_and_empty", points=0.25, hidden=True)
def hidden_negative_colour_and_empty(read_line_ctc, line_reader):
    import cv2

    from cnnkit.handwriting import character_accuracy

    lines, mapping = _lines()
    for line in lines[:3]:
        text = read_line_ctc(line.image, line_reader, mapping)
        colour = read_line_ctc(cv2.cvtColor(line.image, cv2.COLOR_GRAY2BGR), line_reader, mapping)
        assert colour == text, "a BGR image of a line must read like its grayscale version"
        negative = read_line_ctc(255 - line.image, line_reader, mapping)
        assert character_accuracy(negative, text) >= 0.9, (
            f"the negative of a line reads {negative!r}, the line {text!r}: read the ink mask of binarize (which turns "
            "negatives round), not the gray levels")
    assert read_line_ctc(np.full((64, 300), 210, np.uint8), line_reader, mapping) == "", "an empty line must read ''"
