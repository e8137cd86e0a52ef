"""The trained models: one committed copy of each, with a manifest of what produced it.

An assignment's ``artefacts`` (course_config: the files its solution saves beside the notebook,
e.g. ``emnist_cnn.keras`` or a TensorBoard ``logs`` folder) live in ``trained/<id>/``; its
``release_files`` (e.g. a6's reference model, trained by a kit function) live where students get
them, in ``release/<id>/``. ``trained/manifest.json`` records, per assignment, a digest of the
*inputs* that trained them and a digest of every file:

- the code cells of the published solution (for ``artefacts``);
- the source of each ``release_files`` function;
- everything named in the assignment's ``trained_with`` entry: course settings (upper-case names,
  e.g. ``TRAINING_BUDGET``), source code (``module`` or ``module:function``, e.g. the generator
  of the embedded data, ``cnnkit.synthetic``) and files of the course repository (a path with a
  ``/``, e.g. ``deploy/fonts/package.json``, which pins the fonts a6's line reader trains on).

``cnnkit build`` (which executes the solutions) records what it trained; ``cnnkit build
--no-execute`` and the examples reuse the stored files. :func:`problems` says when a stored model
no longer matches what would train it (the staleness test runs it for every assignment).
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import os
import shutil
import tempfile
from pathlib import Path

from cnnkit import config
from cnnkit_course import notebooks
from cnnkit_course.paths import CoursePaths


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_digest(path: Path) -> str:
    """SHA-256 of a file, or of a folder's files (relative names and contents, sorted)."""
    if path.is_file():
        return _sha256(path.read_bytes())
    parts = [f"{p.relative_to(path).as_posix()}:{_sha256(p.read_bytes())}"
             for p in sorted(path.rglob("*")) if p.is_file()]
    return _sha256("\n".join(parts).encode())


def _source_of(target: str) -> str:
    """The source code of ``module`` or ``module:function``."""
    module_name, _, function = target.partition(":")
    module = importlib.import_module(module_name)
    return inspect.getsource(getattr(module, function) if function else module)


def training_inputs(paths: CoursePaths, assignment: str) -> dict[str, str]:
    """What trains an assignment's stored files, each input as a digest (see the module docstring)."""
    entry = config.settings().assignments[assignment]
    course = config.load_course_config()
    inputs: dict[str, str] = {}
    if entry.get("artefacts"):
        solution = notebooks.publishable_solution(notebooks.read_notebook(paths.source_notebook(assignment)))
        code = "\n# ---\n".join(cell.source for cell in solution.cells if cell.cell_type == "code")
        inputs["solution code cells"] = _sha256(code.encode())
    for target in entry.get("release_files", {}).values():
        inputs[target] = _sha256(_source_of(target).encode())
    for name in entry.get("trained_with", []):
        if "/" in name:
            if not (paths.root / name).is_file():
                raise FileNotFoundError(f"{name}, named in {assignment}'s trained_with, is not a file of {paths.root}")
            inputs[name] = file_digest(paths.root / name)
            continue
        value = json.dumps(getattr(course, name), sort_keys=True, default=repr) if name.isupper() else _source_of(name)
        inputs[name] = _sha256(value.encode())
    return inputs


def stored_files(paths: CoursePaths, assignment: str) -> dict[str, Path]:
    """Every stored file of an assignment: its path relative to the build's output -> absolute path."""
    entry = config.settings().assignments[assignment]
    found = {name: paths.trained(assignment) / name for name in entry.get("artefacts", [])}
    found.update({name: paths.release_dir(assignment) / name for name in entry.get("release_files", {})})
    return {path.relative_to(paths.out).as_posix(): path for path in found.values()}


def read_manifest(paths: CoursePaths) -> dict[str, dict]:
    """``trained/manifest.json`` (empty where there is none yet)."""
    return json.loads(paths.manifest.read_text()) if paths.manifest.is_file() else {}


def record(paths: CoursePaths, assignment: str) -> None:
    """Write the manifest entry of ``assignment`` for its stored files as they are now."""
    manifest = read_manifest(paths)
    manifest[assignment] = {
        "inputs": training_inputs(paths, assignment),
        "files": {rel: file_digest(path) for rel, path in stored_files(paths, assignment).items()},
    }
    paths.trained_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=paths.trained_dir, prefix=".manifest.")
    with os.fdopen(fd, "w") as handle:
        handle.write(json.dumps(dict(sorted(manifest.items())), indent=1, sort_keys=True) + "\n")
    os.replace(tmp, paths.manifest)


def store_artefacts(paths: CoursePaths, assignment: str, workdir: Path) -> None:
    """Replace ``trained/<id>/`` by the artefacts an executed solution saved in ``workdir``."""
    names = config.settings().assignments[assignment].get("artefacts", [])
    if not names:
        return
    missing = [name for name in names if not (workdir / name).exists()]
    if missing:
        raise RuntimeError(f"{assignment}: the solution did not save {', '.join(missing)}")
    target = paths.trained(assignment)
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for name in names:
        copy_path(workdir / name, target / name)


def copy_artefacts(paths: CoursePaths, assignment: str, folder: Path) -> None:
    """Copy the stored artefacts of ``assignment`` into ``folder`` (a submission's folder).

    Raises:
        FileNotFoundError: a stored artefact is missing; the message says how to train it.
    """
    for name in config.settings().assignments[assignment].get("artefacts", []):
        source = paths.trained(assignment) / name
        if not source.exists():
            raise FileNotFoundError(f"{source} is missing: run `cnnkit build --assignment {assignment}`")
        copy_path(source, folder / name)


def copy_path(source: Path, target: Path) -> None:
    """Copy a file or a folder (an artefact may be either, e.g. a TensorBoard log folder)."""
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, target)


def problems(paths: CoursePaths, assignment: str) -> list[str]:
    """Why the stored files of ``assignment`` do not match the manifest or their inputs (empty: fresh)."""
    files = stored_files(paths, assignment)
    if not files:
        return []
    hint = f"run `cnnkit build --assignment {assignment}` and commit trained/ and release/"
    entry = read_manifest(paths).get(assignment)
    if entry is None:
        return [f"{assignment} has no entry in {paths.manifest.name}: {hint}"]
    found = []
    for rel, path in files.items():
        if not path.exists():
            found.append(f"{rel} is missing: {hint}")
        elif entry["files"].get(rel) != file_digest(path):
            found.append(f"{rel} is not the file the manifest records: {hint}")
    now = training_inputs(paths, assignment)
    changed = sorted(name for name in now.keys() | entry["inputs"].keys() if now.get(name) != entry["inputs"].get(name))
    if changed:
        found.append(f"{assignment}'s stored models were trained from other inputs ({', '.join(changed)} changed): {hint}")
    return found
