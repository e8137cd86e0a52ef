"""light_on_dark: whether a page has light ink on a dark background, under any light."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "light_on_dark"
points = 1
hidden_checks = ("a bool, lines and their negatives under steep shadows from every side, thick strokes, a page of "
                 "several lines in negative, and pages without ink (dark or light) giving False")


@test_case(name="public_line_and_its_negative", points=0.25, hidden=False)
def public_line_and_its_negative(light_on_dark):
    page = np.full((60, 200), 225, np.uint8)
    page[20:40, 30:35] = 40     # a vertical stroke
    page[22:36, 100:130] = 50   # a blob of ink
    found = light_on_dark(page)
    assert found is not None, "light_on_dark returned None; did you forget `return`?"
    assert not found, "dark ink on light paper is not light-on-dark: light_on_dark must return False"
    assert light_on_dark(255 - page), "the negative (light ink on black) must give True"


# --- hidden -------------------------------------------------------------------------------------
def _lines():
    from cnnkit.checks import hidden_eval_data
    from cnnkit.handwriting import lines_from_arrays

    return lines_from_arrays(hidden_eval_data("emnist_lines"))


@test_case(name="hidden_a_bool", points=0.125, hidden=True)
def hidden_a_bool(light_on_dark):
    line = _lines()[0].image
    for image in (line, 255 - line):
        found = light_on_dark(image)
        assert isinstance(found, (bool, np.bool_)), (
            f"light_on_dark returned {type(found).__name__}; the docstring asks for a bool (True or False)")


@test_case(name="hidden_shadowed_lines_both_ways", points=0.125, hidden=True)
def hidden_shadowed_lines_both_ways(light_on_dark):
    from cnnkit.handwriting import add_lighting_gradient

    wrong = []
    for i, line in enumerate(_lines()[:12]):
        for strength in (0.0, 0.85):
            positive = add_lighting_gradient(line.image, strength, angle_deg=30 * i)
            negative = add_lighting_gradient(255 - line.image, strength, angle_deg=30 * i)
            wrong += [bool(light_on_dark(positive)), not light_on_dark(negative)]
    assert sum(wrong) == 0, (
        f"{sum(wrong)} of {len(wrong)} lines (dark ink, and their negatives, some in a steep shadow) get the wrong "
        "answer: a global brightness test fails where half of the paper is in shadow; compare each pixel with the "
        "background around it (a median filter wider than a stroke, see A1)")


@test_case(name="hidden_thick_strokes", points=0.125, hidden=True)
def hidden_thick_strokes(light_on_dark):
    from cnnkit.handwriting import add_lighting_gradient

    import cv2

    page = np.full((48, 120), 210, np.uint8)
    page[6:42, 10:24] = 45
    page[10:24, 40:100] = 50
    page[30:44, 60:74] = 40
    discs = np.full((64, 240), 215, np.uint8)    # round blots of ink, 18 to 26 px across
    for k, radius in enumerate((9, 13, 11, 12)):
        cv2.circle(discs, (30 + 60 * k, 32), radius, 45, thickness=-1)
    discs = cv2.GaussianBlur(discs, (0, 0), 2.0)   # soft edges, as a camera gives them
    for page in (page, discs):
        for strength in (0.0, 0.6):
            assert not light_on_dark(add_lighting_gradient(page, strength, angle_deg=200)), (
                "a page of thick dark strokes is not light-on-dark: the median filter must be wider than a stroke")
            assert light_on_dark(add_lighting_gradient(255 - page, strength, angle_deg=200)), (
                "the negative of a page of thick strokes must give True: the median filter must be wider than a stroke")


@test_case(name="hidden_negative_page", points=0.125, hidden=True)
def hidden_negative_page(light_on_dark):
    lines = _lines()[12:20]
    page = np.concatenate([line.image for line in lines], axis=0)   # 8 lines, 512 x 640
    scan = np.clip(255 - page.astype(np.int16) - 20, 0, 255).astype(np.uint8)   # light ink on near-black
    assert light_on_dark(scan), "a page of eight lines scanned in negative (light ink on black) must give True"
    assert not light_on_dark(page), "a page of eight lines of dark ink on light paper must give False"


@test_case(name="hidden_no_ink", points=0.125, hidden=True)
def hidden_no_ink(light_on_dark):
    from cnnkit.handwriting import add_lighting_gradient

    rng = np.random.default_rng(5)
    for level, strength in [(225, 0.0), (200, 0.6), (25, 0.0), (60, 0.5)]:
        page = np.clip(level + rng.normal(0, 2, (64, 400)), 0, 255).astype(np.uint8)
        page = add_lighting_gradient(page, strength, angle_deg=40)
        assert not light_on_dark(page), (
            "a page without ink (only noise, a dark or a light one) must give False: leave departures of up to 10 "
            "grey levels from the background out, they are noise")


@test_case(name="hidden_scale_of_the_filter", points=0.125, hidden=True)
def hidden_scale_of_the_filter(light_on_dark):
    # Large characters (strokes 9 px wide, letters 90 px tall) on a large page, both ways round.
    page = np.full((600, 900), 215, np.uint8)
    for k in range(6):
        x, y = 60 + 140 * k, 80 + (k % 2) * 250
        page[y:y + 90, x:x + 9] = 50
        page[y:y + 9, x:x + 60] = 50
        page[y + 81:y + 90, x:x + 60] = 50
    assert not light_on_dark(page), "large dark characters on a large page are not light-on-dark"
    assert light_on_dark(255 - page), "large light characters on a large dark page must give True"
