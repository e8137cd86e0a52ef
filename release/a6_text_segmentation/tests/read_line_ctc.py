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
