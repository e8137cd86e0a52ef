"""word_breaks: which gaps of a line separate words, from the line's own gaps (two clusters)."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "word_breaks"
points = 1
hidden_checks = ("a bool array of N - 1 entries (also for one box and for none), gaps measured between cells as wide "
                 "as the median box, two clusters in widely spaced and in overlapping hands, the fixed rule on lines "
                 "of one kind of gap, the space argument, the median box height, and the words of hidden lines")


def _boxes(widths, cell_gaps, heights=None):
    """Boxes (x, y, w, h) left to right: each centred in a cell as wide as the median width (or its
    own, if wider), the cells ``cell_gaps`` px apart."""
    heights = heights or [40] * len(widths)
    typical = float(np.median(widths))
    boxes, left = [], 10
    for k, (w, h) in enumerate(zip(widths, heights)):
        cell = max(w, typical)
        boxes.append((int(left + (cell - w) // 2), 12, int(w), int(h)))
        left += int(cell) + (cell_gaps[k] if k < len(cell_gaps) else 0)
    return boxes


def _ends(result):
    return [i for i, end in enumerate(np.asarray(result).tolist()) if end]


@test_case(name="public_two_words", points=0.125, hidden=False)
def public_two_words(word_breaks):
    boxes = [(10, 12, 20, 40), (34, 12, 20, 40), (84, 12, 20, 40), (108, 12, 20, 40)]   # gaps 4, 30, 4 px
    ends = word_breaks(boxes)
    assert ends is not None, "word_breaks returned None; did you forget `return`?"
    ends = np.asarray(ends)
    assert ends.shape == (3,), f"4 boxes have 3 gaps: expected 3 values, got shape {ends.shape}"
    assert ends.tolist() == [False, True, False], (
        f"two words of two letters: a word ends between boxes 1 and 2 only, got {ends.tolist()}")


# --- hidden -------------------------------------------------------------------------------------
@test_case(name="hidden_bool_array_of_n_minus_1", points=0.125, hidden=True)
def hidden_bool_array_of_n_minus_1(word_breaks):
    boxes = _boxes([20] * 5, [4, 30, 4, 30])
    for given in (boxes, np.array(boxes, np.int64)):
        ends = word_breaks(given)
        assert isinstance(ends, np.ndarray) and ends.dtype == bool, (
            f"word_breaks must return a NumPy array of dtype bool, got {type(ends).__name__} "
            f"{getattr(ends, 'dtype', '')}")
        assert ends.shape == (4,) and _ends(ends) == [1, 3], "5 boxes in three words: expected [F, T, F, T]"
    for few in ([boxes[0]], []):
        ends = np.asarray(word_breaks(few))
        assert ends.shape == (0,), f"{len(few)} box(es) have no gap: expected an empty array, got shape {ends.shape}"


@test_case(name="hidden_gaps_between_cells", points=0.125, hidden=True)
def hidden_gaps_between_cells(word_breaks):
    # Wide characters (36 px) and narrow ones (4 px) whose cells are 4 px apart, one word gap of 30 px.
    boxes = _boxes([36, 36, 4, 36, 36, 4, 36, 36], [4, 4, 4, 30, 4, 4, 4])
    assert _ends(word_breaks(boxes)) == [3], (
        "a narrow glyph in a wide margin is taken for the end of a word: measure the gaps between cells as wide "
        "as the median box (a narrower box centred in it), see E1")


@test_case(name="hidden_two_clusters", points=0.125, hidden=True)
def hidden_two_clusters(word_breaks):
    wide_hand = _boxes([20] * 9, [20, 24, 22, 52, 21, 23, 52, 20])      # letters 0.5-0.6 heights apart
    assert _ends(word_breaks(wide_hand)) == [3, 6], (
        "in a widely spaced hand every gap is wider than space times the height, but only two are between words: "
        "split the gaps in two clusters (Otsu's method on the gaps, see E1)")
    close_hand = _boxes([20] * 7, [-4, -2, 17, -3, -1, 17])             # overlapping letters, narrow spaces
    assert _ends(word_breaks(close_hand)) == [2, 5], (
        "in a hand whose letters overlap, a word gap narrower than space times the height still ends a word when "
        "the two clusters are that far apart")


@test_case(name="hidden_one_kind_of_gap", points=0.125, hidden=True)
def hidden_one_kind_of_gap(word_breaks):
    one_word = _boxes([20] * 6, [3, 5, 4, 6, 5])
    assert _ends(word_breaks(one_word)) == [], (
        "a line of one word has one kind of gap: with the clusters closer than space times the height, no gap is "
        "wider than that, so no word ends")
    letters = _boxes([20] * 5, [30, 34, 31, 33])
    assert _ends(word_breaks(letters)) == [0, 1, 2, 3], (
        "a line of one-letter words has one kind of gap, all wider than space times the height: every gap ends a "
        "word (the fixed rule, when the two clusters are not space times the height apart)")


@test_case(name="hidden_space_argument", points=0.125, hidden=True)
def hidden_space_argument(word_breaks):
    boxes = _boxes([20] * 6, [4, 4, 16, 4, 16])                           # clusters 12 px = 0.3 heights apart
    for space, ends in [(0.25, [2, 4]), (0.35, [2, 4]), (0.45, []), (0.1, [2, 4])]:
        found = _ends(word_breaks(boxes, space=space))
        assert found == ends, (
            f"with space={space} the ends are {found}, expected {ends}: the space argument sets how far apart the "
            "two clusters must be, and the fixed rule's width")


@test_case(name="hidden_median_box_height", points=0.125, hidden=True)
def hidden_median_box_height(word_breaks):
    boxes = _boxes([60] * 5, [20, 21, 20, 22], heights=[40, 40, 40, 70, 70])
    assert _ends(word_breaks(boxes)) == [0, 1, 2, 3], (
        "every gap (20-22 px) is wider than 0.45 times the median box height (40 px): compare with the median "
        "height of the boxes, not their mean, their largest height or their width")


@test_case(name="hidden_words_of_hidden_lines", points=0.125, hidden=True)
def hidden_words_of_hidden_lines(word_breaks):
    from cnnkit.checks import hidden_eval_data
    from cnnkit.handwriting import lines_from_arrays

    data = hidden_eval_data("emnist_lines")
    lines = lines_from_arrays(data)[:8] + lines_from_arrays(data, "frame_")
    right = 0
    for line in lines:
        truth = np.cumsum([len(word) for word in line.text.split()])[:-1] - 1
        right += _ends(word_breaks(line.boxes)) == truth.tolist()
    assert right >= 15, (
        f"the words of only {right} of {len(lines)} hidden lines (8 of them with characters in their frames, narrow "
        "glyphs in wide margins) are found from their true boxes: see E1")
