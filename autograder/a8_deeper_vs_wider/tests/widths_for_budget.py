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


def _count(input_size, widths, output_size):
    sizes = [input_size, *widths, output_size]
    return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))


def _best_distance(depth, budget, input_size, output_size, max_width):
    """The smallest |count - budget| over the allowed widths (the count grows with the width)."""
    low, high = 1, max_width or max(2, budget)
    while low < high:  # first width whose count reaches the budget (or the largest allowed)
        mid = (low + high) // 2
        if _count(input_size, [mid] * depth, output_size) >= budget:
            high = mid
        else:
            low = mid + 1
    return min(abs(_count(input_size, [w] * depth, output_size) - budget) for w in {max(1, low - 1), low})


@test_case(name="hidden_closest_widths", points=1, hidden=True)
def hidden_closest_widths(widths_for_budget):
    rng = np.random.default_rng(88)
    cases = [(1, 50_000, 784, 47, None), (3, 50_000, 100, 10, None), (6, 2_000_000, 784, 47, 256),
             (2, 100, 20, 3, None), (1, 10, 784, 47, None), (3, 467_631, 784, 47, 128)]
    for _ in range(12):
        cases.append((int(rng.integers(1, 9)), int(rng.integers(1_000, 1_500_000)), int(rng.integers(5, 1000)),
                      int(rng.integers(2, 100)), None if rng.random() < 0.5 else int(rng.integers(1, 400))))
    for depth, budget, input_size, output_size, max_width in cases:
        call = (f"widths_for_budget({depth}, {budget}, input_size={input_size}, output_size={output_size}, "
                f"max_width={max_width})")
        got = widths_for_budget(depth, budget, input_size=input_size, output_size=output_size, max_width=max_width)
        widths = [int(w) for w in got]
        assert len(widths) == depth, f"{call} returned {len(widths)} widths; expected {depth}"
        assert len(set(widths)) == 1 and widths[0] >= 1, f"{call} returned {widths}; expected {depth} equal widths >= 1"
        assert max_width is None or widths[0] <= max_width, f"{call} returned width {widths[0]} > max_width"
        distance = abs(_count(input_size, widths, output_size) - budget)
        best = _best_distance(depth, budget, input_size, output_size, max_width)
        assert distance == best, (
            f"{call} returned {widths}, {distance} parameters away from the budget; another width gets "
            f"within {best} (the count must use input_size and output_size, and the closest width wins)"
        )
