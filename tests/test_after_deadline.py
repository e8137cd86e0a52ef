"""After the deadline: `cnnkit report` (item analysis), `cnnkit similarity` (copydetect) and
`cnnkit export-lms` (Canvas and Moodle), on batches built in seconds (tests/batches.py): result
files written with GradeResult, real results of one grading run (tests/fixtures/graded_a1/),
submissions made from the committed release, an nbgrader gradebook made with its API."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import shutil
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from cnnkit_course import cli, notebooks
from cnnkit_course.lms import CANVAS_IDENTITY
from cnnkit_course.report import failure_line
from tests import batches
from tests.conftest import solution_code

A1, A2 = "a1_convolution", "a2_pooling"
#: The designed failures of the generated a1 batch: case -> message per failing student.
HARD_CASE = "hidden_same_uneven_padding"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _one_line_error(capsys, rc: int, *expected: str) -> None:
    """A usage error: exit status 2 and one line on stderr naming ``expected``, no traceback."""
    err = capsys.readouterr().err
    assert rc == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    for text in expected:
        assert text in err, err


# --- cnnkit report -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def grades(tmp_path_factory) -> Path:
    """A grades folder as `cnnkit grade` leaves it: 8 generated a1 results (5 fail HARD_CASE, 3 of
    them with one message), 3 a2 results (a timeout, an invalid notebook), the 3 real a1 results of
    tests/fixtures/graded_a1/, a hub's result with a field more, and 3 unreadable files."""
    out = tmp_path_factory.mktemp("grades")
    for i in range(8):
        message = "AssertionError: same padding is off by one" if i < 3 else "ValueError: shapes differ"
        failing = {HARD_CASE: message} if i < 5 else {}
        batches.write_result(out, batches.make_result(f"gen{i}", A1, failing, seconds=10.0 + i))
    batches.write_result(out, batches.make_result("gen0", A2, {}))
    batches.write_result(out, batches.make_result("gen1", A2, {}, status="timeout", seconds=600.0))
    batches.write_result(out, batches.make_result("gen2", A2, {}, status="invalid", seconds=1.0))
    for path in (batches.FIXTURES / "graded_a1").glob("*.json"):
        shutil.copy(path, out / "results" / path.name)
    hub = asdict(batches.make_result("hub", A1, {}))
    (out / "results" / f"hub__{A1}.json").write_text(json.dumps({**hub, "submitted_at": "2026-03-02T09:30:00Z"}))
    (out / "results" / "cut__a1_convolution.json").write_text('{"student_id": "cut", "score": 3')
    (out / "results" / "nostatus__a1_convolution.json").write_text(json.dumps({**hub, "status": None}))
    (out / "results" / "oddstatus__a1_convolution.json").write_text(json.dumps({**hub, "status": "crashed"}))
    return out


@pytest.fixture(scope="module")
def report(grades: Path, tmp_path_factory) -> tuple[Path, int, str]:
    """`cnnkit report` on ``grades``: (out folder, exit status, stderr)."""
    out = tmp_path_factory.mktemp("report")
    with contextlib.redirect_stderr(io.StringIO()) as errors:
        rc = cli.main(["report", str(grades), "--out", str(out)])
    return out, rc, errors.getvalue()


def test_report_is_one_self_contained_page_with_its_figures_as_png_and_csv(report):
    out, rc, _ = report
    assert rc == 0
    page = (out / "report.html").read_text()
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert pngs == sorted(["scores.png", "statuses.png", "times.png", f"cases_{A1}.png", f"cases_{A2}.png"])
    for name in pngs:
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert page.count('src="data:image/png;base64,') == len(pngs)
    assert "http://" not in page and "https://" not in page and "<script" not in page and "<link" not in page
    assert {"scores.csv", "statuses.csv", "cases.csv"} <= {p.name for p in out.glob("*.csv")}


def test_unreadable_result_files_are_named_in_the_page_and_on_stderr(report):
    out, rc, err = report
    page = (out / "report.html").read_text()
    for name in ("cut__a1_convolution.json", "nostatus__a1_convolution.json", "oddstatus__a1_convolution.json"):
        assert name in err and name in page
    assert "unknown status &#x27;crashed&#x27;" in page
    scores = _rows(out / "scores.csv")
    assert {r["student_id"] for r in scores if r["assignment"] == A1} == {
        *(f"gen{i}" for i in range(8)), "correct", "partial", "untouched", "hub"}  # the hub's extra field is fine
    assert rc == 0


def test_case_pass_rates_include_hidden_cases_hardest_first_with_their_top_failure(report):
    out, _, _ = report
    cases = _rows(out / "cases.csv")
    rates = [float(c["pass_rate"]) for c in cases]
    assert rates == sorted(rates)
    hard = next(c for c in cases if c["assignment"] == A1 and c["case"] == HARD_CASE)
    # 12 a1 results ran it: 8 generated (5 fail), the hub's (passes), the 3 real ones (partial, untouched fail).
    assert (hard["hidden"], hard["ran"], hard["passed"]) == ("True", "12", "5")
    assert hard["most_frequent_failure"] == "AssertionError: same padding is off by one"
    assert hard["students_with_it"] == "3" and hard["distinct_failures"] == "3"
    assert cases[0] == hard  # the hardest case of the batch
    hidden = {c["case"] for c in cases if c["hidden"] == "True"}
    assert {"hidden_gradients", "hidden_uses_conv2d_single"} <= hidden
    page = (out / "report.html").read_text()
    assert HARD_CASE in page and "same padding is off by one" in page


def test_statuses_and_grading_times(report):
    out, _, _ = report
    statuses = {r["assignment"]: r for r in _rows(out / "statuses.csv")}
    assert (statuses[A2]["graded"], statuses[A2]["timeout"], statuses[A2]["invalid"], statuses[A2]["total"]) == ("1", "1", "1", "3")
    assert (statuses[A1]["graded"], statuses[A1]["total"]) == ("12", "12")
    seconds = {(r["student_id"], r["assignment"]): float(r["seconds"]) for r in _rows(out / "scores.csv")}
    assert seconds[("gen7", A1)] == 17.0 and seconds[("gen1", A2)] == 600.0 and seconds[("partial", A1)] > 0


def test_failure_line_is_the_last_line_of_the_message():
    traceback = "❌ Test case failed\nError at line 18 in test conv2d:\n      out = conv2d(x, w, b)\nNotImplementedError: stub\n"
    assert failure_line(traceback) == "NotImplementedError: stub"
    assert failure_line("  hidden test failed: AssertionError: wrong") == "AssertionError: wrong"
    assert failure_line("") == "(no message)"
    assert len(failure_line("x" * 500)) == 160


def test_report_of_a_folder_without_results_is_a_usage_error(tmp_path, capsys):
    _one_line_error(capsys, cli.main(["report", str(tmp_path / "nowhere"), "--out", str(tmp_path / "r")]), "is not a folder")
    (tmp_path / "empty").mkdir()
    _one_line_error(capsys, cli.main(["report", str(tmp_path / "empty"), "--out", str(tmp_path / "r")]), "no result files")


@pytest.mark.slow
@pytest.mark.serial
def test_report_of_a_real_grading_run(graded_examples, tmp_path, capsys):
    """The report of `cnnkit grade` on the example submissions (the session's grading run)."""
    results, graded = graded_examples
    assert cli.main(["report", str(graded), "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().err == ""
    scores = _rows(tmp_path / "scores.csv")
    assert len(scores) == len(results)
    assert {r["assignment"] for r in _rows(tmp_path / "cases.csv")} == {a for _s, a in results}


# --- cnnkit similarity ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def similarity(tmp_path_factory) -> tuple[Path, dict[frozenset, dict[str, str]], str]:
    """`cnnkit similarity` on the batch of :func:`batches.write_similarity_batch` plus an unreadable
    notebook: (out folder, pair -> its similarity.csv row, stderr)."""
    root = tmp_path_factory.mktemp("similarity")
    batches.write_similarity_batch(root / "submitted")
    broken = root / "submitted" / "broken" / A1 / f"{A1}.ipynb"
    broken.parent.mkdir(parents=True)
    broken.write_text("{ not a notebook")
    with contextlib.redirect_stderr(io.StringIO()) as errors:
        rc = cli.main(["similarity", str(root / "submitted"), "--assignment", A1, "--out", str(root / "out")])
    assert rc == 0, errors.getvalue()
    rows = _rows(root / "out" / "similarity.csv")
    return root / "out", {frozenset((r["student_a"], r["student_b"])): r for r in rows}, errors.getvalue()


def test_a_copy_with_renamed_variables_ranks_first_far_above_independent_solutions(similarity):
    out, pairs, _ = similarity
    copy = pairs[frozenset(("copycat", "reference"))]
    independent = [pairs[frozenset(p)] for p in (("loops", "reference"), ("loops", "copycat"))]
    assert copy["rank"] == "1" and copy["flagged"] == "True"
    assert all(float(p["similarity"]) > 0 and p["flagged"] == "False" for p in independent)  # compared, not flagged
    assert float(copy["similarity"]) >= 2 * max(float(p["similarity"]) for p in independent)
    copied, original = ((out / "sources" / f"{s}.py").read_text() for s in ("copycat", "reference"))
    assert copied != original and "my_padded" in copied  # the copy was disguised


def test_untouched_releases_score_zero_and_are_never_flagged(similarity):
    out, pairs, _ = similarity
    untouched = [row for pair, row in pairs.items() if pair & {"untouched1", "untouched2"}]
    assert len(untouched) == 7
    assert all(float(r["similarity"]) == 0 and r["flagged"] == "False" for r in untouched)
    page = (out / "similarity.html").read_text()
    ranked = page.split("most similar pairs</h2>", 1)[1].split("<h3", 1)[0]
    assert "untouched" not in ranked


def test_the_page_highlights_the_overlap_and_names_unreadable_notebooks(similarity):
    out, _, err = similarity
    page = (out / "similarity.html").read_text()
    assert '<h3 id="pair-1">#1 copycat and reference' in page and "<mark>" in page
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert "broken" in err and "broken" in page and "not a readable notebook" in page
    assert sorted(p.stem for p in (out / "sources").glob("*.py")) == ["copycat", "loops", "reference", "untouched1", "untouched2"]


def test_the_loop_solution_is_a_second_correct_solution():
    """tests/fixtures/a1_loops_solution.py equals the reference on random inputs (the similarity
    test compares two correct, independent solutions)."""
    ref = notebooks.run_cells(solution_code(A1), {"np": np})
    mine = notebooks.run_cells([batches.LOOP_SOLUTION.read_text()], {})
    rng = np.random.default_rng(0)
    image, batch = rng.integers(0, 255, (9, 11)).astype(np.uint8), rng.normal(size=(2, 7, 6, 3))
    w, b = rng.normal(size=(3, 2, 3, 4)), rng.normal(size=4)
    assert np.array_equal(ref["zero_pad"](image, 2), mine["zero_pad"](image, 2))
    assert np.array_equal(ref["zero_pad"](batch, 1), mine["zero_pad"](batch, 1))
    for n, k, s, p in [(28, 3, 1, 0), (28, 5, 2, 2), (7, 3, 3, 1), (10, 4, 3, 0)]:
        assert ref["conv_output_size"](n, k, s, p) == mine["conv_output_size"](n, k, s, p)
    for s, p in [(1, 0), (2, 1), (3, 2)]:
        assert np.allclose(ref["conv2d_single"](image, w[:, :, 0, 0], s, p), mine["conv2d_single"](image, w[:, :, 0, 0], s, p))
    assert all(np.allclose(x, y) for x, y in zip(ref["sobel_edges"](image), mine["sobel_edges"](image)))
    for s in (1, 2, 3):
        for p in ("valid", "same", 1):
            assert np.allclose(ref["conv2d"](batch, w, b, s, p), mine["conv2d"](batch, w, b, s, p))


def test_similarity_bad_input_is_a_usage_error(tmp_path, capsys):
    batches.write_submission(tmp_path / "submitted", "alice", batches.release_notebook())
    out = str(tmp_path / "out")
    _one_line_error(capsys, cli.main(["similarity", str(tmp_path / "submitted"), "--assignment", "a9_nothing", "--out", out]),
                    "unknown assignment 'a9_nothing'")
    _one_line_error(capsys, cli.main(["similarity", str(tmp_path / "nowhere"), "--assignment", A1, "--out", out]),
                    "is not a folder")
    (tmp_path / "flat").mkdir()
    (tmp_path / "flat" / f"{A1}.ipynb").write_text("{}")
    _one_line_error(capsys, cli.main(["similarity", str(tmp_path / "flat"), "--assignment", A1, "--out", out]),
                    "is not a submitted/ folder")
    _one_line_error(capsys, cli.main(["similarity", str(tmp_path / "submitted"), "--assignment", A2, "--out", out]),
                    "no submission of a2_pooling")


# --- cnnkit export-lms ----------------------------------------------------------------------------

CANVAS_ROSTER = """Student,ID,SIS User ID,SIS Login ID,Section,a1_convolution (4711),Current Score
    Points Possible,,,,,14,
"Lovelace, Ada",101,S101,alice,CNN 1,,
"Babbage, Charles",102,S102,bob,CNN 1,,
"Hopper, Grace",103,S103,carol,CNN 2,,
"Noether, Emmy",105,S105,erin,CNN 2,,
"Student, Test",104,,,CNN 1,,
"""
MOODLE_ROSTER = """\ufeffFirst name,Last name,ID number,Institution,Email address,student_id
Ada,Lovelace,S101,Uni,ada@example.org,alice
Grace,Hopper,S103,Uni,grace@example.org,carol
"""


@pytest.fixture(scope="module")
def term(tmp_path_factory) -> Path:
    """A term's grades: nbgrader's gradebook with alice (autograded 6, answer 1.5) and bob
    (autograded 2, answer not graded yet); `cnnkit grade` results for alice (12: the gradebook
    wins), carol (11.5: one failed case) and dave (12, not in the rosters)."""
    root = tmp_path_factory.mktemp("term")
    batches.write_gradebook(root / "gradebook.db", {"alice": {"test_zero_pad": 2, "test_conv2d": 4, "answer_f": 1.5},
                                                    "bob": {"test_zero_pad": 2}})
    batches.write_result(root / "grades", batches.make_result("alice", A1, {}))
    batches.write_result(root / "grades", batches.make_result("carol", A1, {"public_examples": "AssertionError: off by one"}))
    batches.write_result(root / "grades", batches.make_result("dave", A1, {}))
    (root / "canvas_roster.csv").write_text(CANVAS_ROSTER)
    (root / "moodle_roster.csv").write_text(MOODLE_ROSTER, encoding="utf-8")
    return root


def _export(term: Path, *args: str) -> int:
    return cli.main(["export-lms", "--grades", str(term / "grades"), "--gradebook", f"sqlite:///{term / 'gradebook.db'}", *args])


def test_canvas_export_joins_the_roster_gradebook_first(term, tmp_path, capsys):
    rc = _export(term, "--lms", "canvas", "--roster", str(term / "canvas_roster.csv"), "--id-column", "SIS Login ID",
                 "--out", str(tmp_path))
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    with (tmp_path / "canvas.csv").open() as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == [*CANVAS_IDENTITY, "a1_convolution (4711)"]  # the export's own column: updates that assignment
    assert rows[1] == ["Points Possible", "", "", "", "", "14"]
    totals = {row[3]: row[5] for row in rows[2:]}
    assert totals == {"alice": "7.5", "bob": "2", "carol": "11.5", "erin": ""}
    assert rows[2][:5] == ["Lovelace, Ada", "101", "S101", "alice", "CNN 1"]
    sources = {r["student_id"]: r for r in _rows(tmp_path / "sources.csv")}
    assert (sources["alice"]["automatic_source"], sources["alice"]["manual_source"]) == ("gradebook", "gradebook")
    assert (sources["carol"]["automatic_source"], sources["carol"]["manual_source"]) == ("cnnkit grade", "")
    assert "not graded by hand" in sources["bob"]["note"]
    missing = {(r["student_id"], r["problem"]) for r in _rows(tmp_path / "missing.csv")}
    assert missing == {("dave", "not in the roster"), ("erin", "no grade"), ("", "no id in the roster")}
    for text in ("dave: not in the roster", "erin: no grade", "Student, Test"):
        assert text in captured.err
    assert "automatic from cnnkit grade 2, gradebook 2; manual from gradebook 2, none 2" in captured.out
    assert (tmp_path / "summary.txt").read_text().splitlines()[0].startswith("gradebook: sqlite:///")


def test_moodle_export_keeps_the_roster_identifiers(term, tmp_path, capsys):
    rc = _export(term, "--lms", "moodle", "--roster", str(term / "moodle_roster.csv"), "--out", str(tmp_path))
    assert rc == 0, capsys.readouterr().err
    with (tmp_path / "moodle.csv").open() as handle:
        rows = list(csv.reader(handle))
    assert rows == [["First name", "Last name", "ID number", "Email address", A1],
                    ["Ada", "Lovelace", "S101", "ada@example.org", "7.5"],
                    ["Grace", "Hopper", "S103", "grace@example.org", "11.5"]]
    missing = {(r["student_id"], r["problem"]) for r in _rows(tmp_path / "missing.csv")}
    assert missing == {("bob", "not in the roster"), ("dave", "not in the roster")}


def test_export_bad_input_is_a_usage_error(term, tmp_path, capsys, monkeypatch):
    canvas, out = str(term / "canvas_roster.csv"), str(tmp_path / "out")
    _one_line_error(capsys, _export(term, "--lms", "canvas", "--roster", canvas, "--out", out), "no column 'student_id'")
    _one_line_error(capsys, _export(term, "--lms", "canvas", "--roster", str(term / "moodle_roster.csv"), "--out", out),
                    "no column 'Student'")
    (tmp_path / "ids.csv").write_text("student_id,name\nalice,Ada\n")
    _one_line_error(capsys, _export(term, "--lms", "moodle", "--roster", str(tmp_path / "ids.csv"), "--out", out), "Email address")
    (tmp_path / "twice.csv").write_text("student_id,Email address\nalice,a@x\nalice,b@x\n")
    _one_line_error(capsys, _export(term, "--lms", "moodle", "--roster", str(tmp_path / "twice.csv"), "--out", out), "appears twice")
    moodle = ["--lms", "moodle", "--roster", str(term / "moodle_roster.csv"), "--out", out]
    _one_line_error(capsys, cli.main(["export-lms", *moodle, "--gradebook", f"sqlite:///{tmp_path}/none.db"]), "no gradebook at")
    _one_line_error(capsys, cli.main(["export-lms", *moodle, "--gradebook", f"sqlite:///{term / 'canvas_roster.csv'}"]),
                    "cannot read the gradebook")
    _one_line_error(capsys, _export(term, *moodle, "--assignment", "a9_nothing"), "unknown assignment")
    monkeypatch.setattr("cnnkit_course.lms.default_gradebook", lambda: None)
    _one_line_error(capsys, cli.main(["export-lms", *moodle]), "no grades")
