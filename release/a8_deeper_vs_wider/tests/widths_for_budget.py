"""widths_for_budget: equal hidden-layer widths whose dense network comes closest to a parameter budget (the
smaller width on a tie), capped at max_width."""
import numbers
import numpy as np
from otter.test_files import test_case
OK_FORMAT = False  # otter: exception-based format
name = "widths_for_budget"
points = 2
hidden_checks = ("other depths and budgets, the closest width rather than the last below or the first above the "
                 "budget, the smaller width on a tie, input_size and output_size used, max_width as an inclusive "
                 "cap, width 1 for a tiny budget, and a list of ints")


@test_case(name="public_course_budget", points=0.5, hidden=False)
def public_course_budget(widths_for_budget):
    for args, kwargs, expected in [((2, 467_631), {}, [384, 384]),
                                   ((5, 467_631), {"max_width": 256}, [253] * 5),
                                   ((4, 467_631), {"max_width": 256}, [256] * 4)]:
        got = widths_for_budget(*args, **kwargs)
        call = f"widths_for_budget({', '.join(map(str, args))}{''.join(f', {k}={v}' for k, v in kwargs.items())})"
        assert got is not None, f"{call} returned None; did you forget `return`?"
        assert [int(w) for w in got] == expected, f"{call} returned {list(got)}; expected {expected}"
