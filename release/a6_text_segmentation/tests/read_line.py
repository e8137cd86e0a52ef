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
