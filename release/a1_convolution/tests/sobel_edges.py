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
