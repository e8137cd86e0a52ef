"""What every grading child needs, imported once by the forkserver the children are forked from
(:func:`cnnkit_course.grading.batch.grading_context`): nbclient and nbgrader for the notebook, otter,
NumPy, TensorFlow and Keras for the judge, and what the notebooks import in their kernels, which
are forked from the grading child too (:mod:`.zygote`). A child and its kernel then start in
milliseconds instead of spending several CPU-seconds each on imports.

Nothing here runs student code or opens a kernel; TensorFlow is imported, not initialised.
"""

import atexit
import importlib
import os

#: The grading stack, heaviest first.
MODULES = ("tensorflow", "keras", "otter.test_files.exception_test", "nbgrader.utils", "cnnkit.checks",
           "cnnkit.guards", "cnnkit_course.grading.judge", "cnnkit_course.grading.session",
           # the kernels' side: ipykernel, and what the assignments' first cells import (not
           # matplotlib_inline: imported outside a kernel, it would not make figures images)
           "ipykernel.kernelapp", "ipykernel.ipkernel", "cv2", "cnnkit.plots", "cnnkit.data", "cnnkit.models",
           "cnnkit.handwriting", "cnnkit.smiles", "cnnkit.export",
           # SciPy is imported with TensorFlow, these parts of it are not: a hidden test's guard
           # (cnnkit.guards) would load them, with their BLAS threads, inside the student's kernel
           "scipy.signal", "scipy.ndimage")

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported
for _name in MODULES:
    importlib.import_module(_name)

# The forkserver leaves once its grader has gone: at once, without TensorFlow's seconds of teardown
# (it holds nothing to flush). Registered last, so it runs first; forked children never run it.
atexit.register(os._exit, 0)
