"""split_wide: a piece holding touching characters cut at the columns with the least ink."""
import numpy as np
from otter.test_files import test_case
OK_FORMAT = False  # otter: exception-based format
name = "split_wide"
points = 1
hidden_checks = ("a list of (x, y, w, h) tuples of Python ints, the number of parts from char_w (at least 2, none "
                 "under 1.3 char_h), each cut at the column of least ink within a quarter of a part of its place "
                 "(the window's ends included, the first column on a tie), the cut column starting the next part, "
                 "and each part's box tight around the piece's own ink")


@test_case(name="public_narrow_and_two_touching", points=0.25, hidden=False)
def public_narrow_and_two_touching(split_wide):
    labels = np.zeros((60, 200), np.int32)
    labels[10:50, 20:44] = 1                              # one character
    labels[10:50, 80:104] = 2; labels[10:50, 110:134] = 2  # two characters ...
    labels[28:32, 104:110] = 2                            # ... joined by a thin bridge
    boxes = split_wide(labels, (20, 10, 44, 50, 960, (1,)), 40.0, 26.0)
    assert boxes is not None, "split_wide returned None; did you forget `return`?"
    assert [tuple(b) for b in boxes] == [(20, 10, 24, 40)], f"a piece one character wide is its own box: {boxes}"
    boxes = [tuple(b) for b in split_wide(labels, (80, 10, 134, 50, 1944, (2,)), 40.0, 26.0)]
    assert len(boxes) == 2, f"a piece two characters wide gave {len(boxes)} boxes: {boxes}"
    assert boxes[0][0] == 80 and boxes[1][0] + boxes[1][2] == 134 and boxes[0][0] < boxes[1][0], (
        f"boxes left to right, covering the piece: {boxes}")
