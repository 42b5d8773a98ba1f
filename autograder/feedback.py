"""What a student reads after grading: a text report, Gradescope's results.json, and the
autograded notebook that nbgrader's formgrader and `generate_feedback` show.

Hidden tests appear by their cell and status only: never their code or a traceback into it.
"""
import copy
import json

from autograder.grading.results import PASSED
from autograder.notebook.read import NotebookError, grade_id, read_notebook
from autograder.notebook.regions import split_hidden
from autograder.student.nbloader import cell_source, is_test_cell


def test_label(test):
    return test.name if test.visible else "hidden test"


def lost(cell, test):
    """What a test that did not pass says, with its share of the cell: what it cost."""
    return (f"{test_label(test)} (worth {round(cell.share(test), 2):g} of {cell.max_points:g}, lost): "
            f"{test.status}: {test.message}")


def lost_tests(cell):
    lines = [lost(cell, t) for t in cell.tests if t.status != PASSED]
    if lines and cell.points == 0 < cell.max_points and any(t.status == PASSED for t in cell.tests):
        lines.append("the small shares (a rule, an edge case) count only once the main checks pass")
    return lines


def report(result):
    lines = [f"{result.assignment} — {result.student}: {result.score:g} / {result.max_score:g}"]
    lines += [f"  ! {problem}" for problem in result.problems]
    for cell in result.cells:
        lines.append(f"  [{cell.status:>7}] {cell.grade_id}: {cell.points:g} / {cell.max_points:g}")
        lines += [f"      {line}" for line in lost_tests(cell)]
    return "\n".join(lines) + "\n"


def gradescope(result):
    """Gradescope's results.json. Its `status` knows only passed/failed, so how a cell ended
    (failed, error or timeout) is also in `tags`, `extra_data` and the start of `output`."""
    tests = []
    for cell in result.cells:
        messages = lost_tests(cell)
        tests.append({"name": cell.grade_id, "score": cell.points, "max_score": cell.max_points,
                      "status": "passed" if cell.status == PASSED else "failed",
                      "output": "\n".join([f"[{cell.status}]", *messages]), "tags": [cell.status],
                      "extra_data": {"outcome": cell.status,
                                     "tests": [{"name": test_label(t), "status": t.status,
                                                "worth": round(cell.share(t), 2)} for t in cell.tests]},
                      "visibility": "visible"})
    return {"score": result.score, "max_score": result.max_score, "tests": tests,
            "output": "\n".join(result.problems), "visibility": "visible",
            # What the student's code printed is theirs, and may be forged ("all tests passed").
            "stdout_visibility": "hidden"}


def autograded_notebook(assignment, result, submitted_path):
    """The submission with each test cell showing its visible code and how it ended."""
    try:
        notebook = read_notebook(submitted_path)
    except NotebookError:
        notebook = copy.deepcopy(assignment.source_notebook)
    by_id = {cell.grade_id: cell for cell in result.cells}
    for cell in notebook["cells"]:
        if is_test_cell(cell) and grade_id(cell) in by_id:
            outcome = by_id.pop(grade_id(cell))
            cell["source"] = split_hidden(cell_source(cell))[0]
            cell["outputs"] = [_output(outcome)]
            cell["execution_count"] = None
    return notebook


def _output(cell):
    if cell.status == PASSED:
        return {"output_type": "stream", "name": "stdout", "text": "passed\n"}
    messages = [f"{cell.points:g} / {cell.max_points:g}", *lost_tests(cell)]
    return {"output_type": "error", "ename": cell.status, "evalue": "; ".join(messages), "traceback": messages}


def write(course, assignment, result, submitted_path):
    """All three, under autograded/<student>/<assignment>/."""
    folder = course.autograded_dir / result.student / assignment.name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "feedback.txt").write_text(report(result), encoding="utf-8")
    (folder / "results.json").write_text(json.dumps(gradescope(result), indent=1), encoding="utf-8")
    notebook = autograded_notebook(assignment, result, submitted_path)
    (folder / f"{assignment.name}.ipynb").write_text(json.dumps(notebook, indent=1), encoding="utf-8")
