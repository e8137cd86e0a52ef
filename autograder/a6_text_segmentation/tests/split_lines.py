"""split_lines: the row ranges of the lines of a page, from its row profile."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "split_lines"
points = 1
hidden_checks = ("a list of (top, bottom) int pairs, pages of hidden lines stacked close together and far apart "
                 "under uneven light, dots and descender tips joined to their line, short lines kept, a stray speck "
                 "between lines, and an empty page")


@test_case(name="public_three_lines", points=0.25, hidden=False)
def public_three_lines(split_lines):
    mask = np.zeros((150, 300), np.uint8)
    for top in (10, 60, 110):                    # three lines of blocks, 30 rows tall, 20 rows apart
        for x in range(10, 290, 30):
            mask[top:top + 30, x:x + 20] = 1
    found = split_lines(mask)
    assert found is not None, "split_lines returned None; did you forget `return`?"
    found = [tuple(int(v) for v in pair) for pair in found]
    assert found == [(10, 40), (60, 90), (110, 140)], (
        f"expected the rows of the three lines, [(10, 40), (60, 90), (110, 140)] (bottom excluded), got {found}")


# --- hidden -------------------------------------------------------------------------------------
def _page_lines():
    from cnnkit.checks import hidden_eval_data
    from cnnkit.handwriting import lines_from_arrays

    return lines_from_arrays(hidden_eval_data("emnist_lines"), "page_")


def _ranges(found):
    """split_lines' result as a list of (int, int)."""
    return [tuple(int(v) for v in pair) for pair in found]


def _blocks_page(lines, gap=40, width=300):
    """A mask of lines of blocks (20 px wide, 10 px apart, a line's blocks all as tall): ``lines`` is a
    list of ``(number of blocks, height)``, one per line, ``gap`` rows between lines. Returns the mask
    and the rows ``(top, bottom)`` of each line."""
    mask = np.zeros((gap + sum(height + gap for _, height in lines), width), np.uint8)
    rows, top = [], gap
    for count, height in lines:
        for j in range(count):
            mask[top:top + height, 10 + 30 * j:30 + 30 * j] = 1
        rows.append((top, top + height))
        top += height + gap
    return mask, rows


@test_case(name="hidden_int_pairs_top_to_bottom", points=0.0625, hidden=True)
def hidden_int_pairs_top_to_bottom(split_lines):
    mask, rows = _blocks_page([(9, 30), (7, 24), (9, 30), (5, 36)])
    found = split_lines(mask)
    assert isinstance(found, list), f"split_lines must return a list, got {type(found).__name__}"
    assert all(len(pair) == 2 and all(isinstance(v, (int, np.integer)) for v in pair) for pair in found), (
        "each line must be a pair (top, bottom) of ints")
    assert _ranges(found) == rows, (
        f"expected {rows}: top is the first row with ink, bottom the row after the last, top to bottom")


@test_case(name="hidden_pages_of_hidden_lines", points=0.25, hidden=True)
def hidden_pages_of_hidden_lines(split_lines, binarize):
    from cnnkit.handwriting import add_lighting_gradient, stack_lines

    lines = _page_lines()
    for spacing, strength, angle in [(12, 0.0, 0), (0, 0.6, 100), (-12, 0.5, 250)]:
        page, tops = stack_lines(lines, spacing)
        page = add_lighting_gradient(page, strength, angle_deg=angle)
        found = _ranges(split_lines(binarize(page)))
        assert len(found) == len(lines), (
            f"a page of {len(lines)} hidden lines ({spacing} rows of paper between them) gives {len(found)} ranges")
        for k, (line, offset) in enumerate(zip(lines, tops)):
            middles = line.boxes[:, 1] + line.boxes[:, 3] // 2 + offset
            holding = [[j for j, (top, bottom) in enumerate(found) if top <= m < bottom] for m in middles]
            assert all(h == [k] for h in holding), (
                f"on a page of {len(lines)} hidden lines ({spacing} rows of paper between them) the middle rows of the "
                f"characters of line {k} lie in the ranges {holding} (expected {k} only): a range must hold its line")


@test_case(name="hidden_fragments_joined", points=0.125, hidden=True)
def hidden_fragments_joined(split_lines):
    mask, rows = _blocks_page([(9, 30)] * 3)
    (t0, b0), (t1, b1), (t2, b2) = rows
    for x in (15, 75, 135):
        mask[t0 - 10:t0 - 6, x:x + 4] = 1      # dots above line 0 (6 rows above it, nothing above them)
        mask[t1 - 8:t1 - 4, x + 30:x + 34] = 1  # dots above line 1: 4 rows above it, 32 below line 0
    mask[b0 + 2:b0 + 6, 40:70] = 1             # tips of descenders 2 rows below line 0 (26 above line 1's dots)
    mask[b2 + 5:b2 + 9, 40:70] = 1             # tips of descenders below line 2
    expected = [(t0 - 10, b0 + 6), (t1 - 8, b1), (t2, b2 + 9)]
    found = _ranges(split_lines(mask))
    assert found == expected, (
        f"expected {expected}, got {found}: a thin band with little ink (dots, tips of descenders) is a fragment "
        "of the nearer line, not a line of its own (see A3)")


@test_case(name="hidden_short_and_low_lines_kept", points=0.125, hidden=True)
def hidden_short_and_low_lines_kept(split_lines):
    mask, rows = _blocks_page([(9, 30), (1, 30), (9, 30), (2, 30)])
    found = _ranges(split_lines(mask))
    assert found == rows, (
        f"expected {rows}, got {found}: a line of one or two full-height characters holds little ink but is as tall "
        "as the others: it is a line (a fragment is low *and* holds little ink)")
    mask, rows = _blocks_page([(9, 30), (9, 12), (9, 30)])
    found = _ranges(split_lines(mask))
    assert found == rows, (
        f"expected {rows}, got {found}: a line of low characters (no ascenders) is low but holds much ink: it is a "
        "line (a fragment is low *and* holds little ink)")


@test_case(name="hidden_stray_speck", points=0.125, hidden=True)
def hidden_stray_speck(split_lines):
    mask, rows = _blocks_page([(9, 30), (9, 30)])
    (t0, b0), (t1, b1) = rows
    mask[b0:t1, 150] = 1                        # a thin vertical scratch joining the two lines
    found = _ranges(split_lines(mask))
    assert found == rows, (
        f"expected {rows}, got {found}: a row with a pixel of ink is not a row of a line; it must hold more than 5% "
        "of the profile's 90th percentile")


@test_case(name="hidden_empty_page", points=0.0625, hidden=True)
def hidden_empty_page(split_lines):
    found = split_lines(np.zeros((100, 200), np.uint8))
    assert list(found) == [], f"a page without ink has no lines: expected [], got {found!r}"
