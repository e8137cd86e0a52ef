"""Assignment 5's test files accept the reference solution and reject typical wrong submissions.

In-process and without training: the reference environment is the source notebook's setup cell, its
``prepare`` function and its solution cells (``### BEGIN/END SOLUTION`` marker lines removed), executed
in one namespace, plus ``model``: the network the build trained. The working directory is a scratch
folder holding what the build's correct example submission carries (``mobile_cnn.keras`` and the four
``.tflite`` files, the stores ``trained/a5_mobile_export/``). Every full test file (hidden
cases included) must pass on it; each mutant (a plausible mistake, in the code or in the files) must make
the test files named for it fail. The data are the embedded synthetic default and its hidden evaluation
set (``autograder/_eval/``), as in the committed build.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from tests.conftest import COURSE, ROOT, solution_code  # noqa: E402
from tests.mutation import assert_passes, assert_rejects, execute_cells, mutate, questions, run_question  # noqa: E402

ASSIGNMENT = "a5_mobile_export"
ARTEFACTS = COURSE.trained(ASSIGNMENT)
VARIANTS = ("float32", "float16", "dynamic", "int8")


# --- the notebook ------------------------------------------------------------------------------
def _functions_only(code: str) -> str:
    """The function definitions of a cell (the ``prepare`` cell also prepares the notebook's data)."""
    tree = ast.parse(code)
    return ast.unparse(ast.Module([node for node in tree.body if isinstance(node, ast.FunctionDef)], type_ignores=[]))


def _solutions() -> list[str]:
    """The reference solution cells (markers removed), in notebook order."""
    return solution_code(ASSIGNMENT)


def _environment(*, stub: bool = False, model: bool = True) -> dict:
    """The setup cell, ``prepare`` and the solution cells (the release's stubs if ``stub``), executed."""
    import keras

    setup, prepare, *solutions = solution_code(ASSIGNMENT, released=stub, with_cells=("setup", "prepare"))
    env = execute_cells([setup, _functions_only(prepare), *solutions], label="a5 cell")
    env["model"] = keras.saving.load_model("mobile_cnn.keras") if model and Path("mobile_cnn.keras").is_file() else None
    return env


def _rejects(env: dict, *failing: str) -> None:
    """Each of ``failing`` fails on ``env`` (for a reason of its own, :func:`tests.mutation.assert_rejects`)."""
    for question in failing:
        assert_rejects(ASSIGNMENT, question, env)


QUESTIONS = questions(ASSIGNMENT)


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A scratch working directory holding the correct example's files; synthetic data; this course."""
    if not (ARTEFACTS / "model_int8.tflite").is_file():
        pytest.fail(f"{ARTEFACTS} has no saved files: run `cnnkit build --assignment {ASSIGNMENT}` first")
    for name in ["mobile_cnn.keras", *(f"model_{v}.tflite" for v in VARIANTS)]:
        shutil.copy(ARTEFACTS / name, tmp_path / name)
    monkeypatch.setenv("CNNKIT_COURSE_ROOT", str(ROOT))
    monkeypatch.setenv("CNNKIT_DATA_SOURCE", "synthetic")
    monkeypatch.delenv("CNNKIT_GRADING", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- course_config -------------------------------------------------------------------------------
def _course_config():
    spec = importlib.util.spec_from_file_location("course_config_under_test", ROOT / "course_config.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_course_config_lists_the_saved_files():
    """The files a5 saves are the artefacts a submission carries."""
    entry = _course_config().ASSIGNMENTS[ASSIGNMENT]
    assert set(entry["artefacts"]) == {"mobile_cnn.keras", *(f"model_{v}.tflite" for v in VARIANTS)}


def test_thresholds_for_every_data_kind():
    thresholds = _course_config().THRESHOLDS
    for key in [("synthetic", "balanced"), ("real", "balanced"), ("real", "bymerge")]:
        assert 0 < thresholds[key]["a5_min_accuracy"] < 1
        drops = [thresholds[key][f"a5_drop_{v}"] for v in VARIANTS]
        assert all(0 <= d <= 0.05 for d in drops) and drops == sorted(drops), (key, drops)


# --- the reference and the release --------------------------------------------------------------
def test_reference_passes_every_file(workdir):
    env = _environment()
    for question in QUESTIONS:
        assert_passes(ASSIGNMENT, question, env)
    assert sorted(p.name for p in workdir.iterdir()) == sorted(
        ["mobile_cnn.keras", *(f"model_{v}.tflite" for v in VARIANTS)]), "the tests left files behind"


def test_untouched_release_fails_every_file(workdir):
    for path in workdir.iterdir():
        path.unlink()
    stub = _environment(stub=True)
    assert not [q for q in QUESTIONS if run_question(ASSIGNMENT, q, stub).passed]


# --- mutants: the files -------------------------------------------------------------------------
def test_rejects_float_model_renamed_as_int8(workdir):
    shutil.copy("model_float32.tflite", "model_int8.tflite")
    _rejects(_environment(), "tflite_files")


def test_rejects_missing_variant(workdir):
    Path("model_dynamic.tflite").unlink()
    _rejects(_environment(), "tflite_files", "predict_tflite", "deployed_accuracy")


def test_rejects_dynamic_range_file_as_float16(workdir):
    shutil.copy("model_dynamic.tflite", "model_float16.tflite")
    _rejects(_environment(), "tflite_files")


def test_rejects_int8_calibrated_on_unnormalised_images(workdir):
    """The representative images go in as raw pixels 0..255, not prepared like the training images."""
    env = _environment()
    exec(compile(_solutions()[1].replace("x = prepare(representative_images)",
                                         "x = representative_images[..., np.newaxis].astype(np.float32)"),
                 "<mutant>", "exec"), env)
    env["convert_to_tflite"](env["model"], "model_int8.tflite", "int8", env["load_emnist_data"](usage="train", limit=200).images)
    _rejects(env, "deployed_accuracy")


def test_rejects_int8_with_float_input(workdir):
    """Full integer quantization without inference_input_type/inference_output_type keeps float32 in and out."""
    env = _environment()
    code = _solutions()[1].replace(',\n                    "inference_input_type": tf.uint8, "inference_output_type": tf.uint8', "")
    assert code != _solutions()[1]
    exec(compile(code, "<mutant>", "exec"), env)
    env["convert_to_tflite"](env["model"], "model_int8.tflite", "int8", env["load_emnist_data"](usage="train", limit=200).images)
    _rejects(env, "tflite_files")


def test_rejects_model_trained_on_unnormalised_images(workdir):
    """A network whose input was never divided by 255 in training (it expects raw pixels 0..255)."""
    import keras

    env = _environment()
    trained = env["model"]
    raw = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Rescaling(1 / 255), *trained.layers], name="raw_pixels")
    raw.save("mobile_cnn.keras")
    env["model"] = keras.saving.load_model("mobile_cnn.keras")
    _rejects(env, "deployed_accuracy", "tflite_files")


# --- mutants: the code --------------------------------------------------------------------------
def test_rejects_predict_ignoring_input_quantization(workdir):
    """Feeds the raw uint8 pixels to a uint8 input, whatever its scale and zero point."""
    code = _solutions()[2].replace("x = np.clip(np.round(x / scale) + zero_point, limits.min, limits.max).astype(input_details[\"dtype\"])",
                                   "x = np.asarray(images)[..., np.newaxis].astype(input_details[\"dtype\"])")
    assert code != _solutions()[2]
    _rejects(mutate(_environment(), code, "predict_tflite mutant"), "predict_tflite")


def test_rejects_predict_casting_without_scale(workdir):
    """Casts the prepared floats in [0, 1] to uint8 (almost all zeros)."""
    code = _solutions()[2].replace("x = np.clip(np.round(x / scale) + zero_point, limits.min, limits.max).astype(input_details[\"dtype\"])",
                                   "x = x.astype(input_details[\"dtype\"])")
    assert code != _solutions()[2]
    _rejects(mutate(_environment(), code, "predict_tflite mutant"), "predict_tflite")


def test_rejects_predict_without_dequantizing(workdir):
    code = _solutions()[2].replace("y = scale * (y.astype(np.float32) - zero_point)", "pass")
    assert code != _solutions()[2]
    _rejects(mutate(_environment(), code, "predict_tflite mutant"), "predict_tflite")


def test_rejects_predict_without_normalising(workdir):
    code = _solutions()[2].replace("x = prepare(images)", "x = np.asarray(images, dtype=np.float32)[..., np.newaxis]")
    assert code != _solutions()[2]
    _rejects(mutate(_environment(), code, "predict_tflite mutant"), "predict_tflite")


def test_rejects_save_without_native_format(workdir):
    """Saves the weights only and hands back the original model."""
    code = ("def save_and_reload(model, path):\n"
            "    model.save_weights(str(path).replace('.keras', '.weights.h5'))\n"
            "    return model\n")
    _rejects(mutate(_environment(), code, "save_and_reload mutant"), "save_and_reload")


def test_rejects_signed_difference_and_agreement_with_labels(workdir):
    signed = _solutions()[3].replace("np.abs(probs - keras_probs).max()", "(probs - keras_probs).max()")
    labels = _solutions()[3].replace("predicted == keras_probs.argmax(axis=1)", "predicted == np.asarray(labels)")
    for code in (signed, labels):
        assert code != _solutions()[3]
        _rejects(mutate(_environment(), code, "compare_with_keras mutant"), "compare_with_keras")
