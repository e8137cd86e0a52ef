"""prepare_images: uint8 (N, 28, 28) images -> float32 (N, 28, 28, 1) in [0, 1], images / 255, upright."""
import numpy as np
from otter.test_files import test_case
OK_FORMAT = False  # otter: exception-based format
name = "prepare_images"
points = 1
hidden_checks = ("other batch sizes (one image included), the exact values images / 255 on images whose brightest "
                 "pixel is not 255, no transposing, the channel axis last, and the input left unchanged")


@test_case(name="public_shape_dtype_range", points=0.25, hidden=False)
def public_shape_dtype_range(prepare_images):
    images = np.zeros((3, 28, 28), dtype=np.uint8)
    images[:, 10:18, 12] = 255
    out = prepare_images(images)
    assert out is not None, "prepare_images returned None; did you forget `return`?"
    out = np.asarray(out)
    assert out.shape == (3, 28, 28, 1), f"prepare_images of (3, 28, 28) images returned shape {out.shape}; expected (3, 28, 28, 1)"
    assert out.dtype == np.float32, f"prepare_images returned dtype {out.dtype}; expected float32"
    assert out.min() == 0.0 and out.max() == 1.0, (
        f"pixels 0 and 255 became {out.min()} and {out.max()}; expected 0.0 and 1.0 (divide by 255)"
    )
