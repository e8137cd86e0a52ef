"""The grading engine of ``cnnkit grade``: ``batch`` (a folder of submissions, one process per
submission, limits, ``grades.csv``), ``session`` (one submission: its notebook in a sandboxed
kernel, judged from outside), ``sandbox`` (the kernel's namespaces, hidden folders, limits, uid),
``zygote`` (kernels forked from a pre-imported copy of the grading process), ``demonstrations``
(marked cells nothing depends on, left out), ``judge`` (the test files run outside the kernel
against stand-ins for its objects), ``limits`` (cgroups), ``preload`` (the forkserver's imports)
and ``cluster`` (the same on Dask).
"""
