"""JupyterHub's configuration for the course, from ``course_config.HUB``.

``cnnkit hub`` prepares the machine (accounts, exchange, the students' environment) and starts
``jupyterhub -f deploy/jupyterhub_config.py`` with this file; see :mod:`cnnkit_course.hub.hub_config`.
A real course changes the authenticator here, e.g.
``c.JupyterHub.authenticator_class = "generic-oauth"`` (oauthenticator) or ``"ldapauthenticator"``.
"""

from cnnkit_course.hub.hub_config import configure
from cnnkit_course.hub.settings import hub_settings

c = get_config()  # noqa: F821  (provided by traitlets when JupyterHub loads this file)
_hub = hub_settings()
configure(c, _hub, _hub.student_env / "bin" / "python")
