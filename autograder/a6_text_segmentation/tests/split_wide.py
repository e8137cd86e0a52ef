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


# --- hidden -------------------------------------------------------------------------------------
def _split(split_wide, labels, piece, char_h, char_w):
    return [tuple(int(v) for v in box) for box in split_wide(labels, piece, char_h, char_w)]


@test_case(name="hidden_cut_at_the_least_ink", points=0.25, hidden=True)
def hidden_cut_at_the_least_ink(split_wide):
    labels = np.zeros((60, 200), np.int32)
    labels[10:50, 40:130] = 3                  # 90 px of ink, three characters ...
    labels[10:50, 69] = 0; labels[48:50, 69] = 3   # ... with a weak column at 69 (2 px of ink) ...
    labels[10:50, 101] = 0; labels[10:11, 101] = 3  # ... and at 101 (1 px)
    labels[10:50, 42] = 0                      # an empty column far from any cut's place
    labels[10:20, 70:101] = 0                  # the middle character is shorter
    boxes = split_wide(labels, (40, 10, 130, 50, 3190, (3,)), 40.0, 30.0)
    assert isinstance(boxes, list) and all(isinstance(box, tuple) and len(box) == 4 for box in boxes), (
        "split_wide must return a list of (x, y, w, h) tuples")
    assert all(type(v) is int for box in boxes for v in box), "the boxes' numbers must be Python ints (not NumPy integers)"
    assert len(boxes) == 3, "the number of parts is round(w / char_w) (at least 2): char_w, not char_h"
    assert boxes[0][0] + boxes[0][2] == 69 and boxes[1][0] == 69 and boxes[1][0] + boxes[1][2] == 101, (
        "cut at the column with the least ink within a quarter of a part of each cut's place, not at equal widths "
        "nor at the piece's emptiest column; the cut column starts the next part")
    assert boxes[1][1] == 20 and boxes[1][3] == 30, "each part's box must be tight around its ink, in its rows too"


@test_case(name="hidden_cut_window_and_tie", points=0.125, hidden=True)
def hidden_cut_window_and_tie(split_wide):
    labels = np.zeros((60, 160), np.int32)
    labels[10:50, 20:120] = 7                  # 100 px of even ink, 4 parts of 25 px
    boxes = _split(split_wide, labels, (20, 10, 120, 50, 4000, (7,)), 40.0, 25.0)
    assert [b[0] - 20 for b in boxes] == [0, 18, 43, 68], (
        "with even ink the cut is the first column of its window, int((k - 0.25) * w / parts) (rounded down)")
    labels[12:50, 51] = 0                      # less ink in the last column of the first window
    boxes = _split(split_wide, labels, (20, 10, 120, 50, 3962, (7,)), 40.0, 25.0)
    assert [b[0] - 20 for b in boxes] == [0, 31, 43, 68], (
        "the window of a cut includes its last column, int((k + 0.25) * w / parts)")


@test_case(name="hidden_tight_boxes_own_ink", points=0.125, hidden=True)
def hidden_tight_boxes_own_ink(split_wide):
    labels = np.zeros((80, 200), np.int32)
    labels[20:60, 10:30] = 4                  # a tall character ...
    labels[35:55, 30:50] = 4                  # ... touching a short one: 40 px, characters 20 px wide
    labels[22:30, 40:48] = 9                  # another blob's ink inside the piece's box: not the piece's
    boxes = _split(split_wide, labels, (10, 20, 50, 60, 1200, (4,)), 25.0, 20.0)
    assert len(boxes) == 2 and boxes[0] == (10, 20, 20, 40), "each part's box must be tight around its ink (x, y, w, h)"
    assert boxes[1] == (30, 35, 20, 20), (
        "each part's box must hold the piece's own ink only (its members' labels), not other blobs' ink in its box")


@test_case(name="hidden_number_of_parts", points=0.25, hidden=True)
def hidden_number_of_parts(split_wide):
    labels = np.zeros((60, 100), np.int32)
    labels[10:50, 10:60] = 6                  # 50 px, characters 40 px wide: round(1.25) = 1, still 2 parts
    assert len(_split(split_wide, labels, (10, 10, 60, 50, 2000, (6,)), 30.0, 40.0)) == 2, (
        "a piece wider than 1.3 character heights is cut in at least 2 parts")
    labels = np.zeros((60, 300), np.int32)
    labels[10:50, 0:20] = 5; labels[10:50, 100:120] = 5   # ink only at both ends: the middle part has none
    boxes = _split(split_wide, labels, (0, 10, 120, 50, 1600, (5,)), 30.0, 40.0)
    assert len(boxes) == 2 and boxes[0][0] == 0 and boxes[1][0] + boxes[1][2] == 120, "a part without ink gives no box"
    labels = np.zeros((60, 100), np.int32)
    labels[10:50, 10:62] = 6                              # 52 px = 1.3 x 40: not wide
    assert _split(split_wide, labels, (10, 10, 62, 50, 2080, (6,)), 40.0, 20.0) == [(10, 10, 52, 40)], (
        "a piece at most 1.3 character heights wide is not cut: it gives its own box (x0, y0, x1 - x0, y1 - y0)")
    labels = np.zeros((60, 200), np.int32)
    labels[10:50, 10:130] = 8                             # 120 px, characters 30 px wide: 4 parts
    assert len(_split(split_wide, labels, (10, 10, 130, 50, 4800, (8,)), 40.0, 30.0)) == 4, (
        "the number of parts is round(w / char_w), the piece's width over the typical character width")
