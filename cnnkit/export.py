"""Measuring networks exported for phones (Assignment 5): file sizes, latency, what a LiteRT file holds.

The conversions and ``predict_tflite`` are Assignment 5's tasks and live in its notebook; this module
only measures and describes what they produce.

==============================  ================================================================
:func:`file_size_kb`            size of a file in KB (1 KB = 1000 bytes)
:func:`tflite_summary`          a LiteRT model's input and output (shape, dtype, quantization),
                                its operators and the dtypes of its tensors
:func:`tflite_latency_ms`       time per image of a LiteRT model, one image per call (batch 1)
:func:`keras_latency_ms`        the same for a Keras model called in inference mode
:func:`markdown_table`          rows of numbers as a Markdown table (for ``IPython.display``)
==============================  ================================================================

Latencies are medians over many calls, after a few warm-up calls, so that a busy machine disturbs
them less; they are wall-clock times measured on the machine that runs the notebook (a laptop or
server CPU, not a phone), and compare the variants with each other only.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["TfliteSummary", "file_size_kb", "keras_latency_ms", "markdown_table", "tflite_latency_ms", "tflite_summary"]


def file_size_kb(path: str | Path) -> float:
    """Size of ``path`` in KB (1 KB = 1000 bytes, as file managers and app stores count)."""
    return os.path.getsize(path) / 1000


@dataclass(frozen=True)
class TfliteSummary:
    """What a LiteRT (``.tflite``) model takes, returns and is made of.

    Attributes:
        input_shape, output_shape: e.g. ``(1, 28, 28, 1)`` and ``(1, 47)``.
        input_dtype, output_dtype: NumPy dtype names, e.g. ``"float32"`` or ``"uint8"``.
        input_quantization, output_quantization: ``(scale, zero_point)``; ``(0.0, 0)`` for float
            tensors. A quantized value ``q`` stands for the real number ``scale * (q - zero_point)``.
        ops: the operators in execution order, e.g. ``["CONV_2D", "MAX_POOL_2D", ...]``.
        tensor_dtypes: how many tensors (weights and activations) have each dtype.
    """

    input_shape: tuple[int, ...]
    input_dtype: str
    input_quantization: tuple[float, int]
    output_shape: tuple[int, ...]
    output_dtype: str
    output_quantization: tuple[float, int]
    ops: list[str] = field(default_factory=list)
    tensor_dtypes: dict[str, int] = field(default_factory=dict)


def _interpreter(path: str | Path, num_threads: int | None = None) -> Any:
    from ai_edge_litert.interpreter import Interpreter

    return Interpreter(model_path=str(path), num_threads=num_threads)


def tflite_summary(path: str | Path) -> TfliteSummary:
    """Describe the LiteRT model in ``path`` (see :class:`TfliteSummary`)."""
    interpreter = _interpreter(path)
    interpreter.allocate_tensors()
    inp, out = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    try:
        ops = [op["op_name"] for op in interpreter._get_ops_details()]  # LiteRT's own listing
    except Exception:  # an interpreter without the listing: the summary still has the rest  # noqa: BLE001
        ops = []
    dtypes = Counter(np.dtype(t["dtype"]).name for t in interpreter.get_tensor_details())
    return TfliteSummary(
        input_shape=tuple(int(d) for d in inp["shape"]), input_dtype=np.dtype(inp["dtype"]).name,
        input_quantization=(float(inp["quantization"][0]), int(inp["quantization"][1])),
        output_shape=tuple(int(d) for d in out["shape"]), output_dtype=np.dtype(out["dtype"]).name,
        output_quantization=(float(out["quantization"][0]), int(out["quantization"][1])),
        ops=ops, tensor_dtypes=dict(sorted(dtypes.items())),
    )


def _median_ms(call: Callable[[], Any], repeats: int, warmup: int) -> float:
    for _ in range(warmup):
        call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return float(np.median(times) * 1000)


def tflite_latency_ms(path: str | Path, image: np.ndarray | None = None, *, repeats: int = 200, warmup: int = 20,
                      num_threads: int = 1) -> float:
    """Median time of one prediction of the LiteRT model in ``path``, one image per call.

    Each timed call is what an app does per image: copy the input in (``set_tensor``), run
    (``invoke``) and copy the output out (``get_tensor``). The input's content does not change
    the time of these networks; it is ``image`` cast to the input's dtype, or zeros.

    Args:
        path: a ``.tflite`` file whose input has batch size 1.
        image: an input of the model's input shape (or without the batch axis), already prepared
            (normalised and, for an integer input, quantized); ``None``: zeros.
        repeats, warmup: timed calls, and untimed calls before them.
        num_threads: CPU threads the interpreter may use (1: what one image gets on a phone
            that runs other things too).

    Returns:
        Milliseconds per image.
    """
    interpreter = _interpreter(path, num_threads=num_threads)
    interpreter.allocate_tensors()
    inp, out = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    x = np.zeros(inp["shape"], dtype=inp["dtype"]) if image is None else np.asarray(image).astype(inp["dtype"]).reshape(inp["shape"])

    def call() -> None:
        interpreter.set_tensor(inp["index"], x)
        interpreter.invoke()
        interpreter.get_tensor(out["index"])

    return _median_ms(call, repeats, warmup)


def keras_latency_ms(model: Any, image: np.ndarray, *, repeats: int = 100, warmup: int = 10) -> float:
    """Median time of ``model(image, training=False)`` for one image, in milliseconds.

    Args:
        model: a Keras model.
        image: one prepared input with its batch axis, e.g. ``(1, 28, 28, 1)`` float32.
    """
    x = np.asarray(image, dtype=np.float32)
    return _median_ms(lambda: np.asarray(model(x, training=False)), repeats, warmup)


def markdown_table(rows: Sequence[dict[str, Any]], columns: dict[str, str] | None = None,
                   formats: dict[str, str] | None = None) -> str:
    """Rows of values as a Markdown table.

    Args:
        rows: one dict per row.
        columns: ``{key: header}`` in column order; ``None``: the keys of the first row.
        formats: ``{key: format}``, e.g. ``{"accuracy": "{:.2%}"}``; other values use ``str``.

    Returns:
        The table, e.g. to show with ``IPython.display.Markdown`` or to print.
    """
    columns = columns or {key: key for key in (rows[0] if rows else {})}
    formats = formats or {}

    def cell(key: str, value: Any) -> str:
        if value is None:
            return ""
        return formats[key].format(value) if key in formats else str(value)

    lines = ["| " + " | ".join(columns.values()) + " |",
             "| " + " | ".join("---" if i == 0 else "---:" for i in range(len(columns))) + " |"]
    lines += ["| " + " | ".join(cell(key, row.get(key)) for key in columns) + " |" for row in rows]
    return "\n".join(lines)
