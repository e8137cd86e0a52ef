"""split_lines: the row ranges of the lines of a page, from its row profile."""
import numpy as np
from otter.test_files import test_case
OK_FORMAT = False  # otter: exception-based format
name = "split_lines"
points = 1
hidden_checks = ("a list of (top, bottom) int pairs, pages of hidden lines stacked close together and far apart "
                 "under uneven light, dots and descender tips joined to their line, short lines kept, a stray speck "
                 "between lines, and an empty page")


@test_case(name="public_three_lines", points=0.25, hidden=False)
def public_three_lines(split_lines):
    mask = np.zeros((150, 300), np.uint8)
    for top in (10, 60, 110):                    # three lines of blocks, 30 rows tall, 20 rows apart
        for x in range(10, 290, 30):
            mask[top:top + 30, x:x + 20] = 1
    found = split_lines(mask)
    assert found is not None, "split_lines returned None; did you forget `return`?"
    found = [tuple(int(v) for v in pair) for pair in found]
    assert found == [(10, 40), (60, 90), (110, 140)], (
        f"expected the rows of the three lines, [(10, 40), (60, 90), (110, 140)] (bottom excluded), got {found}")
