"""The hidden tests of a3_emnist_cnn and a4_regularization accept the reference and reject mutants.

Each test runs a full test file (public and hidden cases) with ``cnnkit.checks`` against a namespace:
the reference (the source notebook's solution cells, markers stripped) or the reference with one thing
broken the way a student might break it. Models are tiny and untrained, or the trained ones the build
saved with the correct example submission; everything runs in-process in well under a minute.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import keras

from cnnkit.models import tensorboard_callback  # noqa: E402
from tests.conftest import COURSE, course_env, solution_code  # noqa: E402
from tests.mutation import assert_passes, assert_rejects, execute_cells  # noqa: E402


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


@pytest.fixture(scope="module")
def a3() -> dict:
    with course_env():
        return reference(A3)


def one_conv_cnn() -> keras.Model:
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(8, 3, activation="relu"),
                             keras.layers.MaxPooling2D(2), keras.layers.Flatten(),
                             keras.layers.Dense(47, activation="softmax")])


@pytest.mark.parametrize("question", ["prepare_images", "dense_baseline", "cnn_architecture", "confusion_matrix"])
def test_a3_reference_passes(a3: dict, question: str):
    assert_passes(A3, question, a3)


def test_a3_feature_maps_reference_passes_and_wrong_maps_fail(a3: dict):
    assert_passes(A3, "feature_maps", with_(a3, cnn_model=None))

    def unscaled(model, image):  # forgets to divide uint8 images by 255
        return a3["feature_maps"](model, np.asarray(image, dtype=np.float32))

    def pooled(model, image):  # the output of the pooling layers instead of the convolutions
        maps = a3["feature_maps"](model, image)
        return [m[: m.shape[0] // 2 * 2 : 2, : m.shape[1] // 2 * 2 : 2] for m in maps]

    assert_rejects(A3, "feature_maps", with_(a3, feature_maps=unscaled, cnn_model=None), "uint8 image")
    assert_rejects(A3, "feature_maps", with_(a3, feature_maps=pooled, cnn_model=None), "shapes")


def test_a3_rejects_one_conv_and_dense_only_builders(a3: dict):
    assert_rejects(A3, "cnn_architecture", with_(a3, build_cnn=one_conv_cnn), "1 Conv2D")
    assert_rejects(A3, "cnn_architecture", with_(a3, build_cnn=a3["build_dense_model"]), "0 Conv2D")


def test_a3_rejects_a_dense_baseline_with_wrong_layers(a3: dict):
    def wider():
        return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                                 keras.layers.Dense(256, activation="relu"), keras.layers.Dense(129, activation="relu"),
                                 keras.layers.Dense(47, activation="softmax")])

    assert_rejects(A3, "dense_baseline", with_(a3, build_dense_model=wider), "parameters")


def test_a3_rejects_swapped_confusion_matrix(a3: dict):
    def swapped(y_true, y_pred, num_classes):
        return a3["confusion_matrix"](y_true, y_pred, num_classes).T

    assert_rejects(A3, "confusion_matrix", with_(a3, confusion_matrix=swapped), "swapped")


def test_a3_trained_model_accepted_and_mutants_rejected(a3: dict):
    """The build's trained CNN passes; one conv layer, dense only, untrained, or no file fail."""
    assert_passes(A3, "trained_cnn", with_(a3, cnn_model=example_model(A3, "emnist_cnn.keras")))
    keras.utils.set_random_seed(1)
    assert_rejects(A3, "trained_cnn", with_(a3, cnn_model=one_conv_cnn()), "1 Conv2D")
    assert_rejects(A3, "trained_cnn", with_(a3, cnn_model=a3["build_dense_model"]()), "0 Conv2D")
    assert_rejects(A3, "trained_cnn", with_(a3, cnn_model=a3["build_cnn"]()), "hidden test images")
    assert_rejects(A3, "trained_cnn", with_(a3, cnn_model=None), "no saved model emnist_cnn.keras")


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


def test_a3_tensorboard_logs(tmp_path: Path, monkeypatch, a3: dict):
    """Logs with scalars and histograms pass; missing runs, histograms or epochs fail."""
    monkeypatch.chdir(tmp_path)
    for run_name in ("dense", "cnn"):
        _tiny_run(tmp_path / "logs" / "a3" / run_name)
    assert_passes(A3, "tensorboard_logs", with_(a3, LOG_DIR="logs/a3"))
    assert_rejects(A3, "tensorboard_logs", with_(a3, LOG_DIR="logs/elsewhere"), "no TensorBoard event file")
    assert_rejects(A3, "tensorboard_logs", with_(a3, LOG_DIR=str(tmp_path / "logs" / "a3")), "inside the assignment")
    for run_name, kwargs, because in (("no_histograms", {"histograms": False}, "no weight histograms"),
                                      ("one_epoch", {"epochs": 1}, "1 epoch(s)")):
        shutil.copytree(tmp_path / "logs" / "a3" / "cnn", tmp_path / "logs" / run_name / "cnn")
        _tiny_run(tmp_path / "logs" / run_name / "dense", **kwargs)  # one bad run is enough to fail
        assert_rejects(A3, "tensorboard_logs", with_(a3, LOG_DIR=f"logs/{run_name}"), because)


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
