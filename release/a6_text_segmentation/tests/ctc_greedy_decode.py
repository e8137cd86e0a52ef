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


@test_case(name="public_hello", points=0.25, hidden=False)
def public_hello(ctc_greedy_decode):
    got = ctc_greedy_decode(np.eye(5)[[0, 1, 1, 0, 2, 0, 3, 3, 0, 3, 0, 4, 4]])  # one-hot scores per step
    assert got is not None, "ctc_greedy_decode returned None; did you forget `return`?"
    assert list(got) == [1, 2, 3, 3, 4], (
        f"'- H H - E - L L - L - O O' must read [1, 2, 3, 3, 4] (H E L L O), got {list(got)}")
    assert list(ctc_greedy_decode(np.eye(5)[[0, 0, 0]])) == [], "blanks only must read []"
