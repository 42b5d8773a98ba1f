"""Broken submissions each get a clear recorded status; the rest of the class is still graded,
the gradebook stays consistent, and grading again changes nothing."""

import json

import pytest

from autograder import gradebook, synthetic
from autograder.grading.batch import grade_assignment

NAME = "param_count"
TIMEOUT = 4

CLASS = {
    "perfect": synthetic.perfect,
    "invalid-json": synthetic.invalid_json,
    "deleted-test-cell": synthetic.deleted_test_cell,
    "duplicated-test-cell": synthetic.duplicated_test_cell,
    "renamed-function": synthetic.with_code("rnn_parameters = rnn_params\ndel rnn_params\n"),
    "syntax-error": synthetic.with_code("def broken(:\n    pass\n"),
    "exception-at-import": synthetic.with_code("import numpy_that_does_not_exist\n"),
    "loop-at-top-level": synthetic.with_code("while True:\n    pass\n"),
    "loop-in-one-function": synthetic.with_code(
        "def textbook_rnn_params(input_size, hidden_size, output_size):\n    while True:\n        pass\n"),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from autograder.demo import build_course

    root = tmp_path_factory.mktemp("course")
    course = build_course(root, [NAME])
    with open(root / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.Execute.timeout = {TIMEOUT}\n")
    course = type(course)(root)
    synthetic.hand_out(course, NAME, CLASS)
    results = {r.student: r for r in grade_assignment(course, NAME, progress=False)}
    return course, results


def statuses(result):
    return {cell.grade_id: cell.status for cell in result.cells}


def test_every_student_is_graded_and_recorded(graded):
    course, results = graded
    assert set(results) == set(CLASS)
    stored = gradebook.scores(course, NAME)
    assert set(stored) == set(CLASS), "every student, broken or not, has a row in the gradebook"
    for student, result in results.items():
        assert stored[student] == {c.grade_id: c.points for c in result.cells}, student


def test_a_perfect_student_is_unaffected_by_broken_classmates(graded):
    _, results = graded
    assert results["perfect"].score == results["perfect"].max_score


def test_invalid_json_is_an_error_that_says_so(graded):
    result = graded[1]["invalid-json"]
    assert set(statuses(result).values()) == {"error"}
    assert "not valid JSON" in result.problems[0]


@pytest.mark.parametrize("student", ["deleted-test-cell", "duplicated-test-cell", "syntax-error",
                                     "exception-at-import"])
def test_damage_outside_the_students_functions_costs_nothing(graded, student):
    # Test cells come from the instructor's notebook, so deleting or copying one changes nothing;
    # a broken extra cell is reported, and the working functions still score.
    result = graded[1][student]
    assert result.score == result.max_score, statuses(result)


@pytest.mark.parametrize("student, says", [("syntax-error", "SyntaxError"),
                                           ("exception-at-import", "ModuleNotFoundError")])
def test_a_cell_that_raises_is_reported(graded, student, says):
    assert any(says in problem for problem in graded[1][student].problems), graded[1][student].problems


def test_renamed_function_is_an_error_naming_it(graded):
    result = graded[1]["renamed-function"]
    assert statuses(result)["test_rnn_params"] == "error"
    messages = " ".join(t.message for c in result.cells for t in c.tests)
    assert "rnn_params" in messages and ("renamed" in messages or "not defined" in messages), messages
    assert statuses(result)["test_textbook_rnn_params"] == "passed"


def test_an_infinite_loop_at_top_level_times_out_every_cell(graded):
    result = graded[1]["loop-at-top-level"]
    assert result.score == 0
    assert any("did not finish loading" in p for p in result.problems), result.problems


def test_an_infinite_loop_in_one_function_times_out_only_its_cell(graded):
    cells = statuses(graded[1]["loop-in-one-function"])
    assert cells["test_textbook_rnn_params"] == "timeout"
    assert {cells[c] for c in cells if c != "test_textbook_rnn_params"} == {"passed"}, cells


def test_grading_again_is_idempotent(graded):
    course, _ = graded
    before = gradebook.scores(course, NAME)
    grade_assignment(course, NAME, progress=False)
    assert gradebook.scores(course, NAME) == before


def test_a_test_cell_added_after_grading_stops_the_next_run_early_and_clearly(tmp_path):
    from autograder.demo import build_course
    from autograder.notebook.sync import write_notebook

    course = build_course(tmp_path, [NAME])
    synthetic.hand_out(course, NAME, {"perfect": synthetic.perfect})
    grade_assignment(course, NAME, progress=False)
    # The instructor adds a question; the gradebook has no row for it yet.
    path = course.assignments_dir / NAME / f"{NAME}.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    extra = json.loads(json.dumps(next(c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "test_rnn_params")))
    extra["metadata"]["nbgrader"]["grade_id"] = "test_rnn_params_again"
    extra["source"] = "from test_param_count import check_rnn_params\n\ncheck_rnn_params(rnn_params)\n"
    extra["id"] = "added-cell"
    notebook["cells"].append(extra)
    write_notebook(path, notebook)
    course = type(course)(course.root)
    before = gradebook.scores(course, NAME)
    with pytest.raises(gradebook.GradebookMismatch, match="added .'test_rnn_params_again'.*Restore"):
        grade_assignment(course, NAME, progress=False, options=None)
    assert gradebook.scores(course, NAME) == before, "nothing may change when grading cannot proceed"
