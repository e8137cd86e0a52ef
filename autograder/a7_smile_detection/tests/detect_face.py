"""detect_face: the largest face in a camera frame (OpenCV's Haar cascade), or None."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "detect_face"
points = 2
hidden_checks = ("colour and grayscale frames of other sizes (the box in the frame's own pixels, (x, y, w, h) and not "
                 "corners, IoU at least 0.5), empty frames of other sizes, the largest of two faces wherever it is, "
                 "and a tuple of Python ints")


@test_case(name="public_face_and_empty_frame", points=0.5, hidden=False)
def public_face_and_empty_frame(detect_face):
    from cnnkit import smiles

    faces, _ = smiles.generate_faces(2, seed=3)
    frames, boxes = smiles.make_selfie_frames(faces, seed=4, empty=np.array([False, True]), with_boxes=True)
    box = detect_face(frames[0])
    assert box is not None, "detect_face found no face in a frame with a clear face"
    x, y, w, h = (int(v) for v in box)
    tx, ty, tw, th = boxes[0]
    iw = max(0, min(x + w, tx + tw) - max(x, tx))
    ih = max(0, min(y + h, ty + th) - max(y, ty))
    iou = iw * ih / (w * h + tw * th - iw * ih)
    assert iou >= 0.3, f"detect_face returned {box}, the face is at {tuple(boxes[0])} (IoU {iou:.2f})"
    assert detect_face(frames[1]) is None, "detect_face must return None for a frame without a face"


# --- hidden -------------------------------------------------------------------------------------
def _iou(a, b):
    """Intersection over union of two (x, y, w, h) boxes."""
    iw = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    ih = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    return iw * ih / (a[2] * a[3] + b[2] * b[3] - iw * ih)


def _two_faces():
    """Frames with a large face (the person holding the phone) and a small one, each side by turns.

    Returns:
        a list of (BGR frame, (x, y, w, h) of the large face).
    """
    from cnnkit import smiles

    faces, _ = smiles.generate_faces(8, seed=913)
    big, big_boxes = smiles.make_selfie_frames(faces[:4], size=(300, 300), face_px=150, seed=5, with_boxes=True)
    small = smiles.make_selfie_frames(faces[4:], size=(150, 150), face_px=80, seed=6)
    scenes = []
    for i in range(4):
        for big_left in (True, False):
            canvas = np.zeros((300, 460, 3), np.uint8)
            left = 0 if big_left else 160
            canvas[:, left:left + 300] = big[i]
            small_left = 310 if big_left else 0
            canvas[75:225, small_left:small_left + 150] = small[i]
            x, y, w, h = big_boxes[i]
            scenes.append((canvas, (int(x) + left, int(y), int(w), int(h))))
    return scenes


@test_case(name="hidden_faces_in_frames", points=0.5, hidden=True)
def hidden_faces_in_frames(detect_face):
    import cv2

    from cnnkit import smiles

    faces, _ = smiles.generate_faces(8, seed=913)
    found = 0
    for some, size, face_px, seed in [(faces[:4], (240, 320), 120, 77), (faces[4:], (360, 480), 180, 78)]:
        frames, boxes = smiles.make_selfie_frames(some, size=size, face_px=face_px, seed=seed, with_boxes=True)
        for i, (frame, true_box) in enumerate(zip(frames, boxes)):
            box = detect_face(frame if i % 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))
            if box is None:
                continue
            x, y, w, h = (int(v) for v in box)
            iou = _iou((x, y, w, h), true_box)
            as_corners = _iou((x, y, w - x, h - y), true_box) if w > x and h > y else 0.0
            assert iou >= 0.5 or as_corners < 0.5, (
                "the box is the corners (x0, y0, x1, y1); return (x, y, w, h): the width and height of the face, "
                "not its far corner (see Part A)"
            )
            found += iou >= 0.5
    assert found >= 7, (
        f"the face was found with a box on it (IoU >= 0.5) in {found} of 8 hidden frames (colour and grayscale, "
        "240x320 and 360x480): the box is (x, y, w, h) in the pixels of the frame you were given"
    )


@test_case(name="hidden_empty_frames", points=0.25, hidden=True)
def hidden_empty_frames(detect_face):
    import cv2

    from cnnkit import smiles

    faces, _ = smiles.generate_faces(4, seed=914)
    for size, seed in [((200, 260), 81), ((360, 480), 83)]:
        frames = smiles.make_selfie_frames(faces, size=size, face_px=120, seed=seed, empty=np.ones(4, bool))
        for i, frame in enumerate(frames):
            box = detect_face(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if i % 2 else frame)
            assert box is None, f"a face was reported in an empty frame ({size[0]}x{size[1]}): return None when no face is found"


@test_case(name="hidden_largest_of_two", points=0.5, hidden=True)
def hidden_largest_of_two(detect_face):
    chosen = []
    for frame, big_box in _two_faces():
        box = detect_face(frame)
        assert box is not None, "detect_face found no face in a frame with two faces"
        chosen.append(_iou(tuple(int(v) for v in box), big_box) >= 0.5)
    assert all(chosen), (
        f"in {chosen.count(False)} of {len(chosen)} frames with a large and a small face, detect_face did not return the "
        "large one: the cascade lists faces in no particular order; return the one with the largest area w * h"
    )


@test_case(name="hidden_python_ints", points=0.25, hidden=True)
def hidden_python_ints(detect_face):
    frame, _ = _two_faces()[0]
    box = detect_face(frame)
    assert isinstance(box, (tuple, list)) and len(box) == 4, (
        f"the box must be a tuple (x, y, w, h), not {type(box).__name__}: convert the cascade's NumPy row"
    )
    assert all(type(v) is int for v in box), (
        f"x, y, w, h must be Python ints, got {[type(v).__name__ for v in box]}: the cascade returns NumPy int32, "
        "convert each with int()"
    )
