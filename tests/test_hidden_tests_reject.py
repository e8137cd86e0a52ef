"""The autograder's test files accept the reference solutions and reject typical wrong ones.

For each assignment the reference environment is built the way a notebook builds it: the code of
the source notebook's solution cells (``### BEGIN/END SOLUTION`` marker lines removed) is executed
in one namespace that has NumPy. Every full test file (hidden cases included) must pass on it. Each
mutant below (a small, plausible mistake that breaks one clause of the notebook's text or docstring)
is executed on top of that namespace and must make its question's file fail, with a message that
says why (``because``); each alternate (a correct solution written another way) must pass every case.
The committed release notebook's cells (nbgrader's stubs that raise ``NotImplementedError``) must
fail every file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
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
@dataclass(frozen=True)
class Mutant:
    """A plausible wrong solution: code executed on top of the reference that breaks one clause of
    the notebook's text, and the words the failing case's message must contain."""

    assignment: str
    question: str
    clause: str
    code: str
    because: str


@dataclass(frozen=True)
class Alternate:
    """A correct solution written another way than the reference's, which the text allows."""

    assignment: str
    question: str
    way: str
    code: str


A1, A2 = ASSIGNMENT_IDS
MUTANTS: tuple[Mutant, ...] = (
    # --- a1 zero_pad
    Mutant(A1, "zero_pad", "only the spatial axes", """
def zero_pad(x, pad):
    return np.pad(np.asarray(x), pad)
""", "also padded the batch and channel axes"),
    Mutant(A1, "zero_pad", "the same dtype", """
_reference_zero_pad = zero_pad
def zero_pad(x, pad):
    return _reference_zero_pad(np.asarray(x, dtype=float), pad)
""", "keep the input's dtype"),
    Mutant(A1, "zero_pad", "pad on each side", """
def zero_pad(x, pad):
    x = np.asarray(x)
    widths = [(0, pad), (0, pad)]
    return np.pad(x, widths if x.ndim == 2 else [(0, 0), *widths, (0, 0)])
""", "all the zeros on one side"),
    Mutant(A1, "zero_pad", "pad is the width on each side", """
_reference_zero_pad = zero_pad
def zero_pad(x, pad):
    return _reference_zero_pad(x, 2 * pad)
""", "2 * pad zeros on each side"),
    Mutant(A1, "zero_pad", "zeros", """
def zero_pad(x, pad):
    x = np.asarray(x)
    widths = [(pad, pad), (pad, pad)]
    return np.pad(x, widths if x.ndim == 2 else [(0, 0), *widths, (0, 0)], mode="edge")
""", "must be zeros"),
    # --- a1 conv_output_size
    Mutant(A1, "conv_output_size", "an int", """
def conv_output_size(n, k, stride=1, pad=0):
    return (n + 2 * pad - k) / stride + 1
""", "return an int"),
    Mutant(A1, "conv_output_size", "floor", """
def conv_output_size(n, k, stride=1, pad=0):
    return -(-(n + 2 * pad - k) // stride) + 1
""", "rounds up or to the nearest integer"),
    Mutant(A1, "conv_output_size", "floor, not round", """
def conv_output_size(n, k, stride=1, pad=0):
    return int(round((n + 2 * pad - k) / stride)) + 1
""", "take the floor"),
    Mutant(A1, "conv_output_size", "pad on each side", """
def conv_output_size(n, k, stride=1, pad=0):
    return (n + pad - k) // stride + 1
""", "counts the padding once"),
    Mutant(A1, "conv_output_size", "stride", """
def conv_output_size(n, k, stride=1, pad=0):
    return n + 2 * pad - k + 1
""", "the stride is the step between windows"),
    Mutant(A1, "conv_output_size", "default arguments", """
def conv_output_size(n, k, stride=1, pad=1):
    return (n + 2 * pad - k) // stride + 1
""", "the defaults are stride=1 and pad=0"),
    # --- a1 conv2d_single
    Mutant(A1, "conv2d_single", "no kernel flip", """
_reference_single = conv2d_single
def conv2d_single(image, kernel, stride=1, padding=0):
    return _reference_single(image, np.flip(np.asarray(kernel)), stride, padding)
""", "this is the true convolution: the kernel is flipped"),
    Mutant(A1, "conv2d_single", "kernel orientation", """
_reference_single = conv2d_single
def conv2d_single(image, kernel, stride=1, padding=0):
    return _reference_single(image, np.asarray(kernel).T, stride, padding)
""", "transposed kernel"),
    Mutant(A1, "conv2d_single", "stride", """
_reference_single = conv2d_single
def conv2d_single(image, kernel, stride=1, padding=0):
    return _reference_single(image, kernel, 1, padding)
""", "ignores the stride"),
    Mutant(A1, "conv2d_single", "windows stride apart", """
_reference_single = conv2d_single
def conv2d_single(image, kernel, stride=1, padding=0):
    kh, kw = np.asarray(kernel).shape
    h = conv_output_size(np.asarray(image).shape[0], kh, stride, padding)
    w = conv_output_size(np.asarray(image).shape[1], kw, stride, padding)
    return _reference_single(image, kernel, 1, padding)[:h, :w]
""", "windows start 1 pixel apart"),
    Mutant(A1, "conv2d_single", "padding", """
_reference_single = conv2d_single
def conv2d_single(image, kernel, stride=1, padding=0):
    return _reference_single(image, kernel, stride, 0)
""", "ignores the padding"),
    Mutant(A1, "conv2d_single", "padding on each side", """
_reference_single = conv2d_single
def conv2d_single(image, kernel, stride=1, padding=0):
    return _reference_single(np.pad(np.asarray(image, dtype=float), (0, padding)), kernel, stride, 0)
""", "pads one side only"),
    Mutant(A1, "conv2d_single", "computed in float", """
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
""", "uint8 arithmetic wraps around at 256"),
    Mutant(A1, "conv2d_single", "a float array", """
_reference_single = conv2d_single
def conv2d_single(image, kernel, stride=1, padding=0):
    out = _reference_single(image, kernel, stride, padding)
    return np.rint(out).astype(int) if np.issubdtype(np.asarray(image).dtype, np.integer) else out
""", "return a float array"),
    Mutant(A1, "conv2d_single", "no library convolution", """
from scipy.signal import correlate2d
def conv2d_single(image, kernel, stride=1, padding=0):
    padded = zero_pad(np.asarray(image, dtype=float), padding)
    return correlate2d(padded, np.asarray(kernel, dtype=float), mode="valid")[::stride, ::stride]
""", "compute the result yourself"),
    # --- a1 sobel_edges
    Mutant(A1, "sobel_edges", "no kernel flip", """
def sobel_edges(image):
    gx = conv2d_single(image, SOBEL_X[::-1, ::-1], padding=1)
    gy = conv2d_single(image, SOBEL_Y[::-1, ::-1], padding=1)
    return gx, gy, np.hypot(gx, gy)
""", "the kernels are flipped"),
    Mutant(A1, "sobel_edges", "gx with SOBEL_X, gy with SOBEL_Y", """
def sobel_edges(image):
    gx = conv2d_single(image, SOBEL_Y, padding=1)
    gy = conv2d_single(image, SOBEL_X, padding=1)
    return gx, gy, np.hypot(gx, gy)
""", "gx and gy are swapped"),
    Mutant(A1, "sobel_edges", "with conv2d_single", """
def sobel_edges(image):
    padded = np.pad(np.asarray(image, dtype=float), 1)
    h, w = np.asarray(image).shape
    gx, gy = np.zeros((h, w)), np.zeros((h, w))
    for u in range(3):
        for v in range(3):
            gx += SOBEL_X[u, v] * padded[u:u + h, v:v + w]
            gy += SOBEL_Y[u, v] * padded[u:u + h, v:v + w]
    return gx, gy, np.hypot(gx, gy)
""", "use it for both gx and gy"),
    Mutant(A1, "sobel_edges", "no library", """
import cv2
def sobel_edges(image):
    conv2d_single(image, SOBEL_X, padding=1), conv2d_single(image, SOBEL_Y, padding=1)
    image = np.asarray(image, dtype=float)
    gx = cv2.Sobel(image, cv2.CV_64F, 1, 0, ksize=3, borderType=cv2.BORDER_CONSTANT)
    gy = cv2.Sobel(image, cv2.CV_64F, 0, 1, ksize=3, borderType=cv2.BORDER_CONSTANT)
    return gx, gy, np.hypot(gx, gy)
""", "compute the result yourself"),
    Mutant(A1, "sobel_edges", "padding=1", """
def sobel_edges(image):
    gx, gy = conv2d_single(image, SOBEL_X), conv2d_single(image, SOBEL_Y)
    return gx, gy, np.hypot(gx, gy)
""", "use padding=1"),
    Mutant(A1, "sobel_edges", "zero border", """
def sobel_edges(image):
    padded = np.pad(np.asarray(image, dtype=float), 1, mode="edge")
    gx, gy = conv2d_single(padded, SOBEL_X), conv2d_single(padded, SOBEL_Y)
    return gx, gy, np.hypot(gx, gy)
""", "'edge' border"),
    Mutant(A1, "sobel_edges", "magnitude: the square root", """
def sobel_edges(image):
    gx, gy = conv2d_single(image, SOBEL_X, padding=1), conv2d_single(image, SOBEL_Y, padding=1)
    return gx, gy, gx ** 2 + gy ** 2
""", "lacks its square root"),
    Mutant(A1, "sobel_edges", "magnitude: the Euclidean norm", """
def sobel_edges(image):
    gx, gy = conv2d_single(image, SOBEL_X, padding=1), conv2d_single(image, SOBEL_Y, padding=1)
    return gx, gy, np.abs(gx) + np.abs(gy)
""", "|gx| + |gy|"),
    # --- a1 conv2d
    Mutant(A1, "conv2d", "stride", """
_reference_conv2d = conv2d
def conv2d(x, w, b, stride=1, padding="valid"):
    return _reference_conv2d(x, w, b, stride=1, padding=padding)
""", "ignores the stride"),
    Mutant(A1, "conv2d", "windows stride apart", """
_reference_conv2d = conv2d
def conv2d(x, w, b, stride=1, padding="valid"):
    shape = _reference_conv2d(x, w, b, stride=stride, padding=padding).shape
    return _reference_conv2d(x, w, b, stride=1, padding=padding)[:, :shape[1], :shape[2]]
""", "windows start 1 pixel apart"),
    Mutant(A1, "conv2d", "'same': the extra pad at the bottom/right (symmetric)", """
_reference_conv2d = conv2d
def conv2d(x, w, b, stride=1, padding="valid"):
    if padding == "same":
        padding = (np.asarray(w).shape[0] - 1) // 2
    return _reference_conv2d(x, w, b, stride=stride, padding=padding)
""", "pads 'same' symmetrically"),
    Mutant(A1, "conv2d", "'same': the extra pad at the bottom/right (not top/left)", """
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
""", "at the top/left"),
    Mutant(A1, "conv2d", "'same': the total with a stride", """
_reference_conv2d = conv2d
def conv2d(x, w, b, stride=1, padding="valid"):
    if padding != "same":
        return _reference_conv2d(x, w, b, stride=stride, padding=padding)
    kh, kw = np.asarray(w).shape[:2]
    padded = np.pad(np.asarray(x, dtype=float), ((0, 0), ((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2), (0, 0)))
    return _reference_conv2d(padded, w, b, stride=stride, padding="valid")
""", "as for stride 1"),
    Mutant(A1, "conv2d", "'same': the total", """
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
""", "returned shape"),
    Mutant(A1, "conv2d", "int padding", """
_reference_conv2d = conv2d
def conv2d(x, w, b, stride=1, padding="valid"):
    return _reference_conv2d(x, w, b, stride=stride, padding=0 if isinstance(padding, int) else padding)
""", "ignores an int padding"),
    Mutant(A1, "conv2d", "no kernel flip", """
_reference_conv2d = conv2d
def conv2d(x, w, b, stride=1, padding="valid"):
    return _reference_conv2d(x, np.asarray(w)[::-1, ::-1], b, stride=stride, padding=padding)
""", "this is the true convolution: the kernels are flipped"),
    Mutant(A1, "conv2d", "the bias", """
_reference_conv2d = conv2d
def conv2d(x, w, b, stride=1, padding="valid"):
    return _reference_conv2d(x, w, np.zeros_like(np.asarray(b)), stride=stride, padding=padding)
""", "forgets the bias"),
    Mutant(A1, "conv2d", "the sum over input channels", """
_reference_conv2d = conv2d
def conv2d(x, w, b, stride=1, padding="valid"):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    return _reference_conv2d(x[..., :1], w[:, :, :1], b, stride=stride, padding=padding)
""", "sums over the window AND the input channels"),
    Mutant(A1, "conv2d", "a float array", """
_reference_conv2d = conv2d
def conv2d(x, w, b, stride=1, padding="valid"):
    out = _reference_conv2d(x, w, b, stride=stride, padding=padding)
    integer = all(np.issubdtype(np.asarray(a).dtype, np.integer) for a in (x, w, b))
    return np.rint(out).astype(int) if integer else out
""", "return a float array"),
    Mutant(A1, "conv2d", "no library (tf.nn.conv2d)", """
def conv2d(x, w, b, stride=1, padding="valid"):
    import tensorflow as tf
    x = np.asarray(x, dtype="float32")
    if isinstance(padding, int):
        x = np.pad(x, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
        padding = "valid"
    out = tf.nn.conv2d(x, np.asarray(w, dtype="float32"), strides=stride, padding=padding.upper())
    return np.asarray(out, dtype=float) + b
""", "compute the result yourself"),
    Mutant(A1, "conv2d", "no library (scipy.signal.correlate)", """
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
""", "compute the result yourself"),
    # --- a2 max_pool2d
    Mutant(A2, "max_pool2d", "the maximum", """
def max_pool2d(x, pool_size=2, stride=None):
    return avg_pool2d(x, pool_size, stride)
""", "this is average pooling"),
    Mutant(A2, "max_pool2d", "stride", """
_reference_max = max_pool2d
def max_pool2d(x, pool_size=2, stride=None):
    return _reference_max(x, pool_size, None)
""", "ignores the stride"),
    Mutant(A2, "max_pool2d", "stride=None means stride = pool_size", """
_reference_max = max_pool2d
def max_pool2d(x, pool_size=2, stride=None):
    return _reference_max(x, pool_size, 1 if stride is None else stride)
""", "uses stride 1 when stride is None"),
    Mutant(A2, "max_pool2d", "negative values", """
_reference_max = max_pool2d
def max_pool2d(x, pool_size=2, stride=None):
    return np.maximum(_reference_max(x, pool_size, stride), 0)
""", "starts the maximum at 0"),
    Mutant(A2, "max_pool2d", "each channel on its own", """
_reference_max = max_pool2d
def max_pool2d(x, pool_size=2, stride=None):
    out = _reference_max(x, pool_size, stride)
    return np.broadcast_to(out.max(axis=-1, keepdims=True), out.shape).copy()
""", "across channels"),
    Mutant(A2, "max_pool2d", "windows that do not fit are dropped", """
def max_pool2d(x, pool_size=2, stride=None):
    x = np.asarray(x, dtype=float)
    stride = pool_size if stride is None else stride
    n, h, w, c = x.shape
    h_out, w_out = -(-(h - pool_size) // stride) + 1, -(-(w - pool_size) // stride) + 1
    out = np.full((n, h_out, w_out, c), -np.inf)
    for i in range(h_out):
        for j in range(w_out):
            out[:, i, j] = x[:, i * stride:i * stride + pool_size, j * stride:j * stride + pool_size].max(axis=(1, 2))
    return out
""", "windows that do not fit are dropped"),
    Mutant(A2, "max_pool2d", "the input left unmodified", """
_reference_max = max_pool2d
def max_pool2d(x, pool_size=2, stride=None):
    out = _reference_max(x, pool_size, stride)
    x.sort(axis=-1)
    return out
""", "must not modify its input"),
    Mutant(A2, "max_pool2d", "no library (tf.nn.max_pool2d)", """
def max_pool2d(x, pool_size=2, stride=None):
    import tensorflow as tf
    stride = pool_size if stride is None else stride
    return np.asarray(tf.nn.max_pool2d(np.asarray(x, dtype="float32"), pool_size, stride, "VALID"), dtype=float)
""", "compute the result yourself"),
    Mutant(A2, "max_pool2d", "no library (keras.ops.max_pool)", """
import keras
def max_pool2d(x, pool_size=2, stride=None):
    return np.asarray(keras.ops.max_pool(np.asarray(x, dtype="float32"), pool_size, stride, "valid"), dtype=float)
""", "compute the result yourself"),
    # --- a2 avg_pool2d
    Mutant(A2, "avg_pool2d", "the mean", """
def avg_pool2d(x, pool_size=2, stride=None):
    return max_pool2d(np.asarray(x, dtype=float), pool_size, stride)
""", "this is max pooling"),
    Mutant(A2, "avg_pool2d", "computed in float", """
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
""", "wrap around at 256"),
    Mutant(A2, "avg_pool2d", "divided by the window's size", """
_reference_avg = avg_pool2d
def avg_pool2d(x, pool_size=2, stride=None):
    return _reference_avg(x, pool_size, stride) * pool_size
""", "divides by pool_size"),
    Mutant(A2, "avg_pool2d", "stride", """
_reference_avg = avg_pool2d
def avg_pool2d(x, pool_size=2, stride=None):
    return _reference_avg(x, pool_size, None)
""", "ignores the stride"),
    Mutant(A2, "avg_pool2d", "stride=None means stride = pool_size", """
_reference_avg = avg_pool2d
def avg_pool2d(x, pool_size=2, stride=None):
    return _reference_avg(x, pool_size, 1 if stride is None else stride)
""", "uses stride 1 when stride is None"),
    Mutant(A2, "avg_pool2d", "no library (tf.nn.avg_pool2d)", """
def avg_pool2d(x, pool_size=2, stride=None):
    import tensorflow as tf
    stride = pool_size if stride is None else stride
    return np.asarray(tf.nn.avg_pool2d(np.asarray(x, dtype="float32"), pool_size, stride, "VALID"), dtype=float)
""", "compute the result yourself"),
    # --- a2 layer_table
    Mutant(A2, "layer_table", "pooling drops the odd row", """
layer_table = dict(layer_table, pool2=((6, 6, 64), 0), flatten=((2304,), 0), dense=((47,), 2304 * 47 + 47))
""", "pool2 rounds up"),
    Mutant(A2, "layer_table", "pooling has no parameters", """
layer_table = dict(layer_table, pool1=((13, 13, 32), 320))
""", "a pooling layer has no parameters"),
    Mutant(A2, "layer_table", "dense biases", """
layer_table = dict(layer_table, dense=((47,), 1600 * 47))
""", "dense forgets the biases"),
    Mutant(A2, "layer_table", "conv2: one kernel per input channel", """
layer_table = dict(layer_table, conv2=((11, 11, 64), 3 * 3 * 64 + 64))
""", "counts one input channel"),
    Mutant(A2, "layer_table", "conv2: biases", """
layer_table = dict(layer_table, conv2=((11, 11, 64), 3 * 3 * 32 * 64))
""", "conv2 forgets the biases"),
    Mutant(A2, "layer_table", "conv2: 'valid' shrinks", """
layer_table = dict(layer_table, conv2=((13, 13, 64), 3 * 3 * 32 * 64 + 64))
""", "takes 2 rows and columns"),
    Mutant(A2, "layer_table", "flatten: one axis", """
layer_table = dict(layer_table, flatten=((5, 5, 64), 0))
""", "ONE axis"),
)

ALTERNATES: tuple[Alternate, ...] = (
    Alternate(A1, "zero_pad", "a zero array and a slice assignment", """
def zero_pad(x, pad):
    x = np.asarray(x)
    spatial = (0, 1) if x.ndim == 2 else (1, 2)
    shape = list(x.shape)
    for axis in spatial:
        shape[axis] += 2 * pad
    out = np.zeros(shape, dtype=x.dtype)
    index = [slice(None)] * x.ndim
    for axis in spatial:
        index[axis] = slice(pad, pad + x.shape[axis])
    out[tuple(index)] = x
    return out
"""),
    Alternate(A1, "conv_output_size", "math.floor of the true quotient", """
import math
def conv_output_size(n, k, stride=1, pad=0):
    return math.floor((n + 2 * pad - k) / stride) + 1
"""),
    Alternate(A1, "conv2d_single", "a loop over the output positions", """
def conv2d_single(image, kernel, stride=1, padding=0):
    padded = zero_pad(np.asarray(image, dtype=float), padding)
    kernel = np.asarray(kernel, dtype=float)
    kh, kw = kernel.shape
    out = np.empty((conv_output_size(len(image), kh, stride, padding),
                    conv_output_size(np.asarray(image).shape[1], kw, stride, padding)))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(padded[i * stride:i * stride + kh, j * stride:j * stride + kw] * kernel)
    return out
"""),
    Alternate(A1, "sobel_edges", "np.hypot for the magnitude", """
def sobel_edges(image):
    gx, gy = conv2d_single(image, SOBEL_X, 1, 1), conv2d_single(image, SOBEL_Y, 1, 1)
    return gx, gy, np.hypot(gx, gy)
"""),
    Alternate(A1, "conv2d", "sliding windows and einsum", """
import math
from numpy.lib.stride_tricks import sliding_window_view
def conv2d(x, w, b, stride=1, padding="valid"):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    kh, kw = w.shape[:2]
    if padding == "same":
        pads = []
        for size, k in ((x.shape[1], kh), (x.shape[2], kw)):
            total = max((math.ceil(size / stride) - 1) * stride + k - size, 0)
            pads.append((total // 2, total - total // 2))
    else:
        p = 0 if padding == "valid" else padding
        pads = [(p, p), (p, p)]
    padded = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))
    windows = sliding_window_view(padded, (kh, kw), axis=(1, 2))[:, ::stride, ::stride]
    return np.einsum("nijcuv,uvcf->nijf", windows, w) + b
"""),
    Alternate(A2, "max_pool2d", "sliding windows", """
from numpy.lib.stride_tricks import sliding_window_view
def max_pool2d(x, pool_size=2, stride=None):
    stride = stride or pool_size
    windows = sliding_window_view(np.asarray(x), (pool_size, pool_size), axis=(1, 2))
    return windows[:, ::stride, ::stride].max(axis=(-2, -1))
"""),
    Alternate(A2, "avg_pool2d", "a loop over the output positions", """
def avg_pool2d(x, pool_size=2, stride=None):
    x = np.asarray(x, dtype=float)
    stride = pool_size if stride is None else stride
    n, h, w, c = x.shape
    out = np.empty((n, (h - pool_size) // stride + 1, (w - pool_size) // stride + 1, c))
    for i in range(out.shape[1]):
        for j in range(out.shape[2]):
            out[:, i, j] = x[:, i * stride:i * stride + pool_size, j * stride:j * stride + pool_size].mean(axis=(1, 2))
    return out
"""),
    Alternate(A2, "layer_table", "NumPy integers from the arithmetic", """
layer_table = {name: (tuple(np.int64(d) for d in shape), np.int64(params)) for name, (shape, params) in layer_table.items()}
"""),
)


@pytest.mark.parametrize("mutant", MUTANTS, ids=[f"{m.question}: {m.clause}" for m in MUTANTS])
def test_mutant_is_rejected(mutant: Mutant):
    env = mutate(_reference_env(mutant.assignment), mutant.code, f"{mutant.question}: {mutant.clause}")
    assert_rejects(mutant.assignment, mutant.question, env, mutant.because)


@pytest.mark.parametrize("alternate", ALTERNATES, ids=[f"{a.question}: {a.way}" for a in ALTERNATES])
def test_alternate_passes(alternate: Alternate):
    assert_passes(alternate.assignment, alternate.question,
                  mutate(_reference_env(alternate.assignment), alternate.code, f"{alternate.question}: {alternate.way}"))


def test_every_question_has_mutants():
    assert {(m.assignment, m.question) for m in MUTANTS} == set(ALL_FILES)
    assert {(a.assignment, a.question) for a in ALTERNATES} <= set(ALL_FILES)
