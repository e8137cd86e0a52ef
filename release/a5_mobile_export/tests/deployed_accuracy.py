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
