"""tflite_files: the four LiteRT files load, take (1, 28, 28, 1), have each variant's dtypes and size, float32 equals Keras."""
from pathlib import Path

import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "tflite_files"
points = 4
all_or_nothing = True

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
#: Input and output dtype of each variant.
_IO_DTYPES = {"float32": "float32", "float16": "float32", "dynamic": "float32", "int8": "uint8"}


def _details(variant):
    """(input details, output details, {dtype name: number of tensors}) of one variant's file."""
    from ai_edge_litert import interpreter as litert

    tflite = Path("model_" + variant + ".tflite")
    assert tflite.is_file(), f"{tflite} is missing"
    runner = litert.Interpreter(model_path=str(tflite))
    runner.allocate_tensors()
    dtypes = {}
    for tensor in runner.get_tensor_details():
        dtype = np.dtype(tensor["dtype"]).name
        dtypes[dtype] = dtypes.get(dtype, 0) + 1
    return runner.get_input_details()[0], runner.get_output_details()[0], dtypes


def _reference_predict(path, images):
    """Probabilities of a LiteRT file for uint8 (N, 28, 28) images: /255, quantize, one by one, dequantize."""
    from ai_edge_litert import interpreter as litert

    runner = litert.Interpreter(model_path=str(path))
    runner.allocate_tensors()
    first_in, first_out = runner.get_input_details()[0], runner.get_output_details()[0]
    x = np.asarray(images, dtype=np.float32)[..., None] / 255
    if np.issubdtype(first_in["dtype"], np.integer):
        in_scale, in_zero = first_in["quantization"]
        bounds = np.iinfo(first_in["dtype"])
        x = np.clip(np.round(x / in_scale) + in_zero, bounds.min, bounds.max).astype(first_in["dtype"])
    rows = []
    for i in range(len(x)):
        runner.set_tensor(first_in["index"], x[i:i + 1])
        runner.invoke()
        rows.append(runner.get_tensor(first_out["index"])[0].copy())
    y = np.array(rows)
    if np.issubdtype(first_out["dtype"], np.integer):
        out_scale, out_zero = first_out["quantization"]
        y = out_scale * (y.astype(np.float32) - out_zero)
    return y.astype(np.float32)


@test_case(name="hidden_dtypes_per_variant", points=1, hidden=True)
def hidden_dtypes_per_variant():
    for variant in VARIANTS:
        first_in, first_out, dtypes = _details(variant)
        expected = _IO_DTYPES[variant]
        got = (np.dtype(first_in["dtype"]).name, np.dtype(first_out["dtype"]).name)
        assert got == (expected, expected), (
            f"model_{variant}.tflite takes {got[0]} and returns {got[1]}; the {variant} variant takes and returns {expected}"
        )
        if variant == "float32":
            assert not {"float16", "int8", "uint8"} & set(dtypes), (
                f"model_float32.tflite holds {dtypes} tensors; the float32 variant is not quantized (no optimizations)"
            )
        elif variant == "float16":
            assert dtypes.get("float16", 0) > 0 and "int8" not in dtypes, (
                f"model_float16.tflite holds {dtypes} tensors; the float16 variant stores its weights as float16"
            )
        elif variant == "dynamic":
            assert dtypes.get("int8", 0) > 0 and "float16" not in dtypes, (
                f"model_dynamic.tflite holds {dtypes} tensors; dynamic-range quantization stores weights as int8"
            )
        else:
            assert "float32" not in dtypes and "float16" not in dtypes, (
                f"model_int8.tflite holds {dtypes} tensors; full integer quantization leaves no float tensor "
                "(representative dataset, TFLITE_BUILTINS_INT8)"
            )
            assert first_in["quantization"][0] > 0, "model_int8.tflite's input has no quantization parameters"


@test_case(name="hidden_sizes", points=1, hidden=True)
def hidden_sizes():
    sizes = {}
    for variant in VARIANTS:
        path = Path(f"model_{variant}.tflite")
        assert path.is_file(), f"{path} is missing"
        sizes[variant] = path.stat().st_size
    ratios = {variant: sizes[variant] / sizes["float32"] for variant in VARIANTS}
    assert ratios["int8"] <= 0.30, (
        f"model_int8.tflite is {ratios['int8']:.0%} of model_float32.tflite; an int8 model is at most 30 % of it"
    )
    assert ratios["dynamic"] <= 0.35, (
        f"model_dynamic.tflite is {ratios['dynamic']:.0%} of model_float32.tflite; int8 weights make it about a quarter"
    )
    assert 0.4 <= ratios["float16"] <= 0.6, (
        f"model_float16.tflite is {ratios['float16']:.0%} of model_float32.tflite; float16 weights make it about half"
    )


@test_case(name="hidden_float32_equals_keras", points=1, hidden=True)
def hidden_float32_equals_keras(model):
    from cnnkit.checks import hidden_eval_data

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
