"""character_height: the typical character height of a line, from its blobs' stats."""
import numpy as np
from otter.test_files import test_case
OK_FORMAT = False  # otter: exception-based format
name = "character_height"
points = 1
hidden_checks = ("the 75th percentile (np.percentile's default) of the heights on other blob counts, the area rule "
                 "(at least 0.3 times the 75th percentile of the areas, the limit included), every row counted as a "
                 "blob, and a Python float")


@test_case(name="public_dots_left_out", points=0.5, hidden=False)
def public_dots_left_out(character_height):
    # rows x, y, w, h, area: four characters 30 to 36 px tall, then the dots of two of them
    stats = np.array([[10, 20, 14, 30, 300], [40, 18, 16, 34, 350], [70, 16, 12, 36, 280], [100, 20, 15, 32, 320],
                      [12, 10, 6, 6, 30], [72, 8, 6, 6, 28]])
    height = character_height(stats)
    assert height is not None, "character_height returned None; did you forget `return`?"
    assert isinstance(height, float), f"character_height must return a Python float, got {type(height).__name__}"
    expected = float(np.percentile([30, 34, 36, 32], 75))
    assert abs(height - expected) < 1e-9, (
        f"expected {expected} px: the 75th percentile of the characters' heights, the dots left out; got {height}")
