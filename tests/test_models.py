"""cnnkit.models: train_or_load, the training budget, the TensorBoard helpers and BN folding."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import keras

from cnnkit import models  # noqa: E402
from tests.conftest import course_env  # noqa: E402


def _tiny_model(batchnorm: bool = False, dropout: float = 0.0) -> keras.Model:
    """A small CNN for (8, 8, 1) inputs and 3 classes, built in a second."""
    layers = [keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3, use_bias=not batchnorm, name="conv")]
    if batchnorm:
        layers.append(keras.layers.BatchNormalization(name="bn"))
    layers += [keras.layers.Activation("relu"), keras.layers.Flatten()]
    if dropout:
        layers.append(keras.layers.Dropout(dropout))
    layers.append(keras.layers.Dense(3, activation="softmax", name="out"))
    return keras.Sequential(layers, name="tiny")


def _data(n: int = 96, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = rng.random((n, 8, 8, 1)).astype("float32") * 0.2
    x[np.arange(n), y * 2, :, 0] += 1.0  # the class is a bright row: learnable
    return x, y


def _trained(log_dir: Path | None = None, epochs: int = 2, **kwargs) -> keras.Model:
    keras.utils.set_random_seed(0)
    model = _tiny_model(**kwargs)
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = _data()
    callbacks = [] if log_dir is None else [models.tensorboard_callback(log_dir), models.TestSetLogger(x, y, log_dir)]
    model.fit(x[:64], y[:64], validation_data=(x[64:], y[64:]), epochs=epochs, batch_size=16, verbose=0,
              callbacks=callbacks)
    return model


@pytest.fixture(autouse=True)
def _course(monkeypatch):
    """The course's configuration and the synthetic data; never grading mode unless a test says so."""
    monkeypatch.delenv("CNNKIT_GRADING", raising=False)
    with course_env():
        yield


def test_train_or_load_trains_saves_and_returns(tmp_path: Path):
    """Outside grading mode: train() runs once, the model is saved as .keras and returned."""
    calls = []

    def train():
        calls.append(1)
        return _trained()

    path = tmp_path / "sub" / "model.keras"
    model = models.train_or_load(path, train)
    assert calls == [1] and path.is_file()
    loaded = keras.models.load_model(path)
    x, _ = _data(8, seed=1)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    assert loaded.compiled and loaded.evaluate(x, np.zeros(8, int), verbose=0)  # compiled: evaluate works


def test_train_or_load_leaves_the_optimizer_state_out(tmp_path: Path):
    """The file holds no Adam moments: about a third of a plain model.save of the same model."""
    def train():
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(512),
                                  keras.layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(*_data(32), epochs=1, verbose=0)
        return model

    model = models.train_or_load(tmp_path / "small.keras", train)
    train().save(tmp_path / "full.keras")
    assert (tmp_path / "small.keras").stat().st_size < 0.7 * (tmp_path / "full.keras").stat().st_size
    model.fit(*_data(16), epochs=1, verbose=0)  # still trainable after the save


def test_grading_mode_loads_and_never_trains(tmp_path: Path, monkeypatch):
    path = tmp_path / "model.keras"
    models.train_or_load(path, lambda: _trained())
    monkeypatch.setenv("CNNKIT_GRADING", "1")

    def must_not_train():
        raise AssertionError("grading mode trained a model")

    loaded = models.train_or_load(path, must_not_train)
    x, _ = _data(8, seed=2)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), keras.models.load_model(path).predict(x, verbose=0),
                               atol=1e-6)


def test_grading_mode_missing_file_says_so_on_stdout(tmp_path: Path, monkeypatch, capfd):
    """A missing model: one line on stdout naming the file, nothing on stderr, and None."""
    monkeypatch.setenv("CNNKIT_GRADING", "1")
    assert models.train_or_load(tmp_path / "emnist_cnn.keras", lambda: 1 / 0) is None
    out, err = capfd.readouterr()
    assert out.count("\n") == 1 and "the submission has no saved model emnist_cnn.keras" in out
    assert err == ""


def test_grading_mode_unreadable_file_returns_none(tmp_path: Path, monkeypatch, capfd):
    (tmp_path / "broken.keras").write_bytes(b"not a zip")
    monkeypatch.setenv("CNNKIT_GRADING", "1")
    assert models.train_or_load(tmp_path / "broken.keras", lambda: 1 / 0) is None
    out, err = capfd.readouterr()
    assert "broken.keras cannot be loaded" in out and err == ""


def test_train_or_load_rejects_bad_paths_and_results(tmp_path: Path):
    with pytest.raises(ValueError, match=".keras"):
        models.train_or_load(tmp_path / "model.h5", lambda: _trained())
    with pytest.raises(TypeError, match="keras.Model"):
        models.train_or_load(tmp_path / "model.keras", lambda: "not a model")


def test_training_budget_per_data_kind(monkeypatch):
    """The budget comes from course_config.TRAINING_BUDGET, for the data in use by default."""
    from course_config import TRAINING_BUDGET

    budget = models.training_budget()
    assert budget.kind == "synthetic"  # course_env forces the embedded default
    assert budget.train_size == TRAINING_BUDGET["synthetic"]["train_size"]
    assert budget.epochs == TRAINING_BUDGET["synthetic"]["epochs"]
    for key in ("dense", "cnn", "dense_small", "regularized_cnn"):
        assert key in budget.epochs and key in models.training_budget("real").epochs
    with pytest.raises(KeyError, match="TRAINING_BUDGET"):
        models.training_budget("imaginary")


def test_tensorboard_logs_read_back(tmp_path: Path, monkeypatch):
    """The callback writes train/validation scalars and weight histograms (with the start at step -1),
    TestSetLogger the test scalars; read_scalars/read_histograms read them with TensorBoard's reader."""
    monkeypatch.chdir(tmp_path)
    log_dir = models.fresh_log_dir("logs/run")
    _trained(Path(log_dir), epochs=3)
    for run in ("train", "validation", "test"):
        scalars = models.read_scalars(Path(log_dir) / run)
        assert len(scalars["epoch_loss"]) == 3 and len(scalars["epoch_accuracy"]) == 3
        assert np.all((scalars["epoch_accuracy"] >= 0) & (scalars["epoch_accuracy"] <= 1))
    hists = models.read_histograms(Path(log_dir) / "train", contains="kernel")
    assert set(hists) == {"tiny/conv/kernel/histogram", "tiny/out/kernel/histogram"}
    steps = [step for step, _, _ in hists["tiny/out/kernel/histogram"]]
    assert steps == [-1, 0, 1, 2]
    _, edges, counts = hists["tiny/out/kernel/histogram"][0]
    assert edges.shape == (counts.size + 1,) and counts.sum() == pytest.approx(6 * 6 * 4 * 3)  # the Dense kernel
    # a fresh_log_dir removes the old run
    assert models.fresh_log_dir(log_dir) == log_dir and not Path(log_dir).exists()
    with pytest.raises(FileNotFoundError, match="no TensorBoard run folder"):
        models.read_scalars(Path(log_dir) / "train")


def test_test_set_logger_history_matches_predictions():
    model = _trained()
    x, y = _data(40, seed=3)
    logger = models.TestSetLogger(x, y)
    model.fit(x, y, epochs=1, verbose=0, callbacks=[logger])
    probs = model.predict(x, verbose=0)
    assert logger.history["accuracy"][-1] == pytest.approx(float(np.mean(probs.argmax(1) == y)))
    assert logger.history["loss"][-1] == pytest.approx(float(-np.mean(np.log(probs[np.arange(40), y]))), rel=1e-4)


def test_fold_batchnorm_computes_the_same_function():
    """BN after a bias-free conv folds into it, dropout disappears, outputs agree."""
    model = _trained(batchnorm=True, dropout=0.5, epochs=2)
    bn = model.get_layer("bn")
    bn.set_weights([w + np.linspace(0.5, 1.5, w.size).astype("float32") for w in bn.get_weights()])
    folded = models.fold_batchnorm(model)
    kinds = [type(layer).__name__ for layer in folded.layers]
    assert "BatchNormalization" not in kinds and "Dropout" not in kinds
    x, _ = _data(16, seed=2)
    np.testing.assert_allclose(folded.predict(x, verbose=0), model(x, training=False), atol=1e-5)
    assert folded.count_params() == model.count_params() - 4 * 4 + 4  # 4 BN numbers per channel out, a bias in


def test_fold_batchnorm_refuses_branching_models():
    inputs = keras.Input((8, 8, 1))
    a = keras.layers.Conv2D(2, 3, padding="same")(inputs)
    b = keras.layers.Conv2D(2, 3, padding="same")(inputs)
    merged = keras.layers.Flatten()(keras.layers.Add()([a, b]))
    model = keras.Model(inputs, keras.layers.Dense(3)(merged))
    with pytest.raises(ValueError, match="not a chain"):
        models.fold_batchnorm(model)


def test_reference_emnist_recipe_with_augmentation_saves_the_plain_network(tmp_path: Path, monkeypatch):
    """The real-data recipe (augmented batches, cosine decay) trains and saves the network alone:
    no augmentation layer in the file, 47 probabilities per image."""
    from cnnkit import config, data

    synthetic = data.load_emnist_data(usage="train", limit=1024)
    monkeypatch.setattr(data, "load_emnist_data", lambda **_: synthetic)
    recipe = {"epochs": 1, "batch_size": 128, "learning_rate": 2e-3, "cosine": True, "augment": True, "seed": 0}
    cfg = config.load_course_config()
    cfg.HANDWRITING = {**cfg.HANDWRITING, "reference_model": {"synthetic": recipe}}
    monkeypatch.setattr(config, "load_course_config", lambda: cfg)
    path = models.train_reference_emnist(tmp_path / "emnist_reference.keras")
    model = keras.models.load_model(path, compile=False)
    assert [type(layer).__name__ for layer in model.layers] == [
        "Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dropout", "Dense", "Dropout", "Dense"]
    probabilities = np.asarray(model(synthetic.images[:4, ..., None].astype("float32") / 255, training=False))
    assert probabilities.shape == (4, len(synthetic.mapping)) and np.allclose(probabilities.sum(axis=1), 1, atol=1e-5)
