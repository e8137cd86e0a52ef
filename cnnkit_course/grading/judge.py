"""Evaluate inside, judge outside: how ``cnnkit grade`` runs the test files.

The student's notebook runs in its own (sandboxed) kernel. The *judge*, a process the student's
code never touches, runs the otter test files itself; every parameter a test case takes (a
student's function, a value, a trained model) is a stand-in that asks the kernel for it:

- plain values (numbers, strings, lists, dicts, NumPy arrays) are copied into the judge;
- Keras models are saved by the kernel and loaded by the judge with ``safe_mode=True``, so the
  judge evaluates them with its own TensorFlow; a model a test builds and passes to a student's
  function travels the other way, saved by the judge and loaded in the kernel;
- anything else, functions and classes above all, stays in the kernel as a
  :class:`RemoteObject`: calling it runs the student's code there and copies the result back.

So the test's assertions, NumPy, the test framework and the results file all live in the judge: a
submission that redefines ``np.allclose``, patches otter, prints "All tests passed", writes a
results file or calls ``sys.exit`` changes only what its own functions return.

The kernel and the judge exchange JSON requests and replies plus ``.npy``/``.keras`` files in an
exchange folder; nothing is ever unpickled, and replies are size-capped.
"""

from __future__ import annotations

import builtins
import itertools
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

_MISSING = {"__missing__": True}
#: Largest reply (JSON plus arrays) the judge reads, in bytes.
MAX_REPLY_BYTES = 256 * 2**20


class RemoteError(Exception):
    """An exception raised by the student's code in the kernel (message: its type and text)."""


def _remote_error(type_name: str, message: str) -> RemoteError:
    """A :class:`RemoteError` that is also the builtin exception of that name, when there is one
    (so ``pytest.raises(ValueError)`` in a test catches a student's ``ValueError``)."""
    builtin = getattr(builtins, type_name, None)
    if isinstance(builtin, type) and issubclass(builtin, Exception) and not issubclass(builtin, RemoteError):
        try:
            return type(type_name, (RemoteError, builtin), {})(f"{type_name}: {message}")
        except TypeError:  # builtins with incompatible layouts
            pass
    return RemoteError(f"{type_name}: {message}")


def _write_json(path: Path, payload: Any) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload))
    os.replace(tmp, path)


class _Files:
    """Numbered array and model files in the exchange folder."""

    def __init__(self, folder: Path, prefix: str) -> None:
        self.folder, self.prefix, self.counter = folder, prefix, itertools.count()

    def new(self, suffix: str) -> Path:
        return self.folder / f"{self.prefix}{next(self.counter)}{suffix}"


def _encode_plain(value: Any, files: _Files, fallback: Callable[[Any], Any]) -> Any:
    """JSON-able form of ``value``; ``fallback`` encodes what is not plain data."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)) and type(value) in (list, tuple):
        key = "__list__" if isinstance(value, list) else "__tuple__"
        return {key: [_encode_plain(v, files, fallback) for v in value]}
    if type(value) is dict:
        return {"__dict__": [[_encode_plain(k, files, fallback), _encode_plain(v, files, fallback)] for k, v in value.items()]}
    if isinstance(value, (np.ndarray, np.generic)) and np.asarray(value).dtype != object:
        path = files.new(".npy")
        np.save(path, np.asarray(value), allow_pickle=False)
        return {"__ndarray__": path.name, "scalar": isinstance(value, np.generic)}
    return fallback(value)


def _decode_plain(obj: Any, folder: Path, special: Callable[[dict], Any]) -> Any:
    """Inverse of :func:`_encode_plain`; ``special`` decodes the non-plain markers."""
    if not isinstance(obj, dict):
        return obj
    if "__list__" in obj:
        return [_decode_plain(v, folder, special) for v in obj["__list__"]]
    if "__tuple__" in obj:
        return tuple(_decode_plain(v, folder, special) for v in obj["__tuple__"])
    if "__dict__" in obj:
        return {_hashable(_decode_plain(k, folder, special)): _decode_plain(v, folder, special) for k, v in obj["__dict__"]}
    if "__ndarray__" in obj:
        array = np.load(folder / Path(obj["__ndarray__"]).name, allow_pickle=False)
        return array[()] if obj.get("scalar") else array
    return special(obj)


def _hashable(key: Any) -> Any:
    return key if not isinstance(key, list) else tuple(key)


# --- the kernel side ----------------------------------------------------------------------------


class KernelHarness:
    """Answers the judge's requests inside the student's kernel.

    Args:
        folder: the exchange folder.
        namespace: the notebook's globals.
    """

    def __init__(self, folder: str, namespace: dict[str, Any]) -> None:
        self.folder = Path(folder)
        self.namespace = namespace
        self.handles: dict[int, Any] = {}
        self.files = _Files(self.folder, "k")

    def serve(self, request_id: int) -> None:
        """Answer request ``request_id`` (``req-<id>.json``) into ``rep-<id>.json``."""
        try:
            request = json.loads((self.folder / f"req-{request_id}.json").read_text())
            reply = {"ok": self._encode(self._dispatch(request))}
        except BaseException as exc:  # noqa: BLE001 - sys.exit and KeyboardInterrupt are answers too
            reply = {"error": [type(exc).__name__, str(exc)[:4000]]}
        _write_json(self.folder / f"rep-{request_id}.json", reply)

    def _dispatch(self, request: dict[str, Any]) -> Any:
        from cnnkit.guards import GUARDS

        op = request["op"]
        if op == "get":
            return self.namespace.get(request["name"], _MISSING)
        target = self._decode(request["target"])
        args = [self._decode(a) for a in request.get("args", [])]
        kwargs = {k: self._decode(v) for k, v in request.get("kwargs", {}).items()}
        if op == "call":
            return target(*args, **kwargs)
        if op == "getattr":
            return getattr(target, request["name"])
        if op == "getitem":
            return target[args[0]]
        if op == "len":
            return len(target)
        if op == "list":
            return list(target)
        if op == "guarded":
            return GUARDS[request["guard"]](target, self._decode(request["spec"]), *args, **kwargs)
        raise ValueError(f"unknown request {op!r}")

    def _handle(self, value: Any) -> dict[str, Any]:
        handle = len(self.handles)
        self.handles[handle] = value
        return {"__handle__": handle, "type": type(value).__name__}

    def _encode(self, value: Any) -> Any:
        if value is _MISSING:
            return _MISSING
        return _encode_plain(value, self.files, self._encode_object)

    def _encode_object(self, value: Any) -> Any:
        keras = sys.modules.get("keras")
        if keras is not None and isinstance(value, keras.Model):
            path = self.files.new(".keras")
            value.save(path)
            return {"__keras__": path.name, **self._handle(value)}
        return self._handle(value)

    def _decode(self, obj: Any) -> Any:
        return _decode_plain(obj, self.folder, self._decode_special)

    def _decode_special(self, obj: dict[str, Any]) -> Any:
        if "__keras_from_judge__" in obj:  # a model a test built: loaded as any saved model is
            import keras

            return keras.saving.load_model(self.folder / Path(obj["__keras_from_judge__"]).name, compile=False,
                                           safe_mode=True)
        return self.handles[obj["__handle__"]]


# --- the judge's side ---------------------------------------------------------------------------


class RemoteObject:
    """A function, class or object that lives in the student's kernel."""

    __slots__ = ("_kernel", "_handle", "_type")
    _cnnkit_remote = True  # cnnkit.guards.REMOTE_MARKER: guards forward their checks to the kernel

    def __init__(self, kernel: RemoteKernel, handle: int, type_name: str) -> None:
        object.__setattr__(self, "_kernel", kernel)
        object.__setattr__(self, "_handle", handle)
        object.__setattr__(self, "_type", type_name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._kernel.request("call", target=self, args=args, kwargs=kwargs)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._kernel.request("getattr", target=self, name=name)

    def __getitem__(self, key: Any) -> Any:
        return self._kernel.request("getitem", target=self, args=(key,))

    def __len__(self) -> int:
        return self._kernel.request("len", target=self)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._kernel.request("list", target=self))

    def guarded(self, guard: str, spec: Any, args: tuple, kwargs: dict) -> Any:
        """Run a :mod:`cnnkit.guards` check on this object inside the kernel."""
        return self._kernel.request("guarded", target=self, guard=guard, spec=spec, args=args, kwargs=kwargs)

    def __repr__(self) -> str:
        return f"<{self._type} in the submission>"


class RemoteKernel:
    """The judge's end of the exchange.

    Args:
        run_code: executes a line of Python in the student's kernel (and waits for it).
        folder: the exchange folder, shared with the kernel.
    """

    def __init__(self, run_code: Callable[[str], None], folder: Path) -> None:
        self.run_code = run_code
        self.folder = folder
        self.requests = itertools.count()
        self.files = _Files(folder, "j")

    def install(self) -> None:
        """Start the harness in the kernel (after the student's notebook ran)."""
        self.run_code(
            "from cnnkit_course.grading.judge import KernelHarness as _CnnkitHarness\n"
            f"__cnnkit_harness__ = _CnnkitHarness({str(self.folder)!r}, globals())\n"
            "del _CnnkitHarness"
        )

    def request(self, op: str, **fields: Any) -> Any:
        """Send one request and return the decoded answer (raising the student's exception)."""
        number = next(self.requests)
        payload = {"op": op}
        for key, value in fields.items():
            if key == "args":
                payload[key] = [self._encode(v) for v in value]
            elif key == "kwargs":
                payload[key] = {k: self._encode(v) for k, v in value.items()}
            elif key in ("target", "spec"):
                payload[key] = self._encode(value)
            else:
                payload[key] = value
        _write_json(self.folder / f"req-{number}.json", payload)
        self.run_code(f"__cnnkit_harness__.serve({number})")
        reply_path = self.folder / f"rep-{number}.json"
        if not reply_path.is_file():
            raise RemoteError("the submission's kernel gave no answer (it may have died or been stopped)")
        size = reply_path.stat().st_size + sum(p.stat().st_size for p in self.folder.glob("k*") if p.is_file())
        if size > MAX_REPLY_BYTES:
            raise RemoteError(f"the submission's answer is larger than {MAX_REPLY_BYTES // 2**20} MB")
        try:
            reply = json.loads(reply_path.read_text())
            if "error" in reply:
                raise _remote_error(*reply["error"])
            return self._decode(reply["ok"])
        finally:
            for path in [reply_path, *self.folder.glob("k*"), *self.folder.glob("j*"), self.folder / f"req-{number}.json"]:
                path.unlink(missing_ok=True)

    def _encode(self, value: Any) -> Any:
        return _encode_plain(value, self.files, self._encode_object)

    def _encode_object(self, value: Any) -> Any:
        if isinstance(value, RemoteObject):
            return {"__handle__": value._handle}
        handle = getattr(value, "_cnnkit_handle", None)
        if handle is not None:
            return {"__handle__": handle}
        keras = sys.modules.get("keras")
        if keras is not None and isinstance(value, keras.Model):  # a model the test built: sent as a file
            path = self.files.new(".keras")
            value.save(path)
            return {"__keras_from_judge__": path.name}
        raise TypeError(f"cannot send a {type(value).__name__} to the submission")

    def _decode(self, obj: Any) -> Any:
        return _decode_plain(obj, self.folder, self._decode_special)

    def _decode_special(self, obj: dict[str, Any]) -> Any:
        if obj.get("__missing__"):
            return None
        if "__keras__" in obj:
            import keras

            model = keras.saving.load_model(self.folder / Path(obj["__keras__"]).name, compile=False, safe_mode=True)
            model._cnnkit_handle = obj["__handle__"]
            return model
        if "__handle__" in obj:
            return RemoteObject(self, int(obj["__handle__"]), str(obj.get("type", "object")))
        raise ValueError(f"unexpected answer from the submission: {str(obj)[:200]}")


class RemoteGlobals(dict):
    """The notebook's globals as the judge sees them: each lookup asks the kernel."""

    def __init__(self, kernel: RemoteKernel) -> None:
        super().__init__()
        self.kernel = kernel

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        try:
            value = self.kernel.request("get", name=name)
        except RemoteError:
            return default
        return default if value is None else value

    def __getitem__(self, name: str) -> Any:
        value = self.get(name, _MISSING)
        if value is _MISSING:
            raise KeyError(name)
        return value

    def __contains__(self, name: object) -> bool:
        return self.get(str(name), _MISSING) is not _MISSING
