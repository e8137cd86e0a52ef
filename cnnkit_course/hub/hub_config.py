"""JupyterHub's configuration for the course, from :class:`~cnnkit_course.hub.settings.HubSettings`:
``deploy/jupyterhub_config.py`` calls :func:`configure` (``jupyterhub -f deploy/jupyterhub_config.py``,
or ``cnnkit hub``, which prepares the machine first).

- JupyterHub on ``hub_port`` behind configurable-http-proxy on ``ip:port`` (its API on
  ``proxy_api_port``), state in ``state_dir``;
- DummyAuthenticator with the course's one password, for a test course, and only the course's
  accounts allowed; nobody is a hub admin;
- each user's JupyterLab from the students' environment (the ``cnnkit`` wheel, no course files),
  with the Jupyter configuration of the user's role (nbgrader's Assignments tab; Courses for
  instructors);
- the formgrader as the hub service ``<course_id>`` run by the grader account in the course folder,
  reachable by the group ``formgrade-<course_id>`` (instructors and graders) alone; the ``server``
  role inherits its owner's scopes so that nbgrader's course list can see that service (nbgrader
  issues #1594 and #1831: instructors need not be admins);
- with ``grade_on_submit``, the service ``cnnkit-grader`` (:mod:`cnnkit_course.hub.service`), which
  every user may reach for their own feedback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from cnnkit_course.hub.settings import GRADER_SERVICE, HubSettings


def _services(hub: HubSettings) -> list[dict[str, Any]]:
    course_env = {"CNNKIT_COURSE_ROOT": str(hub.course_dir), "CNNKIT_DB_URL": hub.db_url}
    services = [{
        "name": hub.course_id,
        "url": f"http://127.0.0.1:{hub.formgrader_port}",
        "command": [str(hub.state_dir / "grader-env" / "bin" / "python"), "-m", "jupyterhub.singleuser"],
        "user": hub.grader_account,
        "cwd": str(hub.course_dir),
        "oauth_no_confirm": True,
        "environment": {**course_env, "JUPYTERHUB_DEFAULT_URL": "/lab",
                        "JUPYTER_CONFIG_PATH": str(hub.jupyter_config_dir("grader")),
                        "PATH": f"{hub.state_dir / 'grader-env' / 'bin'}:/usr/local/bin:/usr/bin:/bin"},
    }]
    if hub.grade_on_submit:
        services.append({
            "name": GRADER_SERVICE,
            "url": f"http://127.0.0.1:{hub.grader_service_port}",
            "command": [sys.executable, "-m", "cnnkit_course.hub.service"],
            "oauth_no_confirm": True,
            "environment": course_env,
        })
    return services


def _roles(hub: HubSettings) -> list[dict[str, Any]]:
    user_scopes = ["self"] + ([f"access:services!service={GRADER_SERVICE}"] if hub.grade_on_submit else [])
    return [
        {"name": "user", "scopes": user_scopes},
        {"name": hub.formgrade_group, "groups": [hub.formgrade_group],
         "scopes": [f"access:services!service={hub.course_id}", "list:services",
                    f"read:services!service={hub.course_id}"]},
        {"name": "server", "scopes": ["inherit"]},
    ]


def configure(c: Any, hub: HubSettings, student_python: Path) -> None:
    """Fill JupyterHub's config object ``c`` (see the module docstring)."""
    c.JupyterHub.bind_url = f"http://{hub.ip}:{hub.port}"
    c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{hub.hub_port}"
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{hub.proxy_api_port}"
    c.ConfigurableHTTPProxy.command = [hub.proxy]
    c.JupyterHub.db_url = f"sqlite:///{hub.state_dir / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(hub.state_dir / "jupyterhub_cookie_secret")
    c.JupyterHub.pid_file = str(hub.state_dir / "jupyterhub.pid")
    c.JupyterHub.authenticator_class = "dummy"
    c.DummyAuthenticator.password = hub.password
    c.Authenticator.allowed_users = {*hub.students, *hub.instructors, *hub.graders}
    c.Authenticator.admin_users = set()
    c.JupyterHub.spawner_class = "localprocess"
    c.Spawner.cmd = [str(student_python), "-m", "jupyterhub.singleuser"]
    c.Spawner.default_url = "/lab"
    c.Spawner.environment = {
        "JUPYTER_CONFIG_PATH": lambda spawner: str(hub.jupyter_config_dir(hub.role_of(spawner.user.name))),
    }
    c.JupyterHub.load_groups = {hub.formgrade_group: {"users": [*hub.instructors, *hub.graders]}}
    c.JupyterHub.load_roles = _roles(hub)
    c.JupyterHub.services = _services(hub)
