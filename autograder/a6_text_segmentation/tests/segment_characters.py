"""segment_characters: one box (x, y, w, h) per character, left to right."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "segment_characters"
points = 2
all_or_nothing = True


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


@test_case(name="hidden_boxes_of_hidden_lines", points=0.5, hidden=True)
def hidden_boxes_of_hidden_lines(segment_characters):
    from cnnkit.checks import threshold
    from cnnkit.handwriting import box_recall

    lines = _lines()
    score = box_recall(lines, [_boxes(segment_characters, line.image) for line in lines])
    for key, limit in [("recall", "a6_box_recall"), ("precision", "a6_box_precision"), ("mean_iou", "a6_mean_iou")]:
        needed = threshold(limit, "emnist_lines")
        assert score[key] >= needed, f"on hidden lines the boxes' {key} is {score[key]:.3f}; at least {needed} is expected"


@test_case(name="hidden_left_to_right_and_dots", points=0.5, hidden=True)
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


@test_case(name="hidden_shadow_specks_touching_colour", points=0.5, hidden=True)
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
