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

from tests.conftest import COURSE, course_env, solution_code  # noqa: E402
from tests.mutation import assert_rejects, execute_cells, mutate, questions, run_question  # noqa: E402

ASSIGNMENT_IDS = ("a6_text_segmentation", "a7_smile_detection")
#: Non-solution cells the solutions need (a6's to_emnist reads FRAMING).
EXTRA_CELLS = {"setup", "framing"}
REFERENCE_MODEL = COURSE.release_dir("a6_text_segmentation") / "emnist_reference.keras"
SMILE_MODEL = COURSE.trained("a7_smile_detection") / "smile_cnn.keras"
TWO_CAMERA_MODEL = COURSE.trained("a7_smile_detection") / "smile_cnn_two_cameras.keras"


@contextlib.contextmanager
def _synthetic_course(cwd: Path):
    """The committed configuration (embedded synthetic data), not grading, working directory ``cwd``."""
    with course_env(), contextlib.chdir(cwd):
        os.environ.pop("CNNKIT_GRADING", None)
        yield


def _execute(assignment: str, cells: list[str], *, with_model: bool) -> dict:
    with _synthetic_course(COURSE.release_dir(assignment)), contextlib.redirect_stdout(None):
        # a stub may raise at top level (the framing cell of the release)
        env = execute_cells(cells, tolerate=(NotImplementedError,))
        if with_model and assignment == "a7_smile_detection":
            import keras

            env["smile_model"] = keras.models.load_model(SMILE_MODEL, compile=False)
            env["two_camera_model"] = keras.models.load_model(TWO_CAMERA_MODEL, compile=False)
    return env


@lru_cache(maxsize=None)
def _reference_env(assignment: str) -> dict:
    return _execute(assignment, solution_code(assignment, with_cells=EXTRA_CELLS), with_model=True)


def _run(assignment: str, question: str, env: dict):
    with _synthetic_course(COURSE.release_dir(assignment)):
        return run_question(assignment, question, env)


ALL_FILES = [(a, q) for a in ASSIGNMENT_IDS for q in questions(a)]


# --- reference and stub --------------------------------------------------------------------------
@pytest.mark.parametrize("assignment,question", ALL_FILES)
def test_reference_passes(assignment, question):
    result = _run(assignment, question, _reference_env(assignment))
    assert result.passed, result.summary()


@pytest.mark.parametrize("assignment", ASSIGNMENT_IDS)
def test_release_stub_fails(assignment):
    stub_env = _execute(assignment, solution_code(assignment, released=True, with_cells=EXTRA_CELLS), with_model=False)
    for question in questions(assignment):
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
    ("a6_text_segmentation", "character_height", "the median height"): '''
def character_height(stats):
    stats = np.asarray(stats)
    areas = stats[:, cv2.CC_STAT_AREA]
    return float(np.median(stats[:, cv2.CC_STAT_HEIGHT][areas >= 0.3 * np.percentile(areas, 75)]))
''',
    ("a6_text_segmentation", "character_height", "every blob counts, dots too"): '''
def character_height(stats):
    return float(np.percentile(np.asarray(stats)[:, cv2.CC_STAT_HEIGHT], 75))
''',
    ("a6_text_segmentation", "character_height", "the area rule relative to the largest blob"): '''
def character_height(stats):
    stats = np.asarray(stats)
    areas = stats[:, cv2.CC_STAT_AREA]
    return float(np.percentile(stats[:, cv2.CC_STAT_HEIGHT][areas >= 0.3 * areas.max()], 75))
''',
    ("a6_text_segmentation", "merge_pieces", "dots never join a character"): '''
def merge_pieces(labels, stats, char_h):
    pieces = [(int(s[0]), int(s[1]), int(s[0] + s[2]), int(s[1] + s[3]), int(s[4]), (k,))
              for k, s in enumerate(np.asarray(stats)[1:], start=1)]
    small = [p for p in pieces if max(p[2] - p[0], p[3] - p[1]) < 0.4 * char_h]
    return sorted([p for p in pieces if p not in small], key=lambda p: p[0]), small
''',
    ("a6_text_segmentation", "merge_pieces", "any column overlap merges"): '''
_reference_merge = merge_pieces
def merge_pieces(labels, stats, char_h):
    characters, leftovers = _reference_merge(labels, stats, char_h)
    merged = []
    for c in characters:
        if merged and min(merged[-1][2], c[2]) - max(merged[-1][0], c[0]) > 0:
            m = merged.pop()
            c = (min(m[0], c[0]), min(m[1], c[1]), max(m[2], c[2]), max(m[3], c[3]), m[4] + c[4], tuple(sorted(m[5] + c[5])))
        merged.append(c)
    return merged, leftovers
''',
    ("a6_text_segmentation", "merge_pieces", "x1 and y1 inclusive"): '''
_reference_merge = merge_pieces
def merge_pieces(labels, stats, char_h):
    characters, leftovers = _reference_merge(labels, stats, char_h)
    return [(p[0], p[1], p[2] - 1, p[3] - 1, p[4], p[5]) for p in characters], leftovers
''',
    ("a6_text_segmentation", "split_wide", "cuts at equal widths"): '''
def split_wide(labels, piece, char_h, char_w):
    x0, y0, x1, y1, _, members = piece
    w = x1 - x0
    if w <= 1.3 * char_h:
        return [(x0, y0, w, y1 - y0)]
    parts = max(2, int(round(w / char_w)))
    region = np.isin(labels[y0:y1, x0:x1], members)
    cuts = [int(round(k * w / parts)) for k in range(parts + 1)]
    boxes = []
    for a0, a1 in zip(cuts[:-1], cuts[1:]):
        ys, xs = np.nonzero(region[:, a0:a1])
        if len(ys):
            boxes.append((int(x0 + a0 + xs.min()), int(y0 + ys.min()), int(np.ptp(xs)) + 1, int(np.ptp(ys)) + 1))
    return boxes
''',
    ("a6_text_segmentation", "split_wide", "boxes span the part's columns and the piece's rows"): '''
_reference_split = split_wide
def split_wide(labels, piece, char_h, char_w):
    boxes = _reference_split(labels, piece, char_h, char_w)
    return [(x, piece[1], w, piece[3] - piece[1]) for x, _, w, _ in boxes]
''',
    ("a6_text_segmentation", "split_wide", "counts every label's ink"): '''
_reference_split = split_wide
def split_wide(labels, piece, char_h, char_w):
    everything = np.where(np.asarray(labels) > 0, piece[5][0], 0)
    return _reference_split(everything, piece, char_h, char_w)
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
    ("a6_text_segmentation", "light_on_dark", "a dark image means light ink"): '''
def light_on_dark(gray):
    return bool(np.asarray(gray).mean() < 128)
''',
    ("a6_text_segmentation", "split_lines", "the whole page's ink as one line"): '''
def split_lines(mask):
    rows = np.flatnonzero(np.asarray(mask).any(axis=1))
    return [(int(rows[0]), int(rows[-1]) + 1)] if len(rows) else []
''',
    ("a6_text_segmentation", "word_breaks", "a fixed multiple of the height on every line"): '''
def word_breaks(boxes, space=0.45):
    b = np.asarray(boxes, dtype=float).reshape(-1, 4)
    return b[1:, 0] - (b[:-1, 0] + b[:-1, 2]) > space * np.median(b[:, 3])
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
    ("a6_text_segmentation", "ctc_greedy_decode", "drops the blanks before merging repeats"): '''
def ctc_greedy_decode(logits, blank=0):
    best = [int(k) for k in np.asarray(logits).argmax(axis=1) if k != blank]
    return [k for i, k in enumerate(best) if i == 0 or k != best[i - 1]]
''',
    ("a6_text_segmentation", "read_line_ctc", "reads index k as mapping[k] (forgets the blank)"): '''
def read_line_ctc(image, model, mapping):
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if np.ndim(image) == 3 else np.asarray(image, np.uint8)
    scores = np.asarray(model(line_tensor(binarize(gray), model.input_shape[1])[None], training=False))[0]
    text = "".join(mapping[k] if k < len(mapping) else " " for k in ctc_greedy_decode(scores))
    return " ".join(text.split())
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
    ("a7_smile_detection", "choose_threshold", "the threshold of the best accuracy"): '''
def choose_threshold(y_true, scores):
    y_true, scores = np.asarray(y_true).astype(bool), np.asarray(scores, dtype=float)
    candidates = np.unique(scores)[::-1]
    return float(candidates[np.argmax([np.mean((scores >= t) == y_true) for t in candidates])])
''',
    ("a7_smile_detection", "two_cameras", "Part D's model saved again, for one camera"): '''
two_camera_model = smile_model
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
    env = mutate(_reference_env(assignment), MUTANTS[assignment, question, mistake], mistake)
    with _synthetic_course(COURSE.release_dir(assignment)):
        assert_rejects(assignment, question, env)


def test_every_question_has_a_mutant():
    assert {(a, q) for a, q, _ in MUTANTS} == set(ALL_FILES)
