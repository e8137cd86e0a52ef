"""sobel_edges: horizontal and vertical Sobel gradients and their magnitude, computed with conv2d_single."""
import numpy as np
from otter.test_files import test_case

from cnnkit.guards import call_without, count_calls

OK_FORMAT = False  # otter: exception-based format
name = "sobel_edges"
points = 2
all_or_nothing = True


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


@test_case(name="hidden_matches_opencv", points=0.5, hidden=True)
def hidden_matches_opencv(sobel_edges):
    import cv2

    rng = np.random.default_rng(8)
    image = rng.integers(0, 256, size=(12, 10), dtype=np.uint8)
    expected_x = cv2.Sobel(image.astype(np.float64), cv2.CV_64F, 1, 0, ksize=3, borderType=cv2.BORDER_CONSTANT)
    expected_y = cv2.Sobel(image.astype(np.float64), cv2.CV_64F, 0, 1, ksize=3, borderType=cv2.BORDER_CONSTANT)
    gx, gy, magnitude = (np.asarray(a, dtype=float) for a in call_without(sobel_edges, _FORBIDDEN, image))
    for label, got, expected in [("gx", gx, expected_x), ("gy", gy, expected_y)]:
        assert got.shape == expected.shape, f"{label} has shape {got.shape}; expected {expected.shape}"
        if np.allclose(got, -expected):
            raise AssertionError(f"{label} has the wrong sign: a flipped kernel (true convolution)?")
        assert np.allclose(got, expected), f"{label} differs from OpenCV's Sobel (zero border) by up to {np.abs(got - expected).max():.3g}"
    assert np.allclose(magnitude, np.hypot(expected_x, expected_y)), "magnitude must be sqrt(gx**2 + gy**2)"


@test_case(name="hidden_uses_conv2d_single", points=0.5, hidden=True)
def hidden_uses_conv2d_single(sobel_edges, conv2d_single):
    assert conv2d_single is not None, "conv2d_single is not defined"
    _, calls = count_calls(sobel_edges, "conv2d_single", np.eye(5))
    assert calls >= 2, f"sobel_edges called conv2d_single {calls} time(s); use it for both gx and gy"
