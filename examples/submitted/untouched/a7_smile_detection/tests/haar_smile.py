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
