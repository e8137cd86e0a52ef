"""ink_framing: the ink box size and centring of EMNIST-style images."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "ink_framing"
points = 1
hidden_checks = ("the median ink size, the box's inclusive extent, the threshold argument (strictly above it), the mean "
                 "Euclidean offsets with an intensity-weighted centre of mass, 'box' on a tie, on small synthetic sets "
                 "and on hidden EMNIST images")


@test_case(name="public_known_framing", points=0.25, hidden=False)
def public_known_framing(ink_framing):
    images = np.zeros((6, 28, 28), np.uint8)
    for k, image in enumerate(images):
        image[4:24, 4 + k % 2:10 + k % 2] = 255   # an L: bar of 20 rows, foot of 20 columns; box centred
        image[18:24, 4:24] = 255
    result = ink_framing(images)
    assert isinstance(result, dict), f"ink_framing must return a dict, not {type(result).__name__}"
    assert abs(float(result["ink_size"]) - 20) <= 0.5, f"ink_size is {result['ink_size']}; the ink boxes are 20 px on their longest side"
    assert result["centring"] == "box", (
        f"centring is {result['centring']!r}: these L shapes have their boxes centred, their centres of mass not"
    )
    assert float(result["box_offset"]) < float(result["mass_offset"]), "box_offset must be smaller than mass_offset here"


# --- hidden -------------------------------------------------------------------------------------
def _expected(images, threshold=64):
    import cv2

    sizes, box, mass = [], [], []
    for image in images:
        ys, xs = np.nonzero(image > threshold)
        if len(ys) == 0:
            continue
        sizes.append(max(np.ptp(xs), np.ptp(ys)) + 1)
        box.append(np.hypot((xs.min() + xs.max()) / 2 - 13.5, (ys.min() + ys.max()) / 2 - 13.5))
        m = cv2.moments(image.astype(np.float32))
        mass.append(np.hypot(m["m10"] / m["m00"] - 13.5, m["m01"] / m["m00"] - 13.5))
    return float(np.median(sizes)), float(np.mean(box)), float(np.mean(mass))


@test_case(name="hidden_emnist_framing", points=0.25, hidden=True)
def hidden_emnist_framing(ink_framing):
    from cnnkit.checks import hidden_eval_data

    images = hidden_eval_data("emnist")["images"][:1000]
    size, box, mass = _expected(images)
    result = ink_framing(images)
    assert abs(float(result["ink_size"]) - size) <= 1.0, "on hidden EMNIST images ink_size is off by more than a pixel"
    assert abs(float(result["box_offset"]) - box) <= 0.3 and abs(float(result["mass_offset"]) - mass) <= 0.3, (
        "on hidden EMNIST images the offsets are off by more than 0.3 px"
    )
    assert result["centring"] == ("box" if box <= mass else "mass"), "centring is wrong for hidden EMNIST images"


def _size_images():
    """Ink boxes of 12 (18 counting the pixels at 64), 16 (10 above 128) and 24 px on their longest side."""
    images = np.zeros((3, 28, 28), np.uint8)
    images[0, 3:15, 10:16] = 255      # 12 x 6 ...
    images[0, 15:21, 10:16] = 64      # ... and 6 rows at the threshold: not ink
    images[1, 4:14, 8:14] = 200       # 10 x 6 ...
    images[1, 14:20, 8:14] = 100      # ... and 6 rows of faint ink: ink at threshold 64, not at 128
    images[2, 2:26, 6:12] = 255       # 24 x 6
    return images


@test_case(name="hidden_size_median_and_threshold", points=0.25, hidden=True)
def hidden_size_median_and_threshold(ink_framing):
    images = _size_images()
    result = ink_framing(images)
    assert isinstance(result["ink_size"], float), "ink_size must be a float"
    size, expected = float(result["ink_size"]), _expected(images)[0]
    if size != expected:
        if size == expected - 1:
            raise AssertionError("ink_size misses a pixel: a box's side is max - min + 1 pixels, not max - min")
        if abs(size - np.mean([12, 16, 24])) < 1e-6:
            raise AssertionError("ink_size is the mean of the sizes; the docstring asks for their median")
        if size == 18.0:
            raise AssertionError("pixels equal to the threshold are counted as ink: ink is strictly above it")
        raise AssertionError("ink_size is not the median of the longest sides of the ink boxes")
    assert float(ink_framing(images, threshold=128)["ink_size"]) == _expected(images, 128)[0], (
        "ink_framing ignores its threshold argument: the ink box holds the pixels above threshold")


@test_case(name="hidden_offsets", points=0.125, hidden=True)
def hidden_offsets(ink_framing):
    images = np.zeros((3, 28, 28), np.uint8)
    images[0, 10:24, 12:22] = 255; images[0, 10:24, 12:15] = 90    # box shifted (3, 4); mass pulled right by faint ink
    images[1, 6:22, 4:16] = 255                                    # box and mass shifted alike
    images[2, 8:20, 8:20] = 120; images[2, 8:11, 8:20] = 255       # mass pulled up by the bright rows
    _, box, mass = _expected(images)
    result = ink_framing(images)
    assert abs(float(result["box_offset"]) - box) < 1e-6, (
        "box_offset must be the mean Euclidean distance of the ink box's centre ((min + max) / 2 of the ink's "
        "rows and columns) from (13.5, 13.5)")
    assert abs(float(result["mass_offset"]) - mass) < 1e-6, (
        "mass_offset must be the mean Euclidean distance of the intensity-weighted centre of mass (cv2.moments of "
        "the image, not of the thresholded mask) from (13.5, 13.5)")


@test_case(name="hidden_centring_tie_is_box", points=0.125, hidden=True)
def hidden_centring_tie_is_box(ink_framing):
    images = np.zeros((2, 28, 28), np.uint8)
    images[:, 8:20, 10:18] = 255          # centred and even: both offsets 0
    result = ink_framing(images)
    assert result["centring"] == "box", "on a tie of the offsets centring must be 'box' (box_offset <= mass_offset)"
    images[:, 8:20, 10:13] = 120          # box centred, mass off centre
    assert ink_framing(images)["centring"] == "box", "centring must be 'box' when the boxes are centred better"
    images = np.zeros((2, 28, 28), np.uint8)
    images[:, 6:18, 10:22] = 255; images[:, 18:24, 10:22] = 80   # mass nearer the centre than the box
    assert ink_framing(images)["centring"] == "mass", "centring must be 'mass' when the centres of mass are nearer"
