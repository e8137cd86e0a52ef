"""The course on a JupyterHub: grading on submit (:mod:`~cnnkit_course.hub.on_submit`) and the
feedback students read (:mod:`~cnnkit_course.hub.feedback_page`)."""
