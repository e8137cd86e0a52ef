"""Read the course configuration (``course_config.py``) and its environment overrides.

The instructor's repository has ``course_config.py`` at its root; students get the same file
packaged with ``cnnkit``. :func:`settings` finds the right one and applies the environment
variables that override single settings:

==========================  ==========================================================
``CNNKIT_COURSE_ROOT``      the course repository (else: searched upwards from the cwd)
``CNNKIT_DATA_DIR``         data folder laid out like ``../shared/data``
``CNNKIT_EMNIST_SPLIT``     EMNIST split (``balanced``, ``bymerge``, ...)
``CNNKIT_OFFLINE``          ``1``: never use the network
``CNNKIT_DATA_SOURCE``      ``synthetic``: always the embedded default (else ``auto``)
``CNNKIT_GRADING``          ``1``: grading mode (notebooks load saved models, never train, never
                            download); nbgrader's autograde/validate turn it on too
==========================  ==========================================================
"""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

CONFIG_FILENAME = "course_config.py"
DATA_SOURCES = ("auto", "synthetic")


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def course_root() -> Path | None:
    """The instructor's course repository, or ``None`` where only the released kit is present.

    ``CNNKIT_COURSE_ROOT`` wins; otherwise the nearest folder at or above the working directory
    that holds both ``course_config.py`` and ``autograder/``.
    """
    explicit = os.environ.get("CNNKIT_COURSE_ROOT")
    if explicit:
        root = Path(explicit).expanduser().resolve()
        if not (root / CONFIG_FILENAME).is_file():
            raise FileNotFoundError(f"CNNKIT_COURSE_ROOT={explicit} has no {CONFIG_FILENAME}")
        return root
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_FILENAME).is_file() and (folder / "autograder").is_dir():
            return folder
    return None


def load_course_config() -> ModuleType:
    """The ``course_config`` module: the course repository's file, else the packaged copy.

    The file is executed once per version of it (path, modification time, size) in a process.
    """
    root = course_root()
    if root is None:
        import course_config  # the copy installed with cnnkit

        return course_config
    path = root / CONFIG_FILENAME
    st = path.stat()
    return _exec_config(str(path), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=4)
def _exec_config(path: str, mtime_ns: int, size: int) -> ModuleType:
    spec = importlib.util.spec_from_file_location("course_config", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class Settings:
    """The effective settings: ``course_config.py`` with the environment overrides applied."""

    course_id: str
    assignments: dict[str, dict]
    data_dir: Path
    emnist_split: str
    data_source: str
    offline: bool
    grading: bool
    emnist_urls: tuple[str, ...]
    synthetic_sizes: dict[str, int]
    synthetic_seeds: dict[str, int]
    hidden_fraction: float
    hidden_slice_seed: int
    hidden_synthetic_size: int
    cell_timeout_s: int
    submission_timeout_s: int
    submission_memory_mb: int
    submission_cpu_s: int
    submission_nproc: int
    submission_file_mb: int
    submission_output_kb: int
    grade_workers: int
    thresholds: dict[tuple[str, str], dict[str, float]]
    training_budget: dict[str, dict]
    mobile_training_budget: dict[str, dict]
    deeper_vs_wider_budget: dict[str, dict[str, int]]
    reference_cnn_params: int
    smiles: dict
    smile_training_budget: dict[str, dict[str, int]]
    handwriting: dict
    root: Path | None

    @property
    def autograder_dir(self) -> Path | None:
        """``autograder/`` of the course repository (hidden tests), if present."""
        return None if self.root is None else self.root / "autograder"


def _data_source(value: str) -> str:
    if value not in DATA_SOURCES:
        raise ValueError(f"data source must be one of {DATA_SOURCES}, got {value!r} (CNNKIT_DATA_SOURCE / DATA_SOURCE)")
    return value


def default_cache_dir() -> Path:
    """The kit's own download cache, laid out like ``../shared/data``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cnnkit"


def grading_mode() -> bool:
    """True under every grading path: ``CNNKIT_GRADING=1`` (``cnnkit grade``/``validate``),
    nbgrader's ``autograde`` and ``validate`` (which set ``NBGRADER_EXECUTION``), and otter's
    grading mode (``otter run``, Gradescope)."""
    if _truthy(os.environ.get("CNNKIT_GRADING")) or os.environ.get("NBGRADER_EXECUTION") in {"autograde", "validate"}:
        return True
    otter_notebook = sys.modules.get("otter.check.notebook")  # otter run / a grading service
    return bool(otter_notebook is not None and getattr(otter_notebook.Notebook, "_grading_mode", False))


def settings() -> Settings:
    """The effective settings now: ``course_config.py`` (executed once per version of the file)
    with the current environment's overrides."""
    cfg = load_course_config()
    data_dir = os.environ.get("CNNKIT_DATA_DIR") or cfg.DATA_DIR
    offline_env = os.environ.get("CNNKIT_OFFLINE")
    return Settings(
        course_id=cfg.COURSE_ID,
        assignments=dict(cfg.ASSIGNMENTS),
        data_dir=Path(data_dir).expanduser() if data_dir else default_cache_dir(),
        emnist_split=os.environ.get("CNNKIT_EMNIST_SPLIT") or cfg.EMNIST_SPLIT,
        data_source=_data_source(os.environ.get("CNNKIT_DATA_SOURCE") or cfg.DATA_SOURCE),
        offline=grading_mode() or (_truthy(offline_env) if offline_env is not None else bool(cfg.OFFLINE)),
        grading=grading_mode(),
        emnist_urls=tuple(cfg.EMNIST_URLS),
        synthetic_sizes=dict(cfg.SYNTHETIC_SIZES),
        synthetic_seeds=dict(cfg.SYNTHETIC_SEEDS),
        hidden_fraction=float(cfg.HIDDEN_FRACTION),
        hidden_slice_seed=int(cfg.HIDDEN_SLICE_SEED),
        hidden_synthetic_size=int(cfg.HIDDEN_SYNTHETIC_SIZE),
        cell_timeout_s=int(cfg.CELL_TIMEOUT_S),
        submission_timeout_s=int(cfg.SUBMISSION_TIMEOUT_S),
        submission_memory_mb=int(cfg.SUBMISSION_MEMORY_MB),
        submission_cpu_s=int(cfg.SUBMISSION_CPU_S),
        submission_nproc=int(cfg.SUBMISSION_NPROC),
        submission_file_mb=int(cfg.SUBMISSION_FILE_MB),
        submission_output_kb=int(cfg.SUBMISSION_OUTPUT_KB),
        grade_workers=int(cfg.GRADE_WORKERS),
        thresholds=dict(cfg.THRESHOLDS),
        training_budget=dict(cfg.TRAINING_BUDGET),
        mobile_training_budget=dict(cfg.MOBILE_TRAINING_BUDGET),
        deeper_vs_wider_budget=dict(cfg.DEEPER_VS_WIDER_BUDGET),
        reference_cnn_params=int(cfg.REFERENCE_CNN_PARAMS),
        smiles=dict(cfg.SMILES),
        smile_training_budget=dict(cfg.SMILE_TRAINING_BUDGET),
        handwriting=dict(cfg.HANDWRITING),
        root=course_root(),
    )
