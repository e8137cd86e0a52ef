"""a7_smile_detection, clause by clause: for every clause of a graded function's docstring and task
text, a plausible wrong solution (a mutant) that the full test files reject *for the reason the
clause names*, and correct alternatives that the text allows, which must keep full marks.

The reference environment is what the notebook builds (the setup cell and the solution cells,
executed in one namespace in the release folder, with the committed ``smile_cnn.keras`` as
``smile_model``); each mutant or alternate is code executed on top of it that redefines one thing
the way a student might write it. ``MUTANTS`` and ``ALTERNATES`` are the lists to read: the count
per question is what the closing note of issue 16 reports.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from cnnkit.checks import CheckResult, load_test_file, run_test_file  # noqa: E402
from cnnkit_course.grading import judge  # noqa: E402
from tests.conftest import COURSE, course_env, solution_code  # noqa: E402
from tests.mutation import (  # noqa: E402
    assert_passes, assert_rejects, execute_cells, full_test_file, mutate, questions,
)

ASSIGNMENT = "a7_smile_detection"
SMILE_MODEL = COURSE.trained(ASSIGNMENT) / "smile_cnn.keras"
TWO_CAMERA_MODEL = COURSE.trained(ASSIGNMENT) / "smile_cnn_two_cameras.keras"
#: Questions whose every run takes seconds (the CNN on the hidden faces, the smile cascade on hundreds of
#: them): the slow tier.
SLOW_QUESTIONS = frozenset({"smile_cnn", "haar_smile", "two_cameras"})


@dataclass(frozen=True)
class Mutant:
    """A wrong solution: ``code`` breaks ``clause`` of ``question``; a failing case's message
    contains ``because``. ``judged``: a type clause, checked through the judge's exchange too
    (where results come back as plain data)."""

    question: str
    clause: str
    code: str
    because: str
    judged: bool = False


@dataclass(frozen=True)
class Alternate:
    """A correct solution the text allows (``what``): every case of ``question`` passes."""

    question: str
    what: str
    code: str


@contextlib.contextmanager
def _synthetic_course():
    """The committed configuration (embedded synthetic data), not grading, in the release folder."""
    with course_env(), contextlib.chdir(COURSE.release_dir(ASSIGNMENT)):
        os.environ.pop("CNNKIT_GRADING", None)
        yield


@lru_cache(maxsize=1)
def _reference_env() -> dict:
    import keras

    with _synthetic_course(), contextlib.redirect_stdout(None):
        env = execute_cells(solution_code(ASSIGNMENT, with_cells={"setup"}))
        env["smile_model"] = keras.models.load_model(SMILE_MODEL, compile=False)
        env["two_camera_model"] = keras.models.load_model(TWO_CAMERA_MODEL, compile=False)
    return env


def _env_with(code: str, label: str) -> dict:
    with _synthetic_course(), contextlib.redirect_stdout(None):
        return mutate(_reference_env(), code, label)


def _judged(question: str, env: dict) -> CheckResult:
    """Every case of ``question`` as ``cnnkit grade`` runs it: the test in the judge, ``env`` behind the
    exchange (its functions RemoteObjects, its results copied back), here in one process."""
    namespace = dict(env)
    with tempfile.TemporaryDirectory() as folder, _synthetic_course():
        kernel = judge.RemoteKernel(lambda code: exec(code, namespace), Path(folder))
        kernel.install()
        test_file = load_test_file(full_test_file(ASSIGNMENT, question), public_only=False)
        return run_test_file(test_file, judge.RemoteGlobals(kernel))


# --- the mutants ---------------------------------------------------------------------------------
_DETECT = '''
def detect_face(frame):
    gray = np.asarray(frame, dtype=np.uint8)
    if gray.ndim == 3:
        gray = cv2.cvtColor(gray, cv2.COLOR_BGR2GRAY)
    found = FACE_CASCADE.detectMultiScale(cv2.equalizeHist(gray), scaleFactor=1.1, minNeighbors=5, minSize=(48, 48))
    if len(found) == 0:
        return None
    {choose}
'''

_TRIGGER_UPDATE = '''
class SmileTrigger(SmileTrigger):
    def update(self, score):
        self.frame += 1
        self.last_score = score
        if self.fired and {in_cooldown}:
            self.count = 0
            return False
        self.count = self.count + 1 if score is not None and {smiling} else 0
        if self.count >= self.k:
            self.count = 0
            self.fired.append(self.frame)
            return True
        return False
'''

MUTANTS: tuple[Mutant, ...] = (
    # detect_face: which face, the box's form and unit, None, the types
    Mutant("detect_face", "the largest face", _DETECT.format(choose="return tuple(int(v) for v in found[0])"),
           "did not return the large one"),
    Mutant("detect_face", "the largest face", _DETECT.format(
        choose="return tuple(int(v) for v in min(found, key=lambda b: b[2] * b[3]))"), "did not return the large one"),
    Mutant("detect_face", "(x, y, w, h), not corners", _DETECT.format(
        choose="x, y, w, h = max(found, key=lambda b: b[2] * b[3])\n    return int(x), int(y), int(x + w), int(y + h)"),
        "the box is the corners"),
    Mutant("detect_face", "the box in the frame's pixels", '''
def detect_face(frame):
    gray = np.asarray(frame, dtype=np.uint8)
    if gray.ndim == 3:
        gray = cv2.cvtColor(gray, cv2.COLOR_BGR2GRAY)
    small = cv2.resize(gray, (320, 240))          # detect on a preview-sized frame, for speed
    found = FACE_CASCADE.detectMultiScale(cv2.equalizeHist(small), scaleFactor=1.1, minNeighbors=5, minSize=(48, 48))
    if len(found) == 0:
        return None
    return tuple(int(v) for v in max(found, key=lambda b: b[2] * b[3]))
''', "in the pixels of the frame you were given"),
    Mutant("detect_face", "(x, y, w, h) order", _DETECT.format(
        choose="x, y, w, h = max(found, key=lambda b: b[2] * b[3])\n    return int(y), int(x), int(h), int(w)"),
        "the face was found with a box on it"),
    Mutant("detect_face", "None when no face", '''
_reference_detect = detect_face
def detect_face(frame):
    box = _reference_detect(frame)
    return box if box is not None else (0, 0, 0, 0)
''', "return None when no face is found"),
    Mutant("detect_face", "a tuple of Python ints", _DETECT.format(
        choose="return tuple(max(found, key=lambda b: b[2] * b[3]))"), "must be Python ints", judged=True),
    Mutant("detect_face", "a tuple of Python ints", _DETECT.format(
        choose="return max(found, key=lambda b: b[2] * b[3])"), "must be a tuple", judged=True),
    # crop_face: the pixels, clipping, grayscale conversion, size; preprocess_faces: the values
    Mutant("face_crops", "crop exactly the box", '''
_reference_crop = crop_face
def crop_face(frame, box, size=64):
    x, y, w, h = box
    return _reference_crop(frame, (x, y, w + 1, h + 1), size)   # "inclusive" far corner
''', "pixel for pixel"),
    Mutant("face_crops", "rows are y", '''
def crop_face(frame, box, size=64):
    gray = np.asarray(frame, dtype=np.uint8)
    if gray.ndim == 3:
        gray = cv2.cvtColor(gray, cv2.COLOR_BGR2GRAY)
    x, y, w, h = (int(v) for v in box)
    return cv2.resize(gray[max(x, 0):x + w, max(y, 0):y + h], (size, size))
''', "rows from x"),
    Mutant("face_crops", "clip the box", '''
def crop_face(frame, box, size=64):
    gray = np.asarray(frame, dtype=np.uint8)
    if gray.ndim == 3:
        gray = cv2.cvtColor(gray, cv2.COLOR_BGR2GRAY)
    x, y, w, h = (int(v) for v in box)
    x = min(max(x, 0), gray.shape[1] - w)         # move the box inside the frame
    y = min(max(y, 0), gray.shape[0] - h)
    return cv2.resize(gray[max(y, 0):y + h, max(x, 0):x + w], (size, size))
''', "do not shift it inside"),
    Mutant("face_crops", "clip the box", '''
def crop_face(frame, box, size=64):
    gray = np.asarray(frame, dtype=np.uint8)
    if gray.ndim == 3:
        gray = cv2.cvtColor(gray, cv2.COLOR_BGR2GRAY)
    x, y, w, h = (int(v) for v in box)
    padded = cv2.copyMakeBorder(gray, h, h, w, w, cv2.BORDER_CONSTANT, value=0)   # black outside the frame
    return cv2.resize(padded[y + h:y + 2 * h, x + w:x + 2 * w], (size, size))
''', "do not shift it inside or pad it"),
    Mutant("face_crops", "BGR to gray", '''
_reference_crop = crop_face
def crop_face(frame, box, size=64):
    frame = np.asarray(frame, dtype=np.uint8)
    return _reference_crop(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY) if frame.ndim == 3 else frame, box, size)
''', "read as RGB"),
    Mutant("face_crops", "BGR to gray", '''
_reference_crop = crop_face
def crop_face(frame, box, size=64):
    frame = np.asarray(frame, dtype=np.uint8)
    return _reference_crop(frame.mean(axis=2).astype(np.uint8) if frame.ndim == 3 else frame, box, size)
''', "weighted, not one channel"),
    Mutant("face_crops", "the size parameter", '''
_reference_crop = crop_face
def crop_face(frame, box, size=64):
    return _reference_crop(frame, box, 64)
''', "size=32 must give a 32x32 crop"),
    Mutant("face_crops", "pixel / 255", '''
def preprocess_faces(images):
    return (np.asarray(images, dtype=np.float32) / 256.0)[..., None]
''', "pixel / 255"),
    Mutant("face_crops", "pixel / 255", '''
def preprocess_faces(images):
    x = np.asarray(images, dtype=np.float32)
    low, high = x.min(axis=(1, 2), keepdims=True), x.max(axis=(1, 2), keepdims=True)
    return ((x - low) / (high - low))[..., None]
''', "no per-image min-max stretch"),
    Mutant("face_crops", "the channel axis last", '''
def preprocess_faces(images):
    return (np.asarray(images, dtype=np.float32) / 255.0)[:, None]
''', "(N, 64, 64, 1) float32"),
    Mutant("face_crops", "float32", '''
def preprocess_faces(images):
    return (np.asarray(images) / 255.0)[..., None]
''', "(N, 64, 64, 1) float32"),
    # class_weights: the formula, K, the keys present, the types
    Mutant("class_weights", "K = the classes present", '''
def class_weights(labels):
    labels = np.asarray(labels).astype(int)
    k = labels.max() + 1
    return {int(c): float(len(labels) / (k * np.sum(labels == c))) for c in np.unique(labels)}
''', "not the largest label + 1"),
    Mutant("class_weights", "one weight per class present", '''
def class_weights(labels):
    labels = np.asarray(labels).astype(int)
    counts = np.bincount(labels)
    present = np.count_nonzero(counts)
    return {int(c): float(len(labels) / (present * n)) if n else 0.0 for c, n in enumerate(counts)}
''', "no weight for a class that has no example"),
    Mutant("class_weights", "K in the formula", '''
def class_weights(labels):
    labels = np.asarray(labels).astype(int)
    return {int(c): float(len(labels) / (2 * np.sum(labels == c))) for c in np.unique(labels)}
''', "expected N / (K N_c)"),
    Mutant("class_weights", "N / (K N_c)", '''
def class_weights(labels):
    labels = np.asarray(labels).astype(int)
    classes, counts = np.unique(labels, return_counts=True)
    return {int(c): float(counts.max() / n) for c, n in zip(classes, counts)}
''', "N / (K N_c)"),
    Mutant("class_weights", "Python int keys", '''
def class_weights(labels):
    classes, counts = np.unique(np.asarray(labels), return_counts=True)
    return {c: float(len(labels) / (len(classes) * n)) for c, n in zip(classes, counts)}
''', "the keys must be Python ints", judged=True),
    Mutant("class_weights", "float weights", '''
def class_weights(labels):
    labels = np.asarray(labels).astype(int)
    classes, counts = np.unique(labels, return_counts=True)
    return {int(c): np.float32(len(labels) / (len(classes) * n)) for c, n in zip(classes, counts)}
''', "the weights must be floats", judged=True),
    # precision_recall_f1: the formulas, zero denominators, types, inputs
    Mutant("precision_recall_f1", "precision TP / (TP + FP), recall TP / (TP + FN)", '''
_reference_prf = precision_recall_f1
def precision_recall_f1(y_true, y_pred):
    m = _reference_prf(y_true, y_pred)
    return dict(m, precision=m["recall"], recall=m["precision"])
''', "precision and recall are swapped"),
    Mutant("precision_recall_f1", "F1 the harmonic mean", '''
_reference_prf = precision_recall_f1
def precision_recall_f1(y_true, y_pred):
    m = _reference_prf(y_true, y_pred)
    return dict(m, f1=(m["precision"] + m["recall"]) / 2)
''', "arithmetic mean"),
    Mutant("precision_recall_f1", "the accuracy", '''
_reference_prf = precision_recall_f1
def precision_recall_f1(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true).astype(bool), np.asarray(y_pred).astype(bool)
    return dict(_reference_prf(y_true, y_pred), accuracy=float(np.sum(y_true & y_pred) / len(y_true)))
''', "accuracy is"),
    Mutant("precision_recall_f1", "of the positive class (1)", '''
_reference_prf = precision_recall_f1
def precision_recall_f1(y_true, y_pred):
    return _reference_prf(1 - np.asarray(y_true, int), 1 - np.asarray(y_pred, int))
''', "precision is"),
    Mutant("precision_recall_f1", "0.0 when a denominator is 0", '''
def precision_recall_f1(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true).astype(bool), np.asarray(y_pred).astype(bool)
    tp, fp, fn = np.sum(y_true & y_pred), np.sum(~y_true & y_pred), np.sum(y_true & ~y_pred)
    precision = float(tp / (tp + fp)) if tp + fp else 0.0
    recall = float(tp / (tp + fn)) if tp + fn else 1.0          # nothing to find: all found
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "accuracy": float(np.mean(y_true == y_pred))}
''', "recall 0.0"),
    Mutant("precision_recall_f1", "0.0 when a denominator is 0", '''
def precision_recall_f1(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true).astype(bool), np.asarray(y_pred).astype(bool)
    tp, fp, fn = np.sum(y_true & y_pred), np.sum(~y_true & y_pred), np.sum(y_true & ~y_pred)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision, recall = tp / (tp + fp), tp / (tp + fn)
        f1 = 2 * precision * recall / (precision + recall)
    return {"precision": float(precision), "recall": float(recall), "f1": float(f1),
            "accuracy": float(np.mean(y_true == y_pred))}
''', "not nan or None"),
    Mutant("precision_recall_f1", "float values", '''
def precision_recall_f1(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true).astype(bool), np.asarray(y_pred).astype(bool)
    tp, fp, fn = int(np.sum(y_true & y_pred)), int(np.sum(~y_true & y_pred)), int(np.sum(y_true & ~y_pred))
    precision = tp / (tp + fp) if tp + fp else 0
    recall = tp / (tp + fn) if tp + fn else 0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0
    return {"precision": precision, "recall": recall, "f1": f1, "accuracy": float(np.mean(y_true == y_pred))}
''', "0 is an int: write 0.0", judged=True),
    Mutant("precision_recall_f1", "lists and bools as inputs", '''
def precision_recall_f1(y_true, y_pred):
    tp = np.sum((y_true == 1) & (y_pred == 1))
    fp = np.sum((y_true == 0) & (y_pred == 1))
    fn = np.sum((y_true == 1) & (y_pred == 0))
    precision = float(tp / (tp + fp)) if tp + fp else 0.0
    recall = float(tp / (tp + fn)) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "accuracy": float(np.mean(y_true == y_pred))}
''', "lists of bools must work"),
    # roc_curve: thresholds, ties, >=, endpoints, order, types
    Mutant("roc_curve", "each distinct score once", '''
def roc_curve(y_true, scores):
    y_true, scores = np.asarray(y_true).astype(bool), np.asarray(scores, dtype=float)
    order = np.argsort(-scores, kind="stable")
    tp = np.concatenate([[0], np.cumsum(y_true[order])]) / y_true.sum()
    fp = np.concatenate([[0], np.cumsum(~y_true[order])]) / (~y_true).sum()
    return fp, tp, np.concatenate([[np.inf], scores[order]])
''', "tied scores give one threshold"),
    Mutant("roc_curve", "tied scores switch together", '''
def roc_curve(y_true, scores):
    y_true, scores = np.asarray(y_true).astype(bool), np.asarray(scores, dtype=float)
    thresholds = np.concatenate([[np.inf], np.unique(scores)[::-1]])
    order = np.argsort(-scores, kind="stable")
    tp = np.concatenate([[0], np.cumsum(y_true[order])]) / y_true.sum()
    fp = np.concatenate([[0], np.cumsum(~y_true[order])]) / (~y_true).sum()
    k = np.searchsorted(-scores[order], -thresholds, side="left") + 1   # only the first of the tied scores
    k[0] = 0
    return fp[k], tp[k], thresholds
''', "tied scores switch together"),
    Mutant("roc_curve", "score >= t", '''
def roc_curve(y_true, scores):
    y_true, scores = np.asarray(y_true).astype(bool), np.asarray(scores, dtype=float)
    thresholds = np.concatenate([[np.inf], np.unique(scores)[::-1]])
    tpr = np.array([np.mean(scores[y_true] > t) for t in thresholds])
    fpr = np.array([np.mean(scores[~y_true] > t) for t in thresholds])
    return fpr, tpr, thresholds
''', "end at (1, 1)"),
    Mutant("roc_curve", "rates over positives and negatives", '''
def roc_curve(y_true, scores):
    y_true, scores = np.asarray(y_true).astype(bool), np.asarray(scores, dtype=float)
    thresholds = np.concatenate([[np.inf], np.unique(scores)[::-1]])
    tpr = np.array([np.sum(scores[y_true] >= t) for t in thresholds]) / len(scores)
    fpr = np.array([np.sum(scores[~y_true] >= t) for t in thresholds]) / len(scores)
    return fpr, tpr, thresholds
''', "end at (1, 1)"),
    Mutant("roc_curve", "thresholds start at inf", '''
_reference_roc = roc_curve
def roc_curve(y_true, scores):
    fpr, tpr, thresholds = _reference_roc(y_true, scores)
    thresholds[0] = thresholds[1] + 1          # "above every score"
    return fpr, tpr, thresholds
''', "the first threshold must be inf"),
    Mutant("roc_curve", "the point (0, 0) and threshold inf", '''
_reference_roc = roc_curve
def roc_curve(y_true, scores):
    fpr, tpr, thresholds = _reference_roc(y_true, scores)
    return fpr[1:], tpr[1:], thresholds[1:]
''', "start at (0, 0)"),
    Mutant("roc_curve", "(fpr, tpr, thresholds) in that order", '''
_reference_roc = roc_curve
def roc_curve(y_true, scores):
    fpr, tpr, thresholds = _reference_roc(y_true, scores)
    return tpr, fpr, thresholds
''', "fpr and tpr are swapped"),
    Mutant("roc_curve", "float NumPy arrays", '''
_reference_roc = roc_curve
def roc_curve(y_true, scores):
    return tuple(list(a) for a in _reference_roc(y_true, scores))
''', "1-D float NumPy arrays", judged=True),
    Mutant("roc_curve", "lists and bools as inputs", '''
def roc_curve(y_true, scores):
    thresholds = np.concatenate([[np.inf], np.unique(scores)[::-1]])
    tpr = np.array([np.mean(scores[y_true == 1] >= t) for t in thresholds])
    fpr = np.array([np.mean(scores[y_true == 0] >= t) for t in thresholds])
    return fpr, tpr, thresholds
''', "lists with bool labels must work"),
    # haar_smile: min_neighbors, the lower half, enlarged, a Python bool
    Mutant("haar_smile", "min_neighbors passed through", '''
def haar_smile(face, min_neighbors=20):
    big = cv2.resize(np.asarray(face, dtype=np.uint8), (128, 128))
    return len(SMILE_CASCADE.detectMultiScale(big[64:], scaleFactor=1.1, minNeighbors=20, minSize=(25, 12))) > 0
''', "pass min_neighbors to detectMultiScale"),
    Mutant("haar_smile", "the lower half", '''
def haar_smile(face, min_neighbors=20):
    big = cv2.resize(np.asarray(face, dtype=np.uint8), (128, 128))
    return len(SMILE_CASCADE.detectMultiScale(big, 1.1, min_neighbors, minSize=(25, 12))) > 0
''', "search the lower half of the face only"),
    Mutant("haar_smile", "enlarged", '''
def haar_smile(face, min_neighbors=20):
    return len(SMILE_CASCADE.detectMultiScale(np.asarray(face, dtype=np.uint8)[32:], 1.1, min_neighbors)) > 0
''', "enlarged"),
    Mutant("haar_smile", "a Python bool", '''
_reference_haar = haar_smile
def haar_smile(face, min_neighbors=20):
    return np.bool_(_reference_haar(face, min_neighbors))
''', "must return a Python bool", judged=True),
    # smile_cnn: the saved model, build_smile_cnn's output layer and compilation
    Mutant("smile_cnn", "F1 on hidden faces", '''
smile_model = keras.Sequential([keras.Input((64, 64, 1)), keras.layers.Conv2D(1, 3), keras.layers.Conv2D(1, 3),
                                keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(1, activation="sigmoid")])
smile_model.layers[-1].set_weights([np.zeros((1, 1)), np.array([-5.0])])
''', "the smile F1"),
    Mutant("smile_cnn", "one sigmoid unit", '''
_reference_build = build_smile_cnn
def build_smile_cnn():
    model = _reference_build()
    head = keras.layers.Dense(1, activation="softmax")
    outputs = head(model.layers[-2].output)
    model = keras.Model(model.inputs, outputs)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model
''', "a softmax over one unit"),
    Mutant("smile_cnn", "one sigmoid unit", '''
def build_smile_cnn():
    model = keras.Sequential([keras.Input((64, 64, 1)), keras.layers.Conv2D(16, 3, activation="relu"),
                              keras.layers.MaxPooling2D(), keras.layers.Flatten(), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"])
    return model
''', "end in one sigmoid unit"),
    Mutant("smile_cnn", "(None, 1) output", '''
def build_smile_cnn():
    model = keras.Sequential([keras.Input((64, 64, 1)), keras.layers.Conv2D(16, 3, activation="relu"),
                              keras.layers.MaxPooling2D(), keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
''', "expected (None, 1)"),
    Mutant("smile_cnn", "(None, 64, 64, 1) input", '''
def build_smile_cnn():
    model = keras.Sequential([keras.Input((64, 64)), keras.layers.Reshape((64, 64, 1)), keras.layers.Conv2D(16, 3),
                              keras.layers.MaxPooling2D(), keras.layers.Flatten(), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model
''', "expected (None, 64, 64, 1)"),
    Mutant("smile_cnn", "compiled", '''
_reference_build = build_smile_cnn
def build_smile_cnn():
    model = _reference_build()
    return keras.Model(model.inputs, model.outputs)          # the architecture, left uncompiled
''', "must return the model compiled", judged=True),
    Mutant("smile_cnn", "Adam", '''
_reference_build = build_smile_cnn
def build_smile_cnn():
    model = _reference_build()
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    return model
''', "the text asks for Adam", judged=True),
    Mutant("smile_cnn", "binary cross-entropy", '''
_reference_build = build_smile_cnn
def build_smile_cnn():
    model = _reference_build()
    model.compile(optimizer="adam", loss="mse", metrics=["accuracy"])
    return model
''', "binary cross-entropy"),
    Mutant("smile_cnn", "the accuracy metric", '''
_reference_build = build_smile_cnn
def build_smile_cnn():
    model = _reference_build()
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=[keras.metrics.AUC()])
    return model
''', "the accuracy metric is asked for"),
    # SmileTrigger: threshold, k, cooldown, None, state, attributes, process
    Mutant("smile_trigger", "score >= threshold", _TRIGGER_UPDATE.format(
        in_cooldown="self.frame - self.fired[-1] <= self.cooldown", smiling="score > self.threshold"), "not >"),
    Mutant("smile_trigger", "the threshold given", _TRIGGER_UPDATE.format(
        in_cooldown="self.frame - self.fired[-1] <= self.cooldown", smiling="score >= 0.5"), "not 0.5"),
    Mutant("smile_trigger", "the cooldown's length", _TRIGGER_UPDATE.format(
        in_cooldown="self.frame - self.fired[-1] < self.cooldown", smiling="score >= self.threshold"),
        "the cooldown is one frame short"),
    Mutant("smile_trigger", "the cooldown's length", _TRIGGER_UPDATE.format(
        in_cooldown="self.frame - self.fired[-1] <= self.cooldown + 1", smiling="score >= self.threshold"),
        "the cooldown is one frame long"),
    Mutant("smile_trigger", "the count held at zero in the cooldown", '''
class SmileTrigger(SmileTrigger):
    def update(self, score):
        self.frame += 1
        self.last_score = score
        self.count = self.count + 1 if score is not None and score >= self.threshold else 0
        if self.fired and self.frame - self.fired[-1] <= self.cooldown:
            return False
        if self.count >= self.k:
            self.count = 0
            self.fired.append(self.frame)
            return True
        return False
''', "the count is held at zero during the cooldown"),
    Mutant("smile_trigger", "k consecutive frames", '''
class SmileTrigger(SmileTrigger):
    def update(self, score):
        self.frame += 1
        self.last_score = score
        if self.fired and self.frame - self.fired[-1] <= self.cooldown:
            self.count = 0
            return False
        self.count = self.count + 1 if score is not None and score >= self.threshold else 0
        if self.count >= self.k:
            self.fired.append(self.frame)             # the count is not restarted
            return True
        return False
''', "after firing, the count starts again from 0"),
    Mutant("smile_trigger", "k consecutive frames", '''
class SmileTrigger(SmileTrigger):
    def update(self, score):
        self.frame += 1
        self.last_score = score
        if self.fired and self.frame - self.fired[-1] <= self.cooldown:
            self.count = 0
            return False
        if score is not None and score >= self.threshold:
            self.count += 1                             # smiling frames in total, not in a row
        if self.count >= self.k:
            self.count = 0
            self.fired.append(self.frame)
            return True
        return False
''', "restarts the count"),
    Mutant("smile_trigger", "None is not a score", '''
class SmileTrigger(SmileTrigger):
    def update(self, score):
        return super().update(0.0 if score is None else score)
''', "None is not a score"),
    Mutant("smile_trigger", "the defaults", '''
class SmileTrigger(SmileTrigger):
    def __init__(self, score_face, threshold=0.5, k=3, cooldown=15):
        super().__init__(score_face, threshold, k, cooldown)
''', "must use the defaults"),
    Mutant("smile_trigger", "last_score", '''
class SmileTrigger(SmileTrigger):
    def update(self, score):
        if score is not None:
            self.last_score = score
            return super().update(score)
        self.frame += 1
        self.count = 0
        return False
''', "last_score must be"),
    Mutant("smile_trigger", "fired: the frame numbers", '''
class SmileTrigger(SmileTrigger):
    def update(self, score):
        fires = super().update(score)
        if fires:
            self.fired[-1] = float(self.fired[-1])
        return fires
''', "fired must be the list of the frame numbers", judged=True),
    Mutant("smile_trigger", "state on the instance", '''
class SmileTrigger:
    fired = []
    count = 0
    frame = -1
    last_score = None
    last_box = None

    def __init__(self, score_face, threshold=0.5, k=5, cooldown=30):
        self.score_face, self.threshold, self.k, self.cooldown = score_face, threshold, k, cooldown

    def update(self, score):
        self.frame += 1
        self.last_score = score
        if self.fired and self.frame - self.fired[-1] <= self.cooldown:
            self.count = 0
            return False
        self.count = self.count + 1 if score is not None and score >= self.threshold else 0
        if self.count >= self.k:
            self.count = 0
            self.fired.append(self.frame)
            return True
        return False

    def process(self, frame):
        self.last_box = detect_face(frame)
        return self.update(None if self.last_box is None else self.score_face(crop_face(frame, self.last_box)))
''', "must start fresh"),
    Mutant("smile_trigger", "process scores with the score_face given", '''
class SmileTrigger(SmileTrigger):
    def process(self, frame):
        self.last_box = detect_face(frame)
        return self.update(None if self.last_box is None else score_face(crop_face(frame, self.last_box)))
''', "with the score_face given to SmileTrigger", judged=True),
    Mutant("smile_trigger", "process scores the uint8 crop", '''
class SmileTrigger(SmileTrigger):
    def process(self, frame):
        self.last_box = detect_face(frame)
        if self.last_box is None:
            return self.update(None)
        return self.update(self.score_face(preprocess_faces(crop_face(frame, self.last_box)[None])[0, ..., 0]))
''', "score the (64, 64) uint8 crop_face"),
    Mutant("smile_trigger", "last_box", '''
class SmileTrigger(SmileTrigger):
    def process(self, frame):
        box = detect_face(frame)
        if box is not None:
            self.last_box = box
        return self.update(None if box is None else self.score_face(crop_face(frame, box)))
''', "last_box must be"),
    # choose_threshold: the best F1 (not the accuracy, not 0.5), score >= t, one of the scores, ties, the type
    Mutant("choose_threshold", "the highest F1", '''
def choose_threshold(y_true, scores):
    y_true, scores = np.asarray(y_true).astype(bool), np.asarray(scores, dtype=float)
    candidates = np.unique(scores)[::-1]
    return float(candidates[np.argmax([np.mean((scores >= t) == y_true) for t in candidates])])
''', "choose the one with the highest F1"),
    Mutant("choose_threshold", "score >= t", '''
def choose_threshold(y_true, scores):
    y_true, scores = np.asarray(y_true).astype(bool), np.asarray(scores, dtype=float)
    candidates = np.unique(scores)[::-1]
    return float(candidates[np.argmax([precision_recall_f1(y_true, scores > t)["f1"] for t in candidates])])
''', "gives an F1 of"),
    Mutant("choose_threshold", "one of the scores", '''
_reference_choose = choose_threshold
def choose_threshold(y_true, scores):
    t = _reference_choose(y_true, scores)
    below = np.asarray(scores, dtype=float)[np.asarray(scores, dtype=float) < t]
    return float((t + below.max()) / 2) if below.size else t      # halfway to the next score down
''', "is not one of the scores"),
    Mutant("choose_threshold", "not 0.5 by habit", '''
def choose_threshold(y_true, scores):
    return 0.5
''', "gives an F1 of"),
    Mutant("choose_threshold", "among equal F1, the largest", '''
def choose_threshold(y_true, scores):
    y_true, scores = np.asarray(y_true).astype(bool), np.asarray(scores, dtype=float)
    candidates = np.unique(scores)                                  # increasing: argmax keeps the smallest
    return float(candidates[np.argmax([precision_recall_f1(y_true, scores >= t)["f1"] for t in candidates])])
''', "asks for the largest"),
    Mutant("choose_threshold", "a Python float", '''
_reference_choose = choose_threshold
def choose_threshold(y_true, scores):
    return np.float32(_reference_choose(y_true, scores))
''', "must return a Python float", judged=True),
    # two_cameras: the saved model, its decisions on both data sets
    Mutant("two_cameras", "the saved model", '''
two_camera_model = None
''', "no saved smile_cnn_two_cameras.keras"),
    Mutant("two_cameras", "the second data set", '''
two_camera_model = smile_model                  # Part D's model: one camera, its threshold 0.5
''', "of the second data set"),
)


# --- the alternates ------------------------------------------------------------------------------
ALTERNATES: tuple[Alternate, ...] = (
    Alternate("detect_face", "other detector settings, no equalisation, a list of ints, the largest by width", '''
def detect_face(frame):
    gray = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    faces = list(FACE_CASCADE.detectMultiScale(gray, 1.05, 6))
    if not faces:
        return None
    best = faces[0]
    for face in faces[1:]:
        if face[2] > best[2]:
            best = face
    return [int(v) for v in best]
'''),
    Alternate("face_crops", "other interpolation, explicit clipping with np.clip, manual channel axis", '''
def crop_face(frame, box, size=64):
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
    x, y, w, h = box
    x0, x1 = np.clip([x, x + w], 0, gray.shape[1])
    y0, y1 = np.clip([y, y + h], 0, gray.shape[0])
    return cv2.resize(gray[y0:y1, x0:x1], (size, size), interpolation=cv2.INTER_AREA)

def preprocess_faces(images):
    return np.expand_dims(np.array(images).astype("float32") / 255, axis=-1)
'''),
    Alternate("class_weights", "a Counter loop with NumPy float weights", '''
from collections import Counter
def class_weights(labels):
    counts = Counter(int(c) for c in labels)
    return {c: np.float64(len(labels) / (len(counts) * n)) for c, n in sorted(counts.items())}
'''),
    Alternate("precision_recall_f1", "pure Python counts", '''
def precision_recall_f1(y_true, y_pred):
    pairs = [(int(t), int(p)) for t, p in zip(y_true, y_pred)]
    tp = sum(1 for t, p in pairs if t == 1 and p == 1)
    fp = sum(1 for t, p in pairs if t == 0 and p == 1)
    fn = sum(1 for t, p in pairs if t == 1 and p == 0)
    precision = tp / (tp + fp) if tp + fp > 0 else 0.0
    recall = tp / (tp + fn) if tp + fn > 0 else 0.0
    f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
    return {"precision": float(precision), "recall": float(recall), "f1": float(f1),
            "accuracy": sum(t == p for t, p in pairs) / len(pairs)}
'''),
    Alternate("roc_curve", "a loop over the thresholds", '''
def roc_curve(y_true, scores):
    y_true, scores = np.asarray(y_true) == 1, np.asarray(scores, dtype=float)
    thresholds = np.array([np.inf] + sorted(set(scores.tolist()), reverse=True))
    tpr, fpr = [], []
    for t in thresholds:
        predicted = scores >= t
        tpr.append(np.sum(predicted & y_true) / np.sum(y_true))
        fpr.append(np.sum(predicted & ~y_true) / np.sum(~y_true))
    return np.array(fpr, dtype=float), np.array(tpr, dtype=float), thresholds
'''),
    Alternate("haar_smile", "a finer scale step, bicubic enlargement, no minSize (best at min_neighbors 40)", '''
def haar_smile(face, min_neighbors=20):
    mouth = np.asarray(face, dtype=np.uint8)[32:]
    big = cv2.resize(mouth, (128, 64), interpolation=cv2.INTER_CUBIC)
    return bool(len(SMILE_CASCADE.detectMultiScale(big, scaleFactor=1.05, minNeighbors=min_neighbors)))
'''),
    Alternate("smile_cnn", "functional Keras, a separate Activation layer, loss and metric objects", '''
def build_smile_cnn():
    inputs = keras.Input((64, 64, 1))
    x = inputs
    for filters in (16, 32, 64):
        x = keras.layers.Conv2D(filters, 3, padding="same")(x)
        x = keras.layers.Activation("relu")(x)
        x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Dropout(0.4)(keras.layers.Flatten()(x))
    x = keras.layers.Dropout(0.3)(keras.layers.Dense(64, activation="relu")(x))
    outputs = keras.layers.Activation("sigmoid")(keras.layers.Dense(1)(x))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=5e-4), loss=keras.losses.BinaryCrossentropy(),
                  metrics=[keras.metrics.BinaryAccuracy()])
    return model
'''),
    Alternate("smile_cnn", "strings 'adam', 'bce' and 'acc'", '''
_reference_build = build_smile_cnn
def build_smile_cnn():
    model = _reference_build()
    model.compile(optimizer="adam", loss="bce", metrics=["acc"])
    return model
'''),
    Alternate("smile_trigger", "a countdown instead of the last frame fired", '''
class SmileTrigger:
    def __init__(self, score_face, threshold=0.5, k=5, cooldown=30):
        self.score_face, self.threshold, self.k, self.cooldown = score_face, threshold, k, cooldown
        self.run, self.wait, self.frames_seen = 0, 0, 0
        self.fired, self.last_score, self.last_box = [], None, None

    def update(self, score):
        n = self.frames_seen
        self.frames_seen += 1
        self.last_score = score
        if self.wait > 0:
            self.wait -= 1
            self.run = 0
            return False
        self.run = self.run + 1 if (score is not None and score >= self.threshold) else 0
        if self.run == self.k:
            self.run, self.wait = 0, self.cooldown
            self.fired.append(n)
            return True
        return False

    def process(self, frame):
        box = detect_face(frame)
        self.last_box = box
        return self.update(None if box is None else self.score_face(crop_face(frame, box, 64)))
'''),
    Alternate("choose_threshold", "a loop over the distinct scores with precision_recall_f1, a list of candidates", '''
def choose_threshold(y_true, scores):
    best_t, best_f1 = None, -1.0
    for t in sorted(set(float(s) for s in scores), reverse=True):
        f1 = precision_recall_f1(y_true, [s >= t for s in scores])["f1"]
        if f1 > best_f1:
            best_t, best_f1 = t, f1
    return best_t
'''),
    Alternate("two_cameras", "the same weights in a functional model", '''
_inputs = keras.Input((64, 64, 1))
_x = _inputs
for _layer in two_camera_model.layers:
    _x = _layer(_x)
two_camera_model = keras.Model(_inputs, _x)
'''),
)


def _param(question: str, label: str, item: object):
    marks = [pytest.mark.slow] if question in SLOW_QUESTIONS else []
    return pytest.param(item, id=f"{question}: {label}", marks=marks)


@pytest.mark.parametrize("mutant", [_param(m.question, f"{m.clause} ({i})", m) for i, m in enumerate(MUTANTS)])
def test_mutant_is_rejected_for_its_reason(mutant: Mutant):
    env = _env_with(mutant.code, f"{mutant.question}: {mutant.clause}")
    with _synthetic_course():
        assert_rejects(ASSIGNMENT, mutant.question, env, because=mutant.because)


@pytest.mark.parametrize("mutant", [_param(m.question, f"{m.clause} ({i})", m) for i, m in enumerate(MUTANTS) if m.judged])
def test_type_mutant_is_rejected_through_the_judge(mutant: Mutant):
    result = _judged(mutant.question, _env_with(mutant.code, f"{mutant.question}: {mutant.clause}"))
    failed = [case.message for case in result.cases if not case.passed]
    assert any(mutant.because in message for message in failed), result.summary()


@pytest.mark.parametrize("alternate", [_param(a.question, a.what, a) for a in ALTERNATES])
def test_alternate_keeps_full_marks_through_the_judge(alternate: Alternate):
    result = _judged(alternate.question, _env_with(alternate.code, f"{alternate.question}: {alternate.what}"))
    assert result.passed, result.summary()


@pytest.mark.parametrize("question", [_param(q, "reference", q) for q in questions(ASSIGNMENT)])
def test_reference_keeps_full_marks_through_the_judge(question: str):
    result = _judged(question, _reference_env())
    assert result.passed, result.summary()


@pytest.mark.parametrize("alternate", [_param(a.question, a.what, a) for a in ALTERNATES])
def test_alternate_keeps_full_marks(alternate: Alternate):
    env = _env_with(alternate.code, f"{alternate.question}: {alternate.what}")
    with _synthetic_course():
        assert_passes(ASSIGNMENT, alternate.question, env)


def test_every_question_has_mutants_and_an_alternate():
    mutants, alternates = Counter(m.question for m in MUTANTS), Counter(a.question for a in ALTERNATES)
    assert set(mutants) == set(questions(ASSIGNMENT)), sorted(set(questions(ASSIGNMENT)) - set(mutants))
    assert set(alternates) == set(questions(ASSIGNMENT)), sorted(set(questions(ASSIGNMENT)) - set(alternates))


@pytest.mark.parametrize("question", [_param(q, "reference", q) for q in questions(ASSIGNMENT)])
def test_reference_keeps_full_marks(question: str):
    with _synthetic_course():
        assert_passes(ASSIGNMENT, question, _reference_env())
