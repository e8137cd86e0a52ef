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
