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
