"""a6_text_segmentation and a7_smile_detection: the test files accept the reference solutions and
reject typical wrong ones.

As in ``test_hidden_tests_reject.py``, the reference environment is what the notebook builds: the
setup cell, the solution cells (marker lines removed) and, for a6, the cell that measures the
framing, executed in one namespace (a6 in its release folder, where ``emnist_reference.keras``
lies; a7 with the ``smile_cnn.keras`` the build trained). The embedded synthetic data and its
committed evaluation files serve the hidden cases. Each mutant is executed on top of that
namespace and must make its question's file fail; the release stub must fail every file.
"""

from __future__ import annotations

import contextlib
import os
from functools import lru_cache
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from cnnkit.checks import load_test_file, run_test_file  # noqa: E402
from tests.conftest import COURSE, ROOT, course_env, solution_code  # noqa: E402

ASSIGNMENT_IDS = ("a6_text_segmentation", "a7_smile_detection")
#: Non-solution cells the solutions need (a6's to_emnist reads FRAMING).
EXTRA_CELLS = {"setup", "framing"}
REFERENCE_MODEL = ROOT / "release" / "a6_text_segmentation" / "emnist_reference.keras"
SMILE_MODEL = COURSE.trained("a7_smile_detection") / "smile_cnn.keras"


@contextlib.contextmanager
def _synthetic_course(cwd: Path):
    """The committed configuration (embedded synthetic data), not grading, working directory ``cwd``."""
    with course_env(), contextlib.chdir(cwd):
        os.environ.pop("CNNKIT_GRADING", None)
        yield


def _execute(assignment: str, cells: list[str], *, with_model: bool) -> dict:
    env: dict = {"__name__": "__main__"}
    with _synthetic_course(ROOT / "release" / assignment), contextlib.redirect_stdout(None):
        for code in cells:
            try:
                exec(compile(code, "<cell>", "exec"), env)
            except NotImplementedError:
                pass  # a stub that raises at top level (the framing cell of the release)
        if with_model and assignment == "a7_smile_detection":
            import keras

            env["smile_model"] = keras.models.load_model(SMILE_MODEL, compile=False)
    return env


@lru_cache(maxsize=None)
def _reference_env(assignment: str) -> dict:
    return _execute(assignment, solution_code(assignment, with_cells=EXTRA_CELLS), with_model=True)


def _test_files(assignment: str) -> list[Path]:
    return sorted((ROOT / "autograder" / assignment / "tests").glob("*.py"))


def _run(assignment: str, question: str, env: dict):
    path = ROOT / "autograder" / assignment / "tests" / f"{question}.py"
    with _synthetic_course(ROOT / "release" / assignment):
        return run_test_file(load_test_file(path, public_only=False), env)


ALL_FILES = [(a, p.stem) for a in ASSIGNMENT_IDS for p in _test_files(a)]


# --- reference and stub --------------------------------------------------------------------------
@pytest.mark.parametrize("assignment,question", ALL_FILES)
def test_reference_passes(assignment, question):
    result = _run(assignment, question, _reference_env(assignment))
    assert result.passed, result.summary()


@pytest.mark.parametrize("assignment", ASSIGNMENT_IDS)
def test_release_stub_fails(assignment):
    stub_env = _execute(assignment, solution_code(assignment, released=True, with_cells=EXTRA_CELLS), with_model=False)
    for question in [p.stem for p in _test_files(assignment)]:
        result = _run(assignment, question, stub_env)
        assert not result.passed, question
        assert not any(case.passed for case in result.cases if not case.hidden), f"{question}: a public case passes on the stub"


# --- mutants -----------------------------------------------------------------------------------
MUTANTS = {
    # a6_text_segmentation
    ("a6_text_segmentation", "binarize", "one global Otsu threshold"): '''
def binarize(image):
    gray = np.asarray(image, dtype=np.uint8)
    if gray.ndim == 3:
        gray = cv2.cvtColor(gray, cv2.COLOR_BGR2GRAY)
    return cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)[1]
''',
    ("a6_text_segmentation", "segment_characters", "characters in detection (raster) order"): '''
_reference_segment = segment_characters
def segment_characters(image):
    return sorted(_reference_segment(image), key=lambda b: (b[1], b[0]))
''',
    ("a6_text_segmentation", "segment_characters", "i/j dots counted as characters"): '''
def segment_characters(image):
    n, _, stats, _ = cv2.connectedComponentsWithStats(binarize(image), connectivity=8)
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = [k + 1 for k in range(n - 1) if areas[k] >= 0.05 * np.median(areas)]
    return sorted((tuple(int(v) for v in stats[k, :4]) for k in keep), key=lambda b: b[0])
''',
    ("a6_text_segmentation", "segment_characters", "keeps the specks of dust"): '''
_reference_segment = segment_characters
def segment_characters(image):
    boxes = _reference_segment(image)
    n, _, stats, _ = cv2.connectedComponentsWithStats(binarize(image), connectivity=8)
    specks = [tuple(int(v) for v in s[:4]) for s in stats[1:] if s[4] <= 9]
    return sorted(boxes + specks, key=lambda b: b[0])
''',
    ("a6_text_segmentation", "ink_framing", "always says 'box'"): '''
_reference_framing = ink_framing
def ink_framing(images, threshold=64):
    return dict(_reference_framing(images, threshold), centring="box")
''',
    ("a6_text_segmentation", "to_emnist", "transposes the crop"): '''
_reference_to_emnist = to_emnist
def to_emnist(crop, ink_size=None, centring=None):
    return np.ascontiguousarray(_reference_to_emnist(crop, ink_size, centring).T)
''',
    ("a6_text_segmentation", "to_emnist", "flips the crop upside down"): '''
_reference_to_emnist = to_emnist
def to_emnist(crop, ink_size=None, centring=None):
    return np.ascontiguousarray(_reference_to_emnist(crop, ink_size, centring)[::-1])
''',
    ("a6_text_segmentation", "to_emnist", "stretches the ink to the whole frame"): '''
def to_emnist(crop, ink_size=None, centring=None):
    gray = np.asarray(crop, dtype=np.uint8)
    if gray.ndim == 3:
        gray = cv2.cvtColor(gray, cv2.COLOR_BGR2GRAY)
    return cv2.resize(255 - gray, (28, 28), interpolation=cv2.INTER_AREA)
''',
    ("a6_text_segmentation", "read_line", "no spaces between words"): '''
_reference_read = read_line
def read_line(image, model, mapping, space=0.45):
    return _reference_read(image, model, mapping, space).replace(" ", "")
''',
    ("a6_text_segmentation", "read_line", "forgets to frame the crops (raw resize)"): '''
def read_line(image, model, mapping, space=0.45):
    gray = np.asarray(image, dtype=np.uint8)
    boxes = segment_characters(gray)
    batch = np.stack([cv2.resize(gray[y:y + h, x:x + w], (28, 28)) for x, y, w, h in boxes])
    scores = np.asarray(model(batch[..., None].astype("float32") / 255, training=False))
    return "".join(mapping[int(k)] for k in scores.argmax(axis=1))
''',
    # a7_smile_detection
    ("a7_smile_detection", "detect_face", "reports a face everywhere"): '''
_reference_detect = detect_face
def detect_face(frame):
    return _reference_detect(frame) or (0, 0, 64, 64)
''',
    ("a7_smile_detection", "face_crops", "does not clip boxes at the border"): '''
def crop_face(frame, box, size=64):
    gray = np.asarray(frame, dtype=np.uint8)
    if gray.ndim == 3:
        gray = cv2.cvtColor(gray, cv2.COLOR_BGR2GRAY)
    x, y, w, h = (int(v) for v in box)
    return cv2.resize(gray[y:y + h, x:x + w], (size, size))
''',
    ("a7_smile_detection", "class_weights", "weights proportional to the class sizes"): '''
def class_weights(labels):
    labels = np.asarray(labels)
    return {int(c): float(np.mean(labels == c)) for c in np.unique(labels)}
''',
    ("a7_smile_detection", "smile_cnn", "a classifier that always says 'no smile'"): '''
import keras
smile_model = keras.Sequential([keras.Input((64, 64, 1)), keras.layers.Conv2D(1, 3), keras.layers.Conv2D(1, 3),
                                keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(1, activation="sigmoid")])
smile_model.layers[-1].set_weights([np.zeros((1, 1)), np.array([-5.0])])
''',
    ("a7_smile_detection", "precision_recall_f1", "precision of an empty prediction is nan"): '''
def precision_recall_f1(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true).astype(bool), np.asarray(y_pred).astype(bool)
    tp = np.sum(y_true & y_pred)
    with np.errstate(invalid="ignore", divide="ignore"):
        p, r = tp / np.sum(y_pred), tp / np.sum(y_true)
        f1 = 2 * p * r / (p + r)
    return {"precision": p, "recall": r, "f1": f1, "accuracy": float(np.mean(y_true == y_pred))}
''',
    ("a7_smile_detection", "roc_curve", "one point per example: ties split"): '''
def roc_curve(y_true, scores):
    y_true, scores = np.asarray(y_true).astype(bool), np.asarray(scores, dtype=float)
    order = np.argsort(-scores, kind="stable")
    tp = np.concatenate([[0], np.cumsum(y_true[order])]) / y_true.sum()
    fp = np.concatenate([[0], np.cumsum(~y_true[order])]) / (~y_true).sum()
    return fp, tp, np.concatenate([[np.inf], scores[order]])
''',
    ("a7_smile_detection", "haar_smile", "calls every face smiling"): '''
def haar_smile(face, min_neighbors=20):
    return True
''',
    ("a7_smile_detection", "haar_smile", "looks for the smile in the upper half"): '''
def haar_smile(face, min_neighbors=20):
    big = cv2.resize(np.asarray(face, dtype=np.uint8), (128, 128))
    return len(SMILE_CASCADE.detectMultiScale(big[:64], 1.1, min_neighbors, minSize=(25, 12))) > 0
''',
    ("a7_smile_detection", "smile_trigger", "fires on every smiling frame"): '''
class SmileTrigger(SmileTrigger):
    def update(self, score):
        return score is not None and score >= self.threshold
''',
    ("a7_smile_detection", "smile_trigger", "no cooldown"): '''
class SmileTrigger(SmileTrigger):
    def __init__(self, score_face, threshold=0.5, k=5, cooldown=30):
        super().__init__(score_face, threshold, k, 0)
''',
    ("a7_smile_detection", "smile_trigger", "a missing face does not reset the count"): '''
class SmileTrigger(SmileTrigger):
    def update(self, score):
        if score is None:
            self.frame += 1
            return False
        return super().update(score)
''',
}


@pytest.mark.parametrize("assignment,question,mistake", list(MUTANTS), ids=[f"{q}: {m}" for _, q, m in MUTANTS])
def test_mutant_is_rejected(assignment, question, mistake):
    env = dict(_reference_env(assignment))
    exec(compile(MUTANTS[assignment, question, mistake], f"<mutant {mistake}>", "exec"), env)
    result = _run(assignment, question, env)
    assert not result.passed, f"{question}: the mutant '{mistake}' passes every case"


def test_every_question_has_a_mutant():
    assert {(a, q) for a, q, _ in MUTANTS} == set(ALL_FILES)
