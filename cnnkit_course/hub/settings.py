"""The hub's settings: ``course_config.HUB``, with ``CNNKIT_HUB_PASSWORD`` overriding the password.

Every path and port of the hub is named here once: the hub's own state (its database, cookie
secret, the students' environment and the per-role Jupyter configuration), the exchange, the course
folder the formgrader serves, the accounts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cnnkit import config

#: The hub service that grades on submit and shows students their feedback.
GRADER_SERVICE = "cnnkit-grader"
#: Roles whose Jupyter configuration the hub writes (see :mod:`cnnkit_course.hub.accounts`).
ROLES = ("student", "instructor", "grader")


@dataclass(frozen=True)
class HubSettings:
    """``course_config.HUB`` resolved (see the comments there)."""

    course_id: str
    course_dir: Path
    ip: str
    port: int
    hub_port: int
    proxy_api_port: int
    formgrader_port: int
    grader_service_port: int
    proxy: str
    state_dir: Path
    exchange_root: Path
    home_root: Path
    instructors: tuple[str, ...]
    graders: tuple[str, ...]
    students: tuple[str, ...]
    grader_account: str
    grade_on_submit: bool
    password: str
    db_url: str

    @property
    def student_env(self) -> Path:
        """The students' Python environment: the ``cnnkit`` wheel and the libraries, no course files."""
        return self.state_dir / "student-env"

    def jupyter_config_dir(self, role: str) -> Path:
        """The Jupyter configuration of ``role`` (its nbgrader extensions and exchange)."""
        return self.state_dir / "jupyter" / role

    @property
    def formgrade_group(self) -> str:
        """The JupyterHub group whose members reach the formgrader (nbgrader's naming rule)."""
        return f"formgrade-{self.course_id}"

    @property
    def inbound_dir(self) -> Path:
        return self.exchange_root / self.course_id / "inbound"

    def home(self, user: str) -> Path:
        return self.home_root / user

    def role_of(self, user: str) -> str:
        return "instructor" if user in (*self.instructors, *self.graders) else "student"


def hub_settings() -> HubSettings:
    """The hub's settings for the course at ``CNNKIT_COURSE_ROOT`` (or the working folder's)."""
    root = config.course_root()
    if root is None:
        raise ValueError("run the hub inside the course repository (or set CNNKIT_COURSE_ROOT)")
    cfg = config.load_course_config()
    hub = dict(cfg.HUB)
    db_url = os.environ.get("CNNKIT_DB_URL") or cfg.DB_URL or f"sqlite:///{root / 'gradebook.db'}"
    return HubSettings(
        course_id=cfg.COURSE_ID, course_dir=root, ip=hub["ip"], port=int(hub["port"]), hub_port=int(hub["hub_port"]),
        proxy_api_port=int(hub["proxy_api_port"]), formgrader_port=int(hub["formgrader_port"]),
        grader_service_port=int(hub["grader_service_port"]), proxy=str(hub["proxy"]),
        state_dir=Path(hub["state_dir"]), exchange_root=Path(hub["exchange_root"]), home_root=Path(hub["home_root"]),
        instructors=tuple(hub["instructors"]), graders=tuple(hub["graders"]), students=tuple(hub["students"]),
        grader_account=str(hub["grader_account"]), grade_on_submit=bool(hub["grade_on_submit"]),
        password=os.environ.get("CNNKIT_HUB_PASSWORD") or str(hub["password"]), db_url=db_url)
