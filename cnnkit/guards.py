"""Checks of *how* a student's function works, for the test files: "no library does the work",
"calls my helper". They run where the student's code runs: in the notebook's kernel for nbgrader
and otter, and inside the sandboxed kernel when ``cnnkit grade`` judges from outside: there the
test holds the grader's stand-in for the student's function, whose type carries the marker
:data:`REMOTE_MARKER`, and the check is forwarded to the kernel (``stand_in.guarded(...)``).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any
from unittest import mock


#: A class attribute (``True``) of the grader's stand-ins for objects that live in the kernel.
REMOTE_MARKER = "_cnnkit_remote"


def _remote(func: Any) -> Any:
    """The grader's stand-in for a function living in the student's kernel, or ``None``."""
    return func if getattr(type(func), REMOTE_MARKER, False) else None


_ADVICE = "; the point of this exercise is to compute the result yourself with NumPy array operations"


class _Forbidden:
    """The library routines of one :func:`call_without` call, replaced by routines that raise.

    ``patches``: replacements of the routines of imported modules; ``blocked``: modules not
    imported yet, made unimportable meanwhile; ``originals``: id of each original routine -> its
    qualified name (to find the names the student bound with ``from module import routine``);
    ``used``: what the function called, in order.
    """

    def __init__(self, forbidden: Mapping[str, Sequence[str]]) -> None:
        self.used: list[str] = []
        self.patches: list[Any] = []
        self.originals: dict[int, str] = {}
        blocked = []
        for module_name, names in forbidden.items():
            module = self._module(module_name)
            if module is None:
                blocked.append(module_name.split(".")[0] if module_name.split(".")[0] not in sys.modules else module_name)
                continue
            for name in names:
                original = getattr(module, name, None)
                if original is not None:
                    self.originals[id(original)] = f"{module_name}.{name}"
                    self.patches.append(mock.patch.object(module, name, self.routine(f"{module_name}.{name}")))
        self.blocked = [name for name in dict.fromkeys(blocked) if name not in sys.modules]

    @staticmethod
    def _module(module_name: str) -> Any:
        """The imported module (or attribute module, e.g. ``tensorflow.nn``), or ``None``."""
        top = module_name.split(".")[0]
        if top not in sys.modules:
            return None
        module = sys.modules.get(module_name)
        if module is None and "." in module_name:  # e.g. tensorflow.nn: an attribute, not a module
            module = getattr(sys.modules[top], module_name.split(".", 1)[1], None)
        return module

    def routine(self, qualname: str) -> Callable[..., Any]:
        """A stand-in for ``qualname`` that records the call and raises."""
        def forbidden_routine(*_args: Any, **_kwargs: Any) -> Any:
            self.used.append(qualname)
            raise AssertionError(f"calls {qualname}")

        return forbidden_routine

    @contextlib.contextmanager
    def active(self, namespace: dict[str, Any]) -> Iterator[None]:
        """Replace the routines (in their modules and in ``namespace``) and block the modules."""
        rebound = {key: value for key, value in namespace.items() if id(value) in self.originals}
        for name in self.blocked:
            sys.modules[name] = None  # type: ignore[assignment]
        try:
            for patch in self.patches:
                patch.start()
            for key, value in rebound.items():
                namespace[key] = self.routine(self.originals[id(value)])
            yield
        finally:
            namespace.update(rebound)
            for patch in reversed(self.patches):
                patch.stop()
            for name in self.blocked:
                if name in sys.modules and sys.modules[name] is None:
                    del sys.modules[name]


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
    rules = _Forbidden(forbidden)
    func_name = getattr(func, "__name__", "the function")
    with rules.active(getattr(func, "__globals__", {})):
        try:
            result = func(*args, **kwargs)
        except Exception as error:
            if rules.used:
                rule = rules.used[0]
            elif isinstance(error, ImportError) and getattr(error, "name", None) in rules.blocked:
                rule = f"import {error.name}"
            else:
                raise
            raise AssertionError(f"{func_name} uses {rule}{_ADVICE}") from None
    if rules.used:
        raise AssertionError(f"{func_name} uses {rules.used[0]}{_ADVICE}")
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
