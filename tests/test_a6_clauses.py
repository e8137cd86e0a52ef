"""a6_text_segmentation: every clause of every graded function has a mutant that its test file rejects
for the reason it names, and the correct alternatives the text allows keep full marks.

The reference environment is what the source notebook builds in its release folder (where
``emnist_reference.keras`` lies): the setup cell, the solution cells (marker lines removed) and the
cell that measures ``FRAMING``, on the embedded synthetic data. A mutant is code executed on top of
it that redefines one function the way a student might get one clause wrong; most are the reference
cell with one edit (:func:`edited`), so they differ from the reference in that clause alone.
:data:`MUTANTS` lists them as (question, clause, code, because); :data:`ALTERNATES` the correct
solutions written another way. Everything runs in-process; the cases of read_line read every hidden
line with the CNN (seconds per mutant), so its mutants and alternate are in the slow tier and the rest
runs in well under a minute.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from cnnkit.checks import load_test_file  # noqa: E402
from tests.conftest import COURSE, course_env, solution_code  # noqa: E402
from tests.mutation import Alternate, Mutant, assert_passes, assert_rejects, execute_cells, full_test_file, mutate, questions  # noqa: E402

ASSIGNMENT = "a6_text_segmentation"
#: Non-solution cells the solutions need (to_emnist reads FRAMING).
EXTRA_CELLS = {"setup", "framing"}
#: Questions whose test files run a network over hidden lines (seconds per run): the slow tier.
SLOW_QUESTIONS = {"read_line", "read_line_ctc"}


def _reference_cell(function: str) -> str:
    """The reference solution cell that defines ``function``."""
    cells = [cell for cell in solution_code(ASSIGNMENT) if cell.lstrip().startswith(f"def {function}(")]
    assert len(cells) == 1, f"no single solution cell defines {function}"
    return cells[0]


def edited(function: str, *edits: tuple[str, str]) -> str:
    """The reference cell of ``function`` with each ``(old, new)`` replacement made (each ``old`` must occur)."""
    code = _reference_cell(function)
    for old, new in edits:
        assert old in code, f"{function}: {old!r} is not in the reference"
        code = code.replace(old, new)
    return code


def wrapped(function: str, signature: str, body: str) -> str:
    """``function`` redefined on top of the reference (kept as ``_reference``): ``body`` post-processes it."""
    return f"_reference_{function} = {function}\ndef {function}({signature}):\n{body}"


MUTANTS: tuple[Mutant, ...] = (
    # --- light_on_dark ----------------------------------------------------------------------------
    Mutant("light_on_dark", "a bool", wrapped("light_on_dark", "gray", "    return int(_reference_light_on_dark(gray))\n"),
           "asks for a bool"),
    Mutant("light_on_dark", "True for light ink", wrapped("light_on_dark", "gray",
                                                         "    return not _reference_light_on_dark(gray)\n"),
           "must return False"),
    Mutant("light_on_dark", "under any light (a global brightness test)", """
def light_on_dark(gray):
    return bool(np.mean(gray) < 128)
""", "a global brightness test fails"),
    Mutant("light_on_dark", "the background around each pixel (not the whole image's median)", edited("light_on_dark", (
        "departure = gray.astype(np.int16) - cv2.medianBlur(gray, size)",
        "departure = gray.astype(np.int16) - int(np.median(gray))")), "the background around it"),
    Mutant("light_on_dark", "a filter wider than a stroke", edited("light_on_dark", (
        "cv2.medianBlur(gray, size)", "cv2.medianBlur(gray, 3)")), "wider than a stroke"),
    Mutant("light_on_dark", "noise left out", edited("light_on_dark", (
        "departure[departure > 10]", "departure[departure > 0]"), ("departure[departure < -10]", "departure[departure < 0]")),
        "they are noise"),
    # --- binarize ---------------------------------------------------------------------------------
    Mutant("binarize", "uint8 dtype", wrapped("binarize", "image", "    return _reference_binarize(image).astype(bool)\n"),
           "asks for uint8"),
    Mutant("binarize", "values 0 and 1", wrapped("binarize", "image", "    return _reference_binarize(image) * 255\n"),
           "only 0 and 1"),
    Mutant("binarize", "ink is 1 (polarity)", wrapped("binarize", "image", "    return 1 - _reference_binarize(image)\n"),
           "dark ink must be 1"),
    Mutant("binarize", "uneven light", '''
def binarize(image):
    gray = np.asarray(image, dtype=np.uint8)
    if gray.ndim == 3:
        gray = cv2.cvtColor(gray, cv2.COLOR_BGR2GRAY)
    return cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)[1]
''', "one global threshold"),
    Mutant("binarize", "ink = 1 everywhere in a stroke (block larger than a stroke)", '''
def binarize(image):
    gray = np.asarray(image, dtype=np.uint8)
    if gray.ndim == 3:
        gray = cv2.cvtColor(gray, cv2.COLOR_BGR2GRAY)
    return cv2.adaptiveThreshold(gray, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 9, 15)
''', "hollows the strokes out"),
    Mutant("binarize", "light ink on a dark background", edited("binarize", (
        "    if light_on_dark(gray):\n        gray = 255 - gray  # from here on: dark ink on light paper\n", "")),
        "call light_on_dark and invert"),
    Mutant("binarize", "colour input in BGR order", edited("binarize", (
        "gray = cv2.cvtColor(gray, cv2.COLOR_BGR2GRAY)", "gray = np.ascontiguousarray(gray[..., 0])")),
        "not by taking one channel"),
    Mutant("binarize", "a page with no ink", edited("binarize", (
        "if flat.min() > 200:", "if flat.size == 0:")), "always splits the histogram"),
    # --- split_lines ------------------------------------------------------------------------------
    Mutant("split_lines", "pairs of ints", edited("split_lines", (
        "return [(top, bottom) for top, bottom in bands]", "return [(float(top), float(bottom)) for top, bottom in bands]")),
        "a pair (top, bottom) of ints"),
    Mutant("split_lines", "bottom excluded", edited("split_lines", (
        "return [(top, bottom) for top, bottom in bands]", "return [(top, bottom - 1) for top, bottom in bands]")),
        "bottom excluded"),
    Mutant("split_lines", "a row of a line holds more than 5% of the 90th percentile", edited("split_lines", (
        "inked = profile > 0.05 * np.percentile(profile[profile > 0], 90)", "inked = profile > 0")),
        "more than 5%"),
    Mutant("split_lines", "fragments joined to a line", edited("split_lines", (
        "    while len(bands) > 1:\n", "    while False:\n")), "is a fragment of the nearer line"),
    Mutant("split_lines", "a fragment is low and holds little ink (not: little ink)", edited("split_lines", (
        "fragment = (heights < heights.max() / 2) & (ink < ink.max() / 4)", "fragment = ink < ink.max() / 4")), "holds little ink but is as tall"),
    Mutant("split_lines", "a fragment is low and holds little ink (not: low)", edited("split_lines", (
        "fragment = (heights < heights.max() / 2) & (ink < ink.max() / 4)", "fragment = heights < heights.max() / 2")), "is low but holds much ink"),
    Mutant("split_lines", "joined to the nearer neighbour", edited("split_lines", (
        "j = k - 1 if above <= below else k + 1", "j = k + 1 if k + 1 < len(bands) else k - 1")),
        "is a fragment of the nearer line"),
    Mutant("split_lines", "an empty page", edited("split_lines", (
        "    if not profile.any():\n        return []\n", "    if not profile.any():\n        return [(0, 0)]\n")),
        "has no lines"),
    # --- character_height -------------------------------------------------------------------------
    Mutant("character_height", "the 75th percentile, not the median", edited("character_height", (
        "np.percentile(heights, 75)", "np.median(heights)")), "the median or the mean"),
    Mutant("character_height", "the 75th percentile, not the mean", edited("character_height", (
        "np.percentile(heights, 75)", "np.mean(heights)")), "the median or the mean"),
    Mutant("character_height", "the 75th percentile, not the maximum", edited("character_height", (
        "np.percentile(heights, 75)", "np.max(heights)")), "the largest height"),
    Mutant("character_height", "np.percentile's interpolation", edited("character_height", (
        "np.percentile(heights, 75)", "np.percentile(heights, 75, method='nearest')")), "without interpolation"),
    Mutant("character_height", "the height column", edited("character_height", (
        "stats[:, cv2.CC_STAT_HEIGHT]", "stats[:, cv2.CC_STAT_WIDTH]")), "the widths (column 2)"),
    Mutant("character_height", "area at least the limit (>=)", edited("character_height", (
        "areas >= 0.3", "areas > 0.3")), "(>=, not >)"),
    Mutant("character_height", "the area rule's 75th percentile, not the median", edited("character_height", (
        "np.percentile(areas, 75)", "np.median(areas)")), "0.3 x the 75th percentile of all the areas"),
    Mutant("character_height", "the area rule's 75th percentile, not the largest area", edited("character_height", (
        "np.percentile(areas, 75)", "areas.max()")), "not the largest area"),
    Mutant("character_height", "small blobs left out by area, not height", edited("character_height", (
        "[areas >= 0.3 * np.percentile(areas, 75)]",
        "[stats[:, cv2.CC_STAT_HEIGHT] >= 0.3 * np.percentile(stats[:, cv2.CC_STAT_HEIGHT], 75)]")),
        "whatever their height"),
    Mutant("character_height", "every row is a blob", edited("character_height", (
        "stats = np.asarray(stats)", "stats = np.asarray(stats)[1:]")), "do not drop a row"),
    Mutant("character_height", "a Python float", edited("character_height", (
        "return float(np.percentile(heights, 75))", "return np.percentile(heights, 75)")), "Python float"),
    # --- merge_pieces -----------------------------------------------------------------------------
    Mutant("merge_pieces", "Python ints", edited("merge_pieces", (
        "blobs = [(int(s[0]), int(s[1]), int(s[0] + s[2]), int(s[1] + s[3]), int(s[4]), (k,))",
        "blobs = [(s[0], s[1], s[0] + s[2], s[1] + s[3], s[4], (k,))")), "Python ints"),
    Mutant("merge_pieces", "members sorted", edited("merge_pieces", (
        "tuple(sorted(a[5] + b[5]))", "a[5] + b[5]")), "sorted tuple of their labels"),
    Mutant("merge_pieces", "characters sorted by x0", edited("merge_pieces", (
        "characters = sorted([b for b in blobs if not is_small(b)], key=lambda b: b[0])",
        "characters = [b for b in blobs if not is_small(b)]")), "sorted by x0"),
    Mutant("merge_pieces", "x1, y1 exclusive", edited("merge_pieces", (
        "int(s[0] + s[2]), int(s[1] + s[3])", "int(s[0] + s[2] - 1), int(s[1] + s[3] - 1)")), "x1, y1 exclusive"),
    Mutant("merge_pieces", "box, not width and height", edited("merge_pieces", (
        "int(s[0] + s[2]), int(s[1] + s[3])", "int(s[2]), int(s[3])")), "not a width and height"),
    Mutant("merge_pieces", "merged while any two are one character", edited("merge_pieces", (
        "characters[i] = union(characters[i], characters.pop(j))",
        "characters[i] = union(characters[i], characters.pop(j))\n            i += 1")), "broken in more than two"),
    Mutant("merge_pieces", "a flat bar counts as stacked", edited("merge_pieces", (
        " or low < 0.35 * char_h", "")), "a flat bar"),
    Mutant("merge_pieces", "a blob within another's columns with under half its ink", edited("merge_pieces", (
        "return (x_overlap(a, b) >= 0.5 * narrow and stacked) or inside",
        "return x_overlap(a, b) >= 0.5 * narrow and stacked")), "under half its ink belongs to it"),
    Mutant("merge_pieces", "column overlap of half the narrower width", edited("merge_pieces", (
        "x_overlap(a, b) >= 0.5 * narrow and stacked", "x_overlap(a, b) > 0 and stacked")), "must stay apart"),
    Mutant("merge_pieces", "dots join their character", '''
def merge_pieces(labels, stats, char_h):
    pieces = [(int(s[0]), int(s[1]), int(s[0] + s[2]), int(s[1] + s[3]), int(s[4]), (k,))
              for k, s in enumerate(np.asarray(stats)[1:], start=1)]
    small = [p for p in pieces if max(p[2] - p[0], p[3] - p[1]) < 0.4 * char_h]
    return sorted([p for p in pieces if p not in small], key=lambda p: p[0]), small
''', "the dot of an i must join"),
    Mutant("merge_pieces", "leftovers kept", wrapped("merge_pieces", "labels, stats, char_h",
                                                     "    return _reference_merge_pieces(labels, stats, char_h)[0], []\n"),
           "not merged and not dropped"),
    Mutant("merge_pieces", "leftovers in label order", edited("merge_pieces", (
        "return characters, leftovers", "return characters, sorted(leftovers)")), "in label order"),
    Mutant("merge_pieces", "small is relative to char_h", edited("merge_pieces", (
        "< 0.4 * char_h", "< 12.8")), "small means"),
    Mutant("merge_pieces", "the cost limit is relative to char_h", edited("merge_pieces", (
        "best, best_cost = None, 0.5 * char_h", "best, best_cost = None, 16.0")), "under 0.5 * char_h"),
    Mutant("merge_pieces", "the cost counts the vertical gap", edited("merge_pieces", (
        "cost = abs(cx - end_x(b, top)) + (max(0, b[1] - s[3]) if top else max(0, s[1] - b[3]))",
        "cost = abs(cx - end_x(b, top))")), "counts the vertical gap"),
    Mutant("merge_pieces", "the lowest cost wins", edited("merge_pieces", (
        "if cost < best_cost:", "if best is None and cost < best_cost:")), "lowest cost"),
    Mutant("merge_pieces", "the first piece wins a tie", edited("merge_pieces", (
        "if cost < best_cost:", "if cost <= best_cost:")), "the first piece (the leftmost) wins"),
    Mutant("merge_pieces", "a piece the blob lies beside is no candidate", edited("merge_pieces", (
        "            if x_overlap(s, b) < -0.15 * char_h:\n                continue\n", "")), "beside a piece"),
    Mutant("merge_pieces", "the cost from the end's ink, not the box's centre", edited("merge_pieces", (
        "abs(cx - end_x(b, top))", "abs(cx - (b[0] + b[2]) / 2)")), "nearest end of a piece"),
    Mutant("merge_pieces", "any column overlap merges (whole wrapper)", wrapped("merge_pieces", "labels, stats, char_h", '''
    characters, leftovers = _reference_merge_pieces(labels, stats, char_h)
    merged = []
    for c in characters:
        if merged and min(merged[-1][2], c[2]) - max(merged[-1][0], c[0]) > 0:
            m = merged.pop()
            c = (min(m[0], c[0]), min(m[1], c[1]), max(m[2], c[2]), max(m[3], c[3]), m[4] + c[4], tuple(sorted(m[5] + c[5])))
        merged.append(c)
    return merged, leftovers
'''), "must stay apart"),
    # --- split_wide -------------------------------------------------------------------------------
    Mutant("split_wide", "cut at the least ink, not at equal widths", edited("split_wide", (
        "cuts.append(lo + int(np.argmin(ink_per_column[lo:hi])))", "cuts.append(int(k * w / parts))")),
        "not at equal widths"),
    Mutant("split_wide", "the least ink near the cut's place", edited("split_wide", (
        "cuts.append(lo + int(np.argmin(ink_per_column[lo:hi])))",
        "cuts.append(cuts[-1] + 1 + int(np.argmin(ink_per_column[cuts[-1] + 1:w - 1])))")), "emptiest column"),
    Mutant("split_wide", "the window's start rounded down", edited("split_wide", (
        "lo, hi = int((k - 0.25) * w / parts)", "lo, hi = int(round((k - 0.25) * w / parts))")), "rounded down"),
    Mutant("split_wide", "the window's last column included", edited("split_wide", (
        "int((k + 0.25) * w / parts) + 1", "int((k + 0.25) * w / parts)")), "includes its last column"),
    Mutant("split_wide", "the first column on a tie", edited("split_wide", (
        "cuts.append(lo + int(np.argmin(ink_per_column[lo:hi])))",
        "cuts.append(hi - 1 - int(np.argmin(ink_per_column[lo:hi][::-1])))")), "the first column of its window"),
    Mutant("split_wide", "the cut column starts the next part", edited("split_wide", (
        "cuts.append(lo + int(np.argmin(ink_per_column[lo:hi])))",
        "cuts.append(lo + int(np.argmin(ink_per_column[lo:hi])) + 1)")), "starts the next part"),
    Mutant("split_wide", "parts from char_w", edited("split_wide", (
        "round(w / char_w)", "round(w / char_h)")), "char_w, not char_h"),
    Mutant("split_wide", "at least 2 parts", edited("split_wide", (
        "max(2, int(round(w / char_w)))", "max(1, int(round(w / char_w)))")), "at least 2 parts"),
    Mutant("split_wide", "at most 1.3 char_h is not cut", edited("split_wide", (
        "if w <= 1.3 * char_h:", "if w < 1.3 * char_h:")), "at most 1.3 character heights"),
    Mutant("split_wide", "a narrow piece's own box (x, y, w, h)", edited("split_wide", (
        "return [(int(x0), int(y0), int(w), int(y1 - y0))]", "return [(int(x0), int(y0), int(x1), int(y1))]")),
        "a piece one character wide is its own box"),
    Mutant("split_wide", "tight boxes", edited("split_wide", (
        "int(np.ptp(xs)) + 1, int(np.ptp(ys)) + 1", "int(np.ptp(xs)), int(np.ptp(ys))")), "tight around its ink"),
    Mutant("split_wide", "tight in the rows too", wrapped("split_wide", "labels, piece, char_h, char_w", '''
    boxes = _reference_split_wide(labels, piece, char_h, char_w)
    return [(x, piece[1], w, piece[3] - piece[1]) for x, _, w, _ in boxes]
'''), "tight around its ink"),
    Mutant("split_wide", "the piece's own ink only", wrapped("split_wide", "labels, piece, char_h, char_w", '''
    everything = np.where(np.asarray(labels) > 0, piece[5][0], 0)
    return _reference_split_wide(everything, piece, char_h, char_w)
'''), "the piece's own ink only"),
    Mutant("split_wide", "a part without ink gives no box", edited("split_wide", (
        "        if len(ys):\n", "        if not len(ys):\n            ys, xs = np.array([0]), np.array([a1 - a0 - 1])\n        if True:\n")),
        "without ink gives no box"),
    Mutant("split_wide", "Python ints", edited("split_wide", (
        "boxes.append((int(x0 + a0 + xs.min()), int(y0 + ys.min()), int(np.ptp(xs)) + 1, int(np.ptp(ys)) + 1))",
        "boxes.append((x0 + a0 + xs.min(), y0 + ys.min(), np.ptp(xs) + 1, np.ptp(ys) + 1))")), "Python ints"),
    Mutant("split_wide", "boxes are tuples", wrapped("split_wide", "labels, piece, char_h, char_w",
                                                     "    return [list(b) for b in _reference_split_wide(labels, piece, char_h, char_w)]\n"),
           "list of (x, y, w, h) tuples"),
    # --- segment_characters -----------------------------------------------------------------------
    Mutant("segment_characters", "left to right", wrapped("segment_characters", "image",
                                                          "    return sorted(_reference_segment_characters(image), key=lambda b: (b[1], b[0]))\n"),
           "sorted left to right"),
    Mutant("segment_characters", "boxes tight: not a pixel larger", wrapped("segment_characters", "image",
                                                                            "    return [(x - 1, y - 1, w + 2, h + 2) for x, y, w, h in _reference_segment_characters(image)]\n"),
           "larger than the ink"),
    Mutant("segment_characters", "boxes tight: not a pixel smaller", wrapped("segment_characters", "image",
                                                                             "    return [(x, y, w - 1, h - 1) for x, y, w, h in _reference_segment_characters(image)]\n"),
           "smaller than the ink"),
    Mutant("segment_characters", "w and h, not x1 and y1", wrapped("segment_characters", "image",
                                                                  "    return [(x, y, x + w, y + h) for x, y, w, h in _reference_segment_characters(image)]\n"),
           "not the right and bottom edges"),
    Mutant("segment_characters", "Python ints", wrapped("segment_characters", "image",
                                                        "    return [tuple(np.int64(v) for v in b) for b in _reference_segment_characters(image)]\n"),
           "Python ints"),
    Mutant("segment_characters", "boxes are tuples", wrapped("segment_characters", "image",
                                                             "    return [list(b) for b in _reference_segment_characters(image)]\n"),
           "must be a tuple"),
    Mutant("segment_characters", "touching characters cut", edited("segment_characters", (
        "boxes = [box for c in characters for box in split_wide(labels, c, char_h, char_w)]",
        "boxes = [(c[0], c[1], c[2] - c[0], c[3] - c[1]) for c in characters]")), "cut into two boxes"),
    Mutant("segment_characters", "the typical width is the characters' median width", edited("segment_characters", (
        "char_w = max(float(np.median([c[2] - c[0] for c in characters])), 0.6 * char_h) if characters else char_h",
        "char_w = char_h")), "the typical character width"),
    Mutant("segment_characters", "the typical width at least 0.6 character heights", edited("segment_characters", (
        "), 0.6 * char_h) if characters else char_h", "), 1.0) if characters else char_h")), "at least 0.6 character heights"),
    Mutant("segment_characters", "sizes relative to the character height", edited("segment_characters", (
        "char_h = character_height(stats[1:])", "char_h = 30.0")), "every rule is relative to the character height"),
    Mutant("segment_characters", "leftovers that are characters kept", edited("segment_characters", (
        "characters += [s for s in leftovers", "characters += [] and [s for s in leftovers")), "a character of its own"),
    Mutant("segment_characters", "specks dropped", edited("segment_characters", (
        "if s[4] >= 0.15 * ref_area and max(s[2] - s[0], s[3] - s[1]) >= 0.3 * char_h]", "]")), "must be dropped"),
    Mutant("segment_characters", "i/j dots inside the box", '''
def segment_characters(image):
    n, _, stats, _ = cv2.connectedComponentsWithStats(binarize(image), connectivity=8)
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = [k + 1 for k in range(n - 1) if areas[k] >= 0.05 * np.median(areas)]
    return sorted((tuple(int(v) for v in stats[k, :4]) for k in keep), key=lambda b: b[0])
''', "the dot is part of the i"),
    Mutant("segment_characters", "dust specks dropped (whole wrapper)", wrapped("segment_characters", "image", '''
    boxes = _reference_segment_characters(image)
    n, _, stats, _ = cv2.connectedComponentsWithStats(binarize(image), connectivity=8)
    specks = [tuple(int(v) for v in s[:4]) for s in stats[1:] if s[4] <= 9]
    return sorted(boxes + specks, key=lambda b: b[0])
'''), "drop the specks"),
    # --- ink_framing ------------------------------------------------------------------------------
    Mutant("ink_framing", "the box's extent is max - min + 1", edited("ink_framing", (
        "max(np.ptp(xs), np.ptp(ys)) + 1", "max(np.ptp(xs), np.ptp(ys))")), "misses a pixel"),
    Mutant("ink_framing", "the median ink size", edited("ink_framing", (
        '"ink_size": float(np.median(sizes))', '"ink_size": float(np.mean(sizes))')), "the mean of the sizes"),
    Mutant("ink_framing", "ink is strictly above the threshold", edited("ink_framing", (
        "image > threshold", "image >= threshold")), "strictly above"),
    Mutant("ink_framing", "the threshold argument", edited("ink_framing", (
        "image > threshold", "image > 64")), "ignores its threshold argument"),
    Mutant("ink_framing", "the box centre (min + max) / 2", edited("ink_framing", (
        "(xs.min() + xs.max()) / 2 - 13.5, (ys.min() + ys.max()) / 2 - 13.5",
        "(xs.min() + xs.max() + 1) / 2 - 13.5, (ys.min() + ys.max() + 1) / 2 - 13.5")), "box_offset must be"),
    Mutant("ink_framing", "a Euclidean distance", edited("ink_framing", (
        "box_off.append(np.hypot(", "box_off.append(np.add(")), "mean Euclidean distance of the ink box"),
    Mutant("ink_framing", "the mean offset", edited("ink_framing", (
        "box_offset, mass_offset = float(np.mean(box_off)), float(np.mean(mass_off))",
        "box_offset, mass_offset = float(np.median(box_off)), float(np.median(mass_off))")), "mean Euclidean distance"),
    Mutant("ink_framing", "the intensity-weighted centre of mass", edited("ink_framing", (
        "cv2.moments(image.astype(np.float32))", "cv2.moments((image > threshold).astype(np.float32))")),
        "not of the thresholded mask"),
    Mutant("ink_framing", "'box' on a tie", edited("ink_framing", (
        '"box" if box_offset <= mass_offset', '"box" if box_offset < mass_offset')), "on a tie of the offsets"),
    Mutant("ink_framing", "'box' when the box is centred better", edited("ink_framing", (
        '"box" if box_offset <= mass_offset', '"box" if box_offset >= mass_offset')), "these L shapes have their boxes centred"),
    Mutant("ink_framing", "'mass' when the centre of mass is nearer", wrapped("ink_framing", "images, threshold=64",
                                                                           '    return dict(_reference_ink_framing(images, threshold), centring="box")\n'),
           "'mass' when the centres of mass are nearer"),
    # --- to_emnist --------------------------------------------------------------------------------
    Mutant("to_emnist", "upright: not transposed", wrapped("to_emnist", "crop, ink_size=None, centring=None",
                                                          "    return np.ascontiguousarray(_reference_to_emnist(crop, ink_size, centring).T)\n"),
           "the transposition trap"),
    Mutant("to_emnist", "upright: not flipped", wrapped("to_emnist", "crop, ink_size=None, centring=None",
                                                       "    return np.ascontiguousarray(_reference_to_emnist(crop, ink_size, centring)[::-1])\n"),
           "must stay upright"),
    Mutant("to_emnist", "the ink_size argument", edited("to_emnist", (
        'ink_size = FRAMING["ink_size"] if ink_size is None else ink_size', 'ink_size = FRAMING["ink_size"]')),
        "not ink_size pixels"),
    Mutant("to_emnist", "the ink_size argument, not MNIST's 20 px", edited("to_emnist", (
        'ink_size = FRAMING["ink_size"] if ink_size is None else ink_size', "ink_size = 20")), "MNIST's 20 px"),
    Mutant("to_emnist", "the centring argument", edited("to_emnist", (
        'centring = FRAMING["centring"] if centring is None else centring', 'centring = FRAMING["centring"]')),
        "with centring='box'"),
    Mutant("to_emnist", "'box' and 'mass' as the docstring defines them", edited("to_emnist", (
        'if centring == "mass":', 'if centring == "box":')), "are swapped"),
    Mutant("to_emnist", "pad to a square (aspect ratio)", edited("to_emnist", (
        "small = cv2.resize(square, (size, size)", "small = cv2.resize(ink, (size, size)")), "pad to a square"),
    Mutant("to_emnist", "paper to 0 (not 255 - gray)", edited("to_emnist", (
        "ink = np.clip((paper - g) / max(paper - ink_level, 1.0), 0, 1)", "ink = (255 - g) / 255")), "the paper must be 0"),
    Mutant("to_emnist", "the brightest pixel at 255", edited("to_emnist", (
        "np.rint(out / max(float(out.max()), 1e-6) * 255)", "np.rint(out * 250)")), "brightest pixel must be 255"),
    Mutant("to_emnist", "uint8 result", edited("to_emnist", (
        "return np.clip(np.rint(out / max(float(out.max()), 1e-6) * 255), 0, 255).astype(np.uint8)",
        "return out / max(float(out.max()), 1e-6)")), "must return (28, 28) uint8"),
    Mutant("to_emnist", "a crop without ink gives zeros", edited("to_emnist", (
        "if gray.size == 0 or int(gray.max()) - int(gray.min()) < 8:", "if gray.size == 0:")), "IndexError"),
    Mutant("to_emnist", "cut to the ink's box", edited("to_emnist", (
        "ink = ink[ys.min():ys.max() + 1, xs.min():xs.max() + 1]", "ink = ink")), "cut to the ink's box before scaling"),
    Mutant("to_emnist", "scaled into the frame (whole wrapper)", '''
def to_emnist(crop, ink_size=None, centring=None):
    gray = np.asarray(crop, dtype=np.uint8)
    if gray.ndim == 3:
        gray = cv2.cvtColor(gray, cv2.COLOR_BGR2GRAY)
    return cv2.resize(255 - gray, (28, 28), interpolation=cv2.INTER_AREA)
''', "white ink (up to 255) on black"),
    # --- word_breaks ------------------------------------------------------------------------------
    Mutant("word_breaks", "a bool NumPy array", wrapped("word_breaks", "boxes, space=0.45",
                                                      "    return list(_reference_word_breaks(boxes, space))\n"),
           "a NumPy array of dtype bool"),
    Mutant("word_breaks", "N - 1 entries", wrapped("word_breaks", "boxes, space=0.45",
                                                  "    return np.append(_reference_word_breaks(boxes, space), False)\n"),
           "3 values"),
    Mutant("word_breaks", "gaps between cells as wide as the median box", edited("word_breaks", (
        "half = np.maximum(b[:, 2], np.median(b[:, 2])) / 2", "half = b[:, 2] / 2")), "a narrow glyph in a wide margin"),
    Mutant("word_breaks", "two clusters (not the fixed rule everywhere)", edited("word_breaks", (
        "    if len(gaps) < 2:\n        return wide\n", "    return wide\n")), "split the gaps in two clusters"),
    Mutant("word_breaks", "the fixed rule on a line of one kind of gap", edited("word_breaks", (
        "    if upper.mean() - lower.mean() < space * height:\n        return wide  # one kind of gap: one word, or one-letter words\n",
        "")), "one kind of gap"),
    Mutant("word_breaks", "the space argument", edited("word_breaks", (
        "wide = gaps > space * height", "wide = gaps > 0.45 * height"),
        ("upper.mean() - lower.mean() < space * height", "upper.mean() - lower.mean() < 0.45 * height")),
        "the space argument sets"),
    Mutant("word_breaks", "the median box height, not the mean", edited("word_breaks", (
        "height = np.median(b[:, 3])", "height = np.mean(b[:, 3])")), "not their mean"),
    Mutant("word_breaks", "the box height, not the width", edited("word_breaks", (
        "height = np.median(b[:, 3])", "height = np.median(b[:, 2])")), "or their width"),
    # --- read_line --------------------------------------------------------------------------------
    Mutant("read_line", "spaces between words", wrapped("read_line", "image, model, mapping, space=0.45",
                                                       "    return _reference_read_line(image, model, mapping, space).replace(' ', '')\n"),
           "the space argument"),
    Mutant("read_line", "the space argument passed on", edited("read_line", (
        "word_breaks(boxes, space)", "word_breaks(boxes)")), "passing the space argument on"),
    Mutant("read_line", "spaces where word_breaks says (not the fixed rule)", edited("read_line", (
        "ends = word_breaks(boxes, space)",
        "height = np.median([h for _, _, _, h in boxes])\n"
        "    ends = [x1 - (x0 + w0) > space * height for (x0, _, w0, _), (x1, _, _, _) in zip(boxes[:-1], boxes[1:])]")),
        "put a space exactly where it says"),
    Mutant("read_line", "crops scaled to [0, 1]", edited("read_line", (
        'batch[..., None].astype("float32") / 255', 'batch[..., None].astype("float32")')), "as if they were not scaled"),
    Mutant("read_line", "the mapping argument", edited("read_line", (
        "def read_line(image, model, mapping, space=0.45):",
        "LABELS = list(mapping)\ndef read_line(image, model, labels, space=0.45):\n    mapping = LABELS")),
        "mapping argument"),
    Mutant("read_line", "an empty line reads ''", edited("read_line", (
        "    if not boxes:\n        return \"\"\n", "")), "need at least one array"),
    Mutant("read_line", "each crop framed by to_emnist", '''
def read_line(image, model, mapping, space=0.45):
    gray = np.asarray(image, dtype=np.uint8)
    boxes = segment_characters(gray)
    batch = np.stack([cv2.resize(gray[y:y + h, x:x + w], (28, 28)) for x, y, w, h in boxes])
    scores = np.asarray(model(batch[..., None].astype("float32") / 255, training=False))
    return "".join(mapping[int(k)] for k in scores.argmax(axis=1))
''', "frame each crop with to_emnist"),
    # --- ctc_greedy_decode ------------------------------------------------------------------------
    Mutant("ctc_greedy_decode", "repeats merged", edited("ctc_greedy_decode", (
        "starts[1:] = best[1:] != best[:-1]", "starts[1:] = True")), "must read [1, 2, 3, 3, 4] (H E L L O)"),
    Mutant("ctc_greedy_decode", "merged before the blanks are dropped", edited("ctc_greedy_decode", (
        "best = scores.reshape(-1, scores.shape[-1]).argmax(axis=1)\n",
        "best = scores.reshape(-1, scores.shape[-1]).argmax(axis=1)\n    best = best[best != blank]\n")),
        "merge each run of equal symbols first"),
    Mutant("ctc_greedy_decode", "the blank argument", edited("ctc_greedy_decode", (
        "if k != blank]", "if k != 0]")), "drop the blank given"),
    Mutant("ctc_greedy_decode", "the first index on a tie", edited("ctc_greedy_decode", (
        "best = scores.reshape(-1, scores.shape[-1]).argmax(axis=1)",
        "flat = scores.reshape(-1, scores.shape[-1])\n    best = flat.shape[1] - 1 - flat[:, ::-1].argmax(axis=1)")),
        "the first index on a tie"),
    Mutant("ctc_greedy_decode", "a list of Python ints", edited("ctc_greedy_decode", (
        "[int(k) for k in best[starts]", "[k for k in best[starts]")), "list of Python ints"),
    Mutant("ctc_greedy_decode", "the best symbol (not the symbols above 0)", edited("ctc_greedy_decode", (
        "best = scores.reshape(-1, scores.shape[-1]).argmax(axis=1)",
        "best = (scores.reshape(-1, scores.shape[-1]) > 0).argmax(axis=1)")), "negative logits must read like any scores"),
    # --- read_line_ctc ----------------------------------------------------------------------------
    Mutant("read_line_ctc", "index k is mapping[k - 1]", edited("read_line_ctc", (
        "mapping[k - 1]", "mapping[k % len(mapping)]")), "index k is mapping[k - 1]"),
    Mutant("read_line_ctc", "index K + 1 is a space", edited("read_line_ctc", (
        'chars = [" " if k == len(mapping) + 1 else mapping[k - 1] for k in ctc_greedy_decode(scores)]',
        "chars = [mapping[k - 1] for k in ctc_greedy_decode(scores) if k <= len(mapping)]")),
        "the space is index K + 1"),
    Mutant("read_line_ctc", "single spaces, none at the ends", edited("read_line_ctc", (
        'return " ".join("".join(chars).split())', 'return "".join(chars)')), "none at either end"),
    Mutant("read_line_ctc", "the model's input height", edited("read_line_ctc", (
        "line_tensor(binarize(gray), model.input_shape[1])", "line_tensor(binarize(gray))")),
        "scale the mask to the height the model takes"),
    Mutant("read_line_ctc", "the ink mask of binarize (negatives turned round)", edited("read_line_ctc", (
        "line_tensor(binarize(gray), model.input_shape[1])",
        "line_tensor((gray < 128).astype(np.uint8), model.input_shape[1])")), "read the ink mask of binarize"),
    Mutant("read_line_ctc", "the mapping argument", edited("read_line_ctc", (
        "def read_line_ctc(image, model, mapping):",
        "LABELS = list(mapping)\ndef read_line_ctc(image, model, labels):\n    mapping = LABELS")),
        "of the mapping argument it is given"),
)

ALTERNATES: tuple[Alternate, ...] = (
    Alternate("binarize", "an adaptive threshold (the other remedy of Part A)", '''
def binarize(image):
    gray = np.asarray(image, dtype=np.uint8)
    if gray.ndim == 3:
        gray = cv2.cvtColor(gray, cv2.COLOR_BGR2GRAY)
    if light_on_dark(gray):
        gray = 255 - gray
    return cv2.adaptiveThreshold(gray, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 51, 20)
'''),
    Alternate("light_on_dark", "pixels counted instead of their departures added up, on the full image", '''
def light_on_dark(gray):
    gray = np.asarray(gray, dtype=np.uint8)
    background = cv2.medianBlur(gray, max(3, min(min(gray.shape) // 3, 255) | 1))
    departure = gray.astype(np.int16) - background
    return bool((departure > 10).sum() > (departure < -10).sum())
'''),
    Alternate("word_breaks", "k-means with two clusters (Lloyd's iterations) and Python loops", '''
def word_breaks(boxes, space=0.45):
    boxes = [tuple(float(v) for v in box) for box in boxes]
    if len(boxes) < 2:
        return np.zeros(0, dtype=bool)
    height = float(np.median([b[3] for b in boxes]))
    typical = float(np.median([b[2] for b in boxes]))
    cells = [(b[0] + b[2] / 2 - max(b[2], typical) / 2, b[0] + b[2] / 2 + max(b[2], typical) / 2) for b in boxes]
    gaps = np.array([right[0] - left[1] for left, right in zip(cells[:-1], cells[1:])])
    low, high = gaps.min(), gaps.max()
    for _ in range(100):
        upper = np.abs(gaps - high) < np.abs(gaps - low)
        if upper.all() or not upper.any():
            break
        low, high = gaps[~upper].mean(), gaps[upper].mean()
    if upper.all() or not upper.any() or high - low < space * height:
        return gaps > space * height
    return upper
'''),
    Alternate("character_height", "np.quantile on Python lists, in a loop", '''
def character_height(stats):
    rows = [list(row) for row in stats]
    limit = 0.3 * np.quantile([row[4] for row in rows], 0.75)
    return float(np.quantile([row[3] for row in rows if row[4] >= limit], 0.75))
'''),
    Alternate("split_wide", "cuts found with Python loops over the columns", '''
def split_wide(labels, piece, char_h, char_w):
    x0, y0, x1, y1, _, members = piece
    w = x1 - x0
    if w <= 1.3 * char_h:
        return [(int(x0), int(y0), int(w), int(y1 - y0))]
    region = np.isin(labels[y0:y1, x0:x1], members)
    parts = max(2, int(round(w / char_w)))
    cuts = [0]
    for k in range(1, parts):
        best = None
        for c in range(int((k - 0.25) * w / parts), int((k + 0.25) * w / parts) + 1):
            if best is None or region[:, c].sum() < region[:, best].sum():
                best = c
        cuts.append(best)
    cuts.append(w)
    boxes = []
    for a0, a1 in zip(cuts[:-1], cuts[1:]):
        cols = [c for c in range(a0, a1) if region[:, c].any()]
        rows = [r for r in range(y1 - y0) if region[r, a0:a1].any()]
        if cols:
            boxes.append((int(x0 + cols[0]), int(y0 + rows[0]), cols[-1] - cols[0] + 1, rows[-1] - rows[0] + 1))
    return boxes
'''),
    Alternate("segment_characters", "sorted by (x, y)", wrapped("segment_characters", "image",
                                                               "    return sorted(_reference_segment_characters(image), key=lambda b: (b[0], b[1]))\n")),
    Alternate("ink_framing", "vectorised boxes with cv2.boundingRect", '''
def ink_framing(images, threshold=64):
    sizes, box_off, mass_off = [], [], []
    for image in np.asarray(images):
        if not (image > threshold).any():
            continue
        x, y, w, h = cv2.boundingRect((image > threshold).astype(np.uint8))
        sizes.append(max(w, h))
        box_off.append(np.linalg.norm([x + (w - 1) / 2 - 13.5, y + (h - 1) / 2 - 13.5]))
        m = cv2.moments(image.astype(np.float64))
        mass_off.append(np.linalg.norm([m["m10"] / m["m00"] - 13.5, m["m01"] / m["m00"] - 13.5]))
    box_offset, mass_offset = float(np.mean(box_off)), float(np.mean(mass_off))
    return {"ink_size": float(np.median(sizes)), "box_offset": box_offset, "mass_offset": mass_offset,
            "centring": "box" if box_offset <= mass_offset else "mass"}
'''),
    Alternate("to_emnist", "the centre of mass moved by whole pixels (np.roll)", edited("to_emnist", (
        "            shift = np.float32([[1, 0, 13.5 - m[\"m10\"] / m[\"m00\"]], [0, 1, 13.5 - m[\"m01\"] / m[\"m00\"]]])\n"
        "            out = cv2.warpAffine(out, shift, (28, 28), flags=cv2.INTER_LINEAR)\n",
        "            dy, dx = int(round(13.5 - m[\"m01\"] / m[\"m00\"])), int(round(13.5 - m[\"m10\"] / m[\"m00\"]))\n"
        "            out = np.roll(out, (dy, dx), axis=(0, 1))\n"))),
    Alternate("read_line", "the scores as a NumPy array, the boxes as an array", '''
def read_line(image, model, mapping, space=0.45):
    boxes = segment_characters(image)
    if len(boxes) == 0:
        return ""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if np.ndim(image) == 3 else np.asarray(image)
    batch = np.stack([to_emnist(gray[y:y + h, x:x + w]) for x, y, w, h in boxes]).astype("float32")[..., None] / 255.0
    labels = np.argmax(model(batch, training=False).numpy(), axis=1)
    x = np.array(boxes)
    wide = word_breaks(x, space=space)
    return "".join(mapping[labels[0]] + "".join((" " if g else "") + mapping[k] for g, k in zip(wide, labels[1:])))
'''),
    Alternate("ctc_greedy_decode", "itertools.groupby over a Python list of best indices", '''
import itertools
def ctc_greedy_decode(logits, blank=0):
    best = [int(np.argmax(step)) for step in np.asarray(logits, dtype=float)]
    return [k for k, _ in itertools.groupby(best) if k != blank]
'''),
    Alternate("read_line_ctc", "model.predict and keras.ops.ctc_decode", '''
def read_line_ctc(image, model, mapping):
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if np.ndim(image) == 3 else np.asarray(image, np.uint8)
    batch = line_tensor(binarize(gray), model.input_shape[1])[None]
    scores = model.predict(batch, verbose=0)
    decoded, _ = keras.ops.ctc_decode(scores, np.array([scores.shape[1]]), strategy="greedy", mask_index=0)
    labels = [int(k) for k in np.asarray(decoded)[0, 0] if k > 0]
    text = "".join(" " if k == len(mapping) + 1 else mapping[k - 1] for k in labels)
    return " ".join(text.split())
'''),
)


@contextlib.contextmanager
def _synthetic_course() -> Iterator[None]:
    """The committed configuration (embedded synthetic data), not grading, in a6's release folder."""
    with course_env(), contextlib.chdir(COURSE.release_dir(ASSIGNMENT)):
        os.environ.pop("CNNKIT_GRADING", None)
        yield


@lru_cache(maxsize=None)
def _reference_env() -> dict:
    with _synthetic_course(), contextlib.redirect_stdout(None):
        return execute_cells(solution_code(ASSIGNMENT, with_cells=EXTRA_CELLS))


def _params(cases: tuple[Mutant, ...] | tuple[Alternate, ...]) -> list:
    """``cases`` as pytest parameters, named after their question and clause, slow where their file is."""
    return [pytest.param(case, id=f"{case.question}: {case[1]}",
                         marks=[pytest.mark.slow] if case.question in SLOW_QUESTIONS else []) for case in cases]


@pytest.mark.parametrize("mutant", _params(MUTANTS))
def test_mutant_is_rejected_for_its_reason(mutant: Mutant):
    env = mutate(_reference_env(), mutant.code, mutant.clause)
    with _synthetic_course():
        assert_rejects(ASSIGNMENT, mutant.question, env, because=mutant.because)


@pytest.mark.parametrize("alternate", _params(ALTERNATES))
def test_alternate_keeps_full_marks(alternate: Alternate):
    env = mutate(_reference_env(), alternate.code, alternate.way)
    with _synthetic_course():
        assert_passes(ASSIGNMENT, alternate.question, env)


def test_every_question_has_mutants():
    per_question = Counter(m.question for m in MUTANTS)
    assert set(per_question) == set(questions(ASSIGNMENT)), per_question
    assert min(per_question.values()) >= 5, per_question


@pytest.mark.parametrize("question", questions(ASSIGNMENT))
def test_case_points_add_up_and_hidden_checks_are_stated(question: str):
    test_file = load_test_file(full_test_file(ASSIGNMENT, question), public_only=False)
    assert sum(case.points for case in test_file.test_cases) == test_file.question_points
    assert any(case.hidden for case in test_file.test_cases) and any(not case.hidden for case in test_file.test_cases)
    assert test_file.hidden_checks, f"{question} says nothing about what its hidden cases verify"
