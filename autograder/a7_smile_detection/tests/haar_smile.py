"""haar_smile: OpenCV's smile cascade on the lower half of a face crop, as a baseline."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "haar_smile"
points = 1
all_or_nothing = True


@test_case(name="public_flat_face_has_no_smile", points=0.5, hidden=False)
def public_flat_face_has_no_smile(haar_smile):
    result = haar_smile(np.full((64, 64), 128, np.uint8))
    assert isinstance(result, (bool, np.bool_)), f"haar_smile must return a bool, not {type(result).__name__}"
    assert not result, "a flat grey image has no smile"


# --- hidden -------------------------------------------------------------------------------------
@test_case(name="hidden_better_than_chance", points=0.5, hidden=True)
def hidden_better_than_chance(haar_smile):
    from cnnkit.checks import hidden_eval_data

    data = hidden_eval_data("smiles")
    idx = np.concatenate([np.flatnonzero(data["labels"] == 1)[:60], np.flatnonzero(data["labels"] == 0)[:90]])
    said = np.array([bool(haar_smile(face)) for face in data["images"][idx]])
    truth = data["labels"][idx] == 1
    tpr, fpr = said[truth].mean(), said[~truth].mean()
    assert tpr >= 0.5 and tpr > fpr + 0.1, (
        f"the smile cascade flags {tpr:.0%} of the hidden smiling faces and {fpr:.0%} of the others: run "
        "haarcascade_smile.xml on the enlarged lower half of the face"
    )
