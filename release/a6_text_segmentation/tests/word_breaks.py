"""word_breaks: which gaps of a line separate words, from the line's own gaps (two clusters)."""
import numpy as np
from otter.test_files import test_case
OK_FORMAT = False  # otter: exception-based format
name = "word_breaks"
points = 1
hidden_checks = ("a bool array of N - 1 entries (also for one box and for none), gaps measured between cells as wide "
                 "as the median box, two clusters in widely spaced and in overlapping hands, the fixed rule on lines "
                 "of one kind of gap, the space argument, the median box height, and the words of hidden lines")


@test_case(name="public_two_words", points=0.125, hidden=False)
def public_two_words(word_breaks):
    boxes = [(10, 12, 20, 40), (34, 12, 20, 40), (84, 12, 20, 40), (108, 12, 20, 40)]   # gaps 4, 30, 4 px
    ends = word_breaks(boxes)
    assert ends is not None, "word_breaks returned None; did you forget `return`?"
    ends = np.asarray(ends)
    assert ends.shape == (3,), f"4 boxes have 3 gaps: expected 3 values, got shape {ends.shape}"
    assert ends.tolist() == [False, True, False], (
        f"two words of two letters: a word ends between boxes 1 and 2 only, got {ends.tolist()}")
