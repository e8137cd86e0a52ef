"""Measure the reference solutions of Assignments 6 (text segmentation) and 7 (smile detection).

The code measured is the solution cells of ``source/a6_text_segmentation`` and
``source/a7_smile_detection`` (one source of truth), trained and run the notebooks' way:

- a6: the reference EMNIST model is trained by ``cnnkit.models.train_reference_emnist`` (the
  release's ``emnist_reference.keras``) on the configured EMNIST; lines are composed
  (``cnnkit.handwriting.compose_lines``) from the public test characters, and from the hidden slice
  as the autograder's ``emnist_lines`` are; reported: box recall (IoU >= 0.5), precision, mean IoU,
  the same in a strong shadow, and the character accuracy of both readers, ``read_line``
  (segment, then classify) and ``read_line_ctc`` (the CTC line reader of
  ``cnnkit.line_reader.train_line_reader``, trained here too and timed: it needs the handwriting
  fonts of ``make fonts``), as 1 - edit distance /
  length, spaces counted, and without spaces; the same on lines in the "frame" layout (narrow glyphs
  in wide margins: the word gaps of ``word_breaks``) and on hidden lines whose neighbouring
  characters touch; on the real scans of the data folder, one row per image and reader, the
  accuracy case-insensitive over the 47 EMNIST classes with punctuation dropped (the page:
  ``light_on_dark``, ``split_lines``, then the reader per line) and a row per scan with the better
  reader against issue 19's target (``SCAN_TARGETS``); and ``binarize``'s seconds per megapixel on the real page and on drawn pages of 1 and 12 MP.
- a7: ``load_smiles`` split 80/20 (stratified, seed 0), the notebook's smile CNN trained with its
  recipe (class weights, ``course_config.SMILE_TRAINING_BUDGET``); reported on the held-out 20%:
  accuracy, precision, recall and F1 of the smile class, ROC AUC; the same on the hidden slice; the
  OpenCV smile cascade baseline on the same test faces (``min_neighbors`` chosen on 600 training
  faces); the Haar face detection rate on camera-like frames of the test faces. Part G: the second data
  set's hidden test part (GENKI-4K's, split by file-name hash; or the second camera's drawn faces):
  Part D's CNN at 0.5 and at the threshold chosen on the second data set's validation part, the
  two-camera CNN (a mix of both training parts, augmentations, the threshold folded in), on the crops
  and through the app (frame -> detect_face -> crop_face -> CNN, a missed face an error), and the smile
  cascade through the app, on both data sets.

Real data::

    CNNKIT_DATA_DIR=../shared/data CNNKIT_EMNIST_SPLIT=bymerge .venv/bin/python benchmarks/applied.py

``--model PATH`` and ``--line-reader PATH`` measure a6 with an EMNIST classifier and a line reader
already trained (e.g. the release's ``emnist_reference.keras`` and ``line_reader.keras``, trained on
the embedded default) instead of training them.

Without data (or with ``CNNKIT_DATA_SOURCE=synthetic``) it measures the embedded synthetic default.
The output is a markdown table; the load average is printed before and after (timings on a shared
machine are only comparable under similar load), with wall-clock and CPU seconds of each training.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("CNNKIT_COURSE_ROOT", str(ROOT))
# The notebook's cells run in other folders: a relative CNNKIT_DATA_DIR (../shared/data) means the
# folder as seen from where the benchmark was started.
if os.environ.get("CNNKIT_DATA_DIR"):
    os.environ["CNNKIT_DATA_DIR"] = str(Path(os.environ["CNNKIT_DATA_DIR"]).expanduser().resolve())
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

def run_cells(assignment: str, cwd: Path, env: dict, select) -> dict:
    """Execute, in ``cwd`` and in the namespace ``env``, the code cells of a source notebook for which
    ``select(nbgrader metadata)`` is true (solution markers stripped); return ``env``."""
    from cnnkit_course import notebooks
    from cnnkit_course.paths import CoursePaths

    nb = notebooks.read_notebook(CoursePaths.of(ROOT).source_notebook(assignment))
    with contextlib.chdir(cwd):
        return notebooks.run_cells(notebooks.code_cells(nb, select), env, label=assignment)


def solution_namespace(assignment: str, cwd: Path, extra: tuple[str, ...] = ("setup",)) -> dict:
    """The setup cell, the solution cells and the cells named in ``extra``, executed in ``cwd``."""
    env: dict = {"__name__": "__main__", "display": lambda *a, **k: None}
    return run_cells(assignment, cwd, env, lambda meta: meta.get("solution") or meta.get("grade_id") in extra)


@contextlib.contextmanager
def timed(store: dict, key: str):
    """Wall-clock and CPU seconds (this process, all threads) of a block."""
    wall, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    yield
    end = resource.getrusage(resource.RUSAGE_SELF)
    store[key] = (time.perf_counter() - wall, (end.ru_utime - cpu.ru_utime) + (end.ru_stime - cpu.ru_stime))


def _reading_text(text: str) -> str:
    """``text`` as the 47 EMNIST classes can read it: upper case, letters, digits and single spaces."""
    kept = "".join(c if c.isalnum() and c.isascii() else " " if c.isspace() else "" for c in text.upper())
    return " ".join(kept.split())


def _read_page(env: dict, page: np.ndarray, read) -> str:
    """A page read as the notebook's scans cell does: turned round if light on dark, cut into lines,
    each line read by ``read(gray_line) -> str``."""
    gray = 255 - page if env["light_on_dark"](page) else page
    return "\n".join(read(gray[top:bottom]) for top, bottom in env["split_lines"](env["binarize"](gray)))


def _readers(env: dict, mapping) -> dict:
    """The notebook's two readers of a line: segment-then-classify and the CTC line reader."""
    return {"read_line": lambda image: env["read_line"](image, env["reference_model"], mapping),
            "read_line_ctc": lambda image: env["read_line_ctc"](image, env["line_reader"], mapping)}


#: Issue 19's targets for the better reader on the real scans (spaces counted): the hand-printed
#: lines (iam-line-0, simplehtr-*) and the cursive lines and the page.
SCAN_TARGETS = {"printed": 0.7, "cursive": 0.5}


def bench_a6_scans(rows: list, env: dict, mapping) -> None:
    """Two rows per real scan of the data folder (none without it), one per reader: character accuracy
    case-insensitive, punctuation dropped, with and without spaces."""
    import json

    from cnnkit import handwriting as hw

    try:
        scans = hw.load_scanned_lines()
    except FileNotFoundError as missing:
        rows.append(("a6", "real scans", f"not measured: {str(missing)[:80]}"))
        return
    truths = json.loads((hw.handwriting_dir() / "transcriptions.json").read_text())
    for name, image in scans.items():
        scores = {}
        for reader, read in _readers(env, mapping).items():
            text = _read_page(env, image, read) if name.startswith("page") else read(image)
            truth, got = _reading_text(truths[f"{name}.png"]), _reading_text(text)
            scores[reader] = hw.character_accuracy(got, truth)
            rows.append(("a6", f"real scan {name}, {reader}: character accuracy, case-insensitive, punctuation "
                               "dropped (spaces counted / without)",
                         f"{scores[reader]:.3f} / {hw.character_accuracy(got, truth, spaces=False):.3f}"))
        best = max(scores, key=scores.get)
        target = SCAN_TARGETS["printed" if name.startswith(("iam-line-0", "simplehtr")) else "cursive"]
        rows.append(("a6", f"real scan {name}: the better reader against issue 19's target",
                     f"{best} {scores[best]:.3f}, target {target}: {'met' if scores[best] >= target else 'not met'}"))


def bench_binarize(rows: list, env: dict) -> None:
    """``binarize``'s seconds per megapixel (median of 3 runs) on the real page and on drawn pages."""
    import cv2

    from cnnkit import handwriting as hw

    pages = {}
    with contextlib.suppress(FileNotFoundError):
        pages.update({f"real page {n}": im for n, im in hw.load_scanned_lines().items() if n.startswith("page")})
    for width, height in [(1200, 850), (4000, 3000)]:
        drawn = np.full((height, width), 215, np.uint8)
        for k in range(12):
            cv2.putText(drawn, "handwriting 0123", (width // 20, (k + 1) * height // 13), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX,
                        height / 500, 40, max(1, height // 400))
        pages[f"drawn page {width}x{height}"] = hw.add_lighting_gradient(drawn, 0.6, angle_deg=30)
    for name, page in pages.items():
        seconds = []
        for _ in range(3):
            start = time.perf_counter()
            env["binarize"](page)
            seconds.append(time.perf_counter() - start)
        rows.append(("a6", f"binarize, {name} ({page.size / 1e6:.2f} MP)", f"{np.median(seconds) / (page.size / 1e6):.3f} s/MP"))


def bench_a6(rows: list, times: dict, n_lines: int, model_path: Path | None = None,
             reader_path: Path | None = None) -> None:
    import shutil

    from cnnkit import handwriting as hw
    from cnnkit.config import settings
    from cnnkit.data import load_emnist_data
    from cnnkit_course.hidden_data import LINES_SEED_OFFSET, hidden_seed, load_hidden_emnist
    from cnnkit.line_reader import train_line_reader
    from cnnkit.models import train_reference_emnist

    work = Path(tempfile.mkdtemp(prefix="bench-a6-"))
    if model_path is not None:
        shutil.copy(model_path, work / "emnist_reference.keras")
    else:
        with timed(times, "a6 reference EMNIST model (train_reference_emnist)"):
            train_reference_emnist(work / "emnist_reference.keras")
    if reader_path is not None:
        shutil.copy(reader_path, work / "line_reader.keras")
    else:
        with timed(times, "a6 CTC line reader (train_line_reader)"):
            train_line_reader(work / "line_reader.keras")
    env = solution_namespace("a6_text_segmentation", work, ("setup", "framing"))
    test = load_emnist_data(usage="test")
    kind = "synthetic" if test.source == "synthetic" else "real"
    split = settings().emnist_split
    model, mapping = env["reference_model"], test.mapping
    probs = np.asarray(model(test.images[..., None].astype("float32") / 255, training=False))
    rows.append(("a6", f"reference model: accuracy on single {kind} EMNIST test images ({split})",
                 f"{np.mean(probs.argmax(1) == test.labels):.3f}"))
    rows.append(("a6", "framing measured by ink_framing (ink size px, centring)",
                 f"{env['FRAMING']['ink_size']:.0f}, {env['FRAMING']['centring']}"))
    hidden = load_hidden_emnist()
    sets = {
        f"{n_lines} lines of public {kind} test characters": hw.compose_lines(test.images, test.labels, mapping, n_lines, seed=1),
        "the autograder's hidden lines": hw.compose_lines(hidden.images, hidden.labels, mapping, 32, seed=hidden_seed() + LINES_SEED_OFFSET),
        f"{n_lines} lines of public {kind} test characters in their frames":
            hw.compose_lines(test.images, test.labels, mapping, n_lines, seed=2, layout="frame"),
        "32 lines of the hidden slice in their frames":
            hw.compose_lines(hidden.images, hidden.labels, mapping, 32, seed=hidden_seed() + LINES_SEED_OFFSET + 1, layout="frame"),
        "32 lines of the hidden slice, half of the neighbours touching":
            hw.compose_lines(hidden.images, hidden.labels, mapping, 32, seed=hidden_seed() + LINES_SEED_OFFSET + 2,
                             touch_prob=0.5),
    }
    for name, lines in sets.items():
        with timed(times, f"a6 segment_characters, {name}"):
            found = [env["segment_characters"](line.image) for line in lines]
        score = hw.box_recall(lines, found)
        shadow = hw.box_recall(lines, [env["segment_characters"](hw.add_lighting_gradient(line.image, 0.8, 37 * i))
                                       for i, line in enumerate(lines)])
        truth = [line.text for line in lines]
        for reader, read_one in _readers(env, mapping).items():
            with timed(times, f"a6 {reader}, {name}"):
                read = [read_one(line.image) for line in lines]
            rows.append(("a6", f"{name}: {reader} character accuracy (spaces counted / without)",
                         f"{hw.character_accuracy(read, truth):.3f} / {hw.character_accuracy(read, truth, spaces=False):.3f}"))
        rows += [
            ("a6", f"{name}: characters found (recall, IoU >= 0.5)", f"{score['recall']:.3f}"),
            ("a6", f"{name}: boxes that are characters (precision)", f"{score['precision']:.3f}"),
            ("a6", f"{name}: mean IoU of found characters", f"{score['mean_iou']:.3f}"),
            ("a6", f"{name}: recall / precision in a strong shadow (0.8)", f"{shadow['recall']:.3f} / {shadow['precision']:.3f}"),
        ]
    bench_a6_scans(rows, env, mapping)
    bench_binarize(rows, env)


def bench_a7(rows: list, times: dict, n_frames: int) -> None:
    from cnnkit import smiles
    from cnnkit_course.hidden_data import load_hidden_smiles

    work = Path(tempfile.mkdtemp(prefix="bench-a7-"))
    env = solution_namespace("a7_smile_detection", work, ("setup", "data_demo"))
    data = smiles.load_smiles_data()
    x_train, y_train, x_test, y_test = env["x_train"], env["y_train"], env["x_test"], env["y_test"]
    budget = smiles.smile_training_budget(data.kind)
    prep, prf = env["preprocess_faces"], env["precision_recall_f1"]
    # the notebook's training cell: class weights, the budget's epochs, the prior correction
    with timed(times, f"a7 smile CNN (the notebook's training cell), {budget['epochs']} epochs on {len(x_train)} faces"):
        run_cells("a7_smile_detection", work, env, lambda meta: meta.get("grade_id") == "train")
    model = env["smile_model"]
    scores = np.asarray(model.predict(prep(x_test), verbose=0)).ravel()
    cnn = prf(y_test, scores >= 0.5)
    fpr, tpr, _ = env["roc_curve"](y_test, scores)
    hidden = load_hidden_smiles()
    hidden_m = prf(hidden.labels, np.asarray(model.predict(prep(hidden.images), verbose=0)).ravel() >= 0.5)
    subset = slice(0, 600)
    best = max((5, 10, 20, 30, 40), key=lambda mn: prf(y_train[subset], [env["haar_smile"](f, mn) for f in x_train[subset]])["f1"])
    with timed(times, f"a7 Haar smile cascade on {len(x_test)} test faces"):
        haar = prf(y_test, np.array([env["haar_smile"](f, best) for f in x_test]))
    frames, boxes = smiles.make_selfie_frames(x_test[:n_frames], seed=1, with_boxes=True)
    hits = 0
    for frame, (tx, ty, tw, th) in zip(frames, boxes):
        box = env["detect_face"](frame)
        if box is not None:
            x, y, w, h = box
            iw = max(0, min(x + w, tx + tw) - max(x, tx))
            ih = max(0, min(y + h, ty + th) - max(y, ty))
            hits += iw * ih / (w * h + tw * th - iw * ih) >= 0.3
    drawn, _ = smiles.generate_faces(n_frames, seed=99)
    drawn_hits = sum(env["detect_face"](f) is not None for f in smiles.make_selfie_frames(drawn, seed=2))
    raw_hits = sum(env["detect_face"](f) is not None for f in x_test[:n_frames])
    rows += [
        ("a7", f"faces ({data.kind}): train / test / hidden, share smiling",
         f"{len(x_train)} / {len(x_test)} / {len(hidden.labels)}, {data.labels.mean():.1%}"),
        ("a7", "smile CNN on the held-out 20%: accuracy", f"{cnn['accuracy']:.3f}"),
        ("a7", "smile CNN on the held-out 20%: precision / recall / F1 (smile)", f"{cnn['precision']:.3f} / {cnn['recall']:.3f} / {cnn['f1']:.3f}"),
        ("a7", "smile CNN on the held-out 20%: ROC AUC", f"{np.trapezoid(tpr, fpr):.3f}"),
        ("a7", "smile CNN on the hidden slice: accuracy / F1", f"{hidden_m['accuracy']:.3f} / {hidden_m['f1']:.3f}"),
        ("a7", f"Haar smile cascade (min_neighbors={best}) on the same test faces: accuracy", f"{haar['accuracy']:.3f}"),
        ("a7", "Haar smile cascade: precision / recall / F1 (smile)", f"{haar['precision']:.3f} / {haar['recall']:.3f} / {haar['f1']:.3f}"),
        ("a7", f"Haar face detection in {n_frames} camera-like frames of test faces (IoU >= 0.3)", f"{hits / n_frames:.1%}"),
        ("a7", f"Haar face detection on the bare 64x64 test crops ({n_frames})", f"{raw_hits / n_frames:.1%}"),
        ("a7", f"Haar face detection in {n_frames} frames of drawn (synthetic) faces", f"{drawn_hits / n_frames:.1%}"),
    ]
    bench_a7_second(rows, times, work, env, best)


def bench_a7_second(rows: list, times: dict, work: Path, env: dict, min_neighbors: int) -> None:
    """Part G: Part D's CNN and the two-camera CNN on the second data set's hidden test part (GENKI-4K's
    or the second camera's drawn faces) and on the first data set's test faces, on the crops and
    through the app (camera frame -> detect_face -> crop_face -> CNN, a missed face an error), beside
    the smile cascade through the app."""
    from cnnkit_course.hidden_data import build_second_faces

    env["best"] = min_neighbors  # the notebook's table uses the cascade setting of Part F's demo
    run_cells("a7_smile_detection", work, env, lambda meta: meta.get("grade_id") == "new_camera_demo")
    budget = env["budget"]
    with timed(times, f"a7 two-camera CNN (Part G's training cell), {budget['two_camera_epochs']} epochs"):
        run_cells("a7_smile_detection", work, env, lambda meta: meta.get("grade_id") == "train_two_cameras")
    run_cells("a7_smile_detection", work, env, lambda meta: meta.get("grade_id") == "two_cameras_demo")
    hidden = build_second_faces().arrays
    name = env["second_val"].name
    t_val = env["choose_threshold"](env["second_val"].labels, env["val_scores"])
    through, metrics, cnn_at = env["through_the_app"], env["app_metrics"], env["cnn_at"]
    prf, prep, x_test, y_test = env["precision_recall_f1"], env["preprocess_faces"], env["x_test"], env["y_test"]
    deciders = {"Part D's CNN at 0.5": cnn_at(env["smile_model"], 0.5),
                f"Part D's CNN at {t_val:.2f} (chosen on {name} val)": cnn_at(env["smile_model"], t_val),
                "two-camera CNN (its threshold folded in)": cnn_at(env["two_camera_model"], 0.5),
                f"Haar smile cascade (min_neighbors={min_neighbors})":
                    lambda crops: np.array([env["haar_smile"](f, min_neighbors) for f in crops])}
    apps = {f"{name} hidden test": (*through(hidden["images"]), hidden["labels"]),
            "the first data set's test faces": (*through(x_test), y_test)}
    fmt = lambda m: f"{m['accuracy']:.3f} / {m['f1']:.3f}"  # noqa: E731
    rows.append(("a7", f"{name} hidden test part: faces, share smiling, face found (app)",
                 f"{len(hidden['labels'])}, {hidden['labels'].mean():.1%}, {apps[f'{name} hidden test'][1].mean():.1%}"))
    for what, decide in deciders.items():
        if not what.startswith("Haar"):
            rows.append(("a7", f"{what} on {name} hidden test crops: accuracy / F1", fmt(prf(hidden["labels"], decide(hidden["images"])))))
        for where, data in apps.items():
            rows.append(("a7", f"{what} through the app on {where}: accuracy / F1", fmt(metrics(decide, *data))))
    two = env["two_camera_model"]
    scores = np.asarray(two.predict(prep(x_test), verbose=0)).ravel()
    rows.append(("a7", "two-camera CNN on the first data set's held-out 20% (crops): accuracy / F1", fmt(prf(y_test, scores >= 0.5))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["a6", "a7"], help="measure one assignment")
    parser.add_argument("--lines", type=int, default=100, help="composed lines of public test characters (a6)")
    parser.add_argument("--frames", type=int, default=200, help="camera-like frames for the face detection rate (a7)")
    parser.add_argument("--model", type=Path, help="a6: this trained EMNIST classifier (.keras) instead of training one")
    parser.add_argument("--line-reader", type=Path, help="a6: this trained CTC line reader (.keras) instead of training one")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} (on {os.cpu_count()} CPUs)", flush=True)
    rows: list[tuple[str, str, str]] = []
    times: dict[str, tuple[float, float]] = {}
    if args.only in (None, "a6"):
        for option, path in (("--model", args.model), ("--line-reader", args.line_reader)):
            if path is not None and not path.is_file():
                parser.error(f"{option} {path}: no such file")
        bench_a6(rows, times, args.lines, args.model, args.line_reader)
    if args.only in (None, "a7"):
        bench_a7(rows, times, args.frames)
    print(f"load average after: {os.getloadavg()[0]:.2f}\n")
    print("| assignment | measure | value |\n| --- | --- | --- |")
    for assignment, measure, value in rows:
        print(f"| {assignment} | {measure} | {value} |")
    for key, (wall, cpu) in times.items():
        print(f"| {key[:2]} | time: {key[3:]} | {wall:.1f} s wall, {cpu:.1f} s CPU |")


if __name__ == "__main__":
    main()
