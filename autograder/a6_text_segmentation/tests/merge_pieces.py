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


# --- hidden -------------------------------------------------------------------------------------
def _pieces(merge_pieces, mask, char_h=32.0):
    import cv2

    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    characters, leftovers = merge_pieces(labels, stats, char_h)
    return list(characters), list(leftovers), labels


def _boxes(pieces):
    return [tuple(int(v) for v in piece[:4]) for piece in pieces]


@test_case(name="hidden_types_and_order", points=0.125, hidden=True)
def hidden_types_and_order(merge_pieces):
    mask = np.zeros((80, 300), np.uint8)
    mask[10:60, 200:220] = 1      # tallest first in raster order, rightmost
    mask[20:60, 120:140] = 1
    mask[30:60, 40:60] = 1
    characters, leftovers, _ = _pieces(merge_pieces, mask)
    assert [c[0] for c in characters] == sorted(c[0] for c in characters), (
        "the characters must be sorted by x0 (left to right), not in label (raster) order")
    for piece in characters:
        assert len(piece) == 6 and all(type(v) is int for v in piece[:5]), (
            "a piece is (x0, y0, x1, y1, area, members) with Python ints (not NumPy integers)")
        assert isinstance(piece[5], tuple) and list(piece[5]) == sorted(piece[5]) and all(type(v) is int for v in piece[5]), (
            "members must be the sorted tuple of the blobs' labels, as Python ints")
    assert _boxes(characters) == [(40, 30, 60, 60), (120, 20, 140, 60), (200, 10, 220, 60)], (
        "a piece's box must be (x0, y0, x1, y1) with x1, y1 exclusive (x1 = x + w), not a width and height")
    assert leftovers == [], "large blobs are characters, never leftovers"


@test_case(name="hidden_broken_strokes", points=0.125, hidden=True)
def hidden_broken_strokes(merge_pieces):
    mask = np.zeros((90, 300), np.uint8)
    mask[10:38, 40:60] = 1
    mask[44:70, 40:60] = 1                        # a stroke broken in two, stacked: one character
    mask[20:70, 150:170] = 1
    mask[20:70, 178:198] = 1                      # two characters side by side: two
    boxes = _boxes(_pieces(merge_pieces, mask)[0])
    assert (40, 10, 60, 70) in boxes, "two large blobs stacked in the same columns (a broken stroke) are one character"
    assert (150, 20, 170, 70) in boxes and (178, 20, 198, 70) in boxes, "two characters side by side must stay two"
    mask = np.zeros((100, 120), np.uint8)
    mask[6:26, 40:60] = mask[32:52, 40:60] = mask[58:78, 40:60] = 1   # a stroke broken in three
    assert _boxes(_pieces(merge_pieces, mask)[0]) == [(40, 6, 60, 78)], (
        "the pieces of a stroke broken in more than two must all become one: merge while any two are one character")
    mask = np.zeros((90, 200), np.uint8)
    mask[20:66, 100:124] = 1
    mask[28:58, 106:118] = 0                      # an o ...
    mask[36:50, 109:115] = 1                      # ... with a large blob of little ink inside its columns
    assert _boxes(_pieces(merge_pieces, mask, char_h=28.0)[0]) == [(100, 20, 124, 66)], (
        "a large blob within another's columns (overlap at least 0.7) with under half its ink belongs to it")


@test_case(name="hidden_flat_bar_and_slanted_neighbours", points=0.125, hidden=True)
def hidden_flat_bar_and_slanted_neighbours(merge_pieces):
    import cv2

    mask = np.zeros((80, 120), np.uint8)
    mask[20:60, 40:44] = mask[20:24, 40:68] = mask[56:60, 40:68] = 1   # a [ shape ...
    mask[38:42, 50:76] = 1                                            # ... and a flat bar in its rows
    assert _boxes(_pieces(merge_pieces, mask)[0]) == [(40, 20, 76, 60)], (
        "a flat bar (under 0.35 char_h tall) whose columns overlap another large blob's by half counts as stacked: "
        "one character")
    mask = np.zeros((90, 200), np.uint8)
    mask[10:34, 40:60] = mask[40:64, 55:75] = 1   # one above the other, sharing a quarter of their columns
    assert len(_pieces(merge_pieces, mask)[0]) == 2, (
        "stacked large blobs that share under half the narrower width of columns must stay apart")
    mask = np.zeros((90, 200), np.uint8)
    cv2.line(mask, (42, 70), (58, 20), 1, 4)      # two slanted strokes whose columns overlap a little
    cv2.line(mask, (56, 70), (72, 20), 1, 4)
    cv2.line(mask, (120, 70), (120, 20), 1, 4)
    assert len(_pieces(merge_pieces, mask)[0]) == 3, (
        "neighbours whose columns overlap a little (under half the narrower width), side by side in the same rows, "
        "must stay apart")


@test_case(name="hidden_dots_fragments_and_leftovers", points=0.125, hidden=True)
def hidden_dots_fragments_and_leftovers(merge_pieces):
    mask = np.zeros((100, 400), np.uint8)
    mask[40:70, 50:56] = 1; mask[30:35, 50:56] = 1     # i: dot above (top end)
    mask[40:72, 120:126] = 1; mask[72:78, 112:126] = 1  # j: hook, then ...
    mask[30:35, 120:126] = 1                           # ... its dot
    mask[40:70, 200:220] = 1; mask[74:79, 205:211] = 1  # a fragment just below a character (bottom end)
    mask[5:9, 330:334] = 1                             # a speck far from everything (label 1) ...
    mask[90:94, 20:24] = 1                             # ... and another, left and lower (the last label)
    characters, leftovers, _ = _pieces(merge_pieces, mask)
    boxes = _boxes(characters)
    assert (50, 30, 56, 70) in boxes, "the dot of an i must join its stem (the dot above the top end)"
    assert any(b[1] == 30 and b[0] >= 112 for b in boxes), "the dot of a j must join it"
    assert (200, 40, 220, 79) in boxes, "a small fragment right below a character must join it (the bottom end)"
    i = characters[boxes.index((50, 30, 56, 70))]
    assert i[4] == 6 * 30 + 6 * 5 and len(i[5]) == 2 and list(i[5]) == sorted(i[5]), (
        "a merged piece's area is the sum of its blobs' areas and its members the sorted tuple of their labels")
    assert sorted(_boxes(leftovers)) == [(20, 90, 24, 94), (330, 5, 334, 9)], (
        "a small blob far from every character must be a leftover, not merged and not dropped")
    assert _boxes(leftovers) == [(330, 5, 334, 9), (20, 90, 24, 94)], "the leftovers must be in label order, not sorted by x"
    assert all(len(s[5]) == 1 and s[4] == 16 for s in leftovers), "a leftover is a piece of its own single blob"


@test_case(name="hidden_thresholds_relative_to_char_h", points=0.125, hidden=True)
def hidden_thresholds_relative_to_char_h(merge_pieces):
    mask = np.zeros((100, 300), np.uint8)
    mask[50:62, 100:112] = 1       # 12 px: small for char_h 32 (< 12.8), large for char_h 28 (>= 11.2)
    mask[66:96, 100:112] = 1
    characters, leftovers, _ = _pieces(merge_pieces, mask, char_h=32.0)
    assert _boxes(characters) == [(100, 50, 112, 96)] and not leftovers, (
        "a blob under 0.4 character heights is small and joins the character below it")
    mask = np.zeros((60, 100), np.uint8)
    mask[20:32, 40:52] = 1         # a lone 12 px blob
    for char_h, small in [(32.0, True), (28.0, False)]:
        characters, leftovers, _ = _pieces(merge_pieces, mask, char_h=char_h)
        assert (len(leftovers), len(characters)) == ((1, 0) if small else (0, 1)), (
            "small means a longer side under 0.4 * char_h: the same blob is small for a taller char_h, large otherwise")
    mask = np.zeros((100, 200), np.uint8)
    mask[40:70, 100:106] = 1       # a stem ...
    mask[14:19, 100:106] = 1       # ... and a dot straight above it, far up
    characters, leftovers, _ = _pieces(merge_pieces, mask, char_h=32.0)
    assert len(leftovers) == 1, "the cost counts the vertical gap: a dot far above a stem (0.5 char_h or more) joins nothing"
    mask[14:19] = 0
    mask[22:27, 100:106] = 1       # a dot closer above it
    for char_h, joins in [(32.0, True), (24.0, False)]:
        characters, leftovers, _ = _pieces(merge_pieces, mask, char_h=char_h)
        assert len(leftovers) == (0 if joins else 1), (
            "a dot joins only when its cost is under 0.5 * char_h: the same gap joins for a tall char_h, not for a "
            "short one")


@test_case(name="hidden_lowest_cost_nearest_end_tie", points=0.125, hidden=True)
def hidden_lowest_cost_nearest_end_tie(merge_pieces):
    mask = np.zeros((100, 300), np.uint8)
    mask[40:80, 40:46] = 1         # a stem; a hook's foot to the right at the bottom
    mask[74:80, 46:70] = 1
    mask[33:38, 64:70] = 1         # a dot above the foot's end, not above the stem
    mask[40:80, 90:96] = 1         # another stem
    first = _pieces(merge_pieces, mask)[0][0]
    assert first[2] == 70 and first[1] == 40, (
        "a dot joins by the ink at the nearest end of a piece (the mean column of its end rows), not the box's centre")
    mask = np.zeros((90, 120), np.uint8)
    mask[30:70, 50:56] = mask[30:70, 58:64] = 1   # two stems close together
    mask[22:26, 56:60] = 1                        # a dot nearer the second's top
    assert [len(c[5]) for c in _pieces(merge_pieces, mask)[0]] == [1, 2], (
        "a small blob joins the piece of lowest cost, not the first one under the limit")
    mask = np.zeros((90, 120), np.uint8)
    mask[30:70, 50:56] = mask[30:70, 60:66] = 1
    mask[22:26, 55:60] = 1                        # exactly between the two
    assert [len(c[5]) for c in _pieces(merge_pieces, mask)[0]] == [2, 1], (
        "on a tie of costs the first piece (the leftmost) wins")
    mask = np.zeros((90, 120), np.uint8)
    mask[30:70, 50:56] = 1
    mask[24:30, 63:69] = 1                        # small, up and to the right, clear of the stem's columns
    characters, leftovers, _ = _pieces(merge_pieces, mask)
    assert len(leftovers) == 1, (
        "a small blob lying more than 0.15 * char_h beside a piece (negative column overlap) does not join it")
