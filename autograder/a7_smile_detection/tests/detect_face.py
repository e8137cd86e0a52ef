"""detect_face: the largest face in a camera frame (OpenCV's Haar cascade), or None."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "detect_face"
points = 2
all_or_nothing = True


@test_case(name="public_face_and_empty_frame", points=1, hidden=False)
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
@test_case(name="hidden_faces_in_frames", points=1, hidden=True)
def hidden_faces_in_frames(detect_face):
    import cv2

    from cnnkit import smiles

    faces, _ = smiles.generate_faces(8, seed=913)
    empty = np.array([False] * 8 + [True] * 3)
    frames, boxes = smiles.make_selfie_frames(np.concatenate([faces, faces[:3]]), seed=77, empty=empty, with_boxes=True)
    found = 0
    for i in range(8):
        frame = frames[i] if i % 2 else cv2.cvtColor(frames[i], cv2.COLOR_BGR2GRAY)
        box = detect_face(frame)
        if box is None:
            continue
        assert len(box) == 4 and all(isinstance(v, (int, np.integer)) for v in box), f"a box is (x, y, w, h) of ints, got {box!r}"
        x, y, w, h = (int(v) for v in box)
        tx, ty, tw, th = boxes[i]
        iw = max(0, min(x + w, tx + tw) - max(x, tx))
        ih = max(0, min(y + h, ty + th) - max(y, ty))
        found += iw * ih / (w * h + tw * th - iw * ih) >= 0.3
    assert found >= 7, f"the face was found (IoU >= 0.3) in {found} of 8 hidden frames (color and grayscale)"
    for frame in frames[8:]:
        assert detect_face(frame) is None, "a face was reported in an empty frame"
