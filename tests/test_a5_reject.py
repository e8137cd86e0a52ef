"""Assignment 5's test files accept the reference solution and reject typical wrong submissions.

In-process and without training: the reference environment is the source notebook's setup cell, its
``prepare`` function and its solution cells (``### BEGIN/END SOLUTION`` marker lines removed), executed
in one namespace, plus ``model``: the network the build trained. The working directory is a scratch
folder holding what the build's correct example submission carries (``mobile_cnn.keras`` and the four
``.tflite`` files, the store ``trained/a5_mobile_export/``). Every full test file (hidden cases included)
must pass on it. The data are the embedded synthetic default and its hidden evaluation set
(``autograder/_eval/``), as in the committed build.

The mutants and alternates are data (:data:`MUTANTS`, :data:`ALTERNATES`): code executed on top of the
reference namespace in the working directory, one clause of the notebook's text each. A mutant redefines
a function the way a student might get it wrong, or breaks the submitted files, and then redoes the
notebook's conversions it affects (``reconvert``, as grading reruns the notebook); its question must fail
with a message containing its ``because``. An alternate (a correct solution written another way) must
pass every case. The questions whose test files convert models (a few seconds per run) are the slow tier.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from tests.conftest import COURSE, ROOT, solution_code  # noqa: E402
from tests.mutation import assert_passes, assert_rejects, execute_cells, mutate, questions, run_question  # noqa: E402

ASSIGNMENT = "a5_mobile_export"
ARTEFACTS = COURSE.trained(ASSIGNMENT)
VARIANTS = ("float32", "float16", "dynamic", "int8")
QUESTIONS = questions(ASSIGNMENT)
#: Questions whose test files convert models or read every file on the hidden images: slow tier.
SLOW_QUESTIONS = frozenset({"tflite_files", "predict_tflite", "deployed_accuracy"})


# --- the notebook ------------------------------------------------------------------------------
def _functions_only(code: str) -> str:
    """The function definitions of a cell (the ``prepare`` cell also prepares the notebook's data)."""
    import ast

    tree = ast.parse(code)
    return ast.unparse(ast.Module([node for node in tree.body if isinstance(node, ast.FunctionDef)], type_ignores=[]))


#: The reference solution cells (markers removed), in notebook order.
SOLUTIONS = dict(zip(("save_and_reload", "convert_to_tflite", "predict_tflite", "compare_with_keras"),
                     solution_code(ASSIGNMENT)))


def _edit(function: str, *replacements: tuple[str, str]) -> str:
    """The reference ``function`` with each ``(old, new)`` replaced (each must occur)."""
    code = SOLUTIONS[function]
    for old, new in replacements:
        assert old in code, f"{function}: {old!r} is not in the reference solution"
        code = code.replace(old, new)
    return code


def _environment(*, stub: bool = False) -> dict:
    """The setup cell, ``prepare`` and the solution cells (the release's stubs if ``stub``), executed,
    and ``model``, loaded from the working directory's mobile_cnn.keras (None without one)."""
    import keras

    setup, prepare, *solutions = solution_code(ASSIGNMENT, released=stub, with_cells=("setup", "prepare"))
    env = execute_cells([setup, _functions_only(prepare), *solutions], label="a5 cell")
    env["model"] = keras.saving.load_model("mobile_cnn.keras") if Path("mobile_cnn.keras").is_file() else None
    return env


def _reconvert(variants: tuple[str, ...]) -> str:
    """The notebook's Part B cell for ``variants``: convert ``model`` with the current convert_to_tflite."""
    return ("representative = load_emnist_data(usage='train', limit=200).images\n"
            f"for variant in {variants!r}:\n"
            "    convert_to_tflite(model, TFLITE_FILES[variant], variant, representative if variant == 'int8' else None)\n")


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


class Mutant(NamedTuple):
    """A plausible wrong solution: ``code`` run on top of the reference (in the working directory) breaks
    ``clause`` of ``question``, whose failing case must say ``because``; then the conversions of
    ``reconvert`` are redone with the namespace's convert_to_tflite."""

    question: str
    clause: str
    code: str
    because: str
    reconvert: tuple[str, ...] = ()


class Alternate(NamedTuple):
    """A correct solution written another way than the reference: every case of ``question`` passes."""

    question: str
    variant: str
    code: str


_QUANTIZE = 'x = np.clip(np.round(x / scale) + zero_point, limits.min, limits.max).astype(input_details["dtype"])'
_DEQUANTIZE = "y = scale * (y.astype(np.float32) - zero_point)"
_INT8_IO = ',\n                    "inference_input_type": tf.uint8, "inference_output_type": tf.uint8'

MUTANTS: list[Mutant] = [
    # save_and_reload
    Mutant("save_and_reload", "returns the reloaded model, a new object", '''
def save_and_reload(model, path):
    model.save(path)
    return model
''', "it is the original object"),
    Mutant("save_and_reload", "returns the model loaded from path", '''
def save_and_reload(model, path):
    model.save(path)
    return keras.models.load_model(MODEL_FILE)
''', "the model it was given"),
    Mutant("save_and_reload", "saves the model passed in", '''
def save_and_reload(m, path):
    model.save(path)
    return keras.models.load_model(path)
''', "the model it was given"),
    Mutant("save_and_reload", "Keras' native format at path", '''
def save_and_reload(model, path):
    model.save_weights(str(path).replace('.keras', '.weights.h5'))
    return model
''', "wrote no file"),
    Mutant("save_and_reload", "returns a keras.Model", '''
def save_and_reload(model, path):
    model.save(path)
    keras.models.load_model(path)
    return path
''', "must return a keras.Model"),
    # convert_to_tflite (tflite_files)
    Mutant("tflite_files", "returns the size in bytes",
           _edit("convert_to_tflite", ("return os.stat(path).st_size", "return os.stat(path).st_size / 1000")),
           "the size in KB"),
    Mutant("tflite_files", "returns the size",
           _edit("convert_to_tflite", ("return os.stat(path).st_size", "print(os.stat(path).st_size)")),
           "returned NoneType"),
    Mutant("tflite_files", "writes the path given",
           _edit("convert_to_tflite", ('model.export(str(path), format="litert", verbose=False, **settings)\n'
                                       '    return os.stat(path).st_size',
                                       'model.export(TFLITE_FILES[variant], format="litert", verbose=False, **settings)\n'
                                       '    return os.stat(TFLITE_FILES[variant]).st_size')),
           "write the path it is given"),
    Mutant("tflite_files", "calibrates on representative_images",
           "training_images = load_emnist_data(usage='train', limit=200).images\n"
           + _edit("convert_to_tflite", ("x = prepare(representative_images)", "x = prepare(training_images)")),
           "calibrate on the representative_images passed in", ("int8",)),
    Mutant("tflite_files", "representative images prepared like the training images",
           _edit("convert_to_tflite", ("x = prepare(representative_images)",
                                       "x = representative_images[..., np.newaxis].astype(np.float32)")),
           "calibrated on the images as they are", ("int8",)),
    Mutant("tflite_files", "int8: uint8 input and output",
           _edit("convert_to_tflite", (_INT8_IO, "")),
           "the int8 variant takes and returns uint8", ("int8",)),
    Mutant("tflite_files", "int8: uint8, not int8, input and output",
           _edit("convert_to_tflite", (_INT8_IO, _INT8_IO.replace("tf.uint8", "tf.int8"))),
           "takes int8 and returns int8", ("int8",)),
    Mutant("tflite_files", "float16: float16 weights",
           _edit("convert_to_tflite", ('settings = {"optimizations": [tf.lite.Optimize.DEFAULT], "target_spec": '
                                       '{"supported_types": [tf.float16]}}',
                                       'settings = {"target_spec": {"supported_types": [tf.float16]}}')),
           "stores its weights as float16", ("float16",)),
    Mutant("tflite_files", "dynamic: float activations, no representative dataset",
           "calibration = prepare(load_emnist_data(usage='train', limit=200).images)\n"
           + _edit("convert_to_tflite", ('settings = {"optimizations": [tf.lite.Optimize.DEFAULT]}\n',
                                         'settings = {"optimizations": [tf.lite.Optimize.DEFAULT], "representative_dataset": '
                                         'lambda: ([calibration[i:i + 1]] for i in range(len(calibration)))}\n')),
           "dynamic range keeps float activations", ("dynamic",)),
    Mutant("tflite_files", "float32: no optimization",
           _edit("convert_to_tflite", ('if variant == "float32":\n        settings = {}',
                                       'if variant == "float32":\n        settings = {"optimizations": [tf.lite.Optimize.DEFAULT]}')),
           "the float32 variant is not quantized", ("float32",)),
    Mutant("tflite_files", "int8 is the int8 variant", "import shutil\nshutil.copy('model_float32.tflite', 'model_int8.tflite')\n",
           "the int8 variant takes and returns uint8"),
    Mutant("tflite_files", "float16 is the float16 variant", "import shutil\nshutil.copy('model_dynamic.tflite', 'model_float16.tflite')\n",
           "stores its weights as float16"),
    Mutant("tflite_files", "float32 converts the trained model", '''
import keras as _keras
_keras.models.clone_model(model).export("model_float32.tflite", format="litert", verbose=False)
''', "convert the trained model without optimizations"),
    # predict_tflite
    Mutant("predict_tflite", "quantizes with the file's S and Z",
           _edit("predict_tflite", (_QUANTIZE, 'x = np.asarray(images)[..., np.newaxis].astype(input_details["dtype"])')),
           "the raw pixels went into the quantized input"),
    Mutant("predict_tflite", "quantize: q = round(x / S) + Z, not a cast",
           _edit("predict_tflite", (_QUANTIZE, 'x = x.astype(input_details["dtype"])')), "quantize the input"),
    Mutant("predict_tflite", "quantize: with the zero point",
           _edit("predict_tflite", (_QUANTIZE, _QUANTIZE.replace(" + zero_point", ""))), "without its zero point: q ="),
    Mutant("predict_tflite", "quantize: rounded", _edit("predict_tflite", (_QUANTIZE, _QUANTIZE.replace("np.round(x / scale)", "x / scale"))),
           "truncated (astype) instead of rounded"),
    Mutant("predict_tflite", "quantize: clipped to the dtype's range",
           _edit("predict_tflite", (_QUANTIZE, 'x = (np.round(x / scale) + zero_point).astype(input_details["dtype"])')),
           "not clipped to its dtype's range"),
    Mutant("predict_tflite", "quantize: in the input's dtype (uint8 or int8)",
           _edit("predict_tflite", (_QUANTIZE, "x = np.clip(np.round(x / scale) + zero_point, 0, 255).astype(np.uint8)")),
           "own int8 model with 10 classes"),
    Mutant("predict_tflite", "dequantizes the output", _edit("predict_tflite", (_DEQUANTIZE, "pass")), "dequantize"),
    Mutant("predict_tflite", "dequantize: with the zero point",
           _edit("predict_tflite", (_DEQUANTIZE, "y = scale * y.astype(np.float32)")), "without its zero point, which is not 0"),
    Mutant("predict_tflite", "prepares the images (divided by 255)",
           _edit("predict_tflite", ("x = prepare(images)", "x = np.asarray(images, dtype=np.float32)[..., np.newaxis]")),
           "divide by 255"),
    Mutant("predict_tflite", "runs every image", _edit("predict_tflite", ('x[i:i + 1])', 'x[:1])')),
           "every row is the first image's"),
    Mutant("predict_tflite", "(N, K): K classes from the file",
           _edit("predict_tflite", ("reshape(len(x), -1)", "reshape(len(x), 47)")), "own int8 model with 10 classes"),
    Mutant("predict_tflite", "float32 probabilities",
           _edit("predict_tflite", ("return y.astype(np.float32)", "return y.astype(np.float64)")), "expected float32"),
    Mutant("predict_tflite", "the input's S and Z, not the output's",
           _edit("predict_tflite", ('scale, zero_point = input_details["quantization"]',
                                    'scale, zero_point = output_details["quantization"]')), "differs from the expected probabilities"),
    # compare_with_keras
    Mutant("compare_with_keras", "max_abs_diff: absolute difference",
           _edit("compare_with_keras", ("np.abs(probs - keras_probs).max()", "(probs - keras_probs).max()")),
           "largest signed difference"),
    Mutant("compare_with_keras", "max_abs_diff: the largest, not the mean",
           _edit("compare_with_keras", ("np.abs(probs - keras_probs).max()", "np.abs(probs - keras_probs).mean()")),
           "the mean |difference|"),
    Mutant("compare_with_keras", "max_abs_diff: over all images and classes",
           _edit("compare_with_keras", ("np.abs(probs - keras_probs).max()", "np.abs(probs - keras_probs).max(axis=1).mean()")),
           "over all images and classes"),
    Mutant("compare_with_keras", "agreement: the two models' classes",
           _edit("compare_with_keras", ("predicted == keras_probs.argmax(axis=1)", "predicted == np.asarray(labels)")),
           "agreement compares probs with the labels"),
    Mutant("compare_with_keras", "accuracy: of probs",
           _edit("compare_with_keras", ('"accuracy": float(np.mean(predicted ==',
                                        '"accuracy": float(np.mean(keras_probs.argmax(axis=1) =='),),
           "accuracy is the Keras model's"),
    Mutant("compare_with_keras", "agreement and accuracy: fractions",
           _edit("compare_with_keras", ("float(np.mean(", "100 * float(np.mean(")), "a percentage or a count"),
    Mutant("compare_with_keras", "returns a dict of floats",
           _edit("compare_with_keras", ('"accuracy": float(np.mean(predicted == np.asarray(labels))),',
                                        '"accuracy": np.mean(predicted == np.asarray(labels)) * np.ones(1),')),
           "must be floats"),
    # deployed_accuracy
    Mutant("deployed_accuracy", "int8 calibrated on images prepared like the training images",
           _edit("convert_to_tflite", ("x = prepare(representative_images)",
                                       "x = representative_images[..., np.newaxis].astype(np.float32)")),
           "less is allowed for int8", ("int8",)),
    Mutant("deployed_accuracy", "every variant is submitted", "os.remove('model_dynamic.tflite')\n", "model_dynamic.tflite is missing"),
    Mutant("deployed_accuracy", "the network is trained on images divided by 255", '''
raw = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Rescaling(1 / 255), *model.layers], name="raw_pixels")
raw.save("mobile_cnn.keras")
model = keras.saving.load_model("mobile_cnn.keras")
''', "at least", VARIANTS),
]

ALTERNATES: list[Alternate] = [
    Alternate("save_and_reload", "keras.saving functions, no compilation", '''
def save_and_reload(model, path):
    keras.saving.save_model(model, path)
    return keras.saving.load_model(path, compile=False)
'''),
    Alternate("save_and_reload", "pathlib, no check of the extension", '''
from pathlib import Path as _Path

def save_and_reload(model, path):
    model.save(_Path(path))
    return keras.models.load_model(_Path(path))
'''),
    Alternate("tflite_files", "TFLiteConverter, os.path.getsize", '''
def convert_to_tflite(model, path, variant, representative_images=None):
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if variant != "float32":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if variant == "float16":
        converter.target_spec.supported_types = [tf.float16]
    if variant == "int8":
        x = prepare(representative_images)
        converter.representative_dataset = lambda: ([x[i:i + 1]] for i in range(len(x)))
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = converter.inference_output_type = tf.uint8
    with open(path, "wb") as file:
        file.write(converter.convert())
    return os.path.getsize(path)
'''),
    Alternate("predict_tflite", "the whole batch in one call (resize_tensor_input), quantization_parameters", '''
def predict_tflite(model_path, images):
    interp = Interpreter(model_path=str(model_path))
    inp = interp.get_input_details()[0]
    interp.resize_tensor_input(inp["index"], [len(images), 28, 28, 1])
    interp.allocate_tensors()
    inp, out = interp.get_input_details()[0], interp.get_output_details()[0]
    x = prepare(images)
    if inp["dtype"] in (np.uint8, np.int8):
        params = inp["quantization_parameters"]
        info = np.iinfo(inp["dtype"])
        x = np.clip(np.rint(x / params["scales"][0]) + params["zero_points"][0], info.min, info.max).astype(inp["dtype"])
    interp.set_tensor(inp["index"], x)
    interp.invoke()
    y = interp.get_tensor(out["index"]).astype(np.float32)
    if out["dtype"] in (np.uint8, np.int8):
        s, z = out["quantization"]
        y = (y - z) * s
    return y.astype(np.float32)
'''),
    Alternate("predict_tflite", "tf.lite.Interpreter, a preallocated result", '''
def predict_tflite(model_path, images):
    interp = tf.lite.Interpreter(model_path=str(model_path))
    interp.allocate_tensors()
    inp, out = interp.get_input_details()[0], interp.get_output_details()[0]
    result = np.zeros((len(images), out["shape"][-1]), dtype=np.float32)
    for i, image in enumerate(images):
        x = image.reshape(1, 28, 28, 1).astype(np.float32) / 255.0
        if inp["dtype"] != np.float32:
            s, z = inp["quantization"]
            x = np.clip(np.round(x / s + z), np.iinfo(inp["dtype"]).min, np.iinfo(inp["dtype"]).max).astype(inp["dtype"])
        interp.set_tensor(inp["index"], x)
        interp.invoke()
        y = interp.get_tensor(out["index"])[0]
        if out["dtype"] != np.float32:
            s, z = out["quantization"]
            y = s * (y.astype(np.float64) - z)
        result[i] = y
    return result
'''),
    Alternate("compare_with_keras", "float32 arithmetic, Python loop", '''
def compare_with_keras(probs, keras_probs, labels):
    probs, keras_probs = np.asarray(probs, dtype=np.float32), np.asarray(keras_probs, dtype=np.float32)
    same = right = 0
    for p, k, label in zip(probs, keras_probs, labels):
        same += int(np.argmax(p) == np.argmax(k))
        right += int(np.argmax(p) == label)
    n = len(probs)
    return {"max_abs_diff": float(np.max(np.abs(probs - keras_probs))), "agreement": same / n, "accuracy": right / n}
'''),
]


def _tier(question: str) -> list:
    return [pytest.mark.slow] if question in SLOW_QUESTIONS else []


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
@pytest.mark.parametrize("question", [pytest.param(q, marks=_tier(q)) for q in QUESTIONS])
def test_reference_passes(workdir, question: str):
    assert_passes(ASSIGNMENT, question, _environment())
    assert sorted(p.name for p in workdir.iterdir()) == sorted(
        ["mobile_cnn.keras", *(f"model_{v}.tflite" for v in VARIANTS)]), "the tests left files behind"


def test_untouched_release_fails_every_file(workdir):
    for path in workdir.iterdir():
        path.unlink()
    stub = _environment(stub=True)
    assert not [q for q in QUESTIONS if run_question(ASSIGNMENT, q, stub).passed]


# --- mutants and alternates ----------------------------------------------------------------------
@pytest.mark.parametrize("mutant", [pytest.param(m, id=f"{m.question}: {m.clause}", marks=_tier(m.question)) for m in MUTANTS])
def test_mutant_is_rejected_for_its_reason(workdir, mutant: Mutant):
    env = mutate(_environment(), mutant.code, f"{mutant.question}: {mutant.clause}")
    if mutant.reconvert:
        env = mutate(env, _reconvert(mutant.reconvert), f"{mutant.question}: the conversions, again")
    assert_rejects(ASSIGNMENT, mutant.question, env, mutant.because)


@pytest.mark.parametrize("alternate", [pytest.param(a, id=f"{a.question}: {a.variant}", marks=_tier(a.question))
                                       for a in ALTERNATES])
def test_alternate_passes(workdir, alternate: Alternate):
    env = mutate(_environment(), alternate.code, f"{alternate.question}: {alternate.variant}")
    if alternate.question == "tflite_files":
        env = mutate(env, _reconvert(VARIANTS), f"{alternate.question}: the conversions, again")
    assert_passes(ASSIGNMENT, alternate.question, env)


def test_every_question_has_mutants():
    counts = Counter(m.question for m in MUTANTS)
    assert set(counts) == set(QUESTIONS), f"questions without mutants: {set(QUESTIONS) - set(counts)}"
    assert all(m.because for m in MUTANTS), "every mutant names the reason its case gives"
    assert len({(m.question, m.clause) for m in MUTANTS}) == len(MUTANTS), "one mutant per clause"
