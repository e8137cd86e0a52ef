"""``cnnkit hub``: check what the hub needs, prepare the machine (:mod:`cnnkit_course.hub.accounts`)
and run JupyterHub with ``deploy/jupyterhub_config.py`` until SIGINT or SIGTERM, which stop the hub,
its proxy, its services and the users' servers.

What it cannot do is said in one line, exit status 2: not root, a port in use, the proxy missing,
the gradebook's database unreachable, no ``cnnkit`` wheel in ``release/``.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

from cnnkit_course.hub import accounts
from cnnkit_course.hub.settings import HubSettings, hub_settings


class HubCannotStart(Exception):
    """What keeps the hub from starting (one line, for the operator)."""


def _port_free(ip: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((ip, port))
        except OSError:
            return False
    return True


def check(hub: HubSettings, euid: int) -> Path:
    """Raise :class:`HubCannotStart` for the first thing missing; return the students' wheel."""
    if euid != 0:
        raise HubCannotStart("must run as root (it creates the course's unix accounts and starts their servers)")
    for name, ip, port in (("port", hub.ip, hub.port), ("hub_port", "127.0.0.1", hub.hub_port),
                           ("proxy_api_port", "127.0.0.1", hub.proxy_api_port),
                           ("formgrader_port", "127.0.0.1", hub.formgrader_port),
                           ("grader_service_port", "127.0.0.1", hub.grader_service_port)):
        if not _port_free(ip, port):
            raise HubCannotStart(f"{ip}:{port} is in use (course_config.HUB[{name!r}]): stop what listens there or pick another port")
    if shutil.which(hub.proxy) is None:
        raise HubCannotStart(f"the proxy {hub.proxy!r} is missing: npm install -g configurable-http-proxy "
                             "(or set course_config.HUB['proxy'] to its path)")
    _check_database(hub.db_url)
    wheels = sorted((hub.course_dir / "release").glob("cnnkit-*.whl"))
    if not wheels:
        raise HubCannotStart("no cnnkit wheel in release/: run `cnnkit build` first")
    return wheels[-1]


def _check_database(db_url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    try:
        engine = create_engine(db_url)
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
    except (SQLAlchemyError, ImportError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise HubCannotStart(f"the gradebook's database {db_url.split('@')[-1]} is unreachable: {first}") from None


def main() -> int:
    """``cnnkit hub``: run until stopped; the exit status of JupyterHub (2 when it cannot start)."""
    import os

    try:
        hub = hub_settings()
        wheel = check(hub, os.geteuid())
        accounts.prepare(hub, wheel)
    except (HubCannotStart, ValueError, RuntimeError) as exc:
        print(f"cnnkit hub: {exc}", file=sys.stderr)
        return 2
    config_file = hub.course_dir / "deploy" / "jupyterhub_config.py"
    env = {**os.environ, "CNNKIT_COURSE_ROOT": str(hub.course_dir), "CNNKIT_DB_URL": hub.db_url}
    proc = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(config_file)], cwd=hub.state_dir, env=env)

    def _forward(signum: int, _frame: object) -> None:
        proc.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, _forward)
    signal.signal(signal.SIGINT, _forward)
    print(f"cnnkit hub: http://{hub.ip}:{hub.port}/ (Ctrl-C stops it)", flush=True)
    return proc.wait()
