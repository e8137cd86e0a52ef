"""read_line: the text of a line of handwriting, read with the reference model."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "read_line"
points = 3
all_or_nothing = True


@test_case(name="public_reads_composed_lines", points=1, hidden=False)
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


@test_case(name="hidden_character_accuracy", points=1.5, hidden=True)
def hidden_character_accuracy(read_line, reference_model):
    from cnnkit.checks import threshold
    from cnnkit.handwriting import character_accuracy

    lines, mapping = _lines()
    texts = [read_line(line.image, reference_model, mapping) for line in lines]
    accuracy = character_accuracy(texts, [line.text for line in lines])
    needed = threshold("a6_char_accuracy", "emnist_lines")
    assert accuracy >= needed, (
        f"on hidden lines read_line reads {accuracy:.1%} of the characters correctly (with the reference model); "
        f"at least {needed:.0%} is expected"
    )


@test_case(name="hidden_words", points=0.5, hidden=True)
def hidden_words(read_line, reference_model):
    lines, mapping = _lines()
    right = sum(len(read_line(line.image, reference_model, mapping).split()) == len(line.text.split()) for line in lines[:16])
    assert right >= 12, f"only {right} of 16 hidden lines are read with the right number of words: put spaces in the wide gaps"
