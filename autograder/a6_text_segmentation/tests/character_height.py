"""character_height: the typical character height of a line, from its blobs' stats."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "character_height"
points = 1
all_or_nothing = True


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


# --- hidden -------------------------------------------------------------------------------------
def _stats(heights, areas):
    """Stats rows of blobs side by side with these heights and areas (widths differ from heights)."""
    return np.array([[20 * k, 5, 7 + k, h, a] for k, (h, a) in enumerate(zip(heights, areas))], np.int32)


@test_case(name="hidden_the_75th_percentile", points=0.25, hidden=True)
def hidden_the_75th_percentile(character_height):
    heights = [20, 30, 40, 50, 60, 70, 80]
    height = character_height(_stats(heights, [500] * 7))
    assert isinstance(height, float), f"character_height must return a Python float, got {type(height).__name__}"
    assert abs(height - 65.0) < 1e-9, (
        f"blobs of equal ink, {len(heights)} heights: expected their 75th percentile, got {height} "
        "(not the median, the mean, the maximum, nor a width)")
    assert abs(character_height(_stats([44], [300])) - 44.0) < 1e-9, "a single blob: its own height"


@test_case(name="hidden_which_blobs_count", points=0.25, hidden=True)
def hidden_which_blobs_count(character_height):
    # The area rule is 0.3 x the 75th percentile of the areas, kept when at least that (>=).
    height = character_height(_stats([10, 10, 10, 10, 50, 50, 50], [100, 100, 100, 100, 30, 30, 30]))
    assert abs(height - 50.0) < 1e-9, f"blobs of exactly 0.3 x the 75th-percentile area count (>=); got {height}"
    height = character_height(_stats([10, 10, 10, 40, 50], [40, 40, 40, 200, 200]))
    assert abs(height - 47.5) < 1e-9, (
        f"the area rule is relative to the 75th percentile of the areas (not their median); got {height}")
    height = character_height(_stats([30, 30, 30, 60], [100, 100, 100, 400]))
    assert abs(height - 37.5) < 1e-9, f"the area rule is relative to the 75th percentile (not the largest area); got {height}"
