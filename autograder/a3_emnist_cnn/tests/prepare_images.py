"""prepare_images: uint8 (N, 28, 28) images -> float32 (N, 28, 28, 1) in [0, 1]."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "prepare_images"
points = 1
all_or_nothing = True


@test_case(name="public_shape_dtype_range", points=0.5, hidden=False)
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


@test_case(name="hidden_values_and_input_untouched", points=0.5, hidden=True)
def hidden_values_and_input_untouched(prepare_images):
    rng = np.random.default_rng(7)
    for n in (1, 5):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        original = images.copy()
        images.setflags(write=False)
        out = np.asarray(prepare_images(images))
        assert out.shape == (n, 28, 28, 1) and out.dtype == np.float32, (
            f"prepare_images of {n} images returned {out.shape} {out.dtype}; expected ({n}, 28, 28, 1) float32"
        )
        expected = original.astype(np.float32)[..., None] / 255
        err = float(np.abs(out - expected).max())
        assert err < 1e-6, f"prepare_images differs from images / 255 by up to {err:.3g}"
        assert np.array_equal(images, original), "prepare_images changed its input"
