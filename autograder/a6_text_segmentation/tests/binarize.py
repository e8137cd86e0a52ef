"""binarize: the ink mask (1 = ink, 0 = paper) of a page, also under uneven light."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "binarize"
points = 2
hidden_checks = ("a uint8 mask of exactly 0 and 1 on other page sizes, thick strokes filled in, colour (BGR) pages "
                 "read like their grayscale version, lines under steep shadows from every side, lines and a page "
                 "in negative (light ink on black) giving the mask of their positive, and empty pages at several "
                 "paper levels giving no ink")


@test_case(name="public_dark_ink_is_one", points=0.5, hidden=False)
def public_dark_ink_is_one(binarize):
    import cv2

    page = np.full((60, 200), 225, np.uint8)
    page[20:40, 30:35] = 40     # a vertical stroke
    page[22:36, 100:130] = 50   # a blob of ink
    mask = binarize(page)
    assert mask is not None, "binarize returned None; did you forget `return`?"
    mask = np.asarray(mask)
    assert mask.shape == page.shape, f"binarize returned shape {mask.shape} for a {page.shape} page; expected the same"
    assert set(np.unique(mask).tolist()) <= {0, 1}, f"the mask must hold only 0 and 1, found {np.unique(mask)[:10]}"
    assert mask[21:39, 31:34].all() and mask[23:35, 102:128].all(), "the dark ink must be 1 in the mask"
    paper = np.ones(page.shape, bool)
    paper[18:42, 28:37] = paper[20:38, 98:132] = False
    assert mask[paper].mean() < 0.01, f"{mask[paper].mean():.1%} of the paper is marked as ink; expected almost none"
    colour = binarize(cv2.cvtColor(page, cv2.COLOR_GRAY2BGR))
    assert np.asarray(colour).shape == page.shape, "a BGR image (H, W, 3) must give an (H, W) mask"


# --- hidden -------------------------------------------------------------------------------------
def _lines(prefix=""):
    from cnnkit.checks import hidden_eval_data
    from cnnkit.handwriting import lines_from_arrays

    return lines_from_arrays(hidden_eval_data("emnist_lines"), prefix)


def _thick_page():
    """A small page (48 x 120) of thick strokes (14 px), dark ink on light paper, and its ink."""
    page = np.full((48, 120), 210, np.uint8)
    page[6:42, 10:24] = 45
    page[10:24, 40:100] = 50
    page[30:44, 60:74] = 40
    return page, page < 100


@test_case(name="hidden_uint8_zero_or_one", points=0.25, hidden=True)
def hidden_uint8_zero_or_one(binarize):
    page, ink = _thick_page()
    mask = binarize(page)
    assert isinstance(mask, np.ndarray) and mask.shape == page.shape, (
        "binarize must return a NumPy array of the page's shape (H, W)")
    assert mask.dtype == np.uint8, f"the mask's dtype is {mask.dtype}; the docstring asks for uint8 (use .astype(np.uint8))"
    values = set(np.unique(mask).tolist())
    assert values == {0, 1}, (
        f"the mask of a page with ink holds the values {sorted(values)}; ink must be 1 and paper 0 (not 255)")
    assert mask[ink].mean() > 0.5 > mask[~ink].mean(), "the ink must be 1 and the paper 0, not the other way round"


@test_case(name="hidden_thick_strokes_filled", points=0.25, hidden=True)
def hidden_thick_strokes_filled(binarize):
    from cnnkit.handwriting import add_lighting_gradient

    page, ink = _thick_page()
    for strength in (0.0, 0.6):
        mask = np.asarray(binarize(add_lighting_gradient(page, strength, angle_deg=200))).astype(bool)
        assert mask[ink].mean() >= 0.98, (
            f"only {mask[ink].mean():.0%} of thick strokes is ink in the mask: a local threshold "
            "whose block is not larger than a stroke hollows the strokes out (see Part A)")
        assert mask[~ink].mean() <= 0.01, f"{mask[~ink].mean():.1%} of the paper around thick strokes is marked as ink"


@test_case(name="hidden_colour_like_gray", points=0.25, hidden=True)
def hidden_colour_like_gray(binarize):
    import cv2

    page, ink = _thick_page()
    colour = np.zeros(page.shape + (3,), np.uint8)
    colour[:] = (190, 225, 235)       # cream paper, BGR
    colour[ink] = (170, 60, 20)       # blue ink: light in the blue channel, dark in grayscale
    mask = np.asarray(binarize(colour))
    gray = np.asarray(binarize(cv2.cvtColor(colour, cv2.COLOR_BGR2GRAY)))
    assert mask.shape == page.shape, "a BGR page (H, W, 3) must give an (H, W) mask"
    assert mask[ink].mean() >= 0.98 and (mask == gray).mean() >= 0.99, (
        "blue ink on a colour (BGR) page is not marked like on its grayscale version: convert with "
        "cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), not by taking one channel")


@test_case(name="hidden_shadowed_lines", points=0.25, hidden=True)
def hidden_shadowed_lines(binarize):
    from cnnkit.handwriting import add_lighting_gradient

    lines = _lines()[:12]
    marked_paper, found_boxes, n_boxes = [], 0, 0
    for i, line in enumerate(lines):
        image = add_lighting_gradient(line.image, 0.85, angle_deg=30 * i)
        mask = np.asarray(binarize(image)).astype(bool)
        near_ink = np.zeros(mask.shape, bool)
        for x, y, w, h in line.boxes:
            near_ink[max(y - 3, 0):y + h + 3, max(x - 3, 0):x + w + 3] = True
            found_boxes += mask[y:y + h, x:x + w].mean() > 0.05
            n_boxes += 1
        marked_paper.append(mask[~near_ink].mean())
    assert np.mean(marked_paper) < 0.02, (
        f"in a shadow, {np.mean(marked_paper):.1%} of the paper is marked as ink (at most 2% expected): "
        "one global threshold cannot separate shadowed paper from ink; flatten the light or threshold locally (see Part A)"
    )
    assert found_boxes >= 0.97 * n_boxes, f"only {found_boxes / n_boxes:.0%} of the characters have ink in the mask, in a shadow"


@test_case(name="hidden_negatives", points=0.25, hidden=True)
def hidden_negatives(binarize):
    lines = _lines()[12:20]
    for line in lines[:4]:
        positive = np.asarray(binarize(line.image)).astype(bool)
        negative = np.asarray(binarize(255 - line.image)).astype(bool)
        assert (positive == negative).mean() >= 0.99, (
            "a line in negative (light ink on a dark background) must give the mask of its positive, ink = 1: "
            "call light_on_dark and invert (see A1 and A2)")
    page = np.concatenate([line.image for line in lines], axis=0)   # 8 lines, 512 x 640
    scan = np.clip(255 - page.astype(np.int16) - 20, 0, 255).astype(np.uint8)
    positive = np.asarray(binarize(page)).astype(bool)
    negative = np.asarray(binarize(scan)).astype(bool)
    assert negative.shape == page.shape and (positive == negative).mean() >= 0.99, (
        "a page of eight lines scanned in negative must give the mask of its positive, ink = 1")


@test_case(name="hidden_empty_pages", points=0.25, hidden=True)
def hidden_empty_pages(binarize):
    from cnnkit.handwriting import add_lighting_gradient

    rng = np.random.default_rng(11)
    for level, strength in [(220, 0.0), (200, 0.6), (90, 0.3)]:
        page = np.clip(level + rng.normal(0, 2, (64, 400)), 0, 255).astype(np.uint8)
        page = add_lighting_gradient(page, strength, angle_deg=20)
        marked = np.asarray(binarize(page)).mean()
        assert marked < 0.005, (
            f"a page without ink has {marked:.1%} of its pixels marked as ink; expected none "
            "(Otsu's method always splits the histogram in two, even when it holds only noise)"
        )
