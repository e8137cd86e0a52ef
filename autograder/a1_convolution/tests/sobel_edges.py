"""sobel_edges: horizontal and vertical Sobel gradients and their magnitude, computed with conv2d_single."""
import numpy as np
from otter.test_files import test_case

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


def _call_without_libraries(func, *args, **kwargs):
    """Call ``func(*args, **kwargs)`` while every routine in ``_FORBIDDEN`` raises.

    A module that is already imported gets its routines replaced (``unittest.mock.patch``); one
    that is not imported is blocked, so an ``import`` inside ``func`` fails. Names bound in
    ``func.__globals__`` (``from scipy.signal import correlate2d``) are replaced too.
    """
    import sys
    from unittest import mock

    used = []

    def forbidden(qualname):
        def routine(*_args, **_kwargs):
            used.append(qualname)
            raise AssertionError(f"calls {qualname}")

        return routine

    patches, blocked, originals = [], [], {}
    for module_name, names in _FORBIDDEN.items():
        top = module_name.split(".")[0]
        if top not in sys.modules:
            blocked.append(top)
            continue
        module = sys.modules.get(module_name)
        if module is None and module_name.startswith("tensorflow."):
            module = getattr(sys.modules[top], module_name.split(".", 1)[1], None)
        if module is None:
            blocked.append(module_name)
            continue
        for name in names:
            original = getattr(module, name, None)
            if original is not None:
                originals[id(original)] = f"{module_name}.{name}"
                patches.append(mock.patch.object(module, name, forbidden(f"{module_name}.{name}")))
    namespace = getattr(func, "__globals__", {})
    rebound = {key: value for key, value in namespace.items() if id(value) in originals}
    blocked = [name for name in dict.fromkeys(blocked) if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None
    try:
        for patch in patches:
            patch.start()
        for key, value in rebound.items():
            namespace[key] = forbidden(originals[id(value)])
        try:
            result = func(*args, **kwargs)
        except Exception as error:
            if used:
                break_rule = used[0]
            elif isinstance(error, ImportError) and getattr(error, "name", None) in blocked:
                break_rule = f"import {error.name}"
            else:
                raise
            raise AssertionError(
                f"{func.__name__} uses {break_rule}; the point of this exercise is to compute "
                "the result yourself with NumPy array operations"
            ) from None
    finally:
        namespace.update(rebound)
        for patch in reversed(patches):
            patch.stop()
        for name in blocked:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
    if used:
        raise AssertionError(
            f"{func.__name__} uses {used[0]}; the point of this exercise is to compute the result "
            "yourself with NumPy array operations"
        )
    return result


@test_case(name="hidden_matches_opencv", points=0.5, hidden=True)
def hidden_matches_opencv(sobel_edges):
    import cv2

    rng = np.random.default_rng(8)
    image = rng.integers(0, 256, size=(12, 10), dtype=np.uint8)
    expected_x = cv2.Sobel(image.astype(np.float64), cv2.CV_64F, 1, 0, ksize=3, borderType=cv2.BORDER_CONSTANT)
    expected_y = cv2.Sobel(image.astype(np.float64), cv2.CV_64F, 0, 1, ksize=3, borderType=cv2.BORDER_CONSTANT)
    gx, gy, magnitude = (np.asarray(a, dtype=float) for a in _call_without_libraries(sobel_edges, image))
    for label, got, expected in [("gx", gx, expected_x), ("gy", gy, expected_y)]:
        assert got.shape == expected.shape, f"{label} has shape {got.shape}; expected {expected.shape}"
        if np.allclose(got, -expected):
            raise AssertionError(f"{label} has the wrong sign: a flipped kernel (true convolution)?")
        assert np.allclose(got, expected), f"{label} differs from OpenCV's Sobel (zero border) by up to {np.abs(got - expected).max():.3g}"
    assert np.allclose(magnitude, np.hypot(expected_x, expected_y)), "magnitude must be sqrt(gx**2 + gy**2)"


@test_case(name="hidden_uses_conv2d_single", points=0.5, hidden=True)
def hidden_uses_conv2d_single(sobel_edges, conv2d_single):
    assert conv2d_single is not None, "conv2d_single is not defined"
    namespace = sobel_edges.__globals__
    calls = []

    def spy(*args, **kwargs):
        calls.append(1)
        return conv2d_single(*args, **kwargs)

    namespace["conv2d_single"] = spy
    try:
        sobel_edges(np.eye(5))
    finally:
        namespace["conv2d_single"] = conv2d_single
    assert len(calls) >= 2, f"sobel_edges called conv2d_single {len(calls)} time(s); use it for both gx and gy"
