"""The one configuration of the course kit.

Everything that differs between courses lives here: the course id, the assignments and their
points, time limits, where the data comes from, the EMNIST split, accuracy thresholds and seeds.
`cnnkit` (the commands and the notebooks) and nbgrader (through ``nbgrader_config.py``) read this
file; environment variables named below override single settings without editing it.

This file is also packaged with ``cnnkit`` so that students have the same public settings. The
seed of the hidden synthetic evaluation data is therefore *not* here: it lives in
``autograder/hidden_seed.txt``, which is never released.
"""

from __future__ import annotations

COURSE_ID = "cnn-chapter"

#: Assignment ids in teaching order, with the points of their automatically graded parts
#: (the sum of their otter test files) and of their manually graded free-text answers.
ASSIGNMENTS: dict[str, dict[str, int]] = {
    "a1_convolution": {"auto_points": 12, "manual_points": 2},
    "a2_pooling": {"auto_points": 8, "manual_points": 2},
}

# --- data -----------------------------------------------------------------------------------
#: Folder laid out like ``../shared/data`` (``emnist/emnist.zip``, ``smiles/...``,
#: ``handwriting/...``). ``None`` means the kit's download cache (``~/.cache/cnnkit``).
#: Overridden by ``CNNKIT_DATA_DIR``.
DATA_DIR: str | None = None
#: EMNIST split (``balanced`` is the course's setting). Overridden by ``CNNKIT_EMNIST_SPLIT``.
EMNIST_SPLIT = "balanced"
#: ``"auto"``: the first available source (data folder, emnist cache, download, embedded
#: default); ``"synthetic"``: always the embedded default. Overridden by ``CNNKIT_DATA_SOURCE``.
DATA_SOURCE = "auto"
#: Never touch the network (``CNNKIT_OFFLINE=1`` overrides).
OFFLINE = False
#: Where NIST publishes the EMNIST zip (about 560 MB).
EMNIST_URLS = (
    "https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip",
    "http://www.itl.nist.gov/iaui/vip/cs_links/EMNIST/gzip.zip",
)
#: Size of the embedded synthetic default, per usage.
SYNTHETIC_SIZES = {"train": 20_000, "test": 4_000}
#: Seeds of the public synthetic data (train, test).
SYNTHETIC_SEEDS = {"train": 1, "test": 2}
#: The hidden slice: this fraction of each real test split, chosen with this seed, is never
#: returned by ``load_emnist``; the autograder's evaluation data comes from it.
HIDDEN_FRACTION = 0.1
HIDDEN_SLICE_SEED = 20261125
#: Size of the hidden synthetic evaluation set (its seed is in autograder/hidden_seed.txt).
HIDDEN_SYNTHETIC_SIZE = 2_000

# --- grading --------------------------------------------------------------------------------
#: Per-cell execution timeout in seconds, for nbgrader and ``cnnkit grade``/``validate``.
CELL_TIMEOUT_S = 120
#: Wall-clock limit for grading one submission (``cnnkit grade``), in seconds.
SUBMISSION_TIMEOUT_S = 600
#: Resident-memory limit for grading one submission (kernel included), in MB.
SUBMISSION_MEMORY_MB = 6000
#: CPU seconds the submission's kernel may use (all its threads together).
SUBMISSION_CPU_S = 1200
#: Processes and threads the submission may run at once (TensorFlow alone starts ~100 threads).
SUBMISSION_NPROC = 1024
#: Largest file the submission may write, in MB.
SUBMISSION_FILE_MB = 512
#: Notebook output kept per submission, in KB (the rest is replaced by a notice).
SUBMISSION_OUTPUT_KB = 2048
#: Parallel grading processes by default.
GRADE_WORKERS = 1

#: Accuracy thresholds, keyed by data source and split: {(source, split): {check: value}}.
THRESHOLDS: dict[tuple[str, str], dict[str, float]] = {
    # a3_emnist_cnn: test accuracy of the saved emnist_cnn.keras on the hidden evaluation images;
    # a4_regularization: the same for regularized_cnn.keras. Calibrated on the reference solutions
    # (benchmarks/train_references.py) with a margin for an unlucky but correct run.
    ("synthetic", "balanced"): {"a3_cnn_accuracy": 0.85, "a4_regularized_accuracy": 0.85},
    ("real", "balanced"): {"a3_cnn_accuracy": 0.82, "a4_regularized_accuracy": 0.84},
    ("real", "bymerge"): {"a3_cnn_accuracy": 0.85, "a4_regularized_accuracy": 0.87},
}

# --- training (a3_emnist_cnn, a4_regularization) -----------------------------------------------
#: How much the notebooks that train networks do, per kind of data ("synthetic": the embedded
#: default, "real": EMNIST files), read by ``cnnkit.models.training_budget()``:
#: ``train_size`` training images used (``None``: all), ``batch_size`` images per step, ``epochs``
#: per network. The synthetic budget keeps executing a solution near 2 minutes on 2 CPU cores;
#: the real one is the recipe of ``benchmarks/train_references.py``.
TRAINING_BUDGET: dict[str, dict] = {
    "synthetic": {
        "train_size": 20_000,
        "batch_size": 128,
        "epochs": {"dense": 3, "cnn": 4, "l2_dense": 3, "plain_cnn": 3, "regularized_cnn": 5},
    },
    "real": {
        "train_size": None,
        "batch_size": 128,
        "epochs": {"dense": 5, "cnn": 6, "l2_dense": 5, "plain_cnn": 5, "regularized_cnn": 5},
    },
}
