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


# --- hidden -------------------------------------------------------------------------------------
def _smooth_frame(h=150, w=210):
    """A grayscale frame whose values change differently along x and y (a transposed crop differs)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    return np.clip(20 + 0.9 * xx + 0.35 * yy + 12 * np.sin(xx / 9.0) * np.cos(yy / 13.0), 0, 255).astype(np.uint8)


def _crop_error(crop_face, gray, box, size):
    """Mean absolute difference between the student's crop and the clipped box resized (any interpolation)."""
    import cv2

    x, y, w, h = box
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, gray.shape[1]), min(y + h, gray.shape[0])
    expected = cv2.resize(gray[y0:y1, x0:x1], (size, size), interpolation=cv2.INTER_LINEAR).astype(float)
    crop = np.asarray(crop_face(gray, box, size=size))
    assert crop.shape == (size, size) and crop.dtype == np.uint8, (
        f"with size={size} crop_face must return ({size}, {size}) uint8, got {crop.shape} {crop.dtype}"
    )
    return float(np.mean(np.abs(crop.astype(float) - expected)))


@test_case(name="hidden_exact_pixels", points=0.25, hidden=True)
def hidden_exact_pixels(crop_face):
    rng = np.random.default_rng(31)
    gray = rng.integers(0, 256, (90, 130), dtype=np.uint8)          # noise: any shift changes every pixel
    for x, y, side in [(17, 9, 64), (40, 21, 48)]:
        crop = np.asarray(crop_face(gray, (x, y, side, side), size=side)).astype(int)
        assert crop.shape == (side, side), f"crop_face(frame, box, size={side}) must return ({side}, {side}), got {crop.shape}"
        assert not np.array_equal(crop, gray[x:x + side, y:y + side]), (
            "the crop takes rows from x and columns from y: a frame is indexed frame[y:y + h, x:x + w] (row = y)"
        )
        assert np.max(np.abs(crop - gray[y:y + side, x:x + side])) <= 2, (
            "a box of the crop's own size must come back pixel for pixel: crop frame[y:y + h, x:x + w] exactly "
            "(not one pixel more or less, not shifted)"
        )


@test_case(name="hidden_sizes_and_borders", points=0.5, hidden=True)
def hidden_sizes_and_borders(crop_face):
    gray = _smooth_frame()
    boxes = [(30, 20, 70, 90), (-25, -18, 80, 80), (150, 100, 90, 75), (-10, 60, 50, 120), (180, -30, 60, 60)]
    for box in boxes:
        for size in (64, 40, 100):
            error = _crop_error(crop_face, gray, box, size)
            assert error < 6, (
                f"the crop at size={size} does not show the box's part inside the frame resized to {size}x{size}: "
                "clip the box to the frame (do not shift it inside or pad it), then resize"
            )


@test_case(name="hidden_bgr_to_gray", points=0.25, hidden=True)
def hidden_bgr_to_gray(crop_face):
    import cv2

    frame = np.zeros((100, 120, 3), np.uint8)
    frame[..., 0], frame[..., 1], frame[..., 2] = 200, 60, 20          # mostly blue in OpenCV's BGR order
    frame[:, 60:] = (10, 90, 230)                                      # mostly red on the right
    crop = np.asarray(crop_face(frame, (20, 10, 80, 80), size=48)).astype(float)
    expected = cv2.resize(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)[10:90, 20:100], (48, 48)).astype(float)
    as_rgb = cv2.resize(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)[10:90, 20:100], (48, 48)).astype(float)
    assert crop.shape == (48, 48), f"a colour frame must give a (48, 48) grayscale crop, got {crop.shape}"
    assert np.mean(np.abs(crop - as_rgb)) >= 3, (
        "the colour frame was read as RGB: OpenCV frames are BGR, convert with cv2.COLOR_BGR2GRAY (see Part B)"
    )
    assert np.mean(np.abs(crop - expected)) < 3, (
        "a BGR frame must become the gray image cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) (weighted, not one channel "
        "or the mean of the channels)"
    )


@test_case(name="hidden_preprocess_values", points=0.5, hidden=True)
def hidden_preprocess_values(preprocess_faces):
    rng = np.random.default_rng(32)
    for n, low, high in [(1, 30, 200), (5, 0, 256)]:                 # a dim face alone, then a batch
        images = rng.integers(low, high, (n, 64, 64), dtype=np.uint8)
        batch = np.asarray(preprocess_faces(images))
        assert batch.shape == (n, 64, 64, 1) and batch.dtype == np.float32, (
            f"{n} faces must give ({n}, 64, 64, 1) float32 (the channel axis last), got {batch.shape} {batch.dtype}"
        )
        assert np.allclose(batch[..., 0], images / 255.0, atol=1e-6), (
            "preprocess_faces must return pixel / 255 for every pixel (0 -> 0.0, 255 -> 1.0), the same scale for "
            "every face: no per-image min-max stretch or standardisation"
        )
