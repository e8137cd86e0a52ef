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
