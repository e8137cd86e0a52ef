"""ink_framing: the ink box size and centring of EMNIST-style images."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "ink_framing"
points = 1
all_or_nothing = True


@test_case(name="public_known_framing", points=0.5, hidden=False)
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
def _expected(images):
    import cv2

    sizes, box, mass = [], [], []
    for image in images:
        ys, xs = np.nonzero(image > 64)
        if len(ys) == 0:
            continue
        sizes.append(max(np.ptp(xs), np.ptp(ys)) + 1)
        box.append(np.hypot((xs.min() + xs.max()) / 2 - 13.5, (ys.min() + ys.max()) / 2 - 13.5))
        m = cv2.moments(image.astype(np.float32))
        mass.append(np.hypot(m["m10"] / m["m00"] - 13.5, m["m01"] / m["m00"] - 13.5))
    return float(np.median(sizes)), float(np.mean(box)), float(np.mean(mass))


@test_case(name="hidden_emnist_framing", points=0.5, hidden=True)
def hidden_emnist_framing(ink_framing):
    from cnnkit.checks import hidden_eval_data

    images = hidden_eval_data("emnist")["images"][:1000]
    size, box, mass = _expected(images)
    result = ink_framing(images)
    assert abs(float(result["ink_size"]) - size) <= 1.0, f"on hidden EMNIST images ink_size is {result['ink_size']}, expected about {size}"
    assert abs(float(result["box_offset"]) - box) <= 0.3 and abs(float(result["mass_offset"]) - mass) <= 0.3, (
        f"on hidden EMNIST images the offsets are {result['box_offset']:.2f} (box) and {result['mass_offset']:.2f} "
        f"(mass); expected about {box:.2f} and {mass:.2f}"
    )
    assert result["centring"] == ("box" if box <= mass else "mass"), f"centring {result['centring']!r} is wrong for hidden EMNIST images"
