"""sobel_edges: horizontal and vertical Sobel gradients and their magnitude, computed with conv2d_single."""
import numpy as np
from otter.test_files import test_case

from cnnkit.guards import call_without, count_calls

OK_FORMAT = False  # otter: exception-based format
name = "sobel_edges"
points = 2
hidden_checks = ("other image sizes and uint8 images, gx with SOBEL_X and gy with SOBEL_Y (not swapped, not flipped), "
                 "the zero border of padding=1, the magnitude sqrt(gx**2 + gy**2), and that conv2d_single does the work")


@test_case(name="public_vertical_edge", points=1, hidden=False)
def public_vertical_edge(sobel_edges):
    image = np.zeros((6, 6))
    image[:, 3:] = 1.0  # dark left half, bright right half: one vertical edge
    result = sobel_edges(image)
    assert result is not None and len(result) == 3, "sobel_edges must return a tuple (gx, gy, magnitude)"
    gx, gy, magnitude = (np.asarray(a, dtype=float) for a in result)
    for label, a in [("gx", gx), ("gy", gy), ("magnitude", magnitude)]:
        assert a.shape == (6, 6), f"{label} has shape {a.shape}; expected (6, 6) (use padding=1)"
    assert np.allclose(gx[1:-1, 2:4], 4.0), (
        f"across the dark-to-bright edge gx must be 4 (= 1 + 2 + 1); found gx[1:-1, 2:4] =\n{gx[1:-1, 2:4]}"
    )
    assert np.allclose(gy[1:-1, :], 0.0), "a vertical edge has no vertical gradient: gy must be 0 away from the top and bottom rows"
    assert np.allclose(magnitude, np.hypot(gx, gy)), "magnitude must be sqrt(gx**2 + gy**2)"


# --- hidden -------------------------------------------------------------------------------------
#: Library routines that would do the work of the function under test: ``{module: [names]}``.
_FORBIDDEN = {
    "numpy": ["convolve", "correlate"],
    "scipy.signal": ["correlate", "correlate2d", "convolve", "convolve2d", "fftconvolve", "oaconvolve"],
    "scipy.ndimage": ["correlate", "convolve", "correlate1d", "convolve1d"],
    "cv2": ["filter2D", "sepFilter2D", "Sobel", "Scharr"],
    "tensorflow.nn": ["conv2d", "convolution", "depthwise_conv2d"],
    "keras.ops": ["conv", "depthwise_conv", "separable_conv"],
    "torch.nn.functional": ["conv2d"],
}


def _sobel(image, kernel_x, kernel_y, border):
    """Sobel gradients with the given kernels; ``border``: an ``np.pad`` mode (zero padding is "constant")."""
    padded = np.pad(np.asarray(image, dtype=float), 1, mode=border)
    h, w = np.asarray(image).shape
    gx, gy = np.zeros((h, w)), np.zeros((h, w))
    for u in range(3):
        for v in range(3):
            gx += kernel_x[u, v] * padded[u:u + h, v:v + w]
            gy += kernel_y[u, v] * padded[u:u + h, v:v + w]
    return gx, gy


_SOBEL_X = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


@test_case(name="hidden_gradients", points=0.5, hidden=True)
def hidden_gradients(sobel_edges):
    image = np.random.default_rng(8).integers(0, 256, size=(12, 10), dtype=np.uint8)
    gx, gy, _ = (np.asarray(a, dtype=float) for a in sobel_edges(image))
    expected_x, expected_y = _sobel(image, _SOBEL_X, _SOBEL_X.T, "constant")
    flipped_x, flipped_y = _sobel(image, _SOBEL_X[::-1, ::-1], _SOBEL_X.T[::-1, ::-1], "constant")
    assert gx.shape == gy.shape == expected_x.shape, (
        f"gx and gy have shapes {gx.shape} and {gy.shape}; expected {expected_x.shape}, the image's: use padding=1 (see Part D)"
    )
    if np.allclose(gx, expected_y) and np.allclose(gy, expected_x):
        raise AssertionError("gx and gy are swapped: gx is the image cross-correlated with SOBEL_X (left-to-right change; "
                             "see Part D)")
    if np.allclose(gx, flipped_x) and np.allclose(gy, flipped_y):
        raise AssertionError("gx and gy have the wrong sign: this is the true convolution, the kernels are flipped "
                             "(see Part C)")
    for border in ("edge", "reflect", "symmetric"):
        if all(np.allclose(a, b) for a, b in zip((gx, gy), _sobel(image, _SOBEL_X, _SOBEL_X.T, border))):
            raise AssertionError(f"gx and gy use a {border!r} border; conv2d_single with padding=1 pads with zeros (see Part D)")
    for label, got, expected in [("gx", gx, expected_x), ("gy", gy, expected_y)]:
        assert np.allclose(got, expected), (
            f"{label} differs from the Sobel gradient with zero padding 1 by up to {np.abs(got - expected).max():.3g}"
        )


@test_case(name="hidden_magnitude", points=0.25, hidden=True)
def hidden_magnitude(sobel_edges):
    image = np.random.default_rng(9).normal(size=(9, 11))
    gx, gy, magnitude = (np.asarray(a, dtype=float) for a in sobel_edges(image))
    assert magnitude.shape == gx.shape, f"magnitude has shape {magnitude.shape}; expected {gx.shape}, the shape of gx"
    if np.allclose(magnitude, gx ** 2 + gy ** 2):
        raise AssertionError("the magnitude lacks its square root: it is sqrt(gx**2 + gy**2) (see Part D)")
    if np.allclose(magnitude, np.abs(gx) + np.abs(gy)):
        raise AssertionError("the magnitude is |gx| + |gy|; it must be sqrt(gx**2 + gy**2) (see Part D)")
    assert np.allclose(magnitude, np.hypot(gx, gy)), "the magnitude must be sqrt(gx**2 + gy**2), the third element of the tuple"


@test_case(name="hidden_uses_conv2d_single", points=0.25, hidden=True)
def hidden_uses_conv2d_single(sobel_edges, conv2d_single):
    assert conv2d_single is not None, "conv2d_single is not defined"
    image = np.eye(5)
    call_without(sobel_edges, _FORBIDDEN, image)
    _, calls = count_calls(sobel_edges, "conv2d_single", image)
    assert calls >= 2, f"sobel_edges called conv2d_single {calls} time(s); use it for both gx and gy (see Part D)"
