"""`cnnkit hub` says in one line what keeps it from starting: not root, a port in use, the proxy
missing, the database unreachable, no wheel."""

from __future__ import annotations

import dataclasses
import socket
from pathlib import Path

import pytest

from cnnkit_course.hub.run import HubCannotStart, check
from cnnkit_course.hub.settings import HubSettings
from tests.servers import free_port


def _settings(tmp_path: Path, **changes) -> HubSettings:
    (tmp_path / "release").mkdir(exist_ok=True)
    (tmp_path / "release" / "cnnkit-0.0.0-py3-none-any.whl").write_bytes(b"")
    proxy = tmp_path / "configurable-http-proxy"
    proxy.write_text("#!/bin/sh\n")
    proxy.chmod(0o755)
    ports = {name: free_port() for name in ("port", "hub_port", "proxy_api_port", "formgrader_port", "grader_service_port")}
    hub = HubSettings(course_id="demo", course_dir=tmp_path, ip="127.0.0.1", **ports, proxy=str(proxy),
                      state_dir=tmp_path / "state", exchange_root=tmp_path / "exchange", home_root=tmp_path / "home",
                      instructors=("t",), graders=(), students=("s",), grader_account="g", grade_on_submit=True,
                      password="x", db_url=f"sqlite:///{tmp_path / 'gradebook.db'}")
    return dataclasses.replace(hub, **changes)


def test_a_startable_hub_passes(tmp_path: Path):
    assert check(_settings(tmp_path), euid=0).name == "cnnkit-0.0.0-py3-none-any.whl"


def test_what_keeps_the_hub_from_starting_is_said_in_one_line(tmp_path: Path):
    hub = _settings(tmp_path)
    cases = [({}, 1000, "must run as root"),
             ({"proxy": str(tmp_path / "none")}, 0, "the proxy"),
             ({"db_url": "postgresql+psycopg://nbgrader@127.0.0.1:9/none"}, 0, "is unreachable")]
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        cases.append(({"hub_port": busy.getsockname()[1]}, 0, "is in use (course_config.HUB['hub_port'])"))
        for changes, euid, says in cases:
            with pytest.raises(HubCannotStart, match=r".*") as error:
                check(dataclasses.replace(hub, **changes), euid=euid)
            assert says in str(error.value) and "\n" not in str(error.value), str(error.value)
    for wheel in (tmp_path / "release").glob("*.whl"):
        wheel.unlink()
    with pytest.raises(HubCannotStart, match="no cnnkit wheel"):
        check(hub, euid=0)
