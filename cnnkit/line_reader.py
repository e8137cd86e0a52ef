"""A line reader that needs no segmentation (Assignment 6, Part F): a CNN over the whole line, a
recurrent layer across it, and a CTC output.

The network reads an ink mask (1 = ink, as ``binarize`` returns it) scaled by :func:`line_tensor` to
``HANDWRITING["line_reader"]["height"]`` rows: a (height, W, 1) float32 tensor. Four convolution
blocks shrink the height to 2 rows and the width to W / 4; each of the W / 4 columns then becomes a
time step of a bidirectional GRU, and a Dense layer gives, per time step, ``K + 2`` logits: the
*blank* (index 0), the K EMNIST classes (index ``label + 1``) and the space (index ``K + 1``).
Connectionist temporal classification (CTC) trains it on the text alone: no character boxes. The
loss sums the probability of every alignment of the text to the time steps (repeats merged, blanks
dropped); ``keras.ops.ctc_loss`` computes it from the *logits* (a softmax before it is wrong).

:func:`train_line_reader` is the ``release_files`` hook that trains the network the release ships
(``line_reader.keras``) on lines composed from EMNIST characters that touch and overlap, with
varying spacing and slant (:func:`cnnkit.handwriting.compose_lines`), and on lines of English words
written in handwriting fonts, whose letters a pen joins (:func:`cnnkit.font_lines.write_lines`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import keras
import numpy as np

from cnnkit import config
from cnnkit.handwriting import compose_lines, stroke_width

__all__ = ["encode_text", "line_reader_model", "line_tensor", "train_line_reader", "training_batch"]


def _recipe() -> dict:
    return config.settings().handwriting["line_reader"]


#: The least stroke width of a line tensor's ink, as a fraction of the ink's height.
STROKE = 0.08


def _thickened(ink: np.ndarray, least: float) -> np.ndarray:
    """``ink`` with its strokes dilated to about ``least`` px where they are thinner."""
    grow = int(round(least - stroke_width(ink)))
    if grow < 1:
        return ink
    return cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (grow + 1, grow + 1)))


def line_tensor(mask: np.ndarray, height: int | None = None) -> np.ndarray:
    """An ink mask as the line reader takes it: cropped to its ink, scaled to ``height`` rows.

    Rows whose ink count is below 2 % of the inkiest row's are left out at the top and the bottom
    (specks, the tips of a neighbouring line), and empty columns at both ends. Strokes thinner than
    ``STROKE`` of the ink's height (a fine pen; EMNIST's strokes are about a tenth of a line's ink
    height) are thickened to it (dilation with a disc), the stroke width estimated as twice the ink
    area over its boundary pixels. A margin of an eighth of the ink's height is kept on every side.
    The crop is scaled (``cv2.INTER_AREA``, aspect ratio kept) to ``height`` rows and padded on the
    right with zeros to a width that is a multiple of 4 (the network's time steps are 4 px wide).

    Args:
        mask: (H, W) ink mask, 1 (or any value > 0) = ink, 0 = paper.
        height: rows of the result (default ``HANDWRITING["line_reader"]["height"]``, 32).

    Returns:
        (height, W', 1) float32 in [0, 1], W' a multiple of 4 (at least 4); all zeros for a mask
        without ink.
    """
    height = int(height or _recipe()["height"])
    ink = (np.asarray(mask) > 0).astype(np.float32)
    if ink.ndim != 2:
        raise ValueError(f"line_tensor takes a (H, W) mask, got shape {ink.shape}")
    rows, cols = ink.sum(1), np.flatnonzero(ink.any(0))
    if len(cols) == 0:
        return np.zeros((height, 4, 1), np.float32)
    kept = np.flatnonzero(rows >= 0.02 * rows.max())
    top, bottom = kept[0], kept[-1] + 1
    margin = max(1, (bottom - top) // 8)
    crop = _thickened(np.pad(ink[top:bottom, cols[0]:cols[-1] + 1], margin), STROKE * (bottom - top))
    width = max(1, int(round(crop.shape[1] * height / crop.shape[0])))
    scaled = cv2.resize(crop, (width, height), interpolation=cv2.INTER_AREA)
    padded = np.zeros((height, -(-width // 4) * 4), np.float32)
    padded[:, :width] = np.clip(scaled, 0, 1)
    return padded[..., None]


def encode_text(text: str, mapping: Sequence[str]) -> list[int]:
    """The CTC targets of a line's text: ``label + 1`` per character (``mapping[label]``), ``K + 1``
    per space between words (K = ``len(mapping)``); 0, the blank, never occurs.

    Raises:
        ValueError: for a character that is not in ``mapping``.
    """
    index = {char: label + 1 for label, char in enumerate(mapping)}
    space = len(mapping) + 1
    try:
        return [space if char == " " else index[char] for char in " ".join(text.split())]
    except KeyError as missing:
        raise ValueError(f"{missing.args[0]!r} is not one of the {len(mapping)} classes") from None


def line_reader_model(num_classes: int, height: int | None = None) -> keras.Model:
    """The convolutional-recurrent line reader (about 0.27 M parameters for 47 classes).

    Input (height, None, 1): a :func:`line_tensor` of any width W (a multiple of 4). Four blocks of
    Conv2D 3x3 (16, 48, 64, 96 filters: few at full resolution, where a filter costs most) - batch
    norm - ReLU - max pool ((2, 2), (2, 2), (2, 1), (2, 1)) leave (height / 16, W / 4, 96); each
    column is one time step of a bidirectional GRU (96 units each way); a Dense layer gives
    ``num_classes + 2`` logits per step (no softmax).

    Returns:
        A ``keras.Model`` mapping (batch, height, W, 1) to (batch, W / 4, num_classes + 2) logits.
    """
    height = int(height or _recipe()["height"])
    inputs = keras.Input((height, None, 1), name="line")
    x = inputs
    for filters, pool in [(16, (2, 2)), (48, (2, 2)), (64, (2, 1)), (96, (2, 1))]:
        x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.ReLU()(x)
        x = keras.layers.MaxPooling2D(pool)(x)
    x = keras.layers.Permute((2, 1, 3))(x)  # (W / 4, height / 16, 128): width first
    x = keras.layers.Reshape((-1, (height // 16) * 96))(x)
    x = keras.layers.Bidirectional(keras.layers.GRU(96, return_sequences=True))(x)
    outputs = keras.layers.Dense(num_classes + 2, name="logits")(x)
    return keras.Model(inputs, outputs, name="line_reader")


def _mask_of(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A composed line's ink mask as a binarizer finds it: adaptive threshold, then (now and then)
    strokes made thinner or thicker by one pixel."""
    block = int(image.shape[0]) | 1
    mask = cv2.adaptiveThreshold(image, 1, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY_INV, block, 12)
    kernel = np.ones((2, 2), np.uint8)
    change = rng.random()
    if change < 0.25:
        mask = cv2.erode(mask, kernel)
    elif change < 0.5:
        mask = cv2.dilate(mask, kernel)
    return mask


def _tensors(masks: Sequence[np.ndarray], height: int, width: int) -> np.ndarray:
    """Masks as :func:`line_tensor`\\ s right-padded (or squeezed) to ``width``: (n, height, width, 1)."""
    x = np.zeros((len(masks), height, width, 1), np.float32)
    for k, mask in enumerate(masks):
        tensor = line_tensor(mask, height)
        if tensor.shape[1] > width:
            tensor = cv2.resize(tensor, (width, height), interpolation=cv2.INTER_AREA)[..., None]
        x[k, :, :tensor.shape[1]] = tensor
    return x


def _composed(images: np.ndarray, labels: np.ndarray, mapping: Sequence[str], n_lines: int,
              seed: int) -> list[tuple[np.ndarray, str]]:
    """``n_lines`` EMNIST lines in four equal groups (see :func:`training_batch`): (image, text)."""
    recipe = _recipe()
    line_h, line_w = recipe["line_size"]
    groups = [{"touch_prob": float(recipe["touch_prob"])}, {"layout": "frame"}]
    groups = [{**group, "sizes": sizes} for sizes in ("emnist", "written") for group in groups]
    return [(line.image, line.text) for k, options in enumerate(groups)
            for line in compose_lines(images, labels, mapping, n_lines // 4 + (k < n_lines % 4), seed=seed + k,
                                      height=line_h, width=line_w, **options)]


def training_batch(images: np.ndarray, labels: np.ndarray, mapping: Sequence[str], n_lines: int, *,
                   seed: int, fonts: Sequence[Path] = (), font_lines: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The line reader's training lines: ``font_lines`` written in ``fonts``, the others composed
    from EMNIST characters.

    The written lines (:func:`cnnkit.font_lines.write_lines`, seed ``seed``) come first, their text
    mapped to the classes by :func:`cnnkit.font_lines.label_text` (lines left with no character
    are kept, with an empty target). The composed lines (``compose_lines`` with
    ``HANDWRITING["line_reader"]``'s ``line_size``) come in four equal groups: the "ink" layout
    with ``touch_prob`` (characters that touch and overlap) and the "frame" layout (narrow glyphs
    in wide margins), each with the "emnist" sizes (every character as tall as the line's) and the
    "written" ones (lowercase letters at x-height, descenders). Every line becomes a mask
    (:func:`_mask_of`), then a :func:`line_tensor` right-padded (or squeezed) to the recipe's
    ``width``.

    Returns:
        x: (n_lines, height, width, 1) float32 in [0, 1].
        y: (n_lines, max_len) int32 CTC targets (:func:`encode_text`), padded with 0.
    """
    from cnnkit.font_lines import label_text, write_lines

    if not 0 <= font_lines <= n_lines or (font_lines and not fonts):
        raise ValueError(f"font_lines must be in [0, {n_lines}] and needs fonts, got {font_lines} and {len(fonts)} fonts")
    recipe = _recipe()
    written = [(image, label_text(text, mapping)) for image, text in write_lines(fonts, font_lines, seed=seed)]
    lines = written + _composed(images, labels, mapping, n_lines - font_lines, seed)
    rng = np.random.default_rng(seed)
    x = _tensors([_mask_of(image, rng) for image, _ in lines], int(recipe["height"]), int(recipe["width"]))
    targets = [encode_text(text, mapping) for _, text in lines]
    y = np.zeros((n_lines, max([1, *map(len, targets)])), np.int32)
    for k, target in enumerate(targets):
        y[k, :len(target)] = target
    return x, y


class _WidthBatches(keras.utils.PyDataset):
    """Training batches of lines of about the same width, each cut to its widest line.

    A line's width is that of its ink (the last column with ink), or the 4 px per time step that
    its CTC target needs if that is more (a symbol per step, a blank between repeats), rounded up
    to a multiple of ``step`` px and at most the tensors' width. The padding right of it is
    dropped, so a batch of short lines costs less: on the recipe's lines (median width 276 of
    384 px) the training takes a fifth less CPU. Every epoch the lines are shuffled, sorted by
    their width (lines of one width stay shuffled), cut into batches of ``batch_size``, and the
    batches shuffled.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, batch_size: int, seed: int, step: int = 32):
        super().__init__()
        self.x, self.y, self.batch_size = x, y, batch_size
        inked = x[..., 0].max(axis=1) > 0  # (n, W)
        ink = np.where(inked.any(axis=1), x.shape[2] - np.argmax(inked[:, ::-1], axis=1), 1)
        steps = (y > 0).sum(axis=1) + ((y[:, 1:] == y[:, :-1]) & (y[:, 1:] > 0)).sum(axis=1)
        self.widths = np.minimum(x.shape[2], -(-np.maximum(ink, 4 * steps) // step) * step)
        self.rng = np.random.default_rng(seed)
        self.on_epoch_end()

    def __len__(self) -> int:
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        lines = self.batches[index]
        return self.x[lines, :, :int(self.widths[lines].max())], self.y[lines]

    def on_epoch_end(self) -> None:
        shuffled = self.rng.permutation(len(self.x))
        by_width = shuffled[np.argsort(self.widths[shuffled], kind="stable")]
        batches = [by_width[k:k + self.batch_size] for k in range(0, len(by_width), self.batch_size)]
        self.batches = [batches[k] for k in self.rng.permutation(len(batches))]


def ctc_loss(y_true, y_pred):
    """Mean CTC loss of a batch: ``y_true`` (batch, max_len) targets padded with 0, ``y_pred``
    (batch, T, C) logits."""
    y_true = keras.ops.cast(y_true, "int32")
    target_length = keras.ops.sum(keras.ops.cast(y_true > 0, "int32"), axis=1)
    steps = keras.ops.shape(y_pred)[1]
    output_length = keras.ops.full((keras.ops.shape(y_pred)[0],), steps, dtype="int32")
    return keras.ops.mean(keras.ops.ctc_loss(y_true, y_pred, target_length, output_length, mask_index=0))


def train_line_reader(path: str | Path) -> Path:
    """Train the line reader the release ships, and save it to ``path``.

    A ``release_files`` hook of ``course_config.ASSIGNMENTS["a6_text_segmentation"]``: the build
    calls it with ``release/a6_text_segmentation/line_reader.keras``. Recipe:
    ``HANDWRITING["line_reader"]``: ``lines`` training lines (:func:`training_batch`), of which
    ``font_lines`` are written in the handwriting fonts (:func:`cnnkit.font_lines.find_fonts`) and
    the others composed of the configured EMNIST training images, ``epochs`` with batches of
    ``batch_size`` lines of about the same width, cut to it (:class:`_WidthBatches`), Adam at
    ``learning_rate`` with gradients clipped to norm 5 and cosine decay, the CTC loss;
    ``keras.utils.set_random_seed(seed)`` first. The file holds the network alone (no optimizer).

    Returns:
        ``Path(path)``.
    """
    from cnnkit.data import load_emnist_data
    from cnnkit.font_lines import find_fonts
    from cnnkit.models import train_or_load

    def train() -> keras.Model:
        recipe = _recipe()
        data = load_emnist_data(usage="train")
        keras.utils.set_random_seed(int(recipe["seed"]))
        x, y = training_batch(data.images, data.labels, data.mapping, int(recipe["lines"]), seed=int(recipe["seed"]),
                              fonts=find_fonts(), font_lines=int(recipe["font_lines"]))
        model = line_reader_model(len(data.mapping), int(recipe["height"]))
        epochs = int(recipe["epochs"])
        batches = _WidthBatches(x, y, int(recipe["batch_size"]), int(recipe["seed"]))
        schedule = keras.optimizers.schedules.CosineDecay(float(recipe["learning_rate"]), epochs * len(batches))
        model.compile(optimizer=keras.optimizers.Adam(schedule, clipnorm=5.0), loss=ctc_loss)
        model.fit(batches, epochs=epochs, verbose=0)
        return keras.Model(model.input, model.output, name="line_reader")

    train_or_load(path, train)
    return Path(path)
