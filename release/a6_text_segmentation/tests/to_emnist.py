"""to_emnist: a crop (dark ink on light paper) as a 28x28 EMNIST-style image: white on black, upright, framed."""
import numpy as np
from otter.test_files import test_case
OK_FORMAT = False  # otter: exception-based format
name = "to_emnist"
points = 3
hidden_checks = ("the orientation of asymmetric characters and of hidden EMNIST characters, the ink_size and centring "
                 "arguments (the ink's longest side, the box or the centre of mass at the frame's centre), off-centre "
                 "crops in shadows and in colour, the aspect ratio of tall and wide characters, uint8 with the "
                 "brightest pixel at 255 and the paper at 0 on grey paper and faint ink, and crops without ink "
                 "giving all zeros")


@test_case(name="public_upright_white_on_black", points=0.5, hidden=False)
def public_upright_white_on_black(to_emnist):
    crop = np.full((90, 70), 220, np.uint8)
    crop[10:80, 15:27] = 30     # the bar of an L, on the left
    crop[68:80, 15:60] = 30     # its foot, at the bottom
    out = to_emnist(crop)
    assert out is not None, "to_emnist returned None; did you forget `return`?"
    out = np.asarray(out)
    assert out.shape == (28, 28) and out.dtype == np.uint8, f"to_emnist must return (28, 28) uint8, got {out.shape} {out.dtype}"
    assert out.max() >= 200 and np.median(out) <= 10, (
        "the result must be white ink (up to 255) on black: dark ink on light paper is inverted"
    )
    ys, xs = np.nonzero(out > 64)
    x0, x1, y0, y1 = xs.min(), xs.max(), ys.min(), ys.max()
    bar_column = x0 + int(np.argmax((out[y0:y1 + 1, x0:x1 + 1] > 64).sum(axis=0)))
    foot_row = y0 + int(np.argmax((out[y0:y1 + 1, x0:x1 + 1] > 64).sum(axis=1)))
    assert y1 - y0 > x1 - x0 and bar_column - x0 < 0.35 * (x1 - x0) and y1 - foot_row < 0.35 * (y1 - y0), (
        "an L must stay an L: taller than wide, its bar on the left, its foot at the bottom "
        "(is the image transposed or flipped?)"
    )
