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


# --- hidden -------------------------------------------------------------------------------------
def _spatial(x, before, after):
    """``x`` with ``before``/``after`` zeros on its spatial axes (the first two of an image, the
    middle two of a batch)."""
    widths = [(before, after)] * 2
    return np.pad(x, widths if x.ndim == 2 else [(0, 0), *widths, (0, 0)])


def _mistakes(x, pad):
    """What the known mistakes return: ``{message: array}``."""
    return {
        "zero_pad also padded the batch and channel axes: pad only H and W (see Part A)": np.pad(x, pad),
        "zero_pad put all the zeros on one side: pad adds `pad` rows and columns on EACH side (see Part A)":
            _spatial(x, 0, pad),
        "zero_pad added 2 * pad zeros on each side: `pad` is the width of the frame on each side (see Part A)":
            _spatial(x, 2 * pad, 2 * pad),
    }


@test_case(name="hidden_other_shapes_and_pads", points=0.5, hidden=True)
def hidden_other_shapes_and_pads(zero_pad):
    rng = np.random.default_rng(11)
    for shape, pad in [((7, 4), 3), ((1, 6, 3, 1), 1), ((3, 2, 5, 4), 2), ((5, 5), 0), ((1, 1, 1, 7), 4)]:
        x = rng.normal(size=shape)
        out = np.asarray(zero_pad(x, pad))
        expected = _spatial(x, pad, pad)
        if out.shape == expected.shape and np.array_equal(out, expected):
            continue
        for message, wrong in _mistakes(x, pad).items():
            if pad and out.shape == wrong.shape and np.array_equal(out, wrong):
                raise AssertionError(message)
        assert out.shape == expected.shape, (
            f"zero_pad of a {x.ndim}-d input returned shape {out.shape}; expected {expected.shape}"
        )
        raise AssertionError(f"zero_pad of a {x.ndim}-d input with pad={pad} has the right shape but wrong values")


@test_case(name="hidden_keeps_dtype_and_input", points=0.5, hidden=True)
def hidden_keeps_dtype_and_input(zero_pad):
    x = np.arange(24, dtype=np.uint8).reshape(1, 4, 3, 2)
    copy = x.copy()
    out = np.asarray(zero_pad(x, 1))
    assert np.array_equal(x, copy), "zero_pad must not modify its input"
    assert out.dtype == np.uint8, f"zero_pad turned a uint8 batch into {out.dtype}; keep the input's dtype"
    f32 = np.ones((3, 3), dtype=np.float32)
    out = np.asarray(zero_pad(f32, 2))
    assert out.dtype == np.float32, f"zero_pad turned float32 into {out.dtype}; keep the input's dtype"
