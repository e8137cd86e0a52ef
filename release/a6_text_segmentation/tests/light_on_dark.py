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
