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


def _count(depth, width, input_size=784, output_size=47):
    sizes = [input_size, *[width] * depth, output_size]
    return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))


def _first_reaching(depth, budget, input_size=784, output_size=47, max_width=None):
    """The first width whose count reaches the budget, or the largest allowed (the count grows with the width)."""
    low, high = 1, max_width or max(2, budget)
    while low < high:
        mid = (low + high) // 2
        if _count(depth, mid, input_size, output_size) >= budget:
            high = mid
        else:
            low = mid + 1
    return low


def _answers(depth, budget, input_size=784, output_size=47, max_width=None):
    """{name: width} of the right answer ("closest") and of the known wrong rules."""
    above = _first_reaching(depth, budget, input_size, output_size, max_width)
    below = above - 1 if above > 1 and _count(depth, above, input_size, output_size) > budget else above
    distance = {w: abs(_count(depth, w, input_size, output_size) - budget) for w in {below, above}}
    closest = min(distance, key=lambda w: (distance[w], w))
    return {"closest": closest, "below": below, "above": above,
            "tie_larger": max(w for w in distance if distance[w] == distance[closest])}


def _widths(widths_for_budget, depth, budget, what, **kwargs):
    """The call's single width, after checking the list's length and that its widths are equal ints."""
    got = widths_for_budget(depth, budget, **kwargs)
    widths = list(got) if isinstance(got, (list, tuple, np.ndarray)) else [got]
    assert len(widths) == depth, f"{what}: widths_for_budget returned {len(widths)} widths; expected one per hidden layer"
    assert len({int(w) for w in widths}) == 1, f"{what}: widths_for_budget returned {widths}; expected equal widths"
    return int(widths[0])


def _check_closest(got, answers, what):
    if got != answers["closest"] and got == answers["below"]:
        raise AssertionError(f"{what}: the width returned is the largest whose count stays below the budget, but the "
                             "next one is closer; Part B asks for the closest")
    if got != answers["closest"] and got == answers["above"]:
        raise AssertionError(f"{what}: the width returned is the first whose count reaches the budget, but the one "
                             "before is closer; Part B asks for the closest")
    assert got == answers["closest"], (
        f"{what}: the width returned is not the one whose count is closest to the budget (off by "
        f"{got - answers['closest']:+d} units)"
    )


@test_case(name="hidden_closest_width", points=0.5, hidden=True)
def hidden_closest_width(widths_for_budget):
    rng = np.random.default_rng(88)
    cases = [(1, 50_000), (3, 300_000), (6, 2_000_000)]
    cases += [(int(rng.integers(1, 9)), int(rng.integers(50_000, 1_500_000))) for _ in range(8)]
    for depth, budget in cases:
        _check_closest(_widths(widths_for_budget, depth, budget, "another depth and budget"),
                       _answers(depth, budget), "another depth and budget")


@test_case(name="hidden_tie_goes_to_the_smaller_width", points=0.25, hidden=True)
def hidden_tie_goes_to_the_smaller_width(widths_for_budget):
    for depth, width in ((2, 300), (3, 97)):
        budget = (_count(depth, width) + _count(depth, width + 1)) // 2  # 784 + 1 + 47 is even: an exact tie
        got = _widths(widths_for_budget, depth, budget, "a budget exactly between two counts")
        assert got != width + 1, (
            "on a budget exactly halfway between the counts of two widths the larger width was returned; the docstring "
            "asks for the smaller w when two are equally close"
        )
        assert got == width, "on a budget halfway between two counts, the smaller of the two widths is the answer"


@test_case(name="hidden_input_output_and_depth_used", points=0.25, hidden=True)
def hidden_input_output_and_depth_used(widths_for_budget):
    for depth, budget, input_size, output_size in ((3, 50_000, 100, 10), (2, 100, 20, 3), (5, 400_000, 300, 90)):
        what = "a network with other inputs, outputs and depth"
        got = _widths(widths_for_budget, depth, budget, what, input_size=input_size, output_size=output_size)
        right = _answers(depth, budget, input_size, output_size)["closest"]
        if got != right and got == _answers(depth, budget)["closest"]:
            raise AssertionError(f"{what}: the width is the one for 784 inputs and 47 outputs; count with input_size "
                                 "and output_size")
        _check_closest(got, _answers(depth, budget, input_size, output_size), what)


@test_case(name="hidden_max_width_is_an_inclusive_cap", points=0.25, hidden=True)
def hidden_max_width_is_an_inclusive_cap(widths_for_budget):
    for depth, budget, max_width in ((3, 467_631, 128), (6, 2_000_000, 256), (2, 467_631, 500), (7, 5_000_000, 300)):
        what = "a budget with a width cap"
        got = _widths(widths_for_budget, depth, budget, what, max_width=max_width)
        right = _answers(depth, budget, max_width=max_width)["closest"]
        assert got <= max_width, f"{what}: the width returned is above max_width; max_width is the largest width allowed"
        if right == max_width and got == max_width - 1:
            raise AssertionError(f"{what}: the width returned is max_width - 1; max_width itself is allowed (the cap is "
                                 "inclusive) and is the answer when even it stays below the budget")
        _check_closest(got, _answers(depth, budget, max_width=max_width), what)


@test_case(name="hidden_list_of_ints_from_width_1", points=0.25, hidden=True)
def hidden_list_of_ints_from_width_1(widths_for_budget):
    for depth, budget in ((1, 10), (4, 0)):
        got = _widths(widths_for_budget, depth, budget, "a budget smaller than any network's count")
        assert got == 1, "for a budget smaller than the count of width 1 the answer is width 1 (widths are at least 1)"
    got = widths_for_budget(3, 300_000)
    assert isinstance(got, list), f"widths_for_budget returned a {type(got).__name__}; the docstring asks for a list"
    assert all(isinstance(w, numbers.Integral) and not isinstance(w, bool) for w in got), (
        f"widths_for_budget returned widths of types {sorted({type(w).__name__ for w in got})}; expected ints"
    )
