"""ctc_greedy_decode: the labels a CTC output reads as (best symbol per step, repeats merged, blanks dropped)."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "ctc_greedy_decode"
points = 1
hidden_checks = ("repeats merged before the blanks are dropped (a blank between two runs keeps both), random scores "
                 "of other lengths and numbers of symbols, the first index on a tie, the blank argument (another "
                 "index, and index 0 then kept as a symbol), logits with negative values, nested lists, one step "
                 "and no steps, a list of Python ints")


def _columns(path, symbols):
    """(T, symbols) one-hot scores whose best symbol at step t is ``path[t]``."""
    return np.eye(symbols)[list(path)]


def _expected(best, blank):
    """Best path -> labels, written out step by step."""
    labels, previous = [], None
    for k in best:
        if k != previous and k != blank:
            labels.append(int(k))
        previous = k
    return labels


@test_case(name="public_hello", points=0.25, hidden=False)
def public_hello(ctc_greedy_decode):
    got = ctc_greedy_decode(np.eye(5)[[0, 1, 1, 0, 2, 0, 3, 3, 0, 3, 0, 4, 4]])  # one-hot scores per step
    assert got is not None, "ctc_greedy_decode returned None; did you forget `return`?"
    assert list(got) == [1, 2, 3, 3, 4], (
        f"'- H H - E - L L - L - O O' must read [1, 2, 3, 3, 4] (H E L L O), got {list(got)}")
    assert list(ctc_greedy_decode(np.eye(5)[[0, 0, 0]])) == [], "blanks only must read []"


# --- hidden -------------------------------------------------------------------------------------
@test_case(name="hidden_merge_before_dropping_blanks", points=0.25, hidden=True)
def hidden_merge_before_dropping_blanks(ctc_greedy_decode):
    cases = {(1, 0, 1): [1, 1], (1, 1, 0, 1): [1, 1], (2, 2, 2): [2], (0, 3, 3, 0, 0, 3, 0): [3, 3],
             (1, 2, 1, 2): [1, 2, 1, 2], (4, 0, 0, 4, 4, 0, 4): [4, 4, 4]}
    for path, expected in cases.items():
        got = [int(k) for k in ctc_greedy_decode(_columns(path, 5))]
        assert got == expected, (
            f"best path {list(path)} must read {expected}, got {got}: merge each run of equal symbols first, then drop "
            "the blanks (a blank between two runs of the same symbol keeps both)")


@test_case(name="hidden_random_scores", points=0.25, hidden=True)
def hidden_random_scores(ctc_greedy_decode):
    rng = np.random.default_rng(31)
    for _ in range(40):
        steps, symbols = int(rng.integers(1, 60)), int(rng.integers(2, 12))
        scores = rng.normal(0, 3, (steps, symbols)).round(0)  # rounded: ties occur
        best = scores.argmax(axis=1)
        got = [int(k) for k in ctc_greedy_decode(scores)]
        assert got == _expected(best, 0), (
            f"on random scores ({steps} steps, {symbols} symbols) read {got}, expected {_expected(best, 0)}: the best "
            "symbol of each step (the first index on a tie, as np.argmax), repeats merged, blanks dropped")


@test_case(name="hidden_blank_argument", points=0.125, hidden=True)
def hidden_blank_argument(ctc_greedy_decode):
    path = [0, 0, 2, 1, 1, 2, 0, 3, 2, 2]
    for blank, expected in [(2, [0, 1, 0, 3]), (3, [0, 2, 1, 2, 0, 2])]:
        got = [int(k) for k in ctc_greedy_decode(_columns(path, 4), blank=blank)]
        assert got == expected, (
            f"with blank={blank} the best path {path} must read {expected}, got {got}: drop the blank given, and keep "
            "index 0 as an ordinary symbol")


@test_case(name="hidden_types_and_shapes", points=0.125, hidden=True)
def hidden_types_and_shapes(ctc_greedy_decode):
    logits = (_columns([1, 1, 0, 2], 3) * 5 - 8).astype(np.float32)  # negative logits
    got = ctc_greedy_decode(logits)
    assert isinstance(got, list) and all(type(k) is int for k in got), (
        f"return a list of Python ints, got {type(got).__name__} of {[type(k).__name__ for k in got]}")
    assert got == [1, 2], f"negative logits must read like any scores: expected [1, 2], got {got}"
    assert ctc_greedy_decode(logits.tolist()) == [1, 2], "nested lists must read like the array"
    assert ctc_greedy_decode(_columns([2], 3)) == [2], "one step must read its best symbol"
    assert list(ctc_greedy_decode(np.zeros((0, 3)))) == [], "no steps must read []"
