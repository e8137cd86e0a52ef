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
