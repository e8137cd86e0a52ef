"""crop_face and preprocess_faces: a face box as the classifier's input."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "face_crops"
points = 2
all_or_nothing = True


@test_case(name="public_shapes", points=1, hidden=False)
def public_shapes(crop_face, preprocess_faces):
    frame = np.zeros((240, 320, 3), np.uint8)
    frame[50:130, 100:180] = 200
    crop = crop_face(frame, (100, 50, 80, 80))
    assert crop is not None, "crop_face returned None; did you forget `return`?"
    crop = np.asarray(crop)
    assert crop.shape == (64, 64) and crop.dtype == np.uint8, f"crop_face must return (64, 64) uint8, got {crop.shape} {crop.dtype}"
    assert crop.min() >= 190, "the crop of a box that holds a bright square must be bright all over"
    assert np.asarray(crop_face(frame, (100, 50, 80, 80), size=32)).shape == (32, 32), "size=32 must give a 32x32 crop"
    batch = np.asarray(preprocess_faces(np.stack([crop, np.zeros((64, 64), np.uint8)])))
    assert batch.shape == (2, 64, 64, 1) and batch.dtype == np.float32, (
        f"preprocess_faces must return (N, 64, 64, 1) float32, got {batch.shape} {batch.dtype}"
    )
    assert batch.min() >= 0 and batch.max() <= 1, "preprocess_faces must scale pixels into [0, 1]"


# --- hidden -------------------------------------------------------------------------------------
@test_case(name="hidden_borders_and_values", points=1, hidden=True)
def hidden_borders_and_values(crop_face, preprocess_faces):
    gray = np.full((120, 160), 30, np.uint8)
    gray[:60, :70] = 220                      # a bright region in the top-left corner
    crop = np.asarray(crop_face(gray, (-20, -15, 80, 70)))  # a box reaching past the top-left corner
    assert crop.shape == (64, 64) and crop.dtype == np.uint8, f"a box past the border must still give (64, 64) uint8, got {crop.shape}"
    assert crop.mean() > 150, "crop the part of the box inside the frame (clip the box), not the frame's other side"
    crop = np.asarray(crop_face(gray, (120, 90, 60, 60)))   # past the bottom-right corner
    assert crop.shape == (64, 64) and crop.max() <= 40, "a box past the bottom-right corner: clip it to the frame"
    ramp = np.tile(np.arange(64, dtype=np.uint8) * 4, (64, 1))
    batch = np.asarray(preprocess_faces(np.stack([ramp, np.full((64, 64), 255, np.uint8)])))
    assert np.allclose(batch[1], 1.0) and np.isclose(batch[0, 0, 0, 0], 0.0), "255 must become 1.0 and 0 must stay 0.0"
    assert np.all(np.diff(batch[0, 0, :, 0]) > 0), "brighter pixels must give larger values"
