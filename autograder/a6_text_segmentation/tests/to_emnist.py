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


def _big(kind, offset=(0, 0)):
    """The character on a larger crop (200 x 200), moved by ``offset``."""
    crop = np.full((200, 200), 215, np.uint8)
    crop[:100, :80] = _shape(kind)
    return np.roll(crop, offset, axis=(0, 1))


def _frame(out):
    """(longest side of the ink box, box centre's and centre of mass's distances from (13.5, 13.5))."""
    import cv2

    out = np.asarray(out).astype(np.float32)
    ys, xs = np.nonzero(out > 64)
    assert len(ys), "to_emnist lost the ink of a character"
    m = cv2.moments(out)
    box = np.hypot((xs.min() + xs.max()) / 2 - 13.5, (ys.min() + ys.max()) / 2 - 13.5)
    return max(np.ptp(xs), np.ptp(ys)) + 1, box, np.hypot(m["m10"] / m["m00"] - 13.5, m["m01"] / m["m00"] - 13.5)


@test_case(name="hidden_orientation", points=0.75, hidden=True)
def hidden_orientation(to_emnist):
    import cv2

    from cnnkit.checks import hidden_eval_data

    for kind, bar in [("F", "left"), ("7", "right")]:
        out = np.asarray(to_emnist(_shape(kind)))
        if _layout(out) != (True, bar, "top"):
            if _layout(out.T) == (True, bar, "top"):
                raise AssertionError(
                    "the result is transposed (rows and columns swapped, the raw NIST layout): load_emnist's images "
                    "and your crops are upright, so do not transpose (see Part D, the transposition trap)")
            raise AssertionError("an asymmetric character must stay upright, not mirrored or flipped")
    images = hidden_eval_data("emnist")["images"][:60]
    same, transposed, flipped = [], [], []
    for g in images:
        scan = 255 - cv2.resize(g, (84, 84), interpolation=cv2.INTER_LINEAR)  # a scan: dark on light, 3x larger
        scan = cv2.copyMakeBorder(scan, 20, 8, 6, 30, cv2.BORDER_CONSTANT, value=255)
        out = np.asarray(to_emnist(scan))
        same.append(_corr(out, g))
        transposed.append(_corr(out.T, g))
        flipped.append(_corr(out[::-1], g))
    assert np.mean(same) >= 0.6, "framed scans of EMNIST characters look little like the characters"
    assert np.mean(same) > np.mean(transposed) + 0.1, (
        "framed scans of EMNIST characters match their transposes better: do not transpose (see Part D)")
    assert np.mean(same) > np.mean(flipped) + 0.1, "framed scans of EMNIST characters match their mirror images better"


@test_case(name="hidden_ink_size_argument", points=0.5, hidden=True)
def hidden_ink_size_argument(to_emnist):
    for size in (16, 24):
        for kind in ("F", "7"):
            side = _frame(to_emnist(_big(kind, (30, 40)), ink_size=size, centring="box"))[0]
            if abs(side - size) > 1:
                raise AssertionError(
                    "the ink's longest side ignores ink_size (MNIST's 20 px recipe?): scale the square so that it "
                    "is ink_size pixels" if side in (19, 20, 21) else
                    "the ink's longest side is not ink_size pixels: scale the padded square to ink_size, then place it")


@test_case(name="hidden_centring_argument", points=0.5, hidden=True)
def hidden_centring_argument(to_emnist):
    for kind in ("F", "7"):
        crop = _big(kind, (50, 70))
        _, box, mass = _frame(to_emnist(crop, ink_size=16, centring="box"))
        assert box <= 0.75, (
            "with centring='box' the ink box's centre must be at the frame's centre (13.5, 13.5)"
            + ("; this is the centre of mass: 'box' and 'mass' are swapped" if mass <= 0.5 else ""))
        _, box, mass = _frame(to_emnist(crop, ink_size=16, centring="mass"))
        assert mass <= 0.75, (
            "with centring='mass' the centre of mass must be at the frame's centre (13.5, 13.5): shift after scaling"
            + ("; this is the box's centre: 'box' and 'mass' are swapped" if box <= 0.5 else ""))


@test_case(name="hidden_off_centre_crops_and_aspect", points=0.25, hidden=True)
def hidden_off_centre_crops_and_aspect(to_emnist):
    import cv2

    from cnnkit.handwriting import add_lighting_gradient

    for kind, offset in [("F", (0, 0)), ("7", (40, 30))]:
        crop = _big(kind, offset)
        for variant in (crop, add_lighting_gradient(crop, 0.5, 45), cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR)):
            side, box, mass = _frame(to_emnist(variant))
            assert 18 <= side <= 26, (
                "the ink's longest side must fill 20 to 24 px of 28, also on a large crop: cut to the ink's box "
                "before scaling")
            assert min(box, mass) <= 1.0, (
                "an off-centre character must end at the middle of the frame (by its box or its centre of mass), "
                "also in a shadow or in colour: cut to the ink's box first")
    bar = np.full((120, 60), 215, np.uint8)
    bar[10:110, 25:35] = 35  # a "1": tall and thin
    ys, xs = np.nonzero(np.asarray(to_emnist(bar)) > 64)
    assert np.ptp(xs) + 1 <= 8 and np.ptp(ys) + 1 >= 18, "a tall thin 1 must stay thin (pad to a square before scaling)"
    dash = np.full((40, 100), 215, np.uint8)
    dash[15:25, 10:90] = 35  # a dash: wide and flat
    ys, xs = np.nonzero(np.asarray(to_emnist(dash)) > 64)
    assert np.ptp(ys) + 1 <= 8 and np.ptp(xs) + 1 >= 18, "a wide flat dash must stay flat (pad to a square before scaling)"


@test_case(name="hidden_levels", points=0.25, hidden=True)
def hidden_levels(to_emnist):
    for paper, ink in [(150, 60), (200, 150)]:        # grey paper; faint ink
        crop = np.full((100, 80), paper, np.uint8)
        crop[10:90, 10:22] = ink
        crop[10:22, 10:70] = ink
        out = to_emnist(crop)
        assert isinstance(out, np.ndarray) and out.dtype == np.uint8, "to_emnist must return a uint8 array"
        assert int(out.max()) == 255, "the brightest pixel must be 255, also for faint ink: rescale to a peak of 255"
        assert np.mean(out == 0) >= 0.5, (
            "the paper must be 0, also on grey paper: map the paper's level to 0 and the ink's to 1 (not 255 - gray)")


@test_case(name="hidden_no_ink", points=0.25, hidden=True)
def hidden_no_ink(to_emnist):
    for paper in (200, 90):
        for crop in (np.full((40, 30), paper, np.uint8), np.full((24, 60, 3), paper, np.uint8)):
            out = np.asarray(to_emnist(crop))
            assert out.shape == (28, 28) and not out.any(), "a crop without ink must give all zeros (28 x 28)"
