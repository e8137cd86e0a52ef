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


# --- hidden -------------------------------------------------------------------------------------
def _stats(heights, areas):
    """Stats rows of blobs side by side with these heights and areas (widths differ from heights)."""
    return np.array([[20 * k, 5, 7 + k, h, a] for k, (h, a) in enumerate(zip(heights, areas))], np.int32)


@test_case(name="hidden_the_75th_percentile", points=0.125, hidden=True)
def hidden_the_75th_percentile(character_height):
    heights = [20, 30, 40, 50, 60, 70, 80]
    height = float(character_height(_stats(heights, [500] * 7)))
    wrong = {50.0: "the median or the mean of the heights", 80.0: "the largest height",
             60.0: "a percentile without interpolation", 70.0: "a percentile without interpolation",
             11.5: "the 75th percentile of the widths (column 2), not of the heights (column 3)"}
    assert abs(height - 65.0) < 1e-9, (
        f"blobs of equal ink: the result is {wrong.get(height, 'not the 75th percentile of the heights')}; "
        "take np.percentile(heights, 75) (see B1)")
    assert abs(float(character_height(_stats([44], [300]))) - 44.0) < 1e-9, "a single blob: its own height"


@test_case(name="hidden_which_blobs_count", points=0.125, hidden=True)
def hidden_which_blobs_count(character_height):
    # The area rule is 0.3 x the 75th percentile of the areas, kept when at least that (>=).
    height = float(character_height(_stats([10, 10, 10, 10, 50, 50, 50], [100, 100, 100, 100, 30, 30, 30])))
    assert abs(height - 50.0) < 1e-9, "blobs of exactly 0.3 x the 75th-percentile area count (>=, not >)"
    height = float(character_height(_stats([10, 10, 10, 40, 50], [40, 40, 40, 200, 200])))
    assert abs(height - 47.5) < 1e-9, (
        "the small blobs are not left out as stated: keep the blobs whose area is at least 0.3 x the 75th percentile "
        "of all the areas (not of the median, not of the largest area)")
    height = float(character_height(_stats([30, 30, 30, 60], [100, 100, 100, 400])))
    assert abs(height - 37.5) < 1e-9, "the area rule is relative to the 75th percentile of the areas, not the largest area"


@test_case(name="hidden_area_rule_not_height", points=0.0625, hidden=True)
def hidden_area_rule_not_height(character_height):
    height = float(character_height(_stats([20, 30, 40, 90, 90], [400, 400, 400, 60, 60])))
    assert abs(height - 35.0) < 1e-9, (
        "tall blobs with little ink must be left out by their area (under 0.3 x the 75th percentile of the areas), "
        "whatever their height")


@test_case(name="hidden_every_row_is_a_blob", points=0.0625, hidden=True)
def hidden_every_row_is_a_blob(character_height):
    height = float(character_height(_stats([90, 30, 30, 30], [500, 500, 500, 500])))
    assert abs(height - 45.0) < 1e-9, (
        "the first row is a blob like the others: stats comes without the paper's row 0, do not drop a row")


@test_case(name="hidden_python_float", points=0.125, hidden=True)
def hidden_python_float(character_height):
    height = character_height(_stats([20, 30, 40, 50], [500] * 4))
    assert type(height) is float, (
        f"character_height returns a {type(height).__module__}.{type(height).__name__}; the docstring asks for a "
        "Python float: return float(...)")
