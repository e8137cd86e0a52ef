"""read_line: the text of a line of handwriting, read with the reference model."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "read_line"
points = 3
hidden_checks = ("character accuracy and word counts on hidden lines (also lines whose narrow glyphs sit in wide "
                 "margins), spaces exactly where word_breaks(boxes, space) says on lines of other gaps and heights, "
                 "crops fed to the model scaled to [0, 1] as (N, 28, 28, 1), the mapping argument, colour input and "
                 "an empty line")


@test_case(name="public_reads_composed_lines", points=0.5, hidden=False)
def public_reads_composed_lines(read_line, reference_model, mapping):
    from cnnkit import handwriting
    from cnnkit.data import load_emnist

    assert reference_model is not None, "reference_model is missing: run the setup cell (it loads emnist_reference.keras)"
    images, labels, chars = load_emnist(usage="test", limit=2000)
    lines = handwriting.compose_lines(images, labels, chars, 3, seed=5)
    texts = [read_line(line.image, reference_model, list(mapping)) for line in lines]
    assert all(isinstance(t, str) for t in texts), f"read_line must return a str, got {type(texts[0]).__name__}"
    assert all(" " in t for t in texts), f"read {texts!r}: words must be separated by spaces"
    accuracy = handwriting.character_accuracy(texts, [line.text for line in lines])
    assert accuracy >= 0.6, f"read {texts!r} for {[line.text for line in lines]!r}: character accuracy {accuracy:.2f}"


# --- hidden -------------------------------------------------------------------------------------
def _lines():
    from cnnkit.checks import hidden_eval_data
    from cnnkit.handwriting import lines_from_arrays

    data = hidden_eval_data("emnist_lines")
    return lines_from_arrays(data), [str(c) for c in data["mapping"]]


@test_case(name="hidden_character_accuracy", points=1.0, hidden=True)
def hidden_character_accuracy(read_line, reference_model):
    from cnnkit.checks import threshold
    from cnnkit.handwriting import character_accuracy

    lines, mapping = _lines()
    texts = [read_line(line.image, reference_model, mapping) for line in lines]
    accuracy = character_accuracy(texts, [line.text for line in lines])
    needed = threshold("a6_char_accuracy", "emnist_lines")
    assert accuracy >= needed, (
        f"on hidden lines read_line reads {accuracy:.1%} of the characters correctly (with the reference model); "
        f"at least {needed:.0%} is expected: frame each crop with to_emnist"
    )


@test_case(name="hidden_words", points=0.5, hidden=True)
def hidden_words(read_line, reference_model):
    from cnnkit.checks import hidden_eval_data
    from cnnkit.handwriting import lines_from_arrays

    lines, mapping = _lines()
    framed = lines_from_arrays(hidden_eval_data("emnist_lines"), "frame_")
    right = sum(len(read_line(line.image, reference_model, mapping).split()) == len(line.text.split())
                for line in lines[:8] + framed)
    assert right >= 14, (
        f"only {right} of 16 hidden lines (8 of them with characters in their frames: narrow glyphs in wide margins) "
        "are read with the right number of words: put a space where word_breaks says a word ends")


def _blocks(widths: list, heights: list, gaps: list) -> np.ndarray:
    """A line of dark blocks (40 on paper 220), left to right, with these widths, heights and gaps (px)."""
    page = np.full((max(heights) + 24, sum(widths) + sum(gaps) + 40), 220, np.uint8)
    x = 20
    for k, (w, h) in enumerate(zip(widths, heights)):
        page[12:12 + h, x:x + w] = 40
        x += w + (gaps[k] if k < len(gaps) else 0)
    return page


def _spaces(text):
    """Where the spaces are: after how many characters each one comes."""
    text = str(text)
    return [len(text[:i].replace(" ", "")) for i, c in enumerate(text) if c == " "]


@test_case(name="hidden_spaces_from_word_breaks", points=0.5, hidden=True)
def hidden_spaces_from_word_breaks(read_line, reference_model, segment_characters, word_breaks):
    _, mapping = _lines()
    pages = [_blocks([20] * 6, [40] * 6, [4, 4, 16, 4, 16]), _blocks([20] * 4, [40] * 4, [6, 14, 30]),
             _blocks([16] * 5, [40, 40, 40, 70, 70], [10, 23, 40, 12])]
    for page in pages:
        boxes = segment_characters(page)
        for space in (0.1, 0.25, 0.45, 1.0):
            text = read_line(page, reference_model, mapping, space=space)
            assert len(str(text).replace(" ", "")) == len(boxes), "read_line must give one character per box"
            expected = [i + 1 for i, end in enumerate(np.asarray(word_breaks(boxes, space)).tolist()) if end]
            assert _spaces(text) == expected, (
                f"with space={space} the spaces come after the characters {_spaces(text)}, but word_breaks(boxes, "
                f"space) ends words after {expected}: put a space exactly where it says, passing the space argument on")


@test_case(name="hidden_scaled_input", points=0.25, hidden=True)
def hidden_scaled_input(read_line, reference_model, segment_characters, to_emnist):
    lines, mapping = _lines()
    agree_scaled = agree_raw = 0          # at the characters the model reads differently unscaled
    for line in lines:
        if agree_scaled + agree_raw >= 6:
            break
        boxes = segment_characters(line.image)
        chars = str(read_line(line.image, reference_model, mapping)).replace(" ", "")
        assert len(chars) == len(boxes), "read_line must give one character per box of segment_characters"
        if not boxes:
            continue
        batch = np.stack([np.asarray(to_emnist(line.image[y:y + h, x:x + w])) for x, y, w, h in boxes])
        batch = batch[..., None].astype("float32")
        scaled = np.argmax(np.asarray(reference_model(batch / 255, training=False)), axis=1)
        raw = np.argmax(np.asarray(reference_model(batch, training=False)), axis=1)
        for char, k_scaled, k_raw in zip(chars, scaled, raw):
            if k_scaled != k_raw:
                agree_scaled += char == mapping[int(k_scaled)]
                agree_raw += char == mapping[int(k_raw)]
    assert agree_raw == 0 or agree_scaled > agree_raw, (
        "the model reads the crops as if they were not scaled: feed it float32 images in [0, 1] (to_emnist's "
        "result / 255), shaped (N, 28, 28, 1)")


@test_case(name="hidden_mapping_argument", points=0.125, hidden=True)
def hidden_mapping_argument(read_line, reference_model):
    lines, mapping = _lines()
    shifted = mapping[1:] + mapping[:1]           # class k is now read as the next class's character
    for line in lines[:2]:
        text = str(read_line(line.image, reference_model, mapping))
        assert set(text) - {" "} <= set(mapping), "read_line must give the characters of the mapping argument it is given"
        expected = "".join(c if c == " " else shifted[mapping.index(c)] for c in text)
        assert read_line(line.image, reference_model, shifted) == expected, (
            "read_line must turn class k into mapping[k] of the mapping argument it is given (not a global mapping)")


@test_case(name="hidden_colour_and_empty", points=0.125, hidden=True)
def hidden_colour_and_empty(read_line, reference_model):
    import cv2

    lines, mapping = _lines()
    for line in lines[:2]:
        gray = read_line(line.image, reference_model, mapping)
        colour = read_line(cv2.cvtColor(line.image, cv2.COLOR_GRAY2BGR), reference_model, mapping)
        assert colour == gray, "a BGR image of a line must read like its grayscale version"
    assert read_line(np.full((64, 300), 210, np.uint8), reference_model, mapping) == "", "an empty line must read ''"
