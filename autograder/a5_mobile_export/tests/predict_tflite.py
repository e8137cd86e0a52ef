"""predict_tflite: float32 (N, 47) probabilities of a LiteRT file for raw uint8 images: prepared, quantized, dequantized."""
from pathlib import Path

import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "predict_tflite"
points = 4
all_or_nothing = True


@test_case(name="public_float32_matches_keras", points=1, hidden=False)
def public_float32_matches_keras(predict_tflite, model):
    from cnnkit.data import load_emnist

    assert model is not None, "model is None: run the training cell"
    images = load_emnist(usage="test", limit=20)[0]
    original = images.copy()
    probs = predict_tflite("model_float32.tflite", images)
    assert probs is not None, "predict_tflite returned None; did you forget `return`?"
    probs = np.asarray(probs)
    assert probs.shape == (20, 47), f"predict_tflite of 20 images returned shape {probs.shape}; expected (20, 47)"
    assert probs.dtype == np.float32, f"predict_tflite returned dtype {probs.dtype}; expected float32 probabilities"
    assert np.array_equal(images, original), "predict_tflite changed the images it was given"
    expected = np.asarray(model(images[..., None].astype("float32") / 255, training=False))
    err = float(np.abs(probs - expected).max())
    assert err <= 1e-4, (
        f"predict_tflite('model_float32.tflite', images) differs from the Keras model by up to {err:.2g}: "
        "prepare the images like the training images (divide by 255, add the channel axis)"
    )


@test_case(name="public_int8_dequantized", points=1, hidden=False)
def public_int8_dequantized(predict_tflite):
    from cnnkit.data import load_emnist

    images = load_emnist(usage="test", limit=20)[0]
    probs = np.asarray(predict_tflite("model_int8.tflite", images))
    assert probs.shape == (20, 47), f"predict_tflite of 20 images returned shape {probs.shape}; expected (20, 47)"
    assert probs.dtype == np.float32, (
        f"predict_tflite('model_int8.tflite', ...) returned dtype {probs.dtype}; dequantize the uint8 output to float32"
    )
    sums = probs.sum(axis=1)
    assert probs.min() >= 0 and np.allclose(sums, 1, atol=0.05), (
        f"the int8 model's rows sum to {sums.min():.3g}..{sums.max():.3g}; probabilities sum to 1: "
        "dequantize the output with its scale and zero point, r = S * (q - Z)"
    )
    reference = np.asarray(predict_tflite("model_float32.tflite", images))
    agreement = float(np.mean(probs.argmax(axis=1) == reference.argmax(axis=1)))
    assert agreement >= 0.9, (
        f"the int8 and float32 models agree on {agreement:.0%} of 20 test images; quantize the input with its "
        "scale and zero point, q = round(x / S) + Z, after preparing it like the training images"
    )


# --- hidden -------------------------------------------------------------------------------------
_VARIANTS = ("float32", "float16", "dynamic", "int8")
#: Largest difference from the reference implementation: float variants compute the same numbers; the
#: quantized ones may differ by a rounding step where an implementation rounds differently.
_TOLERANCE = {"float32": 1e-5, "float16": 1e-5, "dynamic": 0.02, "int8": 0.02}
#: The hidden test's own int8 model: its calibration images span [-0.3, 1], so its input has a
#: scale of 1.3 / 255 and a zero point of 59 (not the 1/255 and 0 of a model calibrated on [0, 1]).
_ODD_FILE = "check_predict_tflite_quantization.tflite"


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


def _compare(predict_tflite, path, images, tolerance, what):
    expected = _reference_predict(path, images)
    got = np.asarray(predict_tflite(str(path), images))
    assert got.shape == expected.shape, f"{what}: predict_tflite returned shape {got.shape}; expected {expected.shape}"
    assert got.dtype == np.float32, f"{what}: predict_tflite returned dtype {got.dtype}; expected float32"
    err = float(np.abs(got - expected).max())
    agreement = float(np.mean(got.argmax(axis=1) == expected.argmax(axis=1)))
    assert err <= tolerance and agreement >= 0.99, (
        f"{what}: predict_tflite differs from the expected probabilities by up to {err:.2g} "
        f"(same top class for {agreement:.1%} of the images)"
    )


@test_case(name="hidden_all_variants_on_hidden_images", points=1, hidden=True)
def hidden_all_variants_on_hidden_images(predict_tflite):
    from cnnkit.checks import hidden_eval_data

    images = hidden_eval_data("emnist")["images"][:500]
    for variant in _VARIANTS:
        tflite = Path("model_" + variant + ".tflite")
        assert tflite.is_file(), f"{tflite} is missing"
        _compare(predict_tflite, tflite, images, _TOLERANCE[variant], f"{tflite} on 500 hidden images")
    one = np.asarray(predict_tflite("model_int8.tflite", images[:1]))
    assert one.shape == (1, 47), f"predict_tflite of a single image (1, 28, 28) returned shape {one.shape}; expected (1, 47)"


def _odd_int8_model(path, images):
    """A small int8 model (fixed random weights) whose input has a scale other than 1/255 and a zero point other than 0."""
    import logging

    import keras
    import tensorflow as tf

    rng = np.random.default_rng(5)
    net = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(8, 3, strides=2, activation="relu"),
                            keras.layers.Flatten(), keras.layers.Dense(47, activation="softmax")])
    net.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in net.get_weights()])
    calibration = images[:64, :, :, None].astype("float32") / 255 * 1.3 - 0.3

    def representative_dataset():
        for i in range(len(calibration)):
            yield [calibration[i:i + 1]]

    # TensorFlow's Python loggers write to the stream that was sys.stderr when TensorFlow was imported
    # (a notebook's stderr): quiet them, so that the check cell writes nothing to stderr.
    loggers = [logging.getLogger(name) for name in ("tensorflow", "absl")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        net.export(str(path), format="litert", verbose=False, optimizations=[tf.lite.Optimize.DEFAULT],
                   representative_dataset=representative_dataset,
                   target_spec={"supported_ops": [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]},
                   inference_input_type=tf.uint8, inference_output_type=tf.uint8)
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


@test_case(name="hidden_reads_scale_and_zero_point", points=1, hidden=True)
def hidden_reads_scale_and_zero_point(predict_tflite):
    from ai_edge_litert import interpreter as litert

    from cnnkit.checks import hidden_eval_data

    images = hidden_eval_data("emnist")["images"]
    odd = Path(_ODD_FILE)
    try:
        _odd_int8_model(odd, images)
        in_scale, in_zero = litert.Interpreter(model_path=str(odd)).get_input_details()[0]["quantization"]
        assert abs(in_scale * 255 - 1.3) < 0.01 and in_zero > 40, "the test's own model was not built as intended"
        _compare(predict_tflite, odd, images[-300:], 0.02,
                 f"an int8 model whose input has scale {in_scale:.4g} and zero point {in_zero}")
    finally:
        odd.unlink(missing_ok=True)
