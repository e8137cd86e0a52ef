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


def _images(n, seed, brightest=255):
    """n random images with an asymmetric stroke, no pixel brighter than ``brightest``."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, brightest + 1, size=(n, 28, 28), dtype=np.uint8)
    images[:, 3:20, 5] = brightest  # a vertical stroke: transposing makes it horizontal
    return images


@test_case(name="hidden_shape_and_dtype_for_any_batch", points=0.25, hidden=True)
def hidden_shape_and_dtype_for_any_batch(prepare_images):
    for n in (1, 7):
        out = np.asarray(prepare_images(_images(n, n)))
        assert out.ndim == 4 and out.shape[-1] == 1, (
            f"prepare_images returned shape {out.shape} for a batch of images; expected (N, 28, 28, 1): the channel "
            "axis of length one comes last, (N, H, W, C) (see Part A)"
        )
        assert out.shape == (n, 28, 28, 1), (
            f"prepare_images returned shape {out.shape} for a batch of another size; expected (N, 28, 28, 1) with "
            "every image of the batch kept"
        )
        assert out.dtype == np.float32, f"prepare_images returned dtype {out.dtype}; expected float32 (Part A)"


@test_case(name="hidden_values_are_images_over_255", points=0.375, hidden=True)
def hidden_values_are_images_over_255(prepare_images):
    images = _images(5, 7, brightest=200)  # dim images: scaling by the maximum gives other values
    out = np.asarray(prepare_images(images), dtype=np.float64).reshape(5, 28, 28)
    expected = images.astype(np.float64) / 255
    if np.allclose(out, expected.transpose(0, 2, 1), atol=1e-6):
        raise AssertionError("the images are transposed: cnnkit.data already gives EMNIST images upright (see The "
                             "data), so prepare_images must not transpose them")
    if np.allclose(out, images, atol=1e-3):
        raise AssertionError("the pixels are not scaled: divide by 255 so that they lie in [0, 1] (see Part A)")
    if np.allclose(out, images / images.max(axis=(1, 2), keepdims=True), atol=1e-6) or np.allclose(
            out, images / images.max(), atol=1e-6):
        raise AssertionError("the pixels are divided by the brightest pixel instead of 255: on images without a "
                             "white pixel that gives other values; divide by 255 (see Part A)")
    err = float(np.abs(out - expected).max())
    assert err < 1e-6, f"prepare_images differs from images / 255 by up to {err:.3g} (see Part A)"


@test_case(name="hidden_input_unchanged", points=0.125, hidden=True)
def hidden_input_unchanged(prepare_images):
    images = _images(4, 3)
    original = images.copy()
    prepare_images(images)
    assert images.dtype == original.dtype and np.array_equal(images, original), (
        "prepare_images changed the array it was given: build a new array (e.g. images.astype(np.float32) / 255)"
    )
