"""haar_smile: OpenCV's smile cascade on the lower half of a face crop, as a baseline."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "haar_smile"
points = 1
hidden_checks = ("smiles found better than chance on hidden faces at min_neighbors 20, 30 or 40 (the crop enlarged), min_neighbors passed to the "
                 "cascade (higher: fewer smiles), and only the lower half of the face searched")


@test_case(name="public_flat_face_has_no_smile", points=0.25, hidden=False)
def public_flat_face_has_no_smile(haar_smile):
    result = haar_smile(np.full((64, 64), 128, np.uint8))
    assert isinstance(result, bool), (
        f"haar_smile must return a Python bool, not {type(result).__name__} (e.g. len(found) > 0)"
    )
    assert not result, "a flat grey image has no smile"


# --- hidden -------------------------------------------------------------------------------------
def _faces():
    """60 smiling then 90 other hidden faces, and whether each smiles."""
    from cnnkit.checks import hidden_eval_data

    data = hidden_eval_data("smiles")
    idx = np.concatenate([np.flatnonzero(data["labels"] == 1)[:60], np.flatnonzero(data["labels"] == 0)[:90]])
    return data["images"][idx], data["labels"][idx] == 1


@test_case(name="hidden_better_than_chance", points=0.25, hidden=True)
def hidden_better_than_chance(haar_smile):
    faces, truth = _faces()
    rates = []
    for min_neighbors in (20, 30, 40):                        # the values the notebook chooses from
        said = np.array([bool(haar_smile(face, min_neighbors=min_neighbors)) for face in faces])
        tpr, fpr = said[truth].mean(), said[~truth].mean()
        if tpr >= 0.5 and tpr > fpr + 0.1:
            return
        rates.append(f"{tpr:.0%} / {fpr:.0%}")
    raise AssertionError(
        f"with min_neighbors 20, 30 and 40 the smile cascade flags {', '.join(rates)} of the hidden smiling / other "
        "faces: run haarcascade_smile.xml on the enlarged lower half of the face (its smallest window is 36x18 pixels)"
    )


@test_case(name="hidden_min_neighbors", points=0.25, hidden=True)
def hidden_min_neighbors(haar_smile):
    faces, truth = _faces()
    some = np.concatenate([faces[truth][:20], faces[~truth][:30]])
    lenient = np.mean([bool(haar_smile(face, min_neighbors=2)) for face in some])
    strict = np.mean([bool(haar_smile(face, min_neighbors=150)) for face in some])
    assert lenient >= strict + 0.25, (
        f"min_neighbors=2 flags {lenient:.0%} of some hidden faces and min_neighbors=150 {strict:.0%}: pass "
        "min_neighbors to detectMultiScale as its minNeighbors (a higher value must find fewer smiles)"
    )


@test_case(name="hidden_lower_half_only", points=0.25, hidden=True)
def hidden_lower_half_only(haar_smile):
    faces, truth = _faces()
    flat = np.full((32, 64), 128, np.uint8)
    mouths = [face[32:] for face in faces[truth][:30]]
    below = np.mean([bool(haar_smile(np.vstack([flat, mouth]))) for mouth in mouths])
    above = np.mean([bool(haar_smile(np.vstack([mouth, flat]))) for mouth in mouths])
    assert above <= 0.2, (
        f"with a smiling mouth pasted into the upper half and a flat lower half, {above:.0%} of the faces count as "
        "smiling: search the lower half of the face only (rows 32 to 63), where the mouth is"
    )
    assert below >= 0.6, (
        f"with a smiling mouth in the lower half and a flat upper half, only {below:.0%} of the faces count as "
        "smiling: search the (enlarged) lower half of the face"
    )
