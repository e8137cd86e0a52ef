"""The student's experience in a real browser: JupyterLab + headless Chromium, driven by Playwright.

What a student receives is ``release/`` (the assignment folders, the cnnkit wheel and
requirements.txt); the test installs that wheel into a folder of its own, put first on the
kernel's path, and the test's virtual environment provides the pinned libraries of
``requirements.txt``. The test copies ``release/`` to a temporary folder
outside the course repository, starts ``jupyter lab`` there (loopback, a token, a free port, offline
on the embedded synthetic data) and, in Chromium, does what the README's "For students" tells a
student to do in ``a1_convolution/a1_convolution.ipynb``:

1. run the setup cell;
2. run the untouched ``zero_pad`` stub and its public check: the check fails and says why;
3. type a solution into the ``zero_pad`` cell, run it, its example and its check again: the page
   shows ``zero_pad: all public checks passed``;
4. type ``conv2d_single`` and run the first cell that loads data: it announces the synthetic data
   and shows no error;

and checks that nbgrader's Validate button is in the notebook toolbar. A screenshot is saved under
pytest's tmp_path and copied to ``build/screenshots/jupyterlab_a1.png``.

Skipped only when ``/usr/bin/chromium`` is missing (CI installs it: see ``.ci/run``).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.browser import ROOT, SCREENSHOTS, WAIT_MS, chromium, needs_chromium
from tests.servers import free_port

NOTEBOOK = "a1_convolution/a1_convolution.ipynb"
SCREENSHOT = SCREENSHOTS / "jupyterlab_a1.png"
SERVER_START_S = 120

# Cell indices in the released a1_convolution notebook (checked against the notebook below).
SETUP, ZERO_PAD, ZERO_PAD_DEMO, ZERO_PAD_CHECK, CONV2D_SINGLE, DATA_CELL = 1, 4, 6, 7, 14, 19

# What a student types in place of `raise NotImplementedError()`. The editor indents each new
# line like the previous one, so the lines are typed without their indentation.
ZERO_PAD_SOLUTION = [
    "spatial = (0, 1) if x.ndim == 2 else (1, 2)",
    "return np.pad(x, [(pad, pad) if axis in spatial else (0, 0) for axis in range(x.ndim)])",
]
CONV2D_SINGLE_SOLUTION = [
    "padded = np.pad(np.asarray(image, dtype=float), padding)",
    "windows = np.lib.stride_tricks.sliding_window_view(padded, kernel.shape)[::stride, ::stride]",
    "return np.einsum('ijuv,uv->ij', windows, kernel)",
]

pytestmark = needs_chromium


def _log_tail(path: Path, n: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""


def _wait_for_connected_kernel(base: str, token: str, timeout_s: float = WAIT_MS / 1000) -> None:
    """Wait until the notebook's kernel is idle with a browser connected to it (server's view)."""
    deadline, kernels = time.monotonic() + timeout_s, []
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{base}/api/kernels?token={token}", timeout=10) as resp:
            kernels = json.load(resp)
        if any(k["execution_state"] == "idle" and k["connections"] > 0 for k in kernels):
            return
        time.sleep(0.5)
    pytest.fail(f"no idle kernel with a connection within {timeout_s:.0f} s: {kernels}")


@pytest.fixture
def student_release(tmp_path: Path) -> Path:
    """A copy of release/ outside the course repository, as a student receives it."""
    dest = tmp_path / "student" / "release"
    shutil.copytree(ROOT / "release", dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    cells = json.loads((dest / NOTEBOOK).read_text())["cells"]
    ids = {i: cells[i].get("metadata", {}).get("nbgrader", {}).get("grade_id") for i in
           (SETUP, ZERO_PAD, ZERO_PAD_DEMO, ZERO_PAD_CHECK, CONV2D_SINGLE, DATA_CELL)}
    assert ids == {SETUP: "setup", ZERO_PAD: "zero_pad", ZERO_PAD_DEMO: "part_a_demo",
                   ZERO_PAD_CHECK: "test_zero_pad", CONV2D_SINGLE: "conv2d_single",
                   DATA_CELL: "equivariance_demo"}, f"the notebook's cells moved; update the indices: {ids}"
    return dest


@pytest.fixture
def jupyterlab(student_release: Path, tmp_path: Path):
    """A JupyterLab server on the student's folder: yields (base_url, token); stopped afterwards."""
    port, token = free_port(), secrets.token_hex(24)
    jupyter_home = tmp_path / "jupyter"
    for sub in ("config/labconfig", "data", "runtime", "workspaces", "settings"):
        (jupyter_home / sub).mkdir(parents=True)
    # JupyterLab's news prompt would cover the notebook in the screenshot.
    (jupyter_home / "config" / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    # The cnnkit the student installs: the release's wheel (course_config.py inside), ahead of the
    # repository's editable install on the path; the pinned libraries come from the test environment.
    site = tmp_path / "student-site"
    wheel = next(student_release.glob("cnnkit-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--target", str(site),
                    str(wheel)], check=True, capture_output=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CNNKIT_")}
    env["PYTHONPATH"] = str(site)
    found = subprocess.run([sys.executable, "-c", "import cnnkit, course_config; print(cnnkit.__file__, course_config.__file__)"],
                           env=env, cwd=student_release, capture_output=True, text=True, check=True).stdout.split()
    assert all(Path(path).is_relative_to(site) for path in found), f"cnnkit is not the release's wheel: {found}"
    env.update({
        # a student's machine: no course repository, no network for the data, the embedded default
        "CNNKIT_DATA_SOURCE": "synthetic", "CNNKIT_OFFLINE": "1", "TF_CPP_MIN_LOG_LEVEL": "2",
        "JUPYTER_CONFIG_DIR": str(jupyter_home / "config"), "JUPYTER_DATA_DIR": str(jupyter_home / "data"),
        "JUPYTER_RUNTIME_DIR": str(jupyter_home / "runtime"),
        "PYTHONUNBUFFERED": "1",
    })
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser",
           "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={student_release}",
           f"--LabApp.workspaces_dir={jupyter_home / 'workspaces'}",
           f"--LabApp.user_settings_dir={jupyter_home / 'settings'}",
           "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log_path = tmp_path / "jupyterlab.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(cmd, cwd=student_release, env=env, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited with {proc.returncode}:\n{_log_tail(log_path)}")
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"jupyter lab did not answer within {SERVER_START_S} s:\n{_log_tail(log_path)}")
            time.sleep(0.5)
        yield base, token
    finally:
        if proc.poll() is None:
            proc.terminate()   # the server shuts its kernels down on SIGTERM
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)   # its own session: the server and its kernels
                proc.wait(timeout=30)
        log.close()
        print(f"\njupyter lab log: {log_path}")


@pytest.fixture
def browser():
    """Headless Chromium driven by Playwright; closed afterwards."""
    with chromium() as launched:
        yield launched


def test_student_runs_checks_in_jupyterlab(jupyterlab, browser, tmp_path: Path):
    from playwright.sync_api import expect

    base, token = jupyterlab
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    page.set_default_timeout(WAIT_MS)
    expect.set_options(timeout=WAIT_MS)
    shot = tmp_path / "jupyterlab_a1.png"
    runs = 0

    panel = page.locator(".jp-NotebookPanel").filter(has=page.locator(".jp-Notebook"))
    cells = panel.locator(".jp-Notebook .jp-Notebook-cell")

    def cell(i: int):
        return cells.nth(i)

    def run(i: int) -> None:
        """Run cell i (Shift+Enter) and wait until it has finished."""
        nonlocal runs
        c = cell(i)
        if not c.locator(".cm-focused").count():
            c.locator(".jp-InputPrompt").click()    # select the cell (command mode)
        page.keyboard.press("Shift+Enter")
        runs += 1
        expect(c.locator(".jp-InputPrompt")).to_have_text(re.compile(rf"\[{runs}\]:"))

    def outputs(i: int) -> str:
        return "\n".join(cell(i).locator(".jp-OutputArea-output").all_inner_texts())

    def errors(i: int) -> list[str]:
        return cell(i).locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]') \
            .all_inner_texts()

    def replace_stub(i: int, lines: list[str]) -> None:
        """In cell i, select the last line (`raise NotImplementedError()`) and type `lines` over it."""
        editor = cell(i).locator(".cm-content")
        editor.click()
        page.keyboard.press("Control+End")
        page.keyboard.press("Shift+Home")     # CodeMirror: back to the end of the indentation
        page.keyboard.type("\n".join(lines))
        text = editor.inner_text()
        assert "NotImplementedError" not in text and lines[-1] in text, f"typing went wrong:\n{text}"

    try:
        page.goto(f"{base}/lab/tree/{NOTEBOOK}?token={token}", wait_until="domcontentloaded")
        expect(cells.first).to_be_visible()
        # The kernel has started and the page is connected to it (before that, Shift+Enter is lost).
        _wait_for_connected_kernel(base, token)
        expect(page.locator(".jp-StatusBar-Widget").filter(has_text="Python 3")).to_contain_text("Idle")

        # nbgrader's labextension adds "Validate" to the notebook toolbar
        validate = panel.locator(".jp-NotebookPanel-toolbar .validate-button")
        expect(validate).to_be_visible()
        expect(validate).to_contain_text("Validate")

        run(SETUP)
        assert errors(SETUP) == [], f"the setup cell wrote errors: {errors(SETUP)}"

        # the untouched stub: the check fails and says why
        run(ZERO_PAD)
        run(ZERO_PAD_CHECK)
        failed = outputs(ZERO_PAD_CHECK)
        assert "zero_pad: some public checks failed" in failed and "NotImplementedError" in failed, failed

        # the student writes zero_pad, runs it, its example and its check
        replace_stub(ZERO_PAD, ZERO_PAD_SOLUTION)
        run(ZERO_PAD)
        assert errors(ZERO_PAD) == [], errors(ZERO_PAD)
        run(ZERO_PAD_DEMO)
        assert errors(ZERO_PAD_DEMO) == [] and "(2, 8, 9, 3)" in outputs(ZERO_PAD_DEMO), outputs(ZERO_PAD_DEMO)
        run(ZERO_PAD_CHECK)
        passed = outputs(ZERO_PAD_CHECK)
        assert errors(ZERO_PAD_CHECK) == [], errors(ZERO_PAD_CHECK)
        assert "zero_pad: all public checks passed" in passed, passed

        # the first cell that loads data: the synthetic default, announced; no download, no error
        replace_stub(CONV2D_SINGLE, CONV2D_SINGLE_SOLUTION)
        run(CONV2D_SINGLE)
        run(DATA_CELL)
        data_out = outputs(DATA_CELL)
        assert errors(DATA_CELL) == [], errors(DATA_CELL)
        assert "embedded synthetic EMNIST-like default" in data_out, data_out
        assert "away from the border: True" in data_out, data_out

        # screenshot: the toolbar with Validate, the typed zero_pad, its example and its check's output
        cell(ZERO_PAD).evaluate("el => el.scrollIntoView({block: 'start'})")
        expect(cell(ZERO_PAD_CHECK).get_by_text("zero_pad: all public checks passed")).to_be_in_viewport()
        expect(validate).to_be_in_viewport()
        page.screenshot(path=str(shot))
    except BaseException:
        failure = tmp_path / "jupyterlab_a1_failure.png"
        try:
            page.screenshot(path=str(failure))
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(failure, SCREENSHOT.with_name("jupyterlab_a1_failure.png"))
            print(f"\nscreenshot of the failure: {failure}")
        except Exception:  # noqa: BLE001 - the original failure matters more
            pass
        raise
    finally:
        page.close()
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(shot, SCREENSHOT)
    SCREENSHOT.with_name("jupyterlab_a1_failure.png").unlink(missing_ok=True)
    print(f"\nscreenshot: {shot} (copied to {SCREENSHOT})")
