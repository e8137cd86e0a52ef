"""merge_pieces: the blobs of a line grouped into characters (dots, broken strokes) and leftovers."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "merge_pieces"
points = 1
all_or_nothing = True


@test_case(name="public_dotted_i", points=0.5, hidden=False)
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


# --- hidden -------------------------------------------------------------------------------------
def _pieces(merge_pieces, mask, char_h=32.0):
    import cv2

    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    characters, leftovers = merge_pieces(labels, stats, char_h)
    return list(characters), list(leftovers), labels


@test_case(name="hidden_types_and_order", points=0.1, hidden=True)
def hidden_types_and_order(merge_pieces):
    mask = np.zeros((80, 300), np.uint8)
    mask[10:60, 200:220] = 1      # tallest first in raster order, rightmost
    mask[20:60, 120:140] = 1
    mask[30:60, 40:60] = 1
    characters, leftovers, labels = _pieces(merge_pieces, mask)
    assert [c[0] for c in characters] == [40, 120, 200], f"characters must be sorted by x0: {characters}"
    for piece in characters:
        assert all(type(v) is int for v in piece[:5]), f"a piece's numbers must be Python ints: {piece}"
        assert tuple(piece[5]) == tuple(sorted(piece[5])) and all(type(v) is int for v in piece[5]), (
            f"members must be the sorted labels (Python ints): {piece}")
        x0, y0, x1, y1 = piece[:4]
        assert set(np.unique(labels[y0:y1, x0:x1])) - {0} == set(piece[5]), f"x1, y1 are exclusive: {piece}"
    assert leftovers == []


@test_case(name="hidden_broken_strokes", points=0.1, hidden=True)
def hidden_broken_strokes(merge_pieces):
    mask = np.zeros((90, 300), np.uint8)
    mask[10:38, 40:60] = 1
    mask[44:70, 40:60] = 1                        # a stroke broken in two, stacked: one character
    mask[20:70, 150:170] = 1
    mask[20:70, 178:198] = 1                      # two characters side by side: two
    characters, _, _ = _pieces(merge_pieces, mask)
    boxes = [c[:4] for c in characters]
    assert (40, 10, 60, 70) in boxes, f"two large blobs stacked in the same columns are one character: {boxes}"
    assert (150, 20, 170, 70) in boxes and (178, 20, 198, 70) in boxes, f"two characters side by side stay two: {boxes}"
    mask = np.zeros((90, 200), np.uint8)
    mask[20:66, 100:124] = 1
    mask[28:58, 106:118] = 0                      # an o ...
    mask[36:50, 109:115] = 1                      # ... with a large blob of little ink inside its columns
    characters, _, _ = _pieces(merge_pieces, mask, char_h=28.0)
    assert [c[:4] for c in characters] == [(100, 20, 124, 66)], (
        f"a blob lying within another's columns with under half its ink belongs to it: {[c[:4] for c in characters]}")


@test_case(name="hidden_slanted_neighbours_stay_apart", points=0.1, hidden=True)
def hidden_slanted_neighbours_stay_apart(merge_pieces):
    import cv2

    mask = np.zeros((90, 200), np.uint8)
    cv2.line(mask, (42, 70), (58, 20), 1, 4)      # two slanted strokes whose columns overlap a little
    cv2.line(mask, (56, 70), (72, 20), 1, 4)
    cv2.line(mask, (120, 70), (120, 20), 1, 4)
    characters, _, _ = _pieces(merge_pieces, mask)
    assert len(characters) == 3, (
        f"neighbours whose columns overlap a little, side by side in the same rows, stay apart: {[c[:4] for c in characters]}")


@test_case(name="hidden_dots_fragments_and_leftovers", points=0.1, hidden=True)
def hidden_dots_fragments_and_leftovers(merge_pieces):
    mask = np.zeros((100, 400), np.uint8)
    mask[40:70, 50:56] = 1; mask[30:35, 50:56] = 1     # i: dot above (top end)
    mask[40:72, 120:126] = 1; mask[72:78, 112:126] = 1  # j: hook, then ...
    mask[30:35, 120:126] = 1                           # ... its dot
    mask[40:70, 200:220] = 1; mask[74:79, 205:211] = 1  # a fragment just below a character (bottom end)
    mask[5:9, 330:334] = 1                             # a speck far from everything
    characters, leftovers, _ = _pieces(merge_pieces, mask)
    boxes = [c[:4] for c in characters]
    assert (50, 30, 56, 70) in boxes, f"the i's dot joins its stem: {boxes}"
    assert any(b[1] == 30 and b[0] >= 112 for b in boxes), f"the j's dot joins it: {boxes}"
    assert (200, 40, 220, 79) in boxes, f"a small fragment right below a character joins it (bottom end): {boxes}"
    assert [tuple(s[:4]) for s in leftovers] == [(330, 5, 334, 9)], (
        f"a small blob far from every character is a leftover, not merged: leftovers {leftovers}")
    assert len(leftovers[0][5]) == 1 and leftovers[0][4] == 16, f"a leftover is a piece of its own blob: {leftovers[0]}"


@test_case(name="hidden_small_is_relative_and_nearest_end_wins", points=0.1, hidden=True)
def hidden_small_is_relative_and_nearest_end_wins(merge_pieces):
    mask = np.zeros((100, 300), np.uint8)
    mask[50:62, 100:112] = 1       # 12 px: small for char_h 32 (< 12.8), large for char_h 28 (>= 11.2)
    mask[66:96, 100:112] = 1
    characters, leftovers, _ = _pieces(merge_pieces, mask, char_h=32.0)
    assert len(characters) == 1 and characters[0][:4] == (100, 50, 112, 96) and not leftovers, (
        f"a blob under 0.4 character heights is small and joins the character below it: {characters}, {leftovers}")
    mask = np.zeros((100, 300), np.uint8)
    mask[40:80, 40:46] = 1         # a stem; a hook's foot to the right at the bottom
    mask[74:80, 46:70] = 1
    mask[30:35, 64:70] = 1         # a dot above the foot's end, not above the stem
    mask[40:80, 90:96] = 1         # another stem
    characters, _, _ = _pieces(merge_pieces, mask)
    first = characters[0]
    assert first[2] == 70 and first[1] == 40, (
        "a dot joins by the ink at the nearest end of a piece (the top rows' mean column), not the box's centre: "
        f"{[c[:4] for c in characters]}")
