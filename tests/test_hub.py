"""The course on a JupyterHub (`cnnkit hub`), in a real browser (Chromium + Playwright): on
loopback and free ports, with unix accounts of a recognisable prefix (removed afterwards, also when
the test fails), a private PostgreSQL gradebook, nbgrader's exchange and grading on submit.

The instructor generates and releases a1 with the formgrader's buttons; two students log in, fetch
a1 in JupyterLab's Assignments tab, open it from there, type a correct and a partial solution into
its cells, Validate and Submit; each reads the feedback page of grading on submit (scores compared
with ``cnnkit grade`` on the same notebooks); the instructor grades the free-text answer in the
formgrader and ``nbgrader export`` reads both totals from PostgreSQL. Screenshots of the Assignments
tab, the feedback page and the formgrader land in ``build/screenshots/`` (git-ignored)."""

from __future__ import annotations

import contextlib
import csv
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

import nbformat
import pytest

from cnnkit_course.hub import accounts
from cnnkit_course.notebooks import nbgrader_meta
from tests.browser import SCREENSHOTS, WAIT_MS, chromium, keep_screenshot, needs_chromium
from tests.conftest import ROOT, copy_course_files
from tests.servers import free_port, private_postgres

pytestmark = needs_chromium  # a hub, servers, gradings, a browser

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
    copy_course_files(("course_config.py", "nbgrader_config.py", "deploy", "autograder", f"source/{A1}", f"release/{A1}",
                       f"solutions/{A1}"), course)
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
        if log.is_file():  # what the hub, its services and the servers said, kept for a failure's reader
            (ROOT / "build").mkdir(exist_ok=True)
            shutil.copy(log, ROOT / "build" / "test_hub.log")
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


def _log_in(browser, hub: Hub, user: str):
    """A browser context of ``user``'s own: the hub's login form, then JupyterLab once the server is up."""
    from playwright.sync_api import expect

    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", hub.password)
    page.click("#login_submit")
    page.wait_for_url(re.compile(rf"/user/{user}/lab"), timeout=START_S * 1000)  # through the spawn page
    expect(page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader")).to_be_visible(timeout=START_S * 1000)
    return page


def _release(teach, hub: Hub, course_id: str) -> None:
    """The instructor's formgrader: *Generate* the student version of a1, then *Release* it."""
    from playwright.sync_api import expect

    teach.goto(f"{hub.url}/services/{course_id}/formgrader/manage_assignments")
    row = teach.locator("tr", has=teach.locator("td.name", has_text=A1))
    for button in (".assign a", ".release a"):
        row.locator(button).click()
        modal = teach.locator("#success-modal")
        expect(modal).to_be_visible(timeout=5 * WAIT_MS)
        modal.locator(".modal-footer button").click()
        expect(modal).to_have_count(0)
    expect(row.locator(".status")).to_contain_text("released")


def _open_assignments_tab(page):
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.locator(".lm-Menu-itemLabel", has_text="Assignment List").click()
    return page.locator("#assignments")


def _code_cells_to_type(notebook: Path) -> dict[int, str]:
    """Cell index -> source of each cell of ``notebook`` a student writes (nbgrader's solution
    cells) where it differs from the released a1 (the cells stay in the released order)."""
    released = nbformat.read(ROOT / "release" / A1 / f"{A1}.ipynb", as_version=4).cells
    cells = nbformat.read(notebook, as_version=4).cells
    assert [nbgrader_meta(c).get("grade_id") for c in cells] == [nbgrader_meta(c).get("grade_id") for c in released], \
        "the example is not a1's release"
    return {i: cell.source for i, (cell, old) in enumerate(zip(cells, released))
            if nbgrader_meta(cell).get("solution") and cell.source != old.source}


def _hand_in(page, notebook: Path, *, valid: bool) -> float:
    """What a student does in JupyterLab: fetch a1 in the Assignments tab, open it from there, write
    the solution cells of ``notebook`` into it, Validate (the notebook's toolbar), Submit (the
    Assignments tab). Returns the time of Submit (``time.monotonic()``)."""
    from playwright.sync_api import expect

    tab = _open_assignments_tab(page)
    tab.locator("#released_assignments_list .list_item", has_text=A1).get_by_role("button", name="Fetch").click()
    fetched = tab.locator("#fetched_assignments_list > .list_item", has_text=A1)
    expect(fetched.get_by_role("button", name="Submit")).to_be_visible()
    fetched.locator(".assignment-notebooks-link").click()
    fetched.locator(".assignment-notebooks a", has_text=A1).click()
    cells = page.locator(".jp-NotebookPanel:visible .jp-Notebook .jp-Notebook-cell")
    for index, source in _code_cells_to_type(notebook).items():
        cell = cells.nth(index)
        if "jp-MarkdownCell" in (cell.get_attribute("class") or ""):
            cell.dblclick()   # a rendered markdown cell opens its editor
        cell.locator(".cm-content").click()
        page.keyboard.press("Control+A")
        page.keyboard.insert_text(source)
        expect(cell.locator(".cm-content")).to_contain_text(source.strip().splitlines()[-1].strip())
    page.locator(".jp-NotebookPanel:visible .validate-button").click()  # saves, then validates
    result = page.locator(".jp-Dialog #validation-message")
    expect(result).to_be_visible(timeout=5 * WAIT_MS)
    wanted = "validation-success" if valid else "validation-failed"
    assert wanted in (result.get_attribute("class") or ""), result.inner_text()[-2000:]
    page.locator(".jp-Dialog .jp-mod-accept").click()
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="Assignments").click()
    fetched.get_by_role("button", name="Submit").click()
    submitted_at = time.monotonic()
    expect(tab.locator("#submitted_assignments_list .list_item", has_text=A1)).to_be_visible()
    return submitted_at


def _feedback(browser_page, hub: Hub, timeout_s: float = 300):
    """A new page of the student's browser with their a1 feedback, once grading on submit wrote it."""
    page = browser_page.context.new_page()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        reply = page.goto(f"{hub.url}/services/cnnkit-grader/{A1}")
        if reply is not None and reply.ok and "points" in page.inner_text("body"):
            return page
        time.sleep(1)
    pytest.fail(f"no feedback within {timeout_s} s:\n{hub.log.read_text()[-3000:]}")


def _grade_by_hand(teach, hub: Hub, course_id: str, student: str) -> float:
    """In the formgrader, from *Manual Grading*'s list of a1's submissions, open ``student``'s and
    give the free-text answer its full points. Returns the points."""
    from nbgrader.api import Gradebook
    from playwright.sync_api import expect

    with Gradebook(hub.db_url) as gradebook:
        submission = gradebook.find_submission_notebook(A1, A1, student)
        answer = next(g for g in submission.grades if g.cell.name.startswith("answer") and g.needs_manual_grade)
        submission_id, grade_id, cell, points = submission.id, answer.id, answer.cell.name, answer.max_score
    teach.goto(f"{hub.url}/services/{course_id}/formgrader/gradebook/{A1}/{A1}")
    teach.locator(f'a[href$="/submissions/{submission_id}"]:visible').first.click()
    teach.wait_for_load_state("networkidle")
    score = teach.locator(f"input.score#{cell}")
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline:
        # The formgrader saves a score when its input changes, once its scripts have bound the
        # input to the grade they fetch; a value typed before that is overwritten: type it again.
        score.fill(f"{points:g}")
        score.press("Tab")
        for _ in range(10):
            with Gradebook(hub.db_url) as gradebook:
                if gradebook.find_grade_by_id(grade_id).manual_score == points:
                    expect(score).to_have_value(f"{points:g}")
                    return points
            time.sleep(0.5)
    pytest.fail(f"the formgrader did not save the score of {cell}")


def test_the_course_on_a_hub(hub: Hub, examples_dir: Path, tmp_path: Path):
    settings = _settings(hub)
    course_id = settings.course_id
    correct, partial = (examples_dir / kind / A1 / f"{A1}.ipynb" for kind in ("correct", "partial"))
    with chromium() as browser, _screenshots_on_failure(browser):
        teach = _log_in(browser, hub, hub.users["teach"])
        _release(teach, hub, course_id)

        # two students: a correct and a partial solution, typed into JupyterLab
        alice = _log_in(browser, hub, hub.users["alice"])
        alice_at = _hand_in(alice, correct, valid=True)
        shots = [keep_screenshot(alice, "hub_assignments_tab")]
        alice_feedback = _feedback(alice, hub)
        seconds = time.monotonic() - alice_at
        shots.append(keep_screenshot(alice_feedback, "hub_feedback"))
        print(f"a1 submit to feedback on the hub, idle queue: {seconds:.1f} s")
        bob = _log_in(browser, hub, hub.users["bob"])
        _hand_in(bob, partial, valid=False)
        bob_feedback = _feedback(bob, hub)
        for user, example in ((hub.users["alice"], correct), (hub.users["bob"], partial)):
            assert _code(_submitted(hub, user)) == _code(example), f"{user} submitted other code than the example's"
        graded = _cnnkit_grade(hub, tmp_path)   # the same notebooks, graded by `cnnkit grade`
        full, part = graded[hub.users["alice"]].score, graded[hub.users["bob"]].score
        assert full == graded[hub.users["alice"]].max_score and part < full, (full, part)
        assert f"{A1}: {full:g} of {full:g} points" in alice_feedback.inner_text("body")
        assert f"{A1}: {part:g} of {full:g} points" in bob_feedback.inner_text("body")
        assert "FAILED" in bob_feedback.inner_text("body")

        # who may see what
        formgrader = bob.goto(f"{hub.url}/services/{course_id}/formgrader")
        assert formgrader is not None and formgrader.status in (403, 404), formgrader and formgrader.status
        _not_readable_by(hub, settings, hub.users["alice"])

        # the instructor grades a free-text answer by hand, then exports the totals from PostgreSQL
        manual = _grade_by_hand(teach, hub, course_id, hub.users["alice"])
        shots.append(keep_screenshot(teach, "hub_formgrader"))
    print("screenshots: " + ", ".join(str(shot) for shot in shots))
    export = _as(hub.users["grader"], str(settings.state_dir / "grader-env" / "bin" / "python"), "-m", "nbgrader",
                 "export", cwd=hub.course, env=_grader_env(hub, settings))
    assert export.returncode == 0, export.stderr[-2000:]
    with (hub.course / "grades.csv").open() as handle:
        totals = {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle) if row["assignment"] == A1}
    assert totals == {hub.users["alice"]: full + manual, hub.users["bob"]: part}


@contextlib.contextmanager
def _screenshots_on_failure(browser) -> Iterator[None]:
    """On a failure, every open page's screenshot in ``build/screenshots/hub_failure_<n>.png``."""
    for old in SCREENSHOTS.glob("hub_failure_*.png"):
        old.unlink()
    try:
        yield
    except BaseException:
        pages = [page for context in browser.contexts for page in context.pages]
        for n, page in enumerate(pages):
            with contextlib.suppress(Exception):  # the failure itself matters more
                print(f"screenshot of the failure: {keep_screenshot(page, f'hub_failure_{n}')} ({page.url})")
        raise


def _as(user: str, *command: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([shutil.which("runuser") or "/usr/sbin/runuser", "-u", user, "--", *command], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def _code(notebook: Path) -> list[str]:
    return [c.source for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"]


def _submitted(hub: Hub, user: str) -> Path:
    """``user``'s a1 notebook as grading on submit took it from the exchange (the course's ``submitted/``)."""
    return hub.course / "submitted" / user / A1 / f"{A1}.ipynb"


def _cnnkit_grade(hub: Hub, scratch: Path) -> dict:
    """``cnnkit grade``'s results (by student) of the students' a1 notebooks as they submitted them."""
    from cnnkit_course.grading.batch import grade_batch
    from tests.conftest import course_env

    for user in (hub.users["alice"], hub.users["bob"]):
        shutil.copytree(_submitted(hub, user).parent, scratch / "submitted" / user / A1)
    with course_env():
        return {r.student_id: r for r in grade_batch(scratch / "submitted", scratch / "graded", workers=2)}


def _not_readable_by(hub: Hub, settings, student: str) -> None:
    """``student``'s unix account reads nothing of the others, of the course or of the gradebook."""
    other = hub.users["bob"] if student == hub.users["alice"] else hub.users["alice"]
    for path in [settings.inbound_dir, hub.course / "autograder" / A1 / "tests", hub.course / "autograder" / "_eval",
                 hub.course / "source" / A1, hub.course / "on_submit" / "feedback" / other,
                 hub.course / "submitted" / other, settings.home(other)]:
        denied = _as(student, "ls", str(path))
        assert denied.returncode != 0, f"{student} can read {path}"
    db = _as(student, str(settings.student_env / "bin" / "python"), "-c",
             f"import psycopg; psycopg.connect({hub.db_conninfo!r}, connect_timeout=10)")
    assert db.returncode != 0 and "password" in db.stderr, db.stderr[-500:]
    no_tools = _as(student, str(settings.student_env / "bin" / "python"), "-c", "import cnnkit_course",
                   cwd=settings.home(student))
    assert no_tools.returncode != 0, "the students' environment holds the course tooling"


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
