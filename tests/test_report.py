"""The instructor's side: `autograder report` pages (read in headless Chromium), the per-cell and
LMS CSV exports, and the demo that ends by pointing at its report."""
import csv

import pytest

from autograder import gradebook
from autograder.classdata import class_rows, known_mistakes, status_counts
from autograder.demo import run_demo
from autograder.exports import LMS_COLUMNS
from autograder.grading import batch
from autograder.report import write_reports
from tests.browser import browser_page, overflowing
from tests.conftest import CLASS_ASSIGNMENT as NAME


@pytest.fixture(scope="module")
def reports(graded_class, tmp_path_factory):
    course, results = graded_class
    out = tmp_path_factory.mktemp("reports")
    pages = write_reports(course, [NAME], out)
    return course, results, out, pages


def test_known_mistakes_are_counted_by_student_most_frequent_first(graded_class):
    course, _ = graded_class
    mistakes = known_mistakes(class_rows(course, NAME), NAME)
    assert mistakes, "the class holds two known mistakes"
    names, _, students = mistakes[0]
    assert "missing_tanh" in names and students == ["cy-no-tanh", "di-no-tanh"], mistakes[0]
    assert any("outputs_aliased" in names and students == ["ed-aliased"] for names, _, students in mistakes)
    assert [len(s) for _, _, s in mistakes] == sorted((len(s) for _, _, s in mistakes), reverse=True)


def test_per_question_counts_tell_timeouts_from_errors(graded_class):
    course, _ = graded_class
    rows = class_rows(course, NAME)
    softmax = status_counts(rows, "test_softmax")
    assert softmax["timeout"] == 1, f"fay-loops's softmax never returns: {softmax}"
    assert softmax["error"] == 2, f"the stub and the broken notebook: {softmax}"
    assert sum(softmax.values()) == len(rows)


def test_the_cells_csv_agrees_with_the_gradebook(reports):
    course, results, out, _ = reports
    stored = gradebook.scores(course, NAME)
    rows = {row["student_id"]: row for row in csv.DictReader(open(out / f"{NAME}-cells.csv", encoding="utf-8"))}
    assert set(rows) == set(results)
    for student, result in results.items():
        for cell in result.cells:
            assert float(rows[student][f"{cell.grade_id} score"]) == stored[student][cell.grade_id]
            assert rows[student][f"{cell.grade_id} status"] == cell.status
        assert float(rows[student]["score"]) == result.final_score == sum(stored[student].values())
        assert rows[student]["timestamp"], f"{student} has no submission time"


def test_the_lms_csv_has_canvas_s_columns_and_one_score_per_student(reports):
    course, results, out, _ = reports
    with open(out / f"{NAME}-lms.csv", encoding="utf-8") as handle:
        lines = list(csv.reader(handle))
    max_score = course.assignment(NAME).max_score
    assert lines[0] == LMS_COLUMNS + [f"{NAME} ({max_score:g} points)"]
    scores = {line[2]: float(line[-1]) for line in lines[1:]}
    assert scores == {student: result.final_score for student, result in results.items()}


def test_the_report_shows_the_mistakes_by_name_and_its_figures_load(reports):
    _, _, _, pages = reports
    with browser_page(width=1000) as page:
        page.goto(pages[0].as_uri(), wait_until="load")
        images = page.evaluate("() => Array.from(document.images).map(i => [i.alt, i.complete, i.naturalWidth])")
        assert len(images) == 3, f"expected the score, per-question and timing figures: {images}"
        broken = [alt for alt, complete, width in images if not (complete and width > 100)]
        assert not broken, f"figures that did not load: {broken}"
        mistakes = page.locator("#mistakes + p + table").inner_text()
        assert "missing_tanh" in mistakes and "cy-no-tanh, di-no-tanh" in mistakes, mistakes
        assert "outputs_aliased" in mistakes, mistakes
        trouble = page.locator("#trouble + table").inner_text()
        assert "fay-loops" in trouble and "timed out" in trouble, trouble
        assert "gil-broken-json" in trouble and "not valid JSON" in trouble, trouble
        wide = overflowing(page)
        assert not wide, "parts of the report scroll sideways:\n" + "\n".join(wide)


def test_the_demo_ends_by_printing_its_report_and_warns_about_the_sandbox_once(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(batch, "_said", set())  # as in a fresh `autograder demo` process
    assert run_demo(["param_count", "memory"], reports=tmp_path) == 0
    out, err = capsys.readouterr()
    last = out.strip().splitlines()[-1]
    assert last == f"course report (open it in a browser): {tmp_path / 'index.html'}", last
    assert {p.name for p in tmp_path.iterdir()} >= {"index.html", "param_count.html", "memory.html",
                                                    "param_count-lms.csv", "memory-cells.csv"}
    assert err.count("grading sandbox:") == 1, f"one sandbox notice per run, got:\n{err}"
    wide = [line for line in out.splitlines()[:-1] if len(line) > 80]  # all but the report's path
    assert not wide, "the demo's table should fit an 80-column terminal:\n" + "\n".join(wide)
    assert "test_textbook_rnn_params" in out, "test cells are shown by their full names"
