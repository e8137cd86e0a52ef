"""widths_for_budget: equal hidden-layer widths whose dense network comes closest to a parameter budget."""
import numpy as np
from otter.test_files import test_case
OK_FORMAT = False  # otter: exception-based format
name = "widths_for_budget"
points = 2
all_or_nothing = True


@test_case(name="public_course_budget", points=1, hidden=False)
def public_course_budget(widths_for_budget):
    for args, kwargs, expected in [((2, 467_631), {}, [384, 384]),
                                   ((5, 467_631), {"max_width": 256}, [253] * 5),
                                   ((4, 467_631), {"max_width": 256}, [256] * 4)]:
        got = widths_for_budget(*args, **kwargs)
        call = f"widths_for_budget({', '.join(map(str, args))}{''.join(f', {k}={v}' for k, v in kwargs.items())})"
        assert got is not None, f"{call} returned None; did you forget `return`?"
        assert [int(w) for w in got] == expected, f"{call} returned {list(got)}; expected {expected}"
