"""cnnkit_course: the instructor's tooling of the CNN chapter (not shipped to students).

``paths`` (where the course's files live), ``notebooks`` (nbgrader cell roles, execution),
``build`` (``cnnkit build``: releases, public tests, otter zips, solutions, examples),
``store`` (the trained models and their manifest), ``hidden_data`` (the autograder's hidden
evaluation data and hidden slices), ``feedback`` (feedback without hidden tests), ``cli`` (the
``cnnkit`` command) and the grading engine ``grading`` (batch, session, sandbox, judge).
"""
