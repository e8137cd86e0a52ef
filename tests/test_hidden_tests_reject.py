"""The autograder's test files accept the reference solutions and reject typical wrong ones.

For each assignment the reference environment is built the way a notebook builds it: the code of
the source notebook's solution cells (``### BEGIN/END SOLUTION`` marker lines removed) is executed
in one namespace that has NumPy. Every full test file (hidden cases included) must pass on it. Each
mutant below (a small, plausible mistake) is executed on top of that namespace and must make its
question's file fail. The committed release notebook's cells (nbgrader's stubs that raise
``NotImplementedError``) must fail every file. The points must agree everywhere: the cases of a file, the file, the
notebook's test cell and ``course_config.ASSIGNMENTS``.
"""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from tests.conftest import solution_code  # noqa: E402
from tests.mutation import assert_passes, assert_rejects, execute_cells, mutate, questions, run_question  # noqa: E402

ASSIGNMENT_IDS = ("a1_convolution", "a2_pooling")


def _execute(cells: list[str]) -> dict:
    return execute_cells(cells, {"np": np, "__name__": "__main__"}, tolerate=(NotImplementedError,))


@lru_cache(maxsize=None)
def _reference_env(assignment: str) -> dict:
    return _execute(solution_code(assignment))


ALL_FILES = [(a, q) for a in ASSIGNMENT_IDS for q in questions(a)]


# --- reference and stub --------------------------------------------------------------------------
@pytest.mark.parametrize("assignment,question", ALL_FILES)
def test_reference_passes(assignment, question):
    assert_passes(assignment, question, _reference_env(assignment))


@pytest.mark.parametrize("assignment,question", ALL_FILES)
def test_release_stub_fails(assignment, question):
    stub_env = _execute(solution_code(assignment, released=True))
    result = run_question(assignment, question, stub_env)
    assert not result.passed
    assert not any(case.passed for case in result.cases if not case.hidden), "a public case passes on the stub"


# --- mutants -----------------------------------------------------------------------------------
MUTANTS = {
    # a1_convolution
    ("a1_convolution", "zero_pad", "pads the batch and channel axes too"): '''
def zero_pad(x, pad):
    return np.pad(np.asarray(x), pad)
''',
    ("a1_convolution", "zero_pad", "returns float64 for every input"): '''
_reference_zero_pad = zero_pad
def zero_pad(x, pad):
    return _reference_zero_pad(np.asarray(x, dtype=float), pad)
''',
    ("a1_convolution", "conv_output_size", "true division (a float)"): '''
def conv_output_size(n, k, stride=1, pad=0):
    return (n + 2 * pad - k) / stride + 1
''',
    ("a1_convolution", "conv_output_size", "rounds up instead of down"): '''
def conv_output_size(n, k, stride=1, pad=0):
    return -(-(n + 2 * pad - k) // stride) + 1
''',
    ("a1_convolution", "conv2d_single", "flipped kernel (true convolution)"): '''
_reference_single = conv2d_single
def conv2d_single(image, kernel, stride=1, padding=0):
    return _reference_single(image, np.flip(np.asarray(kernel)), stride, padding)
''',
    ("a1_convolution", "conv2d_single", "ignores stride"): '''
_reference_single = conv2d_single
def conv2d_single(image, kernel, stride=1, padding=0):
    return _reference_single(image, kernel, 1, padding)
''',
    ("a1_convolution", "conv2d_single", "computes in uint8"): '''
def conv2d_single(image, kernel, stride=1, padding=0):
    image = zero_pad(np.asarray(image), padding)
    kernel = np.asarray(kernel)
    kh, kw = kernel.shape
    h = (image.shape[0] - kh) // stride + 1
    w = (image.shape[1] - kw) // stride + 1
    out = np.zeros((h, w), dtype=image.dtype)
    for u in range(kh):
        for v in range(kw):
            out += (kernel[u, v] * image[u:u + stride * (h - 1) + 1:stride, v:v + stride * (w - 1) + 1:stride]).astype(image.dtype)
    return out
''',
    ("a1_convolution", "conv2d_single", "calls scipy.signal.correlate2d"): '''
from scipy.signal import correlate2d
def conv2d_single(image, kernel, stride=1, padding=0):
    padded = zero_pad(np.asarray(image, dtype=float), padding)
    return correlate2d(padded, np.asarray(kernel, dtype=float), mode="valid")[::stride, ::stride]
''',
    ("a1_convolution", "conv2d", "ignores stride"): '''
_reference_conv2d = conv2d
def conv2d(x, w, b, stride=1, padding="valid"):
    return _reference_conv2d(x, w, b, stride=1, padding=padding)
''',
    ("a1_convolution", "conv2d", "'same' pads (k - 1) // 2 on both sides"): '''
_reference_conv2d = conv2d
def conv2d(x, w, b, stride=1, padding="valid"):
    if padding == "same":
        padding = (np.asarray(w).shape[0] - 1) // 2
    return _reference_conv2d(x, w, b, stride=stride, padding=padding)
''',
    ("a1_convolution", "conv2d", "'same' puts the extra pad at the top/left"): '''
import math
_reference_conv2d = conv2d
def conv2d(x, w, b, stride=1, padding="valid"):
    if padding != "same":
        return _reference_conv2d(x, w, b, stride=stride, padding=padding)
    x = np.asarray(x, dtype=float)
    pads = []
    for size, k in zip(x.shape[1:3], np.asarray(w).shape[:2]):
        total = max((math.ceil(size / stride) - 1) * stride + k - size, 0)
        pads.append((total - total // 2, total // 2))
    return _reference_conv2d(np.pad(x, ((0, 0), pads[0], pads[1], (0, 0))), w, b, stride=stride, padding="valid")
''',
    ("a1_convolution", "conv2d", "'same' pads one too few"): '''
import math
_reference_conv2d = conv2d
def conv2d(x, w, b, stride=1, padding="valid"):
    if padding != "same":
        return _reference_conv2d(x, w, b, stride=stride, padding=padding)
    x = np.asarray(x, dtype=float)
    pads = []
    for size, k in zip(x.shape[1:3], np.asarray(w).shape[:2]):
        total = max((math.ceil(size / stride) - 1) * stride + k - size - 1, 0)
        pads.append((total // 2, total - total // 2))
    return _reference_conv2d(np.pad(x, ((0, 0), pads[0], pads[1], (0, 0))), w, b, stride=stride, padding="valid")
''',
    ("a1_convolution", "conv2d", "flipped kernels (true convolution)"): '''
_reference_conv2d = conv2d
def conv2d(x, w, b, stride=1, padding="valid"):
    return _reference_conv2d(x, np.asarray(w)[::-1, ::-1], b, stride=stride, padding=padding)
''',
    ("a1_convolution", "conv2d", "forgets the bias"): '''
_reference_conv2d = conv2d
def conv2d(x, w, b, stride=1, padding="valid"):
    return _reference_conv2d(x, w, np.zeros_like(np.asarray(b)), stride=stride, padding=padding)
''',
    ("a1_convolution", "conv2d", "calls tf.nn.conv2d"): '''
import math
def conv2d(x, w, b, stride=1, padding="valid"):
    import tensorflow as tf
    x = np.asarray(x, dtype="float32")
    if isinstance(padding, int):
        x = np.pad(x, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
        padding = "valid"
    out = tf.nn.conv2d(x, np.asarray(w, dtype="float32"), strides=stride, padding=padding.upper())
    return np.asarray(out, dtype=float) + b
''',
    ("a1_convolution", "conv2d", "calls scipy.signal.correlate"): '''
import math
import scipy.signal
def conv2d(x, w, b, stride=1, padding="valid"):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    if padding == "valid":
        pads = [(0, 0), (0, 0)]
    elif padding == "same":
        pads = []
        for size, k in zip(x.shape[1:3], w.shape[:2]):
            total = max((math.ceil(size / stride) - 1) * stride + k - size, 0)
            pads.append((total // 2, total - total // 2))
    else:
        pads = [(padding, padding), (padding, padding)]
    padded = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))
    outs = []
    for n in range(x.shape[0]):
        maps = [sum(scipy.signal.correlate(padded[n, :, :, c], w[:, :, c, f], mode="valid") for c in range(x.shape[3]))
                for f in range(w.shape[3])]
        outs.append(np.stack(maps, axis=-1)[::stride, ::stride] + b)
    return np.stack(outs)
''',
    ("a1_convolution", "sobel_edges", "flipped Sobel kernels"): '''
def sobel_edges(image):
    gx = conv2d_single(image, SOBEL_X[::-1, ::-1], padding=1)
    gy = conv2d_single(image, SOBEL_Y[::-1, ::-1], padding=1)
    return gx, gy, np.hypot(gx, gy)
''',
    ("a1_convolution", "sobel_edges", "does not use conv2d_single"): '''
def sobel_edges(image):
    padded = np.pad(np.asarray(image, dtype=float), 1)
    h, w = np.asarray(image).shape
    gx, gy = np.zeros((h, w)), np.zeros((h, w))
    for u in range(3):
        for v in range(3):
            gx += SOBEL_X[u, v] * padded[u:u + h, v:v + w]
            gy += SOBEL_Y[u, v] * padded[u:u + h, v:v + w]
    return gx, gy, np.hypot(gx, gy)
''',
    ("a1_convolution", "sobel_edges", "calls cv2.Sobel"): '''
import cv2
def sobel_edges(image):
    conv2d_single(image, SOBEL_X, padding=1), conv2d_single(image, SOBEL_Y, padding=1)
    image = np.asarray(image, dtype=float)
    gx = cv2.Sobel(image, cv2.CV_64F, 1, 0, ksize=3, borderType=cv2.BORDER_CONSTANT)
    gy = cv2.Sobel(image, cv2.CV_64F, 0, 1, ksize=3, borderType=cv2.BORDER_CONSTANT)
    return gx, gy, np.hypot(gx, gy)
''',
    ("a1_convolution", "sobel_edges", "no padding"): '''
def sobel_edges(image):
    gx, gy = conv2d_single(image, SOBEL_X), conv2d_single(image, SOBEL_Y)
    return gx, gy, np.hypot(gx, gy)
''',
    # a2_pooling
    ("a2_pooling", "max_pool2d", "average pooling passed off as max pooling"): '''
def max_pool2d(x, pool_size=2, stride=None):
    return avg_pool2d(x, pool_size, stride)
''',
    ("a2_pooling", "max_pool2d", "ignores stride"): '''
_reference_max = max_pool2d
def max_pool2d(x, pool_size=2, stride=None):
    return _reference_max(x, pool_size, None)
''',
    ("a2_pooling", "max_pool2d", "starts the maximum at 0"): '''
_reference_max = max_pool2d
def max_pool2d(x, pool_size=2, stride=None):
    return np.maximum(_reference_max(x, pool_size, stride), 0)
''',
    ("a2_pooling", "max_pool2d", "pools across channels"): '''
_reference_max = max_pool2d
def max_pool2d(x, pool_size=2, stride=None):
    out = _reference_max(x, pool_size, stride)
    return np.broadcast_to(out.max(axis=-1, keepdims=True), out.shape).copy()
''',
    ("a2_pooling", "max_pool2d", "calls tf.nn.max_pool2d"): '''
def max_pool2d(x, pool_size=2, stride=None):
    import tensorflow as tf
    stride = pool_size if stride is None else stride
    return np.asarray(tf.nn.max_pool2d(np.asarray(x, dtype="float32"), pool_size, stride, "VALID"), dtype=float)
''',
    ("a2_pooling", "max_pool2d", "calls keras.ops.max_pool"): '''
import keras
def max_pool2d(x, pool_size=2, stride=None):
    return np.asarray(keras.ops.max_pool(np.asarray(x, dtype="float32"), pool_size, stride, "valid"), dtype=float)
''',
    ("a2_pooling", "avg_pool2d", "max pooling passed off as average pooling"): '''
def avg_pool2d(x, pool_size=2, stride=None):
    return max_pool2d(np.asarray(x, dtype=float), pool_size, stride)
''',
    ("a2_pooling", "avg_pool2d", "sums in uint8"): '''
def avg_pool2d(x, pool_size=2, stride=None):
    x = np.asarray(x)
    stride = pool_size if stride is None else stride
    h = (x.shape[1] - pool_size) // stride + 1
    w = (x.shape[2] - pool_size) // stride + 1
    out = np.zeros((x.shape[0], h, w, x.shape[3]), dtype=x.dtype)
    for u in range(pool_size):
        for v in range(pool_size):
            out += x[:, u:u + stride * (h - 1) + 1:stride, v:v + stride * (w - 1) + 1:stride, :]
    return out / pool_size ** 2
''',
    ("a2_pooling", "avg_pool2d", "calls tf.nn.avg_pool2d"): '''
def avg_pool2d(x, pool_size=2, stride=None):
    import tensorflow as tf
    stride = pool_size if stride is None else stride
    return np.asarray(tf.nn.avg_pool2d(np.asarray(x, dtype="float32"), pool_size, stride, "VALID"), dtype=float)
''',
    ("a2_pooling", "layer_table", "pool2 rounds up"): '''
layer_table = dict(layer_table, pool2=((6, 6, 64), 0), flatten=((2304,), 0), dense=((47,), 2304 * 47 + 47))
''',
    ("a2_pooling", "layer_table", "dense without biases"): '''
layer_table = dict(layer_table, dense=((47,), 1600 * 47))
''',
    ("a2_pooling", "layer_table", "conv2 counts one input channel"): '''
layer_table = dict(layer_table, conv2=((11, 11, 64), 3 * 3 * 64 + 64))
''',
}


@pytest.mark.parametrize("assignment,question,mistake", list(MUTANTS), ids=[f"{q}: {m}" for _, q, m in MUTANTS])
def test_mutant_is_rejected(assignment, question, mistake):
    assert_rejects(assignment, question, mutate(_reference_env(assignment), MUTANTS[assignment, question, mistake], mistake))


def test_every_question_has_a_mutant():
    assert {(a, q) for a, q, _ in MUTANTS} == set(ALL_FILES)
