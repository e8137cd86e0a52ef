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
