"""merge_pieces: the blobs of a line grouped into characters (dots, broken strokes) and leftovers."""
import numpy as np
from otter.test_files import test_case
OK_FORMAT = False  # otter: exception-based format
name = "merge_pieces"
points = 1
hidden_checks = ("Python ints and sorted members, x1 and y1 exclusive, characters sorted by x0, broken strokes "
                 "(stacked, a flat bar, a blob inside another's columns, more than two pieces) joined and neighbours "
                 "kept apart, dots and fragments joining the piece of lowest cost at its nearer end (the vertical gap "
                 "counted, the first piece on a tie, no piece it lies beside), every threshold relative to char_h, "
                 "and leftovers in label order")


@test_case(name="public_dotted_i", points=0.25, hidden=False)
def public_dotted_i(merge_pieces):
    import cv2

    mask = np.zeros((80, 200), np.uint8)
    mask[35:65, 50:56] = 1        # the stem of an i
    mask[24:30, 50:56] = 1        # its dot
    mask[30:65, 100:125] = 1      # another character
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    result = merge_pieces(labels, stats, 32.0)
    assert result is not None, "merge_pieces returned None; did you forget `return`?"
    characters, leftovers = result
    assert leftovers == [], f"the dot belongs to the i: no leftovers expected, got {leftovers}"
    assert len(characters) == 2, f"an i (stem and dot) and another character gave {len(characters)} characters"
    x0, y0, x1, y1, area, members = characters[0]
    assert (x0, y0, x1, y1) == (50, 24, 56, 65), f"the i's piece {characters[0][:4]} must span its dot and its stem"
    assert area == 6 * 30 + 6 * 6 and len(members) == 2, f"the i's piece holds both blobs' ink: {characters[0]}"
