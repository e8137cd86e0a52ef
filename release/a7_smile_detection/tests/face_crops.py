"""crop_face and preprocess_faces: a face box as the classifier's input."""
import numpy as np
from otter.test_files import test_case
OK_FORMAT = False  # otter: exception-based format
name = "face_crops"
points = 2
hidden_checks = ("the crop's pixels exactly (no box one pixel too large, rows are y), other sizes, boxes past each "
                 "border clipped (not shifted, not padded), BGR to gray with OpenCV's weights, and preprocess_faces' "
                 "values x / 255 for other batch sizes")


@test_case(name="public_shapes", points=0.5, hidden=False)
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
