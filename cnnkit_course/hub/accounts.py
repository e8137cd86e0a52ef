"""What the hub needs on the machine before it starts (run as root), each step idempotent:

- unix accounts for the students, instructors, graders and the grader account (``useradd``), with
  homes under ``home_root`` readable by their owner alone;
- the course folder owned by the grader account and closed to everyone else (the hidden tests,
  the evaluation data, the source notebooks, the gradebook are in it);
- nbgrader's exchange root, world-writable with the sticky bit (nbgrader's documented layout;
  nbgrader itself makes ``inbound/`` write-only for students and names submissions unguessably);
- the students' environment: a virtual environment holding the ``cnnkit`` wheel of ``release/``
  and nothing of the course; the libraries (TensorFlow, JupyterLab, nbgrader) come from the
  course's environment by path, without its ``.pth`` hooks, so the course tooling (an editable
  install) is not importable there; JupyterLab's application, nbconvert's templates and the packages' Jupyter settings
  are linked in; its interpreter is one every account may run (:func:`shared_python`);
- per role, a Jupyter configuration folder (``JUPYTER_CONFIG_PATH``): nbgrader's exchange and course
  id, and which of nbgrader's extensions are on: Assignments for students and instructors,
  Courses for instructors, Formgrader and Create Assignment for the grader account alone; no
  prompt for Jupyter's news.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from cnnkit_course.hub.settings import ROLES, HubSettings

#: nbgrader's JupyterLab plugins and server extensions, and the roles that get each.
LAB_PLUGINS = {
    "@jupyter/nbgrader:assignment-list": ("student", "instructor"),
    "@jupyter/nbgrader:course-list": ("instructor",),
    "@jupyter/nbgrader:formgrader": ("grader",),
    "@jupyter/nbgrader:create-assignment": ("grader",),
    "@jupyter/nbgrader:validate-assignment": ("student", "instructor", "grader"),
}
#: JupyterLab's prompt for Jupyter's news stays off on the course's servers.
NO_NEWS = {"@jupyterlab/apputils-extension:announcements": True}
SERVER_EXTENSIONS = {
    "nbgrader.server_extensions.assignment_list": ("student", "instructor"),
    "nbgrader.server_extensions.course_list": ("instructor",),
    "nbgrader.server_extensions.formgrader": ("grader",),
    "nbgrader.server_extensions.validate_assignment": ("student", "instructor", "grader"),
}


def _run(*command: str) -> None:
    done = subprocess.run(list(command), capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip()[-300:]}")


def ensure_account(name: str, home: Path) -> pwd.struct_passwd:
    """The unix account ``name`` with its home at ``home`` (created when missing; mode 0700)."""
    try:
        account = pwd.getpwnam(name)
    except KeyError:
        home.parent.mkdir(parents=True, exist_ok=True)
        _run("useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/bash", "--user-group", name)
        account = pwd.getpwnam(name)
    os.chmod(account.pw_dir, 0o700)
    return account


def remove_account(name: str) -> None:
    """Remove the account ``name`` and its home (nothing if it does not exist)."""
    try:
        home = pwd.getpwnam(name).pw_dir
    except KeyError:
        return
    subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
    _run("userdel", name)
    shutil.rmtree(home, ignore_errors=True)


def _chown_tree(root: Path, account: pwd.struct_passwd) -> None:
    for folder, dirs, files in os.walk(root):
        for name in [folder, *(os.path.join(folder, d) for d in dirs), *(os.path.join(folder, f) for f in files)]:
            os.lchown(name, account.pw_uid, account.pw_gid)


def prepare_course_folder(hub: HubSettings) -> None:
    """The course folder belongs to the grader account, mode 0700 (its gradebook, hidden tests and
    sources are nobody else's business; the sandboxed grading reads what it needs as root)."""
    account = pwd.getpwnam(hub.grader_account)
    _chown_tree(hub.course_dir, account)
    os.chmod(hub.course_dir, 0o700)


def prepare_exchange(hub: HubSettings) -> None:
    """nbgrader's exchange root: world-writable, sticky (nbgrader makes the course folders in it)."""
    hub.exchange_root.mkdir(parents=True, exist_ok=True)
    os.chmod(hub.exchange_root, 0o1777)


def _runnable_by_all(path: Path) -> bool:
    """Whether every account may execute ``path`` (each folder above it searchable by others)."""
    resolved = path.resolve()
    return all(os.stat(folder).st_mode & 0o001 for folder in resolved.parents) and bool(os.stat(resolved).st_mode & 0o001)


def shared_python() -> str:
    """An interpreter of this Python version that every account may run: the course environment's
    base interpreter, else the system's ``python3.X`` (e.g. when the base lives under ``/root``).

    Raises:
        RuntimeError: there is none.
    """
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for candidate in (Path(sys._base_executable), Path("/usr/bin") / version, Path("/usr/local/bin") / version):
        if candidate.exists() and _runnable_by_all(candidate):
            return str(candidate)
    raise RuntimeError(f"no {version} that the course's accounts may run ({sys._base_executable} is private): "
                       f"install {version} system-wide (apt-get install {version})")


def _venv(env: Path, libraries: str) -> Path:
    """A virtual environment of :func:`shared_python` whose ``cnnkit-libraries.pth`` line is
    ``libraries``; returns its site-packages folder."""
    shutil.rmtree(env, ignore_errors=True)
    _run(shared_python(), "-m", "venv", "--without-pip", str(env))
    site = Path(subprocess.run([str(env / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "cnnkit-libraries.pth").write_text(libraries + "\n")
    share = env / "share" / "jupyter"
    share.mkdir(parents=True)
    for name in ("lab", "labextensions", "nbconvert"):
        (share / name).symlink_to(Path(sys.prefix) / "share" / "jupyter" / name)
    # the server extensions the packages enable (JupyterLab's, nbgrader's); the roles' settings override them
    (env / "etc").mkdir()
    (env / "etc" / "jupyter").symlink_to(Path(sys.prefix) / "etc" / "jupyter")
    return site


def build_grader_env(hub: HubSettings) -> Path:
    """The grader account's environment (the formgrader): the course environment as it is, its
    ``.pth`` hooks included (the course tooling is an editable install), for an interpreter the
    grader account may run. Returns its Python."""
    env = hub.state_dir / "grader-env"
    _venv(env, f"import site; site.addsitedir({sysconfig.get_path('purelib')!r})")
    # nbgrader runs `alembic` from PATH (the course environment's would start a private interpreter)
    (env / "bin" / "alembic").write_text(f"#!{env / 'bin' / 'python'}\nfrom alembic.config import main\nmain()\n")
    os.chmod(env / "bin" / "alembic", 0o755)
    return env / "bin" / "python"


def build_student_env(hub: HubSettings, wheel: Path) -> Path:
    """The students' environment (see the module docstring); returns its Python.

    Rebuilt when the wheel changes; the course environment's ``share/jupyter/lab`` and
    ``labextensions`` (JupyterLab's application and nbgrader's plugins) are linked in.
    """
    env = hub.student_env
    python = env / "bin" / "python"
    marker = env / "cnnkit-wheel.txt"
    if marker.is_file() and marker.read_text() == wheel.name:
        return python
    # The libraries by path: a plain path line adds the folder but runs none of its .pth files.
    site = _venv(env, sysconfig.get_path("purelib"))
    _run(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--target", str(site), str(wheel))
    marker.write_text(wheel.name)
    return python


def write_role_configs(hub: HubSettings) -> None:
    """Each role's ``JUPYTER_CONFIG_PATH`` folder: nbgrader's settings and its extensions on or off."""
    for role in ROLES:
        folder = hub.jupyter_config_dir(role)
        (folder / "labconfig").mkdir(parents=True, exist_ok=True)
        lines = ["c = get_config()  # noqa: F821", f"c.CourseDirectory.course_id = {hub.course_id!r}",
                 f"c.Exchange.root = {str(hub.exchange_root)!r}"]
        if role == "grader":
            lines.append(f"c.CourseDirectory.root = {str(hub.course_dir)!r}")
        (folder / "nbgrader_config.py").write_text("\n".join(lines) + "\n")
        disabled = {plugin: role not in roles for plugin, roles in LAB_PLUGINS.items()} | NO_NEWS
        (folder / "labconfig" / "page_config.json").write_text(json.dumps({"disabledExtensions": disabled}, indent=1))
        extensions = {name: role in roles for name, roles in SERVER_EXTENSIONS.items()}
        (folder / "jupyter_server_config.json").write_text(
            json.dumps({"ServerApp": {"jpserver_extensions": extensions}}, indent=1))
    for path in (hub.state_dir / "jupyter", *hub.state_dir.joinpath("jupyter").rglob("*")):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)


def prepare(hub: HubSettings, wheel: Path) -> Path:
    """Every step of the module docstring (and the grader account's environment); returns the
    students' Python."""
    hub.state_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(hub.state_dir, 0o755)
    for user in (*hub.students, *hub.instructors, *hub.graders, hub.grader_account):
        ensure_account(user, hub.home(user))
    prepare_course_folder(hub)
    prepare_exchange(hub)
    write_role_configs(hub)
    build_grader_env(hub)
    return build_student_env(hub, wheel)
