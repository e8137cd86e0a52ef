"""Where the course's files live: one place for every path the tooling reads or writes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: The example students of :func:`cnnkit_course.build.write_examples`.
EXAMPLE_STUDENTS = ("correct", "partial", "untouched")


@dataclass(frozen=True)
class CoursePaths:
    """Where a build reads its inputs (``root``, the course repository) and writes its outputs
    (``out``: the course repository itself, or e.g. ``build/demo``)."""

    root: Path
    out: Path

    @classmethod
    def of(cls, root: Path) -> CoursePaths:
        """The paths of the course repository ``root`` building into itself."""
        return cls(root, root)

    # --- inputs (the course repository) ---------------------------------------------------------

    def source_notebook(self, assignment: str) -> Path:
        return self.root / "source" / assignment / f"{assignment}.ipynb"

    def full_tests(self, assignment: str) -> Path:
        """``autograder/<id>/tests/``: the full otter test files (hidden cases included)."""
        return self.root / "autograder" / assignment / "tests"

    @property
    def hidden_seed_file(self) -> Path:
        return self.root / "autograder" / "hidden_seed.txt"

    @property
    def nbgrader_config(self) -> Path:
        return self.root / "nbgrader_config.py"

    @property
    def trained_dir(self) -> Path:
        """``trained/``: the trained models of the solutions (:mod:`cnnkit_course.store`); the course
        repository's is the one committed copy of each."""
        return self.out / "trained"

    def trained(self, assignment: str) -> Path:
        return self.trained_dir / assignment

    @property
    def manifest(self) -> Path:
        return self.trained_dir / "manifest.json"

    def secrets(self) -> list[Path]:
        """Folders of the course repository a submission's kernel must not see."""
        return [self.root / name for name in ("autograder", "source", "solutions", "examples", "trained",
                                              "build", ".git")]

    # --- outputs ----------------------------------------------------------------------------------

    @property
    def release_root(self) -> Path:
        return self.out / "release"

    def release_dir(self, assignment: str) -> Path:
        return self.release_root / assignment

    def release_notebook(self, assignment: str) -> Path:
        return self.release_dir(assignment) / f"{assignment}.ipynb"

    def otter_zip(self, assignment: str) -> Path:
        """``autograder/<id>/autograder.zip`` (generated, git-ignored)."""
        return self.out / "autograder" / assignment / "autograder.zip"

    def solution_notebook(self, assignment: str) -> Path:
        return self.out / "solutions" / assignment / f"{assignment}.ipynb"

    @property
    def examples_dir(self) -> Path:
        """``examples/submitted/``: example submissions in nbgrader's layout (generated, git-ignored)."""
        return self.out / "examples" / "submitted"

    def example_dir(self, student: str, assignment: str) -> Path:
        return self.examples_dir / student / assignment
