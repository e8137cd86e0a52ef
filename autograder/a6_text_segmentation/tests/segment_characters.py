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


# --- hidden -------------------------------------------------------------------------------------
def _lines(prefix=""):
    from cnnkit.checks import hidden_eval_data
    from cnnkit.handwriting import lines_from_arrays

    return lines_from_arrays(hidden_eval_data("emnist_lines"), prefix)


def _boxes(segment_characters, image):
    return [tuple(int(v) for v in b) for b in segment_characters(image)]


def _page(mask, scale=1):
    """A page of dark ink (40) on light paper (220) where ``mask`` is set, ``scale`` times larger, and its ink."""
    import cv2

    mask = cv2.resize(mask.astype(np.uint8), None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
    return np.where(mask > 0, 40, 220).astype(np.uint8), mask


def _ink_boxes(mask):
    """The tight (x, y, w, h) box of each blob of ``mask``, left to right."""
    import cv2

    _, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    return sorted(tuple(int(v) for v in row[:4]) for row in stats[1:])


@test_case(name="hidden_list_of_int_tuples", points=0.125, hidden=True)
def hidden_list_of_int_tuples(segment_characters):
    mask = np.zeros((50, 160), np.uint8)
    mask[10:40, 20:36] = mask[12:40, 70:90] = 1
    boxes = segment_characters(_page(mask)[0])
    assert isinstance(boxes, list), f"segment_characters must return a list, not a {type(boxes).__name__}"
    assert all(isinstance(b, tuple) and len(b) == 4 for b in boxes), "each box must be a tuple (x, y, w, h)"
    assert all(type(v) is int for b in boxes for v in b), "the boxes' numbers must be Python ints (not NumPy integers)"


@test_case(name="hidden_tight_boxes", points=0.25, hidden=True)
def hidden_tight_boxes(segment_characters):
    import cv2

    mask = np.zeros((56, 220), np.uint8)
    mask[12:42, 10:26] = 1                                   # a block
    cv2.line(mask, (50, 44), (62, 12), 1, 4)                 # a slanted stroke
    mask[14:44, 84:89] = 1; mask[39:44, 84:104] = 1          # an L
    cv2.circle(mask, (150, 28), 14, 1, 4)                    # an o
    mask[11:43, 184:190] = 1; mask[11:16, 178:200] = 1       # a T
    for scale in (1, 2):
        page, ink = _page(mask, scale)
        boxes = _boxes(segment_characters, page)
        truth = _ink_boxes(ink)
        assert len(boxes) == len(truth), (
            "separate characters on a clean line must give one box each"
            + (", also at twice the resolution: every rule is relative to the character height" if scale == 2 else ""))
        for found, true in zip(boxes, truth):
            if found != true:
                fx, fy, fw, fh = found
                tx, ty, tw, th = true
                if (fx, fy) == (tx, ty) and (fw, fh) == (tx + tw, ty + th):
                    hint = "w and h are the width and height, not the right and bottom edges"
                elif fx <= tx and fy <= ty and fx + fw >= tx + tw and fy + fh >= ty + th:
                    hint = "the boxes are larger than the ink (by a pixel or more): they must be tight"
                elif fx >= tx and fy >= ty and fx + fw <= tx + tw and fy + fh <= ty + th:
                    hint = "the boxes are smaller than the ink (a pixel of the ink is cut off): they must hold all of it"
                else:
                    hint = "the boxes are not tight around the characters' ink"
                raise AssertionError(f"{hint} ({'at twice the resolution' if scale == 2 else 'on a clean line'})")


@test_case(name="hidden_dot_leftover_speck", points=0.125, hidden=True)
def hidden_dot_leftover_speck(segment_characters):
    mask = np.zeros((56, 260), np.uint8)
    mask[12:42, 10:26] = mask[10:42, 60:78] = mask[12:42, 120:140] = 1   # three characters
    mask[18:44, 200:205] = 1; mask[10:14, 200:205] = 1                    # an i: stem and dot
    mask[26:36, 170:180] = 1                                              # a small character of its own
    mask[4:6, 240:242] = 1                                                # a speck
    boxes = _boxes(segment_characters, _page(mask)[0])
    assert (200, 10, 5, 34) in boxes, "the box of an i must hold its dot and its stem, tight"
    assert (170, 26, 10, 10) in boxes, (
        "a small blob joining no character but not a speck (enough ink, a side of at least 0.3 char heights) is a "
        "character of its own")
    assert len(boxes) == 5, "a speck (a tiny blob far from every character) must be dropped"


@test_case(name="hidden_touching_pair_cut", points=0.125, hidden=True)
def hidden_touching_pair_cut(segment_characters):
    mask = np.zeros((60, 260), np.uint8)
    mask[10:46, 20:44] = mask[10:46, 50:74] = 1              # two characters ...
    mask[26:30, 44:50] = 1                                   # ... touching through a thin bridge
    mask[10:46, 120:144] = mask[10:46, 180:204] = 1          # two more, apart
    boxes = _boxes(segment_characters, _page(mask)[0])
    assert len(boxes) == 4, "two touching characters (one blob much wider than tall) must be cut into two boxes"
    assert boxes[:2] == [(20, 10, 24, 36), (44, 10, 30, 36)], (
        "touching characters must be cut at the column with the least ink near the middle, each box tight")


@test_case(name="hidden_typical_width", points=0.125, hidden=True)
def hidden_typical_width(segment_characters):
    mask = np.zeros((60, 300), np.uint8)
    for x in (20, 50, 80):
        mask[10:50, x:x + 12] = 1                            # narrow characters (a 1 is 0.3 heights wide)
    for x in (140, 163, 186):
        mask[10:50, x:x + 20] = 1                            # three characters ...
    mask[28:32, 160:163] = mask[28:32, 183:186] = 1          # ... touching through thin bridges
    boxes = _boxes(segment_characters, _page(mask)[0])
    assert len(boxes) == 6, (
        "touching characters must be cut by the typical character width: the median width of the characters, "
        "at least 0.6 character heights")


@test_case(name="hidden_boxes_of_hidden_lines", points=0.25, hidden=True)
def hidden_boxes_of_hidden_lines(segment_characters):
    from cnnkit.checks import threshold
    from cnnkit.handwriting import box_recall

    lines = _lines()
    score = box_recall(lines, [_boxes(segment_characters, line.image) for line in lines])
    for key, limit in [("recall", "a6_box_recall"), ("precision", "a6_box_precision"), ("mean_iou", "a6_mean_iou")]:
        needed = threshold(limit, "emnist_lines")
        assert score[key] >= needed, f"on hidden lines the boxes' {key} is {score[key]:.3f}; at least {needed} is expected"


@test_case(name="hidden_left_to_right_and_dots", points=0.25, hidden=True)
def hidden_left_to_right_and_dots(segment_characters):
    from cnnkit.checks import threshold
    from cnnkit.handwriting import box_recall

    for line in _lines()[:12]:
        xs = [b[0] for b in _boxes(segment_characters, line.image)]
        assert xs == sorted(xs), "the boxes of a hidden line are not sorted left to right (by x)"
    lines = _lines("ij_")
    score = box_recall(lines, [_boxes(segment_characters, line.image) for line in lines])
    needed = threshold("a6_ij_precision", "emnist_lines")
    assert score["precision"] >= needed, (
        f"on hidden lines full of dotted i and j, only {score['precision']:.1%} of the boxes are characters "
        f"(at least {needed:.0%} expected): is the dot of an i counted as a character?"
    )


@test_case(name="hidden_shadow_specks_touching_colour", points=0.25, hidden=True)
def hidden_shadow_specks_touching_colour(segment_characters):
    import cv2

    from cnnkit.checks import threshold
    from cnnkit.handwriting import add_lighting_gradient, box_recall

    recall, precision = threshold("a6_box_recall", "emnist_lines"), threshold("a6_box_precision", "emnist_lines")
    lines = _lines()[:16]
    shadowed = [add_lighting_gradient(line.image, 0.8, angle_deg=40 * i) for i, line in enumerate(lines)]
    score = box_recall(lines, [_boxes(segment_characters, im) for im in shadowed])
    assert score["recall"] >= recall, f"in a shadow only {score['recall']:.1%} of the characters are found"
    rng = np.random.default_rng(5)
    specked = []
    for line in lines:
        image = line.image.copy()
        for _ in range(12):  # dust: dark specks of 1 to 4 pixels
            y, x = rng.integers(0, image.shape[0] - 2), rng.integers(0, image.shape[1] - 2)
            image[y:y + rng.integers(1, 3), x:x + rng.integers(1, 3)] = 40
        specked.append(image)
    score = box_recall(lines, [_boxes(segment_characters, im) for im in specked])
    assert score["precision"] >= precision - 0.02, (
        f"with dust specks on the page only {score['precision']:.1%} of the boxes are characters: drop the specks"
    )
    touching = _lines("touch_")
    score = box_recall(touching, [_boxes(segment_characters, line.image) for line in touching])
    assert score["recall"] >= recall - 0.05, (
        f"on lines where characters touch, only {score['recall']:.1%} are found: split blobs wider than one character"
    )
    line = lines[0]
    assert _boxes(segment_characters, cv2.cvtColor(line.image, cv2.COLOR_GRAY2BGR)) == _boxes(segment_characters, line.image), (
        "a BGR image must give the same boxes as its grayscale version"
    )
    blank = np.full((64, 400), 215, np.uint8)
    assert _boxes(segment_characters, blank) == [], "a page without ink must give no boxes"
