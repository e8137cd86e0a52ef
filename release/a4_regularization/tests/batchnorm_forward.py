"""batchnorm_forward: batch normalization over the last axis, as keras.layers.BatchNormalization."""
import numpy as np
from otter.test_files import test_case
OK_FORMAT = False  # otter: exception-based format
name = "batchnorm_forward"
points = 4
hidden_checks = ("other shapes (N, C) and (N, H, W, C) against Keras in both modes: the moving statistics at inference and "
                 "left unchanged, the batch mean and biased variance over every axis but the last in training, the "
                 "moving-average update with the given momentum, epsilon inside the square root with the given eps, "
                 "gamma as scale and beta as offset, and inputs left unmodified")


@test_case(name="public_inference_example", points=1, hidden=False)
def public_inference_example(batchnorm_forward):
    x = np.array([[1.0, 10.0], [3.0, 20.0]])
    gamma, beta = np.array([1.0, 2.0]), np.array([0.0, 1.0])
    moving_mean, moving_var = np.array([2.0, 10.0]), np.array([4.0, 100.0])
    result = batchnorm_forward(x, gamma, beta, moving_mean, moving_var, False, eps=0.0)
    assert result is not None and len(result) == 3, "batchnorm_forward must return (out, new_moving_mean, new_moving_var)"
    out, new_mean, new_var = (np.asarray(r) for r in result)
    expected = np.array([[-0.5, 1.0], [0.5, 3.0]])  # gamma * (x - moving_mean) / sqrt(moving_var) + beta
    if np.allclose(out, np.array([[-1.0, -1.0], [1.0, 3.0]])):
        raise AssertionError("in inference mode normalise with the MOVING statistics, not the batch's (see Part C)")
    assert out.shape == x.shape and np.allclose(out, expected), f"inference mode returned\n{out}\nexpected\n{expected}"
    assert np.allclose(new_mean, moving_mean) and np.allclose(new_var, moving_var), "inference must leave the moving statistics unchanged"
