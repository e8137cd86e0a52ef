"""The hidden tests of a3_emnist_cnn and a4_regularization accept the reference and reject mutants.

Each test runs a full test file (public and hidden cases) with ``cnnkit.checks`` against a namespace:
the reference (the source notebook's solution cells, markers stripped) or the reference with one thing
broken the way a student might break it. Models are tiny and untrained, or the trained ones the build
saved with the correct example submission; everything runs in-process in well under a minute.

a3's mutants and alternates are data (:data:`A3_MUTANTS`, :data:`A3_ALTERNATES`): code executed on top
of the reference namespace, one clause of the notebook's text each; a mutant must make its question fail
with a message containing its ``because``, an alternate (a correct solution written another way) must
pass every case.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import keras

from cnnkit.models import tensorboard_callback  # noqa: E402
from tests.conftest import COURSE, course_env, solution_code  # noqa: E402
from tests.mutation import Alternate, Mutant, assert_passes, assert_rejects, execute_cells, mutate, questions  # noqa: E402


@pytest.fixture(autouse=True)
def _course(monkeypatch):
    monkeypatch.delenv("CNNKIT_GRADING", raising=False)
    with course_env():
        yield


def reference(assignment: str) -> dict:
    """The source notebook's setup and solution cells, executed (no data, no training)."""
    return execute_cells(solution_code(assignment, with_cells=("setup",)), {"NUM_CLASSES": 47}, label=f"{assignment} cell")


def with_(env: dict, **changes) -> dict:
    return {**env, **changes}


def example_model(assignment: str, filename: str) -> keras.Model:
    """The trained model of the store (a missing one fails: the store is committed)."""
    return keras.models.load_model(COURSE.trained(assignment) / filename)


# --- a3_emnist_cnn ------------------------------------------------------------------------------

A3 = "a3_emnist_cnn"


_DENSE = "keras.layers.Dense"
A3_MUTANTS: list[Mutant] = [
    # prepare_images
    Mutant("prepare_images", "upright: no transpose", '''
def prepare_images(images):
    return (np.asarray(images, dtype=np.float32) / 255.0).transpose(0, 2, 1)[..., np.newaxis]
''', "the images are transposed"),
    Mutant("prepare_images", "scaled to [0, 1]", '''
def prepare_images(images):
    return np.asarray(images, dtype=np.float32)[..., np.newaxis]
''', "the pixels are not scaled"),
    Mutant("prepare_images", "divided by 255, not by the maximum", '''
def prepare_images(images):
    x = np.asarray(images, dtype=np.float32)
    return (x / x.max())[..., np.newaxis]
''', "divided by the brightest pixel instead of 255"),
    Mutant("prepare_images", "divided by 255 exactly", '''
def prepare_images(images):
    return (np.asarray(images, dtype=np.float32) / 256.0)[..., np.newaxis]
''', "expected 0.0 and 1.0"),
    Mutant("prepare_images", "float32", '''
def prepare_images(images):
    return (np.asarray(images) / 255.0)[..., np.newaxis]
''', "expected float32"),
    Mutant("prepare_images", "channel axis last", '''
def prepare_images(images):
    return (np.asarray(images, dtype=np.float32) / 255.0)[:, np.newaxis]
''', "the channel axis of length one comes last"),
    Mutant("prepare_images", "input not modified", '''
def prepare_images(images):
    images = np.asarray(images)
    images[images < 8] = 0  # clean up faint noise first
    return (images.astype(np.float32) / 255.0)[..., np.newaxis]
''', "changed the array it was given"),
    # dense_baseline
    Mutant("dense_baseline", "layer sizes 256, 128", f'''
def build_dense_model():
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), {_DENSE}(256, activation="relu"),
                             {_DENSE}(129, activation="relu"), {_DENSE}(47, activation="softmax")])
''', "parameters"),
    Mutant("dense_baseline", "layer order 256 then 128", f'''
def build_dense_model():
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), {_DENSE}(128, activation="relu"),
                             {_DENSE}(256, activation="relu"), {_DENSE}(47, activation="softmax")])
''', "239,919"),
    Mutant("dense_baseline", "input (28, 28, 1) and Flatten", f'''
def build_dense_model():
    return keras.Sequential([keras.Input((784,)), {_DENSE}(256, activation="relu"),
                             {_DENSE}(128, activation="relu"), {_DENSE}(47, activation="softmax")])
''', "keras.Input((28, 28, 1))"),
    Mutant("dense_baseline", "ReLU on the first hidden layer", f'''
def build_dense_model():
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), {_DENSE}(256),
                             {_DENSE}(128, activation="relu"), {_DENSE}(47, activation="softmax")])
''', "the first hidden layer has no ReLU"),
    Mutant("dense_baseline", "ReLU on the second hidden layer", f'''
def build_dense_model():
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), {_DENSE}(256, activation="relu"),
                             {_DENSE}(128), {_DENSE}(47, activation="softmax")])
''', "the second hidden layer has no ReLU"),
    Mutant("dense_baseline", "ReLU, not another activation", f'''
def build_dense_model():
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), {_DENSE}(256, activation="sigmoid"),
                             {_DENSE}(128, activation="sigmoid"), {_DENSE}(47, activation="softmax")])
''', "does not compute relu(x W + b)"),
    Mutant("dense_baseline", "softmax on the output", f'''
def build_dense_model():
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), {_DENSE}(256, activation="relu"),
                             {_DENSE}(128, activation="relu"), {_DENSE}(47)])
''', "softmax is missing on the output"),
    Mutant("dense_baseline", "softmax, not sigmoid", f'''
def build_dense_model():
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), {_DENSE}(256, activation="relu"),
                             {_DENSE}(128, activation="relu"), {_DENSE}(47, activation="sigmoid")])
''', "the output is not the softmax"),
    # cnn_architecture
    Mutant("cnn_architecture", "at least two Conv2D layers", '''
def build_cnn():
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(8, 3, activation="relu"),
                             keras.layers.MaxPooling2D(2), keras.layers.Flatten(),
                             keras.layers.Dense(47, activation="softmax")])
''', "1 Conv2D"),
    Mutant("cnn_architecture", "convolutions at all", '''
build_cnn = build_dense_model
''', "0 Conv2D"),
    Mutant("cnn_architecture", "ReLU on the convolutions", '''
def build_cnn():
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(32, 3), keras.layers.MaxPooling2D(2),
                             keras.layers.Conv2D(64, 3), keras.layers.MaxPooling2D(2), keras.layers.Flatten(),
                             keras.layers.Dense(47, activation="softmax")])
''', "has no ReLU"),
    Mutant("cnn_architecture", "max pooling, not average", '''
def build_cnn():
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(32, 3, activation="relu"),
                             keras.layers.AveragePooling2D(2), keras.layers.Conv2D(64, 3, activation="relu"),
                             keras.layers.AveragePooling2D(2), keras.layers.Flatten(),
                             keras.layers.Dense(47, activation="softmax")])
''', "AveragePooling2D"),
    Mutant("cnn_architecture", "pooling after each convolution", '''
def build_cnn():
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(8, 3, activation="relu"),
                             keras.layers.Conv2D(16, 3, activation="relu"), keras.layers.Flatten(),
                             keras.layers.Dense(47, activation="softmax")])
''', "is not followed by a MaxPooling2D"),
    Mutant("cnn_architecture", "Flatten before the dense part", '''
def build_cnn():
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(32, 3, activation="relu"),
                             keras.layers.MaxPooling2D(2), keras.layers.Conv2D(128, 3, activation="relu"),
                             keras.layers.MaxPooling2D(2), keras.layers.GlobalMaxPooling2D(),
                             keras.layers.Dense(47, activation="softmax")])
''', "needs a Flatten layer"),
    Mutant("cnn_architecture", "softmax on the output", '''
def build_cnn():
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(32, 3, activation="relu"),
                             keras.layers.MaxPooling2D(2), keras.layers.Conv2D(64, 3, activation="relu"),
                             keras.layers.MaxPooling2D(2), keras.layers.Flatten(), keras.layers.Dense(47)])
''', "softmax is missing on the output"),
    Mutant("cnn_architecture", "at least 30,000 parameters", '''
def build_cnn():
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(8, 3, activation="relu"),
                             keras.layers.MaxPooling2D(2), keras.layers.Conv2D(16, 3, activation="relu"),
                             keras.layers.MaxPooling2D(2), keras.layers.Flatten(),
                             keras.layers.Dense(47, activation="softmax")])
''', "fewer than the 30,000"),
    Mutant("cnn_architecture", "at most 1,000,000 parameters", '''
def build_cnn():
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(32, 3, activation="relu"),
                             keras.layers.MaxPooling2D(2), keras.layers.Conv2D(64, 3, activation="relu"),
                             keras.layers.MaxPooling2D(2), keras.layers.Flatten(),
                             keras.layers.Dense(1024, activation="relu"), keras.layers.Dense(47, activation="softmax")])
''', "more than the 1,000,000"),
    # trained_cnn
    Mutant("trained_cnn", "a saved model", "cnn_model = None\n", "no saved model emnist_cnn.keras"),
    Mutant("trained_cnn", "two convolutions in the saved model", '''
keras.utils.set_random_seed(1)
cnn_model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(8, 3, activation="relu"),
                              keras.layers.MaxPooling2D(2), keras.layers.Flatten(),
                              keras.layers.Dense(47, activation="softmax")])
''', "1 Conv2D"),
    Mutant("trained_cnn", "a CNN, not the dense baseline", '''
keras.utils.set_random_seed(1)
cnn_model = build_dense_model()
''', "0 Conv2D"),
    Mutant("trained_cnn", "trained", '''
keras.utils.set_random_seed(1)
cnn_model = build_cnn()
''', "hidden test images correctly"),
    Mutant("trained_cnn", "trained on upright images", '''
cnn_model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Permute((2, 1, 3)), *cnn_model.layers])
''', "it was trained on transposed images"),
    Mutant("trained_cnn", "softmax on the saved output", '''
_trained = cnn_model
cnn_model = keras.models.clone_model(_trained)
cnn_model.set_weights(_trained.get_weights())
cnn_model.layers[-1].activation = keras.activations.linear
''', "softmax is missing on the saved CNN's output"),
    Mutant("trained_cnn", "30,000 to 1,000,000 parameters in the saved model", '''
keras.utils.set_random_seed(1)
cnn_model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(32, 3, activation="relu"),
                              keras.layers.Conv2D(64, 3, activation="relu"), keras.layers.Flatten(),
                              keras.layers.Dense(47, activation="softmax")])
''', "Part C asks for 30,000 to 1,000,000"),
    # tensorboard_logs (the log folders are made by the ``a3_logs`` fixture)
    Mutant("tensorboard_logs", "logs of both runs where LOG_DIR says", 'LOG_DIR = "logs/elsewhere"\n',
           "no TensorBoard event file"),
    Mutant("tensorboard_logs", "LOG_DIR inside the submitted folder", 'LOG_DIR = str(Path("logs/a3").resolve())\n',
           "inside the assignment"),
    Mutant("tensorboard_logs", "a validation run", 'LOG_DIR = "logs/no_validation"\n', "no TensorBoard event file"),
    Mutant("tensorboard_logs", "weight histograms", 'LOG_DIR = "logs/no_histograms"\n', "no weight histograms"),
    Mutant("tensorboard_logs", "at least two epochs", 'LOG_DIR = "logs/one_epoch"\n', "1 epoch(s)"),
    # confusion_matrix
    Mutant("confusion_matrix", "rows = true labels", '''
_reference_cm = confusion_matrix
def confusion_matrix(y_true, y_pred, num_classes):
    return _reference_cm(y_true, y_pred, num_classes).T
''', "rows and columns are swapped"),
    Mutant("confusion_matrix", "every repeated pair counted", '''
def confusion_matrix(y_true, y_pred, num_classes):
    m = np.zeros((num_classes, num_classes), dtype=np.int64)
    m[np.asarray(y_true), np.asarray(y_pred)] += 1
    return m
''', "is counted once"),
    Mutant("confusion_matrix", "size from num_classes", '''
def confusion_matrix(y_true, y_pred, num_classes):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    k = int(max(y_true.max(), y_pred.max())) + 1
    m = np.zeros((k, k), dtype=np.int64)
    np.add.at(m, (y_true, y_pred), 1)
    return m
''', "not set by the largest label seen"),
    Mutant("confusion_matrix", "integer counts", '''
def confusion_matrix(y_true, y_pred, num_classes):
    m = np.zeros((num_classes, num_classes))
    for t, p in zip(y_true, y_pred):
        m[t, p] += 1
    return m
''', "the counts must be integers"),
    Mutant("confusion_matrix", "plain lists accepted", '''
def confusion_matrix(y_true, y_pred, num_classes):
    codes = np.asarray(y_true * num_classes + y_pred)  # lists: * repeats and + concatenates
    return np.bincount(codes, minlength=num_classes ** 2)[:num_classes ** 2].reshape(num_classes, num_classes)
''', "confusion_matrix returned"),
    Mutant("confusion_matrix", "counted with NumPy", '''
def confusion_matrix(y_true, y_pred, num_classes):
    return tf.math.confusion_matrix(y_true, y_pred, num_classes=num_classes).numpy().astype(np.int64)
''', "uses tensorflow.math.confusion_matrix"),
    # feature_maps
    Mutant("feature_maps", "uint8 images divided by 255", '''
_reference_maps = feature_maps
def feature_maps(model, image):
    return _reference_maps(model, np.asarray(image, dtype=np.float32))
''', "the uint8 image was not divided by 255"),
    Mutant("feature_maps", "float images taken as they are", '''
_reference_maps = feature_maps
def feature_maps(model, image):
    return _reference_maps(model, np.asarray(image, dtype=np.float32) / 255.0)
''', "the float image was divided by 255 again"),
    Mutant("feature_maps", "the convolutions' outputs, not the pooling's", '''
_reference_maps = feature_maps
def feature_maps(model, image):
    return [m[: m.shape[0] // 2 * 2 : 2, : m.shape[1] // 2 * 2 : 2] for m in _reference_maps(model, image)]
''', "shapes"),
    Mutant("feature_maps", "without the batch axis", '''
_reference_maps = feature_maps
def feature_maps(model, image):
    return [m[np.newaxis] for m in _reference_maps(model, image)]
''', "without the batch axis"),
    Mutant("feature_maps", "every Conv2D layer of the model given", '''
_reference_maps = feature_maps
def feature_maps(model, image):
    return _reference_maps(model, image)[:2]  # the notebook's CNN has two
''', "another number of Conv2D layers"),
    Mutant("feature_maps", "in layer order", '''
_reference_maps = feature_maps
def feature_maps(model, image):
    return _reference_maps(model, image)[::-1]
''', "reverse order"),
    Mutant("feature_maps", "each layer's output (after its ReLU)", '''
def feature_maps(model, image):
    image = np.asarray(image)
    x = image.astype(np.float32) / 255.0 if image.dtype == np.uint8 else image.astype(np.float32)
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    inputs = keras.Model(model.inputs[0], [layer.input for layer in convs])(x[np.newaxis, :, :, np.newaxis])
    inputs = inputs if isinstance(inputs, (list, tuple)) else [inputs]
    return [np.asarray(tf.nn.conv2d(i, layer.kernel, 1, "VALID") + layer.bias)[0] for layer, i in zip(convs, inputs)]
''', "before the layers' ReLU"),
    Mutant("feature_maps", "the image as it is", '''
_reference_maps = feature_maps
def feature_maps(model, image):
    return _reference_maps(model, np.asarray(image).T)
''', "transposed image"),
    Mutant("feature_maps", "float32 arrays", '''
_reference_maps = feature_maps
def feature_maps(model, image):
    return [np.asarray(m, dtype=np.float64) for m in _reference_maps(model, image)]
''', "expected float32"),
]

A3_ALTERNATES: list[Alternate] = [
    Alternate("prepare_images", "expand_dims and a float32 multiplication", '''
def prepare_images(images):
    return np.expand_dims(np.asarray(images).astype("float32") * np.float32(1 / 255), -1)
'''),
    Alternate("dense_baseline", "separate Activation layers", f'''
def build_dense_model():
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), {_DENSE}(256),
                             keras.layers.Activation("relu"), {_DENSE}(128), keras.layers.Activation("relu"),
                             {_DENSE}(47), keras.layers.Activation("softmax")])
'''),
    Alternate("dense_baseline", "functional API with ReLU and Softmax layers", f'''
def build_dense_model():
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Flatten()(inputs)
    x = keras.layers.ReLU()({_DENSE}(256)(x))
    x = {_DENSE}(128, activation="relu")(x)
    return keras.Model(inputs, keras.layers.Softmax()({_DENSE}(47)(x)))
'''),
    Alternate("cnn_architecture", "functional API, ReLU layers after batch normalization, a hidden Dense", '''
def build_cnn():
    inputs = keras.Input((28, 28, 1))
    x = inputs
    for filters in (16, 32):
        x = keras.layers.Conv2D(filters, 3)(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.Activation("relu")(x)
        x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Dense(64, activation="relu")(keras.layers.Flatten()(x))
    return keras.Model(inputs, keras.layers.Dense(47, activation="softmax")(x))
'''),
    Alternate("cnn_architecture", "two convolutions per stage", '''
def build_cnn():
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(16, 3, activation="relu"),
                             keras.layers.Conv2D(32, 3, activation="relu"), keras.layers.MaxPooling2D(2),
                             keras.layers.Conv2D(32, 3, activation="relu"), keras.layers.MaxPooling2D(2),
                             keras.layers.Flatten(), keras.layers.Dense(47, activation="softmax")])
'''),
    Alternate("confusion_matrix", "a loop", '''
def confusion_matrix(y_true, y_pred, num_classes):
    m = np.zeros((num_classes, num_classes), dtype=np.int64)
    for t, p in zip(y_true, y_pred):
        m[int(t), int(p)] += 1
    return m
'''),
    Alternate("confusion_matrix", "np.add.at", '''
def confusion_matrix(y_true, y_pred, num_classes):
    m = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(m, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return m
'''),
    Alternate("feature_maps", "layer by layer, without a probe model", '''
def feature_maps(model, image):
    image = np.asarray(image)
    x = (image / 255.0 if image.dtype == np.uint8 else image).astype(np.float32)[np.newaxis, :, :, np.newaxis]
    maps = []
    for layer in model.layers:
        x = layer(x)
        if isinstance(layer, keras.layers.Conv2D):
            maps.append(np.asarray(x)[0])
    return maps
'''),
]


@pytest.fixture(scope="module")
def a3() -> dict:
    """The reference namespace, with the trained CNN the build saves with the correct example."""
    with course_env():
        env = reference(A3)
    return with_(env, cnn_model=example_model(A3, "emnist_cnn.keras"), Path=Path)


def _tiny_run(log_dir: Path, *, histograms: bool = True, validation: bool = True, epochs: int = 2) -> None:
    """A few steps of a tiny dense network, logged like the notebook's training."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(8, activation="relu"), keras.layers.Dense(47, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x, y = rng.random((64, 28, 28, 1)).astype("float32"), rng.integers(0, 47, 64)
    callback = tensorboard_callback(log_dir, histogram_freq=1 if histograms else 0)
    model.fit(x, y, validation_data=(x[:16], y[:16]) if validation else None, epochs=epochs, batch_size=16,
              verbose=0, callbacks=[callback])


@pytest.fixture(scope="module")
def a3_logs(tmp_path_factory) -> Path:
    """A folder with ``logs/a3`` (both runs, as the notebook writes them) and, for the mutants, ``logs/<name>``
    where the dense run lacks one thing."""
    root = tmp_path_factory.mktemp("a3_logs")
    with course_env():
        for run_name in ("dense", "cnn"):
            _tiny_run(root / "logs" / "a3" / run_name)
        for folder, kwargs in (("no_histograms", {"histograms": False}), ("one_epoch", {"epochs": 1}),
                               ("no_validation", {"validation": False})):
            shutil.copytree(root / "logs" / "a3" / "cnn", root / "logs" / folder / "cnn")
            _tiny_run(root / "logs" / folder / "dense", **kwargs)  # one bad run is enough to fail
    return root


def _cwd(question: str, a3_logs: Path) -> Path | None:
    """Where ``question`` runs: the log folders for tensorboard_logs, anywhere for the others."""
    return a3_logs if question == "tensorboard_logs" else None


@pytest.mark.parametrize("question", questions(A3))
def test_a3_reference_passes(a3: dict, a3_logs: Path, question: str):
    assert_passes(A3, question, a3, cwd=_cwd(question, a3_logs))


@pytest.mark.parametrize("mutant", A3_MUTANTS, ids=[f"{m.question}: {m.clause}" for m in A3_MUTANTS])
def test_a3_mutant_is_rejected_for_its_reason(a3: dict, a3_logs: Path, mutant: Mutant):
    env = mutate(a3, mutant.code, f"{mutant.question}: {mutant.clause}")
    assert_rejects(A3, mutant.question, env, mutant.because, cwd=_cwd(mutant.question, a3_logs))


@pytest.mark.parametrize("alternate", A3_ALTERNATES, ids=[f"{a.question}: {a.way}" for a in A3_ALTERNATES])
def test_a3_alternate_passes(a3: dict, alternate: Alternate):
    assert_passes(A3, alternate.question, mutate(a3, alternate.code, f"{alternate.question}: {alternate.way}"))


def test_a3_every_question_has_mutants():
    counts = Counter(m.question for m in A3_MUTANTS)
    assert set(counts) == set(questions(A3)), f"questions without mutants: {set(questions(A3)) - set(counts)}"
    assert all(m.because for m in A3_MUTANTS), "every mutant names the reason its case gives"


def test_a3_feature_maps_pass_without_a_trained_model(a3: dict):
    assert_passes(A3, "feature_maps", with_(a3, cnn_model=None))


# --- a4_regularization --------------------------------------------------------------------------

A4 = "a4_regularization"


@pytest.fixture(scope="module")
def a4() -> dict:
    with course_env():
        return reference(A4)


@pytest.mark.parametrize("question", ["l2_dense", "dropout_forward", "batchnorm_forward", "regularized_cnn"])
def test_a4_reference_passes(a4: dict, question: str):
    assert_passes(A4, question, a4)


def test_a4_rejects_dropout_active_at_inference(a4: dict):
    def always(x, rate, training, rng=None):
        return a4["dropout_forward"](x, rate, True, rng)

    assert_rejects(A4, "dropout_forward", with_(a4, dropout_forward=always), "unchanged")


def test_a4_rejects_dropout_without_scaling(a4: dict):
    def unscaled(x, rate, training, rng=None):
        return a4["dropout_forward"](x, rate, training, rng) * (1 - rate if training else 1)

    assert_rejects(A4, "dropout_forward", with_(a4, dropout_forward=unscaled), "1 / (1 - rate)")


def test_a4_rejects_dropout_ignoring_its_rng(a4: dict):
    def fresh_rng(x, rate, training, rng=None):
        return a4["dropout_forward"](x, rate, training, np.random.default_rng())

    assert_rejects(A4, "dropout_forward", with_(a4, dropout_forward=fresh_rng), "same seed")


def test_a4_rejects_batchnorm_with_batch_statistics_at_inference(a4: dict):
    def batch_stats(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
        out, _, _ = a4["batchnorm_forward"](x, gamma, beta, moving_mean, moving_var, True, momentum, eps)
        return out, np.array(moving_mean, float), np.array(moving_var, float)

    assert_rejects(A4, "batchnorm_forward", with_(a4, batchnorm_forward=batch_stats), "MOVING statistics")


def test_a4_rejects_batchnorm_mistakes_in_training(a4: dict):
    def unbiased(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
        if not training:
            return a4["batchnorm_forward"](x, gamma, beta, moving_mean, moving_var, False, momentum, eps)
        x = np.asarray(x, float)
        axes = tuple(range(x.ndim - 1))
        mean, var = x.mean(axes), x.var(axes, ddof=1)
        out = gamma * (x - mean) / np.sqrt(var + eps) + beta
        return out, momentum * moving_mean + (1 - momentum) * mean, momentum * moving_var + (1 - momentum) * var

    def swapped_momentum(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
        out, _, _ = a4["batchnorm_forward"](x, gamma, beta, moving_mean, moving_var, training, momentum, eps)
        _, new_mean, new_var = a4["batchnorm_forward"](x, gamma, beta, moving_mean, moving_var, training, 1 - momentum, eps)
        return out, new_mean, new_var

    assert_rejects(A4, "batchnorm_forward", with_(a4, batchnorm_forward=unbiased), "biased batch variance")
    assert_rejects(A4, "batchnorm_forward", with_(a4, batchnorm_forward=swapped_momentum), "moving statistics differ")


def test_a4_rejects_regularizers_in_the_wrong_places(a4: dict):
    def ignores_arguments(dropout_rate=0.25, batchnorm=True):
        return a4["build_regularized_cnn"]()

    def first_layer_only(l2=0.0):
        model = a4["build_dense_model"](0.0)
        if l2 > 0:
            model.layers[1].kernel_regularizer = keras.regularizers.L2(l2)
        return model

    assert_rejects(A4, "regularized_cnn", with_(a4, build_regularized_cnn=ignores_arguments), "BatchNormalization layer(s)")
    assert_rejects(A4, "l2_dense", with_(a4, build_dense_model=first_layer_only), "without kernel_regularizer")


def test_a4_predict_probabilities_needs_inference_mode(a4: dict):
    assert_passes(A4, "predict_probabilities", with_(a4, regularized_cnn=None))

    def training_mode(model, images, batch_size=1024):
        return np.asarray(model(np.asarray(images, dtype=np.float32), training=True))

    assert_rejects(A4, "predict_probabilities", with_(a4, predict_probabilities=training_mode, regularized_cnn=None))


def test_a4_trained_model_accepted_and_mutants_rejected(a4: dict):
    assert_passes(A4, "trained_regularized", with_(a4, regularized_cnn=example_model(A4, "regularized_cnn.keras")))
    keras.utils.set_random_seed(2)
    assert_rejects(A4, "trained_regularized", with_(a4, regularized_cnn=a4["build_regularized_cnn"]()), "hidden test images")
    assert_rejects(A4, "trained_regularized", with_(a4, regularized_cnn=a4["build_regularized_cnn"](0.0, False)),
                   "needs BatchNormalization and Dropout")
    assert_rejects(A4, "trained_regularized", with_(a4, regularized_cnn=None), "no saved model regularized_cnn.keras")
