"""cnnkit: the utilities of the "Convolutional Neural Networks" chapter.

Modules: ``data`` (EMNIST and the other data sets), ``synthetic`` (the embedded default),
``plots`` (one helper per kind of figure), ``checks`` (``grader.check`` in notebooks),
and for instructors ``build``, ``grading`` and ``cli`` (the ``cnnkit`` command).
"""

import os

# TensorFlow's C++ start-up chatter goes to stderr, which nbgrader scores as a failed test cell.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"
