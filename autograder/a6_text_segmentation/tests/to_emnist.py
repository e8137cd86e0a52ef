"""to_emnist: a crop (dark ink on light paper) as a 28x28 EMNIST-style image: white on black, upright, framed."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "to_emnist"
points = 3
all_or_nothing = True


@test_case(name="public_upright_white_on_black", points=1, hidden=False)
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


# --- hidden -------------------------------------------------------------------------------------
def _shape(kind, size=(100, 80), offset=(0, 0)):
    h, w = size
    crop = np.full(size, 215, np.uint8)
    oy, ox = offset
    if kind == "F":
        crop[10 + oy:90 + oy, 10 + ox:22 + ox] = 35
        crop[10 + oy:22 + oy, 10 + ox:70 + ox] = 35
        crop[45 + oy:56 + oy, 10 + ox:55 + ox] = 35
    elif kind == "7":
        crop[10 + oy:22 + oy, 10 + ox:70 + ox] = 35
        crop[10 + oy:90 + oy, 58 + ox:70 + ox] = 35
    return crop


def _layout(out):
    """(taller than wide, side of the densest column, side of the densest row) of the ink."""
    ink = np.asarray(out) > 64
    ys, xs = np.nonzero(ink)
    x0, x1, y0, y1 = xs.min(), xs.max(), ys.min(), ys.max()
    box = ink[y0:y1 + 1, x0:x1 + 1]
    column = int(np.argmax(box.sum(axis=0))) / max(x1 - x0, 1)
    row = int(np.argmax(box.sum(axis=1))) / max(y1 - y0, 1)
    side = lambda v, low, high: low if v < 0.35 else high if v > 0.65 else "middle"  # noqa: E731
    return y1 - y0 > x1 - x0, side(column, "left", "right"), side(row, "top", "bottom")


def _corr(a, b):
    a = a.astype(float).ravel() - a.mean()
    b = b.astype(float).ravel() - b.mean()
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-9))


@test_case(name="hidden_orientation", points=1, hidden=True)
def hidden_orientation(to_emnist):
    import cv2

    from cnnkit.checks import hidden_eval_data

    for kind, (bar_left, bar_top) in [("F", (True, True)), ("7", (False, True))]:
        tall, column, row = _layout(np.asarray(to_emnist(_shape(kind))))
        assert tall and column == ("left" if bar_left else "right") and row == ("top" if bar_top else "bottom"), (
            f"the {kind} must stay upright: taller than wide, its vertical stroke on the "
            f"{'left' if bar_left else 'right'}, its long horizontal stroke at the top (transposed or flipped?)"
        )
    images = hidden_eval_data("emnist")["images"][:60]
    same, transposed, flipped = [], [], []
    for g in images:
        scan = 255 - cv2.resize(g, (84, 84), interpolation=cv2.INTER_LINEAR)  # a scan: dark on light, 3x larger
        scan = cv2.copyMakeBorder(scan, 20, 8, 6, 30, cv2.BORDER_CONSTANT, value=255)
        out = np.asarray(to_emnist(scan))
        same.append(_corr(out, g))
        transposed.append(_corr(out.T, g))
        flipped.append(_corr(out[::-1], g))
    assert np.mean(same) >= 0.6, f"framed scans of EMNIST characters look little like the characters (correlation {np.mean(same):.2f})"
    assert np.mean(same) > np.mean(transposed) + 0.1 and np.mean(same) > np.mean(flipped) + 0.1, (
        "framed scans of EMNIST characters match the characters no better than their transposes or mirror images"
    )


@test_case(name="hidden_centring_and_size", points=1, hidden=True)
def hidden_centring_and_size(to_emnist):
    import cv2

    from cnnkit.handwriting import add_lighting_gradient

    for kind, offset in [("F", (0, 0)), ("7", (40, 30))]:
        crop = np.full((200, 200), 215, np.uint8)
        crop[:100, :80] = _shape(kind)
        crop = np.roll(crop, offset, axis=(0, 1))
        for variant in (crop, add_lighting_gradient(crop, 0.5, 45), cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR)):
            out = np.asarray(to_emnist(variant)).astype(float)
            ys, xs = np.nonzero(out > 64)
            assert len(ys), "to_emnist lost the ink of a large off-centre character"
            side = max(np.ptp(xs), np.ptp(ys)) + 1
            assert 18 <= side <= 26, f"the ink's longest side is {side} px; EMNIST characters fill 20 to 24 px of 28"
            box = ((xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2)
            m = cv2.moments(out.astype(np.float32))
            mass = (m["m10"] / m["m00"], m["m01"] / m["m00"])
            off = min(np.hypot(box[0] - 13.5, box[1] - 13.5), np.hypot(mass[0] - 13.5, mass[1] - 13.5))
            assert off <= 1.0, (
                f"neither the ink box (centre {box[0]:.1f}, {box[1]:.1f}) nor the centre of mass ({mass[0]:.1f}, "
                f"{mass[1]:.1f}) of an off-centre character ends at the middle (13.5, 13.5)"
            )
    bar = np.full((120, 60), 215, np.uint8)
    bar[10:110, 25:35] = 35  # a "1": tall and thin
    out = np.asarray(to_emnist(bar))
    ys, xs = np.nonzero(out > 64)
    assert np.ptp(xs) + 1 <= 8 and np.ptp(ys) + 1 >= 18, "a tall thin 1 must stay thin (pad to a square before scaling)"
    empty = np.asarray(to_emnist(np.full((40, 30), 200, np.uint8)))
    assert empty.shape == (28, 28) and empty.max() <= 10, "a crop without ink must give an empty (black) image"
