"""The ``cnnkit`` command line: ``build``, ``validate``, ``grade``, ``demo``, ``feedback``,
``data info|fetch``; after the deadline ``report``, ``similarity``, ``export-lms``."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from cnnkit import config


USAGE_ERROR = 2


class UsageError(Exception):
    """Bad input on the command line: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (``cnnkit grade: ...``) and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def _course_root() -> Path:
    root = config.course_root()
    if root is None:
        raise UsageError("cnnkit: run this inside the course repository (the folder with course_config.py "
                         "and autograder/), or set CNNKIT_COURSE_ROOT")
    return root


def _assignments(chosen: list[str] | None) -> list[str]:
    known = list(config.settings().assignments)
    unknown = sorted(set(chosen or []) - set(known))
    if unknown:
        raise UsageError(f"cnnkit: unknown assignment(s) {', '.join(unknown)}; known: {', '.join(known)}")
    return chosen or known


def _positive(text: str) -> int:
    """An argparse type: an integer of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def cmd_build(args: argparse.Namespace) -> int:
    from cnnkit_course.build import build
    from cnnkit_course.paths import CoursePaths

    root = _course_root()
    out = Path(args.out).resolve() if args.out else root
    if args.real and out == root:
        raise UsageError("cnnkit build: a build from real data must not overwrite the committed files; pass --out build/real")
    started = time.monotonic()
    build(CoursePaths(root, out), _assignments(args.assignment), real_data=args.real,
          execute_solutions=not args.no_execute, timeout_s=config.settings().cell_timeout_s)
    print(f"built {', '.join(_assignments(args.assignment))} into {out} in {time.monotonic() - started:.1f} s")
    return 0


def validate(assignments: list[str]) -> list[str]:
    """Grade each solution notebook (must score full marks) and release notebook (must fail every
    question) on copies; return the problems found (empty when all is well).

    The solution runs in grading mode like a submission, with the models the build trained.
    """
    from cnnkit_course import store
    from cnnkit_course.grading.batch import grade_batch
    from cnnkit_course.paths import CoursePaths

    paths = CoursePaths.of(_course_root())
    problems = []
    with tempfile.TemporaryDirectory(prefix="cnnkit-validate-") as scratch:
        submitted = Path(scratch) / "submitted"
        for assignment in assignments:
            shutil.copytree(paths.source_notebook(assignment).parent, submitted / "solution" / assignment)
            shutil.copytree(paths.release_dir(assignment), submitted / "release" / assignment)
            store.copy_artefacts(paths, assignment, submitted / "solution" / assignment)  # the solution's models
        results = grade_batch(submitted, Path(scratch) / "out", workers=config.settings().grade_workers,
                              assignments=assignments)
    for r in results:
        if r.student_id == "solution" and (r.status != "graded" or r.score != r.max_score):
            problems.append(f"{r.assignment}: the solution scores {r.score:g}/{r.max_score:g} ({r.status} {r.reason})")
        passed = [q["question"] for q in r.questions if q["score"] > 0]
        if r.student_id == "release" and (passed or r.status not in ("graded",) or not r.questions):
            problems.append(f"{r.assignment}: the release notebook passes {passed or r.status + ' ' + r.reason}")
    return problems


def cmd_validate(args: argparse.Namespace) -> int:
    problems = validate(_assignments(args.assignment))
    for problem in problems:
        print(f"FAIL {problem}")
    print("validate: all solutions pass and all release notebooks fail" if not problems else "validate: problems found")
    return 1 if problems else 0


def _grade_folders(args: argparse.Namespace) -> tuple[Path, Path]:
    """The checked ``SUBMITTED_DIR`` and ``--out`` of ``cnnkit grade``."""
    submitted, out = Path(args.submitted_dir).resolve(), Path(args.out).resolve()
    if not submitted.is_dir():
        raise UsageError(f"cnnkit grade: {args.submitted_dir} is not a folder; give nbgrader's submitted/ folder "
                         "(SUBMITTED_DIR/<student_id>/<assignment>/<assignment>.ipynb)")
    if out == submitted or submitted in out.parents:
        raise UsageError(f"cnnkit grade: --out {args.out} is inside {args.submitted_dir}: the results would be taken "
                         "for a student's folder; write them elsewhere")
    if not any(p.is_dir() for student in submitted.iterdir() if student.is_dir() for p in student.iterdir()):
        raise UsageError(f"cnnkit grade: {args.submitted_dir} holds no <student_id>/<assignment>/ folder to grade")
    return submitted, out


def cmd_grade(args: argparse.Namespace) -> int:
    from cnnkit_course.grading.batch import BatchStopped, format_table, grade_batch

    _course_root()
    submitted, out = _grade_folders(args)
    assignments = _assignments(args.assignment) if args.assignment else None
    workers = args.workers or config.settings().grade_workers
    try:
        if args.scheduler:
            results = _grade_on_cluster(args, submitted, out, assignments)
        else:
            results = grade_batch(submitted, out, workers=workers, resume=args.resume, assignments=assignments)
    except BatchStopped as stopped:
        print(f"cnnkit grade: {stopped}; the rest has no result yet: run the same command with --resume to finish",
              file=sys.stderr)
        return 128 + stopped.signum
    if results is None:
        return 1
    print(format_table(results))
    print(f"wrote {out / 'grades.csv'}")
    return 0


def _grade_on_cluster(args: argparse.Namespace, submitted: Path, out: Path, assignments: list[str] | None) -> list | None:
    """``cnnkit grade --scheduler``: the batch graded by the workers of a Dask cluster (``None``:
    some tasks failed for a reason of the cluster, said on stderr)."""
    from cnnkit_course.grading.cluster import ClusterTaskFailed, SchedulerUnreachable, grade_on_cluster

    if args.workers:
        raise UsageError("cnnkit grade: --workers does not apply with --scheduler (the cluster's workers grade)")
    try:
        return grade_on_cluster(submitted, out, args.scheduler, resume=args.resume, assignments=assignments)
    except SchedulerUnreachable as exc:
        raise UsageError(f"cnnkit grade: {exc}") from None
    except ClusterTaskFailed as exc:  # the other results are written; exit status 1
        print(f"cnnkit grade: {exc}", file=sys.stderr)
        return None


def cmd_demo(args: argparse.Namespace) -> int:
    from cnnkit_course.build import build
    from cnnkit_course.grading.batch import format_table, grade_batch
    from cnnkit_course.paths import CoursePaths

    root = _course_root()
    out = Path(args.out).resolve()
    paths = CoursePaths(root, out)
    assignments = _assignments(None)
    timings = {}
    print(f"1/3 build (embedded synthetic default) into {out}: release notebooks, public tests, otter zips, "
          "example submissions with the stored models (the solutions run in step 2; `cnnkit build` also "
          "executes them and trains their models)")
    started = time.monotonic()
    build(paths, assignments, execute_solutions=False)
    timings["build"] = time.monotonic() - started
    print("2/3 validate: solutions must pass, release notebooks must fail")
    started = time.monotonic()
    problems = validate(assignments)
    timings["validate"] = time.monotonic() - started
    for problem in problems:
        print(f"FAIL {problem}")
    print(f"3/3 grade the example submissions in {paths.examples_dir}")
    started = time.monotonic()
    results = grade_batch(paths.examples_dir, out / "grades", workers=config.settings().grade_workers)
    timings["grade"] = time.monotonic() - started
    print()
    print(format_table(results))
    print()
    print(", ".join(f"{k} {v:.0f} s" for k, v in timings.items())
          + f"; grading {timings['grade'] / max(1, len(results)):.1f} s per submission")
    print(f"grades: {out / 'grades' / 'grades.csv'}")
    return 1 if problems else 0


def cmd_data(args: argparse.Namespace) -> int:
    from cnnkit import data

    if args.action == "fetch":
        print(f"EMNIST is at {data.fetch_emnist(force=args.force)}")
        return 0
    for row in data.data_info():
        print("  ".join(f"{k}={v}" for k, v in row.items()))
    return 0


def cmd_hub(args: argparse.Namespace) -> int:
    from cnnkit_course.hub.run import main as hub_main

    _course_root()
    return hub_main()


def cmd_feedback(args: argparse.Namespace) -> int:
    from cnnkit_course.feedback import main as feedback_main

    _course_root()
    return feedback_main(args.assignment, args.feedback_dir)


def _bad_input(command: str, message: object) -> int:
    """A usage error: one line on stderr, exit status 2."""
    print(f"cnnkit {command}: {message}", file=sys.stderr)
    return 2


def cmd_report(args: argparse.Namespace) -> int:
    from cnnkit_course.report import write_report
    from cnnkit_course.results import BadInput

    try:
        problems = write_report(Path(args.grades_dir), Path(args.out))
    except BadInput as exc:
        return _bad_input("report", exc)
    for problem in problems:
        print(f"cnnkit report: left out {problem}", file=sys.stderr)
    print(f"wrote {Path(args.out) / 'report.html'} (and its figures as PNG and CSV files)")
    return 0


def cmd_similarity(args: argparse.Namespace) -> int:
    from cnnkit_course.paths import CoursePaths
    from cnnkit_course.results import BadInput
    from cnnkit_course.similarity import write_similarity

    known = list(config.settings().assignments)
    if args.assignment not in known:
        return _bad_input("similarity", f"unknown assignment {args.assignment!r}; known: {', '.join(known)}")
    release = CoursePaths.of(_course_root()).release_notebook(args.assignment)
    try:
        pairs, problems = write_similarity(Path(args.submitted_dir), args.assignment, release, Path(args.out), args.top)
    except BadInput as exc:
        return _bad_input("similarity", exc)
    for problem in problems:
        print(f"cnnkit similarity: left out {problem}", file=sys.stderr)
    if pairs:
        print(f"most similar: {pairs[0].a} and {pairs[0].b} ({100 * pairs[0].similarity:.0f} %)")
    print(f"wrote {Path(args.out) / 'similarity.html'} and similarity.csv")
    return 0


def cmd_export_lms(args: argparse.Namespace) -> int:
    from cnnkit_course.lms import export
    from cnnkit_course.results import BadInput

    try:
        done = export(args.lms, Path(args.roster), Path(args.out), id_column=args.id_column,
                      grades_dir=Path(args.grades) if args.grades else None, db_url=args.gradebook,
                      assignments=args.assignment)
    except BadInput as exc:
        return _bad_input("export-lms", exc)
    for problem in done.problems:
        print(f"cnnkit export-lms: left out {problem}", file=sys.stderr)
    for student, problem, detail in done.missing:
        print(f"cnnkit export-lms: {student or '-'}: {problem}: {detail}", file=sys.stderr)
    print("\n".join(done.summary))
    print(f"wrote {done.file}; sources.csv, missing.csv ({len(done.missing)} entries) and summary.txt beside it")
    return 0


def _after_deadline_parsers(sub: argparse._SubParsersAction) -> None:
    """``report``, ``similarity`` and ``export-lms``."""
    r = sub.add_parser("report", help="item analysis of a graded batch: HTML page with figures, PNG and CSV files")
    r.add_argument("grades_dir", help="the --out folder of `cnnkit grade` (its results/*.json)")
    r.add_argument("--out", required=True, help="folder for report.html, the PNG and the CSV files")
    r.set_defaults(func=cmd_report)

    s = sub.add_parser("similarity", help="rank the most similar pairs of submissions (copydetect)")
    s.add_argument("submitted_dir", help="nbgrader's submitted/ folder")
    s.add_argument("--assignment", required=True)
    s.add_argument("--out", required=True, help="folder for similarity.html, similarity.csv and sources/")
    s.add_argument("--top", type=int, default=20, help="pairs shown with their code (default 20)")
    s.set_defaults(func=cmd_similarity)

    e = sub.add_parser("export-lms", help="final grades as a CSV for Canvas's or Moodle's gradebook import")
    e.add_argument("--lms", required=True, choices=["canvas", "moodle"])
    e.add_argument("--roster", required=True, help="the roster CSV exported from the LMS")
    e.add_argument("--out", required=True, help="folder for <lms>.csv, sources.csv, missing.csv, summary.txt")
    e.add_argument("--id-column", default="student_id", help="roster column with the ids of submitted/ (default student_id)")
    e.add_argument("--grades", help="the --out folder of `cnnkit grade` (automatic scores the gradebook lacks)")
    e.add_argument("--gradebook", help="nbgrader's database URL (default: course_config.DB_URL, else sqlite:///gradebook.db in the course root if present)")
    e.add_argument("--assignment", action="append", help="only this assignment (repeatable; default: all with a grade)")
    e.set_defaults(func=cmd_export_lms)


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="cnnkit", description="The CNN chapter's course kit.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    b = sub.add_parser("build", help="generate release/, public tests, otter zips, evaluation data, solutions/ and trained/, examples/")
    b.add_argument("--assignment", action="append", help="only this assignment (repeatable)")
    b.add_argument("--out", help="output root (default: the course repository)")
    b.add_argument("--real", action="store_true", help="use the configured (real) data, not the embedded default")
    b.add_argument("--no-execute", action="store_true", help="execute no solution and train nothing: the examples carry the stored models of trained/")
    b.set_defaults(func=cmd_build)

    v = sub.add_parser("validate", help="solutions pass every test; release notebooks fail them")
    v.add_argument("--assignment", action="append")
    v.set_defaults(func=cmd_validate)

    g = sub.add_parser("grade", help="grade SUBMITTED_DIR/<student>/<assignment>/<assignment>.ipynb")
    g.add_argument("submitted_dir")
    g.add_argument("--out", required=True, help="folder for grades.csv and per-submission results")
    g.add_argument("--workers", type=_positive, default=None, help="parallel grading processes (at least 1)")
    g.add_argument("--resume", action="store_true", help="skip submissions already graded in --out")
    g.add_argument("--assignment", action="append")
    g.add_argument("--scheduler", metavar="ADDRESS",
                   help="grade on the Dask cluster of this scheduler (tcp://HOST:PORT or tls://HOST:PORT)")
    g.set_defaults(func=cmd_grade)

    d = sub.add_parser("demo", help="build, validate and grade the example submissions (embedded default)")
    d.add_argument("--out", default="build/demo")
    d.set_defaults(func=cmd_demo)

    fb = sub.add_parser("feedback", help="check nbgrader's feedback HTML for hidden-test code (after generate_feedback)")
    fb.add_argument("assignment")
    fb.add_argument("--feedback-dir", help="nbgrader's feedback folder (default: feedback/ in the course root)")
    fb.set_defaults(func=cmd_feedback)
    hub = sub.add_parser("hub", help="run the course's JupyterHub (course_config.HUB) until Ctrl-C; as root")
    hub.set_defaults(func=cmd_hub)

    data = sub.add_parser("data", help="what data is available (info) or download EMNIST (fetch)")
    data.add_argument("action", choices=["info", "fetch"])
    data.add_argument("--force", action="store_true")
    data.set_defaults(func=cmd_data)
    _after_deadline_parsers(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
        return args.func(args)
    except UsageError as error:
        print(error, file=sys.stderr)
        return USAGE_ERROR
