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
