"""What every grading child needs, imported once by the forkserver the children are forked from
(:func:`cnnkit_course.grading.batch.grading_context`): nbclient and nbgrader for the notebook, otter,
NumPy, TensorFlow and Keras for the judge. A child then starts in milliseconds instead of spending
several CPU-seconds on imports.

Nothing here runs student code or opens a kernel; TensorFlow is imported, not initialised.
"""

import atexit
import importlib
import os

#: The grading stack, heaviest first.
MODULES = ("tensorflow", "keras", "otter.test_files.exception_test", "nbgrader.utils", "cnnkit.checks",
           "cnnkit.guards", "cnnkit_course.grading.judge", "cnnkit_course.grading.session")

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported
for _name in MODULES:
    importlib.import_module(_name)

# The forkserver leaves once its grader has gone: at once, without TensorFlow's seconds of teardown
# (it holds nothing to flush). Registered last, so it runs first; forked children never run it.
atexit.register(os._exit, 0)
