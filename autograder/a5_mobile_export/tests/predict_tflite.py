"""predict_tflite: float32 (N, K) probabilities of a LiteRT file for raw uint8 images: prepared, quantized, dequantized."""
from pathlib import Path

import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "predict_tflite"
points = 4
hidden_checks = ("all four files on other images and numbers of images (one image, a few), in order; models of the "
                 "test's own whose input has a scale other than 1/255 and a zero point other than 0, whose input "
                 "range is smaller than the pixels' (clipping), and with int8 (signed) input and output, "
                 "an output zero point other than 0 and 10 classes instead of 47")


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
#: Largest difference from the reference implementation: the interpreter computes the same numbers
#: from the same input; a quantized input may differ by one level where x / S is a rounding tie.
_TOLERANCE = {"float32": 1e-5, "float16": 1e-5, "dynamic": 1e-5, "int8": 0.02}
#: Known mistakes, how each changes the reference computation, and what a student reads when the
#: result equals that mistake's result.
_MISTAKES = {
    "unscaled": "the images were not prepared like the training images (divided by 255): see Part C, step 1",
    "raw_pixels": ("the raw pixels went into the quantized input as they are, which assumes S = 1/255 and Z = 0; "
                   "quantize with the scale and zero point read from the file, q = round(x / S) + Z (see Part C, step 2)"),
    "no_input_zero_point": "the input was quantized without its zero point: q = round(x / S) + Z (see Part C, step 2)",
    "truncated": "the input was truncated (astype) instead of rounded: q = round(x / S) + Z (see Part C, step 2)",
    "no_clip": ("the quantized input was not clipped to its dtype's range, so values above the maximum wrapped around: "
                "clip to np.iinfo(dtype) before the cast (see Part C, step 2)"),
    "no_output_zero_point": ("the output was dequantized without its zero point, which is not 0 here: r = S (q - Z) "
                             "(see Part C, step 4)"),
    "not_dequantized": "the quantized output was not dequantized: r = S (q - Z) (see Part C, step 4)",
    "first_image_only": "every row is the first image's: run the images one by one, each into its own row (see Part C, step 3)",
}


def _quantize(x, details, mistake):
    """The input of one quantized model for prepared images ``x`` (as ``mistake`` makes it, if any)."""
    scale, zero = details["quantization"]
    bounds = np.iinfo(details["dtype"])
    if mistake == "raw_pixels":
        return np.round(x * 255).astype(details["dtype"])
    if mistake == "no_input_zero_point":
        zero = 0
    q = np.trunc(x / scale) + zero if mistake == "truncated" else np.round(x / scale) + zero
    return q.astype(np.int64).astype(details["dtype"]) if mistake == "no_clip" else np.clip(q, bounds.min, bounds.max).astype(details["dtype"])


def _reference_predict(path, images, mistake=None):
    """Probabilities of a LiteRT file for uint8 (N, 28, 28) images: /255, quantize, one by one, dequantize
    (or what the known ``mistake`` of :data:`_MISTAKES` gives instead)."""
    from ai_edge_litert import interpreter as litert

    runner = litert.Interpreter(model_path=str(path))
    runner.allocate_tensors()
    first_in, first_out = runner.get_input_details()[0], runner.get_output_details()[0]
    x = np.asarray(images, dtype=np.float32)[..., None] / (1 if mistake == "unscaled" else 255)
    if np.issubdtype(first_in["dtype"], np.integer):
        x = _quantize(x, first_in, mistake)
    rows = []
    for i in range(1 if mistake == "first_image_only" else len(x)):
        runner.set_tensor(first_in["index"], x[i:i + 1])
        runner.invoke()
        rows.append(runner.get_tensor(first_out["index"])[0].copy())
    y = np.array(rows * (len(x) if mistake == "first_image_only" else 1))
    if np.issubdtype(first_out["dtype"], np.integer) and mistake != "not_dequantized":
        out_scale, out_zero = first_out["quantization"]
        y = out_scale * (y.astype(np.float32) - (0 if mistake == "no_output_zero_point" else out_zero))
    return y.astype(np.float32)


def _compare(predict_tflite, path, images, tolerance, what, mistakes):
    """Fail unless predict_tflite(path, images) gives the expected probabilities; name the first of
    ``mistakes`` whose result it equals instead."""
    expected = _reference_predict(path, images)
    try:
        got = predict_tflite(str(path), images)
    except Exception as error:  # noqa: BLE001 - the student's error, reported on one line with what the model is
        detail = (str(error).strip().splitlines() or [""])[0].removeprefix(f"{type(error).__name__}: ")
        raise AssertionError(f"{what}: predict_tflite raised {type(error).__name__}: {detail} (use the "
                             "input's dtype, shape and quantization, and the output's size, as the file gives them)") from None
    assert got is not None, "predict_tflite returned None; did you forget `return`?"
    got = np.asarray(got)
    assert got.shape == expected.shape, f"{what}: predict_tflite returned shape {got.shape}; expected {expected.shape}"
    assert got.dtype == np.float32, f"{what}: predict_tflite returned dtype {got.dtype}; expected float32"
    err = float(np.abs(got - expected).max())
    agreement = float(np.mean(got.argmax(axis=1) == expected.argmax(axis=1)))
    if err <= tolerance and agreement >= 0.99:
        return
    for mistake in mistakes:
        wrong = _reference_predict(path, images, mistake)
        if not np.allclose(wrong, expected, atol=tolerance) and np.abs(got - wrong).max() <= tolerance:
            raise AssertionError(f"{what}: {_MISTAKES[mistake]}")
    raise AssertionError(f"{what}: predict_tflite differs from the expected probabilities by up to {err:.2g} "
                         f"(same top class for {agreement:.1%} of the images)")


@test_case(name="hidden_all_variants_on_hidden_images", points=0.5, hidden=True)
def hidden_all_variants_on_hidden_images(predict_tflite):
    from cnnkit.checks import hidden_eval_data

    images = hidden_eval_data("emnist")["images"]
    for variant in _VARIANTS:
        tflite = Path("model_" + variant + ".tflite")
        assert tflite.is_file(), f"{tflite} is missing"
        for count in (300, 1, 3):
            subset = images[-count:]
            _compare(predict_tflite, tflite, subset, _TOLERANCE[variant], f"{tflite} on {count} hidden image(s)",
                     ("first_image_only", "unscaled", "not_dequantized", "truncated"))


def _small_int8_model(path, images, low, high, classes, io_type):
    """A small fully quantized model (fixed random weights, ``classes`` outputs, softmax), calibrated on
    images mapped onto [low, high], with input and output of ``io_type`` (tf.uint8 or tf.int8)."""
    import logging

    import keras
    import tensorflow as tf

    rng = np.random.default_rng(5)
    net = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(8, 3, strides=2, activation="relu"),
                            keras.layers.Flatten(), keras.layers.Dense(classes, activation="softmax")])
    net.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in net.get_weights()])
    calibration = images[:64, :, :, None].astype("float32") / 255 * (high - low) + low

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
                   inference_input_type=io_type, inference_output_type=io_type)
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def _check_own_model(predict_tflite, stem, low, high, classes, io_type, mistakes):
    """Build the test's own model (see :func:`_small_int8_model`) and compare predict_tflite on it."""
    from ai_edge_litert import interpreter as litert

    from cnnkit.checks import hidden_eval_data

    images = hidden_eval_data("emnist")["images"]
    path = Path(f"check_predict_tflite_{stem}.tflite")
    try:
        _small_int8_model(path, images, low, high, classes, io_type)
        runner = litert.Interpreter(model_path=str(path))
        first_in, first_out = runner.get_input_details()[0], runner.get_output_details()[0]
        (in_scale, in_zero), (_, out_zero) = first_in["quantization"], first_out["quantization"]
        what = (f"the test's own {np.dtype(first_in['dtype']).name} model with {classes} classes, input scale "
                f"{in_scale:.4g} and zero point {in_zero}, output zero point {out_zero}")
        _compare(predict_tflite, path, images[-300:], 0.02, what, mistakes)
    finally:
        path.unlink(missing_ok=True)


@test_case(name="hidden_reads_scale_and_zero_point", points=0.5, hidden=True)
def hidden_reads_scale_and_zero_point(predict_tflite):
    import tensorflow as tf

    # calibrated on [-0.3, 1]: input scale 1.3 / 255, zero point 59
    _check_own_model(predict_tflite, "zero_point", -0.3, 1.0, 47, tf.uint8,
                     ("raw_pixels", "no_input_zero_point", "truncated", "unscaled"))


@test_case(name="hidden_clips_to_the_input_range", points=0.5, hidden=True)
def hidden_clips_to_the_input_range(predict_tflite):
    import tensorflow as tf

    # calibrated on [0, 0.5]: input scale 0.5 / 255, so every pixel above 127 is beyond the uint8 range
    _check_own_model(predict_tflite, "clipping", 0.0, 0.5, 47, tf.uint8, ("no_clip", "raw_pixels", "truncated"))


@test_case(name="hidden_signed_int8_model", points=0.5, hidden=True)
def hidden_signed_int8_model(predict_tflite):
    import tensorflow as tf

    # int8 input and output: zero points -128, 10 classes
    _check_own_model(predict_tflite, "signed", 0.0, 1.0, 10, tf.int8,
                     ("no_output_zero_point", "not_dequantized", "no_clip", "no_input_zero_point", "truncated"))
