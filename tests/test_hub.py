"""The course on a JupyterHub (`cnnkit hub`): on loopback and free ports, with unix accounts of a
recognisable prefix (removed afterwards, also when the test fails), a private PostgreSQL gradebook,
nbgrader's exchange and grading on submit. The students work through their JupyterLab servers'
own HTTP APIs, the ones the Assignments tab calls (fetch, save, submit)."""

from __future__ import annotations

import csv
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cnnkit_course.hub import accounts
from tests.conftest import ROOT
from tests.servers import free_port, private_postgres

pytestmark = pytest.mark.slow  # a hub, servers, gradings

A1 = "a1_convolution"
PROXY = ROOT / "build" / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
START_S = 120


@dataclass
class Hub:
    """A running `cnnkit hub` and what the test needs to talk to it."""

    url: str
    course: Path
    users: dict[str, str]  # role name in the test -> unix account
    password: str
    db_url: str
    process: subprocess.Popen
    log: Path

    @property
    def db_conninfo(self) -> str:
        """The gradebook's server without the password: what a student could try."""
        address = self.db_url.split("@", 1)[1]
        host, rest = address.split(":", 1)
        port, database = rest.split("/", 1)
        return f"host={host} port={port} user=nbgrader dbname={database}"


def _hub_config(prefix: str, scratch: Path, ports: dict[str, int]) -> str:
    users = {"students": [f"{prefix}-alice", f"{prefix}-bob"], "instructors": [f"{prefix}-teach"]}
    return ("HUB = " + repr({
        "ip": "127.0.0.1", **ports, "proxy": str(PROXY), "state_dir": str(scratch / "state"),
        "exchange_root": str(scratch / "exchange"), "home_root": str(scratch / "home"), "graders": [],
        **users, "grader_account": f"{prefix}-grader", "grade_on_submit": True, "password": "unused",
    }) + "\n")


def _course_copy(course: Path, hub_config: str) -> None:
    (course / "source").mkdir(parents=True)
    (course / "release").mkdir()
    (course / "solutions").mkdir()
    for name in ("course_config.py", "nbgrader_config.py", "deploy", "autograder", f"source/{A1}", f"release/{A1}",
                 f"solutions/{A1}"):
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, course / name)
    for wheel in (ROOT / "release").glob("cnnkit-*.whl"):
        shutil.copy(wheel, course / "release" / wheel.name)
    config = course / "course_config.py"
    text = config.read_text()
    config.write_text(re.sub(r"(?ms)^HUB: dict = \{.*?^\}\n", hub_config, text))


@pytest.fixture
def hub() -> Iterator[Hub]:
    if os.geteuid() != 0:
        pytest.fail("the hub test runs as root (it creates unix accounts)")
    if not PROXY.is_file():
        subprocess.run(["npm", "install", "--silent", "--prefix", str(PROXY.parents[2]), "configurable-http-proxy@5.3.0"],
                       check=True, timeout=300)
    prefix = f"cnk{secrets.token_hex(2)}"
    scratch = Path(tempfile.mkdtemp(prefix="cnnkit-hub-", dir="/tmp"))
    os.chmod(scratch, 0o755)
    ports = {name: free_port() for name in ("port", "hub_port", "proxy_api_port", "formgrader_port", "grader_service_port")}
    course = scratch / "course"
    _course_copy(course, _hub_config(prefix, scratch, ports))
    password = secrets.token_urlsafe(12)
    names = {"alice": f"{prefix}-alice", "bob": f"{prefix}-bob", "teach": f"{prefix}-teach", "grader": f"{prefix}-grader"}
    log = scratch / "hub.log"
    process = None
    try:
        with private_postgres(password=secrets.token_urlsafe(16)) as db_url, log.open("wb") as out:
            env = {**os.environ, "CNNKIT_COURSE_ROOT": str(course), "CNNKIT_DB_URL": db_url, "CNNKIT_HUB_PASSWORD": password}
            process = subprocess.Popen([sys.executable, "-m", "cnnkit_course", "hub"], env=env, stdout=out,
                                       stderr=subprocess.STDOUT, start_new_session=True)
            url = f"http://127.0.0.1:{ports['port']}"
            _wait_for_hub(url, process, log)
            yield Hub(url, course, names, password, db_url, process, log)
    finally:
        if process is not None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for account in names.values():
            accounts.remove_account(account)
        shutil.rmtree(scratch, ignore_errors=True)


def _wait_for_hub(url: str, process: subprocess.Popen, log: Path) -> None:
    import requests

    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"cnnkit hub ended ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if requests.get(f"{url}/hub/api", timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    pytest.fail(f"the hub did not answer within {START_S} s:\n{log.read_text()[-3000:]}")


def _login(hub: Hub, user: str):
    """A requests session logged in as ``user``, its server started."""
    import requests

    session = requests.Session()
    session.get(f"{hub.url}/hub/login", timeout=30)
    reply = session.post(f"{hub.url}/hub/login", data={"username": user, "password": hub.password,
                                                       "_xsrf": session.cookies.get("_xsrf", "")}, timeout=120)
    assert reply.ok, reply.text[-500:]
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:  # through the spawn page and the server's own OAuth login
        lab = session.get(f"{hub.url}/user/{user}/lab", timeout=60)
        if lab.ok and f"/user/{user}/lab" in lab.url:
            return session
        time.sleep(1)
    pytest.fail(f"{user}'s server did not start:\n{hub.log.read_text()[-3000:]}")


def _xsrf(session, user: str) -> dict[str, str]:
    """The header the server's API wants with the session's cookies (its ``_xsrf`` cookie)."""
    token = next(c.value for c in session.cookies if c.name == "_xsrf" and c.path.startswith(f"/user/{user}"))
    return {"X-XSRFToken": token}


def _as(user: str, *command: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([shutil.which("runuser") or "/usr/sbin/runuser", "-u", user, "--", *command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def _server_api(session, hub: Hub, user: str, method: str, path: str, **kwargs):
    reply = session.request(method, f"{hub.url}/user/{user}/{path}", headers=_xsrf(session, user), timeout=300, **kwargs)
    assert reply.ok, f"{method} {path}: {reply.status_code} {reply.text[-1000:]}"
    return reply


def _hand_in(hub: Hub, user: str, notebook: Path, course_id: str):
    """What a student does in JupyterLab's Assignments tab: fetch a1, save the work, submit."""
    session = _login(hub, user)
    _server_api(session, hub, user, "POST", "assignments/fetch", data={"assignment_id": A1, "course_id": course_id})
    content = json.loads(notebook.read_text())
    _server_api(session, hub, user, "PUT", f"api/contents/{A1}/{A1}.ipynb",
                json={"type": "notebook", "format": "json", "content": content})
    _server_api(session, hub, user, "POST", "assignments/submit", data={"assignment_id": A1, "course_id": course_id})
    return session, time.monotonic()


def _feedback(session, hub: Hub, timeout_s: float = 300) -> str:
    """The student's feedback page of a1, once grading on submit wrote it."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        page = session.get(f"{hub.url}/services/cnnkit-grader/{A1}", timeout=60)
        if page.ok and "points" in page.text:
            return page.text
        time.sleep(1)
    pytest.fail(f"no feedback within {timeout_s} s:\n{hub.log.read_text()[-3000:]}")


def _formgrader(session, hub: Hub, course_id: str, method: str, path: str, **kwargs):
    base = f"{hub.url}/services/{course_id}/formgrader"
    session.get(base, timeout=120)  # the service's OAuth login
    token = next(c.value for c in session.cookies if c.name == "_xsrf" and c.path.startswith(f"/services/{course_id}"))
    return session.request(method, f"{base}/{path}", headers={"X-XSRFToken": token}, timeout=600, **kwargs)


def test_the_course_on_a_hub(hub: Hub, examples_dir: Path, graded_examples):
    from nbgrader.api import Gradebook

    results, _ = graded_examples
    settings = _settings(hub)
    course_id = settings.course_id
    teach = _login(hub, hub.users["teach"])
    for action in ("assign", "release"):  # the formgrader's buttons
        reply = _formgrader(teach, hub, course_id, "POST", f"api/assignment/{A1}/{action}")
        assert reply.ok and json.loads(reply.text).get("success", True), reply.text[-2000:]

    # two students hand in at once: a correct and a partial solution
    alice, alice_at = _hand_in(hub, hub.users["alice"], examples_dir / "correct" / A1 / f"{A1}.ipynb", course_id)
    bob, _ = _hand_in(hub, hub.users["bob"], examples_dir / "partial" / A1 / f"{A1}.ipynb", course_id)
    alice_page = _feedback(alice, hub)
    seconds = time.monotonic() - alice_at
    bob_page = _feedback(bob, hub)
    full, partial = results[("correct", A1)].score, results[("partial", A1)].score
    assert f"{A1}: {full:g} of {full:g} points" in alice_page
    assert f"{A1}: {partial:g} of {full:g} points" in bob_page and "FAILED" in bob_page
    print(f"a1 submit to feedback on the hub: {seconds:.1f} s")

    # who may see what
    formgrader = bob.get(f"{hub.url}/services/{course_id}/formgrader", timeout=60)
    assert formgrader.status_code in (403, 404), formgrader.status_code
    other = alice.get(f"{hub.url}/services/cnnkit-grader/{A1}", timeout=60).text
    assert other == alice_page, "each student sees their own feedback"
    for path in [settings.inbound_dir, hub.course / "autograder" / A1 / "tests", hub.course / "autograder" / "_eval",
                 hub.course / "source" / A1, hub.course / "on_submit" / "feedback" / hub.users["bob"],
                 hub.course / "submitted" / hub.users["bob"], settings.home(hub.users["bob"])]:
        denied = _as(hub.users["alice"], "ls", str(path))
        assert denied.returncode != 0, f"{hub.users['alice']} can read {path}"
    db = _as(hub.users["alice"], str(settings.student_env / "bin" / "python"), "-c",
             f"import psycopg; psycopg.connect({hub.db_conninfo!r}, connect_timeout=10)")
    assert db.returncode != 0 and "password" in db.stderr, db.stderr[-500:]
    no_tools = _as(hub.users["alice"], str(settings.student_env / "bin" / "python"), "-c", "import cnnkit_course",
                   cwd=settings.home(hub.users["alice"]))
    assert no_tools.returncode != 0, "the students' environment holds the course tooling"

    # the instructor grades a free-text answer by hand, then exports the totals from PostgreSQL
    with Gradebook(hub.db_url) as gradebook:
        answer = next(g for g in gradebook.find_submission_notebook(A1, A1, hub.users["alice"]).grades
                      if g.cell.name.startswith("answer") and g.needs_manual_grade)
        grade_id, manual = answer.id, answer.max_score
    reply = _formgrader(teach, hub, course_id, "PUT", f"api/grade/{grade_id}", json={"manual_score": manual})
    assert reply.ok, reply.text[-1000:]
    export = _as(hub.users["grader"], str(settings.state_dir / "grader-env" / "bin" / "python"), "-m", "nbgrader",
                 "export", cwd=hub.course, env=_grader_env(hub, settings))
    assert export.returncode == 0, export.stderr[-2000:]
    with (hub.course / "grades.csv").open() as handle:
        totals = {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle) if row["assignment"] == A1}
    assert totals == {hub.users["alice"]: full + manual, hub.users["bob"]: partial}


def _grader_env(hub: Hub, settings) -> dict[str, str]:
    return {**os.environ, "CNNKIT_COURSE_ROOT": str(hub.course), "CNNKIT_DB_URL": hub.db_url,
            "JUPYTER_CONFIG_PATH": str(settings.jupyter_config_dir("grader")),
            "HOME": str(settings.home(hub.users["grader"])),
            "PATH": f"{settings.state_dir / 'grader-env' / 'bin'}:/usr/bin:/bin"}


def _settings(hub: Hub):
    """The hub's settings as `cnnkit hub` read them from the course copy."""
    from cnnkit_course.hub.settings import hub_settings

    previous = os.environ.get("CNNKIT_COURSE_ROOT")
    os.environ["CNNKIT_COURSE_ROOT"] = str(hub.course)
    try:
        return hub_settings()
    finally:
        if previous is None:
            del os.environ["CNNKIT_COURSE_ROOT"]
        else:
            os.environ["CNNKIT_COURSE_ROOT"] = previous
