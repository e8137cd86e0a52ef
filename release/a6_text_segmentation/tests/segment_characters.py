"""segment_characters: one box (x, y, w, h) per character, left to right."""
import numpy as np
from otter.test_files import test_case
OK_FORMAT = False  # otter: exception-based format
name = "segment_characters"
points = 2
hidden_checks = ("a list of (x, y, w, h) tuples of Python ints, boxes exactly tight around each character's ink on "
                 "synthetic lines of other sizes and at twice the resolution, the dot of an i inside its box, small "
                 "characters of their own kept and specks dropped, touching characters cut apart by the typical "
                 "character width, recall, precision "
                 "and IoU on hidden lines (also in shadows, with dust and with touching characters), reading order, "
                 "colour input and an empty page")


@test_case(name="public_blocks_left_to_right", points=0.25, hidden=False)
def public_blocks_left_to_right(segment_characters):
    page = np.full((80, 300), 230, np.uint8)
    truth = [(30, 30, 14, 30), (90, 24, 16, 36), (160, 10, 20, 50)]  # the tallest on the right: first in raster order
    for x, y, w, h in truth:
        page[y:y + h, x:x + w] = 30
    boxes = segment_characters(page)
    assert boxes is not None, "segment_characters returned None; did you forget `return`?"
    boxes = [tuple(int(v) for v in b) for b in boxes]
    assert len(boxes) == 3, f"three separate characters gave {len(boxes)} boxes: {boxes}"
    assert [b[0] for b in boxes] == sorted(b[0] for b in boxes), f"boxes must be sorted left to right: {boxes}"
    for found, true in zip(boxes, truth):
        assert all(abs(f - t) <= 1 for f, t in zip(found, true)), f"found box {found}, expected {true} (x, y, w, h)"


@test_case(name="public_dotted_i", points=0.25, hidden=False)
def public_dotted_i(segment_characters):
    page = np.full((80, 200), 230, np.uint8)
    page[35:65, 50:56] = 30              # the stem of an i
    page[24:30, 50:56] = 30              # its dot
    page[30:65, 100:125] = 30            # another character
    boxes = [tuple(int(v) for v in b) for b in segment_characters(page)]
    assert len(boxes) == 2, f"an i (stem and dot) and another character gave {len(boxes)} boxes: {boxes}; the dot is part of the i"
    x, y, w, h = boxes[0]
    assert y <= 25 and y + h >= 64, f"the i's box {boxes[0]} must hold its dot (rows 24-29) and its stem (rows 35-64)"
