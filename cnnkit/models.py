"""Training helpers for the notebooks that train models (Assignments 3 and 4, and the reference
model of Assignment 6).

=============================  ================================================================
:func:`train_or_load`          train a model and save it (``.keras``), or, in grading mode, load
                               the saved file instead (the autograder never trains)
:func:`training_budget`        epochs, training-set size and batch size for the current data
                               (``course_config.TRAINING_BUDGET``)
:func:`tensorboard_callback`   Keras' TensorBoard callback with the course's settings
:class:`TestSetLogger`         a callback that also logs the test loss and accuracy every epoch
:func:`read_scalars`           read the scalars of a TensorBoard run back (TensorBoard's reader)
:func:`read_histograms`        read the weight histograms of a TensorBoard run back
:func:`fresh_log_dir`          an empty folder for a new TensorBoard run
:func:`fold_batchnorm`         the inference-time network: batch normalization folded into the
                               layer before it, dropout left out (deployment)
=============================  ================================================================

Grading mode is ``cnnkit.config.settings().grading`` (``CNNKIT_GRADING=1``): the autograder
re-executes a submitted notebook there, with the trained models and the TensorBoard logs the
student saved beside it.
"""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np

from cnnkit import config

__all__ = [
    "TestSetLogger",
    "TrainingBudget",
    "fold_batchnorm",
    "fresh_log_dir",
    "read_histograms",
    "read_scalars",
    "tensorboard_callback",
    "train_or_load",
    "training_budget",
]


# --- train once, load when grading --------------------------------------------------------------


def train_or_load(path: str | Path, train: Callable[[], keras.Model]) -> keras.Model | None:
    """Train and save a model, or load the saved one in grading mode.

    Outside grading mode: calls ``train()``, saves the model it returns to ``path`` (Keras'
    ``.keras`` format, overwriting an older file) and returns it. The optimizer's state (Adam's
    moment estimates, two numbers per weight) is not saved: the file is about a third of the size,
    and the loaded model predicts and evaluates exactly like the trained one.

    In grading mode (``CNNKIT_GRADING=1``): never trains; loads ``path`` and returns the model. If
    the file is missing or unreadable, prints one line on stdout that names it and returns
    ``None``, so that the checks which need the model fail with that reason.

    Args:
        path: where the model is saved, e.g. ``"emnist_cnn.keras"`` (relative paths are relative to
            the notebook's folder; the file must end in ``.keras``).
        train: a function without arguments that builds, compiles, trains and returns the model.

    Returns:
        The trained (or loaded) model; ``None`` in grading mode when there is no usable file.
    """
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"models are saved in Keras' format: the path must end in .keras, got {path}")
    if config.settings().grading:
        if not path.is_file():
            print(f"cnnkit: the submission has no saved model {path.name} (grading mode loads it and never trains)",
                  flush=True)
            return None
        try:
            with warnings.catch_warnings():
                # "Skipping variable loading for optimizer": its state was deliberately not saved.
                warnings.simplefilter("ignore")
                return keras.models.load_model(path)
        except Exception as exc:  # any reason a file does not load is the submission's problem  # noqa: BLE001
            print(f"cnnkit: the saved model {path.name} cannot be loaded ({type(exc).__name__}: "
                  f"{str(exc).splitlines()[0] if str(exc) else ''})", flush=True)
            return None
    model = train()
    if not isinstance(model, keras.Model):
        raise TypeError(f"train() must return the trained keras.Model, got {type(model).__name__}")
    if model.compiled and model.optimizer is not None:
        # Recompile with a fresh, unbuilt optimizer of the same configuration (same loss and
        # metrics): none of the optimizer's per-weight state goes into the file.
        model.compile(**keras.saving.deserialize_keras_object(model.get_compile_config()))
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path)
    return model


# --- budgets ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingBudget:
    """How much training the notebooks do on the current data.

    Attributes:
        kind: ``"synthetic"`` (the embedded default) or ``"real"`` (EMNIST files).
        train_size: training images used (taken from the start of the training split, before the
            validation split is cut off); ``None``: all of them.
        batch_size: images per gradient step.
        epochs: epochs per model, e.g. ``{"dense": 5, "cnn": 6}``; see ``course_config.py``.
    """

    kind: str
    train_size: int | None
    batch_size: int
    epochs: dict[str, int] = field(default_factory=dict)


def training_budget(kind: str | None = None) -> TrainingBudget:
    """The training budget of ``course_config.TRAINING_BUDGET`` for the data in use.

    Args:
        kind: ``"synthetic"`` or ``"real"``; ``None``: the kind :func:`cnnkit.data.load_emnist`
            returns now (the embedded default when no EMNIST files are found).

    Returns:
        A :class:`TrainingBudget`.
    """
    if kind is None:
        from cnnkit.data import emnist_source

        kind = "synthetic" if emnist_source() == "synthetic" else "real"
    budgets = config.settings().training_budget
    if kind not in budgets:
        raise KeyError(f"course_config.TRAINING_BUDGET has no entry {kind!r} (has {sorted(budgets)})")
    entry = budgets[kind]
    return TrainingBudget(kind=kind, train_size=entry["train_size"], batch_size=int(entry["batch_size"]),
                          epochs=dict(entry["epochs"]))


# --- TensorBoard --------------------------------------------------------------------------------


def fresh_log_dir(log_dir: str | Path) -> str:
    """Delete an old TensorBoard run folder and return its path as a string.

    Each training run should write into an empty folder: a second run into the same folder adds a
    second event file and TensorBoard draws both curves on top of each other.

    Args:
        log_dir: the run's folder, e.g. ``"logs/a3/cnn"``.

    Returns:
        ``str(log_dir)`` (the folder itself is created by the writers).
    """
    shutil.rmtree(log_dir, ignore_errors=True)
    return str(log_dir)


class _CourseTensorBoard(keras.callbacks.TensorBoard):
    """Keras' TensorBoard callback that also logs the weights before training (at step -1)."""

    def on_train_begin(self, logs: dict | None = None) -> None:
        super().on_train_begin(logs)
        if self.histogram_freq:
            self._log_weights(-1)


def tensorboard_callback(log_dir: str | Path, *, histogram_freq: int = 1) -> keras.callbacks.Callback:
    """Keras' TensorBoard callback as the course uses it.

    Writes, under ``log_dir``: ``train/`` and ``validation/`` event files with each epoch's
    ``epoch_loss`` and ``epoch_accuracy`` (and ``epoch_learning_rate``) at steps 0, 1, ... (epoch
    1, 2, ...), and, every ``histogram_freq`` epochs, a histogram of every weight tensor into
    ``train/`` (tags such as ``dense/hidden1/kernel/histogram``), plus one of the initial weights at
    step -1, before the first epoch. The model graph is not written (it is large, and TensorBoard's
    "Graphs" tab adds little to ``model.summary()``).

    Args:
        log_dir: the run's folder, e.g. ``"logs/a3/cnn"``.
        histogram_freq: epochs between two weight histograms (0: none).

    Returns:
        A ``keras.callbacks.TensorBoard`` to pass to ``model.fit(callbacks=[...])``.
    """
    return _CourseTensorBoard(log_dir=str(log_dir), histogram_freq=histogram_freq, write_graph=False)


class TestSetLogger(keras.callbacks.Callback):
    """A Keras callback that evaluates the model on a test set after every epoch.

    The loss (mean cross-entropy, in nats) and the accuracy (fraction correct) go into
    :attr:`history` and, when ``log_dir`` is given, to ``log_dir/<run>/`` as the scalars
    ``epoch_loss`` and ``epoch_accuracy``, so that TensorBoard draws them beside ``train`` and
    ``validation``.

    The test set is only *looked at* here: decisions (when to stop, which model to keep) are made
    on the validation split.

    Args:
        images: ``(N, 28, 28, 1)`` float32 inputs, as the model takes them.
        labels: ``(N,)`` integer labels.
        log_dir: the run's folder (the TensorBoard callback's), or ``None``: history only.
        run: the sub-folder name (``"test"``).
        batch_size: images per prediction batch.
    """

    def __init__(self, images: np.ndarray, labels: np.ndarray, log_dir: str | Path | None = None, *,
                 run: str = "test", batch_size: int = 1024) -> None:
        super().__init__()
        self.images = images
        self.labels = np.asarray(labels).astype(np.int64)
        self.batch_size = batch_size
        self.history: dict[str, list[float]] = {"loss": [], "accuracy": []}
        self.run_dir = None if log_dir is None else str(Path(log_dir) / run)
        self._writer = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        import tensorflow as tf

        if self.run_dir is not None and self._writer is None:
            self._writer = tf.summary.create_file_writer(self.run_dir)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        import tensorflow as tf

        probs = np.asarray(self.model.predict(self.images, batch_size=self.batch_size, verbose=0), dtype=np.float64)
        picked = probs[np.arange(len(self.labels)), self.labels]
        loss = float(-np.mean(np.log(np.clip(picked, 1e-7, 1.0))))
        accuracy = float(np.mean(probs.argmax(axis=1) == self.labels))
        self.history["loss"].append(loss)
        self.history["accuracy"].append(accuracy)
        if self._writer is not None:
            with self._writer.as_default():
                tf.summary.scalar("epoch_loss", loss, step=epoch)
                tf.summary.scalar("epoch_accuracy", accuracy, step=epoch)
            self._writer.flush()

    def on_train_end(self, logs: dict | None = None) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def _accumulator(run_dir: str | Path):
    """TensorBoard's own reader over one run folder, everything loaded."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise FileNotFoundError(f"no TensorBoard run folder {run_dir}")
    acc = EventAccumulator(str(run_dir), size_guidance={"tensors": 0, "scalars": 0, "histograms": 0, "images": 0})
    acc.Reload()
    return acc


def read_scalars(run_dir: str | Path) -> dict[str, np.ndarray]:
    """The scalars of one TensorBoard run (e.g. ``logs/a3/cnn/train``), read with TensorBoard's reader.

    Args:
        run_dir: a folder holding event files.

    Returns:
        ``{tag: values}``, e.g. ``{"epoch_loss": array([...]), "epoch_accuracy": ...}``, one float per
        step in step order (the last value written wins when a step repeats).
    """
    import tensorflow as tf

    acc = _accumulator(run_dir)
    out = {}
    for tag in acc.Tags()["tensors"]:
        if acc.SummaryMetadata(tag).plugin_data.plugin_name != "scalars":
            continue
        by_step = {event.step: float(tf.make_ndarray(event.tensor_proto)) for event in acc.Tensors(tag)}
        out[tag] = np.array([by_step[s] for s in sorted(by_step)])
    for tag in acc.Tags()["scalars"]:  # summaries written by the TF1-style API
        by_step = {event.step: event.value for event in acc.Scalars(tag)}
        out[tag] = np.array([by_step[s] for s in sorted(by_step)])
    return out


def read_histograms(run_dir: str | Path, contains: str = "") -> dict[str, list[tuple[int, np.ndarray, np.ndarray]]]:
    """The weight histograms of one TensorBoard run (written by ``histogram_freq``).

    Args:
        run_dir: the ``train`` folder of a run, e.g. ``logs/a3/cnn/train``.
        contains: keep the tags containing this text (e.g. ``"dense"``).

    Returns:
        ``{tag: [(step, edges, counts), ...]}`` in step order; ``edges`` ``(B + 1,)`` bucket
        boundaries, ``counts`` ``(B,)`` weights per bucket.
    """
    import tensorflow as tf

    acc = _accumulator(run_dir)
    out = {}
    for tag in acc.Tags()["tensors"]:
        if contains not in tag or acc.SummaryMetadata(tag).plugin_data.plugin_name != "histograms":
            continue
        series = []
        for event in sorted(acc.Tensors(tag), key=lambda e: e.step):
            buckets = tf.make_ndarray(event.tensor_proto)  # (B, 3): left edge, right edge, count
            if buckets.size == 0:
                continue
            edges = np.append(buckets[:, 0], buckets[-1, 1])
            series.append((int(event.step), edges, buckets[:, 2]))
        out[tag] = series
    return out


# --- deployment ---------------------------------------------------------------------------------


def fold_batchnorm(model: keras.Model) -> keras.Model:
    """The inference-time network of a model with batch normalization and dropout.

    At inference a ``BatchNormalization`` layer is a fixed affine map per channel,
    ``y = gamma * (x - moving_mean) / sqrt(moving_var + eps) + beta = s * x + t``, so when it follows a
    ``Conv2D`` or ``Dense`` layer without activation it can be folded into that layer's weights:
    ``kernel' = kernel * s`` (per output channel) and ``bias' = (bias - moving_mean) * s + beta``.
    ``Dropout`` is the identity at inference and is left out.

    Args:
        model: a trained model whose layers form a chain (as ``keras.Sequential`` builds, or a
            functional model without branches), taking one input.

    Returns:
        A new ``keras.Sequential`` computing the same function as ``model(x, training=False)``
        (up to float32 rounding), without ``Dropout`` layers and with every foldable
        ``BatchNormalization`` folded; other layers are copied with their weights.

    Raises:
        ValueError: the model is not a chain (checked by comparing the outputs on random inputs).
    """
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    new_layers: list[keras.layers.Layer] = []
    weights: list[list[np.ndarray]] = []
    for layer in layers:
        if isinstance(layer, keras.layers.Dropout):
            continue
        previous = new_layers[-1] if new_layers else None
        foldable = (
            isinstance(layer, keras.layers.BatchNormalization)
            and isinstance(previous, (keras.layers.Conv2D, keras.layers.Dense))
            and previous.get_config().get("activation") == "linear"
            and layer.axis in (-1, len(layer.input.shape) - 1)
        )
        if foldable:
            kernel, bias = weights[-1]
            gamma = np.asarray(layer.gamma) if layer.gamma is not None else 1.0
            beta = np.asarray(layer.beta) if layer.beta is not None else 0.0
            scale = gamma / np.sqrt(np.asarray(layer.moving_variance) + layer.epsilon)
            weights[-1] = [kernel * scale, (bias - np.asarray(layer.moving_mean)) * scale + beta]
            continue
        config = layer.get_config()
        layer_weights = [np.asarray(w) for w in layer.get_weights()]
        if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense)) and not config.get("use_bias", True):
            config["use_bias"] = True  # a folded batch normalization brings a bias
            layer_weights.append(np.zeros(layer_weights[0].shape[-1], dtype=layer_weights[0].dtype))
        if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense)) and len(layer_weights) == 1:
            layer_weights.append(np.zeros(layer_weights[0].shape[-1], dtype=layer_weights[0].dtype))
        new_layers.append(layer.__class__.from_config(config))
        weights.append(layer_weights)
    not_a_chain = f"{model.name} is not a chain of layers: fold_batchnorm cannot rebuild it"
    try:
        folded = keras.Sequential([keras.Input(tuple(model.input_shape[1:])), *new_layers], name=f"{model.name}_folded")
        for layer, layer_weights in zip(new_layers, weights):
            layer.set_weights(layer_weights)
    except Exception as exc:  # a layer that needs several inputs, shapes that do not chain  # noqa: BLE001
        raise ValueError(not_a_chain) from exc
    probe = np.random.default_rng(0).random((4, *model.input_shape[1:])).astype("float32")
    expected = np.asarray(model(probe, training=False))
    if not np.allclose(np.asarray(folded(probe)), expected, atol=1e-4 * max(1.0, float(np.abs(expected).max()))):
        raise ValueError(not_a_chain)
    return folded


# --- Assignment 6: the reference EMNIST model its release ships ------------------------------------


def train_reference_emnist(path: str | Path) -> Path:
    """Train the small EMNIST CNN that Assignment 6 reads characters with, and save it to ``path``.

    A ``release_files`` hook of ``course_config.ASSIGNMENTS["a6_text_segmentation"]``: the build
    calls it with ``release/a6_text_segmentation/emnist_reference.keras``. It trains on
    ``load_emnist_data(usage="train")``, i.e. on the configured data (the committed build forces the
    embedded synthetic default; ``cnnkit build --real`` uses the EMNIST files), with the recipe of
    ``HANDWRITING["reference_model"][kind]`` for that kind of data (``"synthetic"`` or ``"real"``):
    ``epochs`` with batches of ``batch_size``, Adam at ``learning_rate`` (cosine decay to zero over
    the run when ``cosine``), ``keras.utils.set_random_seed(seed)`` first, and, when ``augment``,
    each training batch randomly rotated (up to 11 degrees), zoomed (10 %) and shifted (6 %) in a
    ``tf.data`` pipeline, so that characters cut from a line of handwriting (slanted, scaled, framed
    by ``to_emnist``) look like training images. The file holds the network alone (through
    :func:`train_or_load`: no augmentation layers, no optimizer state).

    The network: Conv2D 32 (3x3, ReLU) - max pool - Conv2D 64 (3x3, ReLU) - max pool - dropout 0.25 -
    Dense 128 (ReLU) - dropout 0.25 - Dense K (softmax), on ``(28, 28, 1)`` images scaled to [0, 1].

    Returns:
        ``Path(path)``.
    """
    import tensorflow as tf

    from cnnkit.data import load_emnist_data

    def train() -> keras.Model:
        data = load_emnist_data(usage="train")
        kind = "synthetic" if data.source == "synthetic" else "real"
        recipe = config.settings().handwriting["reference_model"][kind]
        x = data.images[..., None].astype("float32") / 255
        keras.utils.set_random_seed(int(recipe["seed"]))
        model = keras.Sequential([
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(64, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dropout(0.25),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dropout(0.25),
            keras.layers.Dense(len(data.mapping), activation="softmax"),
        ], name="emnist_reference")
        epochs, batch_size = int(recipe["epochs"]), int(recipe["batch_size"])
        learning_rate = float(recipe["learning_rate"])
        if recipe.get("cosine"):
            learning_rate = keras.optimizers.schedules.CosineDecay(learning_rate, epochs * -(-len(x) // batch_size))
        model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        if not recipe.get("augment"):
            model.fit(x, data.labels, batch_size=batch_size, epochs=epochs, verbose=0)
            return model
        augment = keras.Sequential([
            keras.layers.RandomRotation(0.03, fill_mode="constant"),
            keras.layers.RandomZoom(0.1, fill_mode="constant"),
            keras.layers.RandomTranslation(0.06, 0.06, fill_mode="constant"),
        ])
        batches = (tf.data.Dataset.from_tensor_slices((x, data.labels))
                   .shuffle(len(x), seed=int(recipe["seed"])).batch(batch_size)
                   .map(lambda images, labels: (augment(images, training=True), labels), num_parallel_calls=tf.data.AUTOTUNE)
                   .prefetch(tf.data.AUTOTUNE))
        model.fit(batches, epochs=epochs, verbose=0)
        return model

    train_or_load(path, train)
    return Path(path)
