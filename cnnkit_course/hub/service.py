"""The hub service ``cnnkit-grader``: grading on submit (:class:`~cnnkit_course.hub.on_submit.SubmitGrader`
in a background thread) and the page where each student reads the feedback of their own
submissions, behind JupyterHub's login (OAuth: a student sees only their own feedback).

Started by JupyterHub (``c.JupyterHub.services``, see :mod:`cnnkit_course.hub.hub_config`) as root,
which the sandboxed grading needs: ``python -m cnnkit_course.hub.service``. JupyterHub passes its API
token, URL and the service's prefix in the environment; the course comes from ``CNNKIT_COURSE_ROOT``.
"""

from __future__ import annotations

import html
import logging
import os
import signal
import threading
from urllib.parse import urlparse

from cnnkit import config
from cnnkit_course.hub.on_submit import SubmitGrader
from cnnkit_course.hub.settings import hub_settings


def make_app(grader: SubmitGrader, prefix: str):
    """The tornado application: ``<prefix>`` lists the student's graded assignments,
    ``<prefix><assignment>`` shows one feedback page, ``<prefix>oauth_callback`` ends the login."""
    from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
    from tornado import web

    class FeedbackHandler(HubOAuthenticated, web.RequestHandler):
        @web.authenticated
        def get(self, assignment: str = "") -> None:
            student = self.get_current_user()["name"]
            if not assignment:
                graded = [a for a in sorted(grader.assignments) if grader.feedback_path(student, a).is_file()]
                links = "".join(f'<li><a href="{prefix}{a}">{html.escape(a)}</a></li>' for a in graded)
                self.finish(f"<!DOCTYPE html><html><body><h1>Your feedback</h1><ul>{links or '<li>nothing graded yet</li>'}"
                            "</ul></body></html>")
                return
            page = grader.feedback_path(student, assignment)
            if assignment not in grader.assignments or not page.is_file():
                raise web.HTTPError(404, "no graded submission of this assignment yet")
            self.finish(page.read_text(encoding="utf-8"))

    return web.Application([
        (prefix + "oauth_callback", HubOAuthCallbackHandler),
        (prefix + r"([\w-]*)", FeedbackHandler),
    ], cookie_secret=os.urandom(32))


def main() -> None:
    """Serve on ``JUPYTERHUB_SERVICE_URL`` and grade until SIGTERM."""
    from tornado.ioloop import IOLoop

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    hub = hub_settings()
    grader = SubmitGrader(hub.course_dir, hub.inbound_dir, hub.db_url, workers=config.settings().grade_workers)
    stop = threading.Event()
    worker = threading.Thread(target=grader.run, args=(stop,), name="grading-on-submit")
    worker.start()
    url = urlparse(os.environ["JUPYTERHUB_SERVICE_URL"])
    app = make_app(grader, os.environ["JUPYTERHUB_SERVICE_PREFIX"])
    app.listen(url.port, url.hostname)
    loop = IOLoop.current()

    def _stop(*_: object) -> None:
        stop.set()
        loop.add_callback_from_signal(loop.stop)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    loop.start()
    worker.join()


if __name__ == "__main__":
    main()
