"""zero_pad: zero padding of a single image (H, W) and of a batch (N, H, W, C)."""
import numpy as np
from otter.test_files import test_case
OK_FORMAT = False  # otter: exception-based format
name = "zero_pad"
points = 2
hidden_checks = ("other shapes and pad widths (pad 0 included), zeros on each side of H and W only, "
                 "the input's dtype kept (uint8, float32) and the input left unmodified")


@test_case(name="public_pads_2d_image", points=0.5, hidden=False)
def public_pads_2d_image(zero_pad):
    image = np.arange(1, 10, dtype=float).reshape(3, 3)
    out = zero_pad(image, 1)
    assert out is not None, "zero_pad returned None; did you forget `return`?"
    out = np.asarray(out)
    assert out.shape == (5, 5), f"zero_pad of a (3, 3) image with pad=1 returned shape {out.shape}; expected (5, 5)"
    assert np.array_equal(out[1:-1, 1:-1], image), "the middle of the padded image must be the original image"
    border = np.concatenate([out[0], out[-1], out[:, 0], out[:, -1]])
    assert np.all(border == 0), f"the border of the padded image must be zeros; found {border}"


@test_case(name="public_pads_batch_spatial_axes", points=0.5, hidden=False)
def public_pads_batch_spatial_axes(zero_pad):
    x = np.ones((2, 4, 5, 3))
    out = np.asarray(zero_pad(x, 2))
    assert out.shape == (2, 8, 9, 3), (
        f"zero_pad of a batch (2, 4, 5, 3) with pad=2 returned shape {out.shape}; expected (2, 8, 9, 3): "
        "pad only H and W, never the batch or channel axes"
    )
    assert out.sum() == x.sum(), "padding must add zeros only"
