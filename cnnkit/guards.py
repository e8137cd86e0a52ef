"""Checks of *how* a student's function works, for the test files: "no library does the work",
"calls my helper". They run where the student's code runs: in the notebook's kernel for nbgrader
and otter, and inside the sandboxed kernel when ``cnnkit grade`` judges from outside: there the
test holds the grader's stand-in for the student's function, whose type carries the marker
:data:`REMOTE_MARKER`, and the check is forwarded to the kernel (``stand_in.guarded(...)``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from unittest import mock


#: A class attribute (``True``) of the grader's stand-ins for objects that live in the kernel.
REMOTE_MARKER = "_cnnkit_remote"


def _remote(func: Any) -> Any:
    """The grader's stand-in for a function living in the student's kernel, or ``None``."""
    return func if getattr(type(func), REMOTE_MARKER, False) else None


def call_without(func: Callable[..., Any], forbidden: Mapping[str, Sequence[str]], *args: Any, **kwargs: Any) -> Any:
    """Call ``func(*args, **kwargs)`` while the library routines in ``forbidden`` raise.

    Args:
        forbidden: ``{module: [routine names]}``, e.g. ``{"scipy.signal": ["correlate2d"]}``.
            An imported module gets those routines replaced; a module not imported yet is
            blocked, so an ``import`` inside ``func`` fails; names bound in ``func.__globals__``
            (``from scipy.signal import correlate2d``) are replaced too.

    Raises:
        AssertionError: ``func`` used a forbidden routine (the message names it).
    """
    remote = _remote(func)
    if remote is not None:
        return remote.guarded("call_without", {k: list(v) for k, v in forbidden.items()}, args, kwargs)
    used: list[str] = []

    def forbidden_routine(qualname: str) -> Callable[..., Any]:
        def routine(*_args: Any, **_kwargs: Any) -> Any:
            used.append(qualname)
            raise AssertionError(f"calls {qualname}")

        return routine

    patches, blocked, originals = [], [], {}
    for module_name, names in forbidden.items():
        top = module_name.split(".")[0]
        if top not in sys.modules:
            blocked.append(top)
            continue
        module = sys.modules.get(module_name)
        if module is None and "." in module_name:  # e.g. tensorflow.nn: an attribute, not a module
            module = getattr(sys.modules[top], module_name.split(".", 1)[1], None)
        if module is None:
            blocked.append(module_name)
            continue
        for name in names:
            original = getattr(module, name, None)
            if original is not None:
                originals[id(original)] = f"{module_name}.{name}"
                patches.append(mock.patch.object(module, name, forbidden_routine(f"{module_name}.{name}")))
    namespace = getattr(func, "__globals__", {})
    rebound = {key: value for key, value in namespace.items() if id(value) in originals}
    blocked = [name for name in dict.fromkeys(blocked) if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]
    func_name = getattr(func, "__name__", "the function")
    advice = "; the point of this exercise is to compute the result yourself with NumPy array operations"
    try:
        for patch in patches:
            patch.start()
        for key, value in rebound.items():
            namespace[key] = forbidden_routine(originals[id(value)])
        try:
            result = func(*args, **kwargs)
        except Exception as error:
            if used:
                rule = used[0]
            elif isinstance(error, ImportError) and getattr(error, "name", None) in blocked:
                rule = f"import {error.name}"
            else:
                raise
            raise AssertionError(f"{func_name} uses {rule}{advice}") from None
    finally:
        namespace.update(rebound)
        for patch in reversed(patches):
            patch.stop()
        for name in blocked:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
    if used:
        raise AssertionError(f"{func_name} uses {used[0]}{advice}")
    return result


def count_calls(func: Callable[..., Any], callee: str, *args: Any, **kwargs: Any) -> tuple[Any, int]:
    """Call ``func(*args, **kwargs)`` and count its calls of the global function named ``callee``.

    Returns:
        ``(result, number of calls)``; 0 calls when ``callee`` is not a global of ``func``.
    """
    remote = _remote(func)
    if remote is not None:
        return tuple(remote.guarded("count_calls", callee, args, kwargs))  # type: ignore[return-value]
    namespace = getattr(func, "__globals__", {})
    original = namespace.get(callee)
    if original is None:
        return func(*args, **kwargs), 0
    calls = []

    def spy(*a: Any, **k: Any) -> Any:
        calls.append(1)
        return original(*a, **k)

    namespace[callee] = spy
    try:
        result = func(*args, **kwargs)
    finally:
        namespace[callee] = original
    return result, len(calls)


GUARDS: dict[str, Callable[..., Any]] = {"call_without": call_without, "count_calls": count_calls}
