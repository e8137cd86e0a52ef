"""The grading engine of ``cnnkit grade``: ``batch`` (a folder of submissions, one process per
submission, limits, ``grades.csv``), ``session`` (one submission: its notebook in a sandboxed
kernel, judged from outside), ``sandbox`` (the kernel's namespaces, hidden folders, limits, uid)
and ``judge`` (the test files run outside the kernel against stand-ins for its objects).
"""
