"""deployed_accuracy: mobile_cnn.keras reaches the course's accuracy; each LiteRT variant loses at most its allowed drop."""
from pathlib import Path

import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "deployed_accuracy"
points = 3
hidden_checks = ("the Keras model's accuracy on hidden images against the course's minimum, and each variant's accuracy "
                 "on them (its input quantized with its own scale and zero point) against its allowed drop")

VARIANTS = ("float32", "float16", "dynamic", "int8")


@test_case(name="public_variants_agree_on_test_images", points=1, hidden=False)
def public_variants_agree_on_test_images(model):
    from ai_edge_litert.interpreter import Interpreter

    from cnnkit.data import load_emnist

    assert model is not None, "model is None: run the training cell"
    images = load_emnist(usage="test", limit=200)[0]
    x = images[..., None].astype(np.float32) / 255
    keras_top = np.asarray(model(x, training=False)).argmax(axis=1)
    for variant in VARIANTS:
        path = Path(f"model_{variant}.tflite")
        assert path.is_file(), f"{path} is missing: run convert_to_tflite for every variant"
        lite = Interpreter(model_path=str(path))
        lite.allocate_tensors()
        src, dst = lite.get_input_details()[0], lite.get_output_details()[0]
        top = []
        for i in range(len(x)):
            xi = x[i:i + 1]
            if src["dtype"] != np.float32:  # uint8: q = round(x / S) + Z
                s, z = src["quantization"]
                xi = np.clip(np.round(xi / s) + z, 0, 255).astype(src["dtype"])
            lite.set_tensor(src["index"], xi)
            lite.invoke()
            top.append(int(lite.get_tensor(dst["index"])[0].argmax()))
        agreement = float(np.mean(np.array(top) == keras_top))
        assert agreement >= 0.95, (
            f"{path} reads the same character as the Keras model on {agreement:.0%} of 200 test images; "
            "convert the trained model, and calibrate int8 with images prepared like the training images"
        )


# --- hidden -------------------------------------------------------------------------------------


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


def _keras_accuracy(model, data):
    probs = np.asarray(model.predict(data["images"][..., None].astype("float32") / 255, batch_size=500, verbose=0))
    return float(np.mean(probs.argmax(axis=1) == data["labels"]))


@test_case(name="hidden_keras_accuracy", points=1, hidden=True)
def hidden_keras_accuracy(model):
    from cnnkit.checks import hidden_eval_data, threshold

    assert model is not None, "model is None: the submission has no usable mobile_cnn.keras"
    accuracy = _keras_accuracy(model, hidden_eval_data("emnist"))
    needed = threshold("a5_min_accuracy")
    assert accuracy >= needed, (
        f"the Keras model classifies {accuracy:.1%} of the hidden test images correctly; at least {needed:.0%} is "
        "expected after the notebook's training (trained on images prepared with prepare, i.e. divided by 255?)"
    )


def _variants_keep_accuracy(model, variants):
    from cnnkit.checks import hidden_eval_data, threshold

    assert model is not None, "model is None: the submission has no usable mobile_cnn.keras"
    data = hidden_eval_data("emnist")
    keras_accuracy = _keras_accuracy(model, data)
    for variant in variants:
        path = Path(f"model_{variant}.tflite")
        assert path.is_file(), f"{path} is missing"
        accuracy = float(np.mean(_reference_predict(path, data["images"]).argmax(axis=1) == data["labels"]))
        allowed = threshold(f"a5_drop_{variant}")
        assert accuracy >= keras_accuracy - allowed, (
            f"{path} classifies {accuracy:.2%} of the hidden test images correctly, {keras_accuracy - accuracy:.2%} less "
            f"than the Keras model ({keras_accuracy:.2%}); at most {allowed:.1%} less is allowed for {variant}"
            + ("" if variant != "int8" else ": calibrate with training images prepared like the training images (Part B)")
        )


@test_case(name="hidden_float_variants_keep_accuracy", points=0.5, hidden=True)
def hidden_float_variants_keep_accuracy(model):
    _variants_keep_accuracy(model, ("float32", "float16"))


@test_case(name="hidden_quantized_variants_keep_accuracy", points=0.5, hidden=True)
def hidden_quantized_variants_keep_accuracy(model):
    _variants_keep_accuracy(model, ("dynamic", "int8"))
