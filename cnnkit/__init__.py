"""cnnkit: the student library of the "Convolutional Neural Networks" chapter.

What students (and the hidden tests) import in their notebooks: ``data`` (EMNIST), ``smiles``
(SMILEsmileD), ``synthetic`` (the embedded default), ``sources`` (where a data set comes from),
``plots`` (one helper per kind of figure), ``models``, ``export``, ``handwriting``,
``line_reader`` (a6's CTC line reader), ``checks`` (``grader.check``), ``guards`` (checks of how a
function works) and ``evaldata`` (reads the autograder's evaluation files). The course tooling and the grading engine live in
``cnnkit_course``, which is not part of the student wheel.
"""

import os

# TensorFlow's C++ start-up chatter goes to stderr, which nbgrader scores as a failed test cell.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
