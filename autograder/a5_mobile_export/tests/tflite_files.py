"""tflite_files: the four LiteRT files convert_to_tflite wrote: they load, take (1, 28, 28, 1), have each variant's
dtypes and size, float32 equals Keras; convert_to_tflite writes the path given, returns its size in bytes and
calibrates int8 on the images passed in."""
from pathlib import Path

import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "tflite_files"
points = 4
hidden_checks = ("each variant's tensors and input/output dtypes (float32 not quantized and equal to Keras, float16 "
                 "weights, int8 weights with float activations for dynamic, uint8 in and out with no float tensor "
                 "for int8) and its size against float32; that convert_to_tflite writes the path it is given and "
                 "returns that file's size in bytes, and calibrates int8 on the representative_images passed in, "
                 "prepared like the training images")

VARIANTS = ("float32", "float16", "dynamic", "int8")


@test_case(name="public_four_files_load", points=1, hidden=False)
def public_four_files_load():
    from ai_edge_litert.interpreter import Interpreter

    for variant in VARIANTS:
        path = Path(f"model_{variant}.tflite")
        assert path.is_file(), f"{path} is missing: run convert_to_tflite for every variant (and submit the files)"
        try:
            interpreter = Interpreter(model_path=str(path))
            interpreter.allocate_tensors()
        except Exception as exc:  # noqa: BLE001 - any reason a file does not load fails the check
            raise AssertionError(f"{path} does not load in LiteRT: {type(exc).__name__}: {exc}") from None
        inp, out = interpreter.get_input_details(), interpreter.get_output_details()
        assert len(inp) == 1 and len(out) == 1, f"{path} has {len(inp)} inputs and {len(out)} outputs; expected one each"
        assert tuple(inp[0]["shape"]) == (1, 28, 28, 1), f"{path} takes shape {tuple(inp[0]['shape'])}; expected (1, 28, 28, 1)"
        assert tuple(out[0]["shape"]) == (1, 47), f"{path} returns shape {tuple(out[0]['shape'])}; expected (1, 47)"


# --- hidden -------------------------------------------------------------------------------------


def _details(path):
    """(input details, output details, {dtype name: number of tensors}, number of activation-like tensors
    with a per-tensor scale) of a LiteRT file."""
    from ai_edge_litert import interpreter as litert

    path = Path(path)
    assert path.is_file(), f"{path} is missing"
    runner = litert.Interpreter(model_path=str(path))
    runner.allocate_tensors()
    dtypes, scaled = {}, 0
    for tensor in runner.get_tensor_details():
        dtype = np.dtype(tensor["dtype"]).name
        dtypes[dtype] = dtypes.get(dtype, 0) + 1
        scaled += dtype in ("int8", "uint8") and tensor["quantization"][0] > 0
    return runner.get_input_details()[0], runner.get_output_details()[0], dtypes, scaled


def _io(variant, first_in, first_out, expected):
    got = (np.dtype(first_in["dtype"]).name, np.dtype(first_out["dtype"]).name)
    assert got == (expected, expected), (
        f"model_{variant}.tflite takes {got[0]} and returns {got[1]}; the {variant} variant takes and returns {expected}"
    )


def _size_ratio(variant):
    sizes = {v: Path(f"model_{v}.tflite").stat().st_size for v in ("float32", variant)}
    return sizes[variant] / sizes["float32"]


def _reference_predict(path, images):
    """Probabilities of a float LiteRT file for uint8 (N, 28, 28) images: /255, one by one."""
    from ai_edge_litert import interpreter as litert

    runner = litert.Interpreter(model_path=str(path))
    runner.allocate_tensors()
    first_in, first_out = runner.get_input_details()[0], runner.get_output_details()[0]
    x = np.asarray(images, dtype=np.float32)[..., None] / 255
    rows = []
    for i in range(len(x)):
        runner.set_tensor(first_in["index"], x[i:i + 1])
        runner.invoke()
        rows.append(runner.get_tensor(first_out["index"])[0].copy())
    return np.array(rows, dtype=np.float32)


@test_case(name="hidden_float32_equals_keras", points=0.5, hidden=True)
def hidden_float32_equals_keras(model):
    from cnnkit.checks import hidden_eval_data

    first_in, first_out, dtypes, _ = _details("model_float32.tflite")
    _io("float32", first_in, first_out, "float32")
    assert not {"float16", "int8", "uint8"} & set(dtypes), (
        f"model_float32.tflite holds {dtypes} tensors; the float32 variant is not quantized (no optimizations)"
    )
    assert model is not None, "model is None: the submission has no usable mobile_cnn.keras"
    images = hidden_eval_data("emnist")["images"][:1000]
    expected = np.asarray(model.predict(images[..., None].astype("float32") / 255, batch_size=500, verbose=0))
    got = _reference_predict("model_float32.tflite", images)
    assert got.shape == expected.shape, f"model_float32.tflite returns {got.shape[1:]} per image; the Keras model {expected.shape[1:]}"
    err = float(np.abs(got - expected).max())
    assert err <= 1e-4, (
        f"model_float32.tflite differs from the Keras model `model` by up to {err:.2g} on hidden images; "
        "convert the trained model without optimizations"
    )


@test_case(name="hidden_float16_weights", points=0.5, hidden=True)
def hidden_float16_weights():
    first_in, first_out, dtypes, _ = _details("model_float16.tflite")
    _io("float16", first_in, first_out, "float32")
    assert dtypes.get("float16", 0) > 0 and "int8" not in dtypes, (
        f"model_float16.tflite holds {dtypes} tensors; the float16 variant stores its weights as float16 "
        "(optimizations DEFAULT with supported_types float16, see Part B)"
    )
    ratio = _size_ratio("float16")
    assert 0.4 <= ratio <= 0.6, f"model_float16.tflite is {ratio:.0%} of model_float32.tflite; float16 weights make it about half"


@test_case(name="hidden_dynamic_int8_weights_float_activations", points=0.5, hidden=True)
def hidden_dynamic_int8_weights_float_activations():
    first_in, first_out, dtypes, scaled = _details("model_dynamic.tflite")
    _io("dynamic", first_in, first_out, "float32")
    assert dtypes.get("int8", 0) > 0 and "float16" not in dtypes, (
        f"model_dynamic.tflite holds {dtypes} tensors; dynamic-range quantization stores weights as int8"
    )
    assert scaled == 0, (
        f"model_dynamic.tflite has {scaled} int8 activation tensors with their own scale: that is full integer "
        "quantization (a representative dataset); dynamic range keeps float activations (see Part B)"
    )
    ratio = _size_ratio("dynamic")
    assert ratio <= 0.35, f"model_dynamic.tflite is {ratio:.0%} of model_float32.tflite; int8 weights make it about a quarter"


@test_case(name="hidden_int8_full_integer", points=0.5, hidden=True)
def hidden_int8_full_integer():
    first_in, first_out, dtypes, _ = _details("model_int8.tflite")
    _io("int8", first_in, first_out, "uint8")
    assert "float32" not in dtypes and "float16" not in dtypes, (
        f"model_int8.tflite holds {dtypes} tensors; full integer quantization leaves no float tensor "
        "(representative dataset, TFLITE_BUILTINS_INT8)"
    )
    assert first_in["quantization"][0] > 0, "model_int8.tflite's input has no quantization parameters"
    ratio = _size_ratio("int8")
    assert ratio <= 0.30, f"model_int8.tflite is {ratio:.0%} of model_float32.tflite; an int8 model is at most 30 % of it"


@test_case(name="hidden_returns_size_in_bytes", points=0.5, hidden=True)
def hidden_returns_size_in_bytes(convert_to_tflite, model):
    import shutil

    assert model is not None, "model is None: the submission has no usable mobile_cnn.keras"
    folder = Path("check_convert_to_tflite")
    folder.mkdir(exist_ok=True)
    folder.chmod(0o777)  # the judge makes it; the submission's (sandboxed) kernel writes in it
    path = folder / "another name.tflite"
    try:
        size = convert_to_tflite(model, str(path), "float32")
        assert path.is_file(), f"convert_to_tflite(model, {str(path)!r}, 'float32') wrote no file {path}: write the path it is given"
        actual = path.stat().st_size
        assert isinstance(size, (int, float, np.integer, np.floating)) and not isinstance(size, bool), (
            f"convert_to_tflite returned {type(size).__name__}; it returns the size of the written file in bytes (a number)"
        )
        for unit, factor in (("KB", 1000), ("KiB", 1024), ("MB", 1e6), ("MiB", 2**20)):
            assert abs(size - actual / factor) > 0.01 * actual / factor, (
                f"convert_to_tflite returned {size:.4g}, the size in {unit}; it returns the size in bytes ({actual})"
            )
        assert size == actual, f"convert_to_tflite returned {size}; the file it wrote has {actual} bytes"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@test_case(name="hidden_calibrates_on_images_given", points=0.5, hidden=True)
def hidden_calibrates_on_images_given(convert_to_tflite, model):
    from cnnkit.checks import hidden_eval_data

    assert model is not None, "model is None: the submission has no usable mobile_cnn.keras"
    # dim images (pixels 0..127): their prepared range is [0, 0.498], so the input scale is 0.498 / 255
    images = (hidden_eval_data("emnist")["images"][:200] // 2).astype(np.uint8)
    expected = float(images.max()) / 255 / 255
    path = Path("check_convert_to_tflite_int8.tflite")
    try:
        convert_to_tflite(model, str(path), "int8", images)
        first_in, first_out, _, _ = _details(path)
        _io("int8", first_in, first_out, "uint8")
        scale = float(first_in["quantization"][0])
        if abs(scale * 255 - float(images.max())) < 0.05 * images.max():
            raise AssertionError("the int8 model was calibrated on the images as they are, 0..255: prepare the "
                                 "representative images like the training images (divide by 255) first (see Part B)")
        if abs(scale - 1 / 255) < 0.02 / 255:
            raise AssertionError("the int8 model's input range is [0, 1] for dim representative images (0..127): "
                                 "calibrate on the representative_images passed in, not on other images")
        assert abs(scale - expected) < 0.02 * expected, (
            f"the int8 model's input scale is {scale:.4g} after calibration on images whose prepared range is "
            f"[0, {images.max() / 255:.3f}]; expected {expected:.4g}: calibrate on representative_images, prepared"
        )
    finally:
        path.unlink(missing_ok=True)
