"""What a student reads after grading: a text report, Gradescope's results.json, and the
autograded notebook that nbgrader's formgrader and `generate_feedback` show.

Hidden tests appear by their cell and status only: never their code or a traceback into it.
"""
import json

from autograder.grading.results import PASSED
from autograder.messages import hint, layout
from autograder.notebook.read import NotebookError, grade_id, read_notebook
from autograder.notebook.regions import split_hidden
from autograder.student.nbloader import cell_source, is_test_cell


def test_label(test):
    return test.name if test.visible else "hidden test"


def explained(cell):
    """(heading, message) per distinct way the cell's tests did not pass, each heading saying what
    those tests were worth. Tests that ended the same way with the same words (a stub fails every
    hidden test alike, on calls of other shapes) are said once, counted, with the first call that
    showed it."""
    groups = {}
    for test in cell.tests:
        if test.status != PASSED:
            message = layout(test.message)
            key = (test_label(test), test.visible, test.status, _without_call(message))
            groups.setdefault(key, []).append((test, message))
    out = []
    for (label, visible, status, _), entries in groups.items():
        messages = [message for _, message in entries]
        if len(messages) > 1:
            label = f"{label} ({len(messages)} times)" if visible else f"{len(messages)} hidden tests"
        worth = sum(cell.share(test) for test, _ in entries)
        # A public check's message carries its own hint; a hidden test's gets one.
        extra = "" if visible else hint(status, messages[0])
        out.append((f"{label}: {status} (worth {round(worth, 2):g} of {cell.max_points:g}, lost)",
                    "\n".join(filter(None, [messages[0], layout(extra)]))))
    if out and cell.points == 0 < cell.max_points and any(t.status == PASSED for t in cell.tests):
        out.append(("small shares (rules, edge cases) count once the main checks pass", ""))
    return out


def _without_call(message):
    return message.split("\nwhen called as ")[0]


def indented(text, prefix):
    return "\n".join(prefix + line if line else "" for line in text.splitlines())


def report(result):
    lines = [f"{result.assignment} — {result.student}: {result.final_score:g} / {result.max_score:g}"]
    if result.late_penalty:
        lines.append(f"  late: {result.score:g} points earned, {result.late_penalty:g} taken off "
                     f"(submitted {result.submitted_at})")
    for problem in result.problems:
        first, *rest = layout(problem).splitlines() or [""]
        lines += [f"  ! {first}", *(f"    {line}" for line in rest)]
    for cell in result.cells:
        lines.append(f"  [{cell.status:>7}] {cell.grade_id}: {cell.points:g} / {cell.max_points:g}")
        for heading, message in explained(cell):
            lines += [f"      {heading}", *filter(None, [indented(message, "        ")])]
    return "\n".join(lines) + "\n"


def gradescope(result):
    """Gradescope's results.json. Its `status` knows only passed/failed, so how a cell ended
    (failed, error or timeout) is also in `tags`, `extra_data` and the start of `output`."""
    tests = []
    for cell in result.cells:
        messages = ["\n".join(filter(None, [heading, indented(message, "  ")]))
                    for heading, message in explained(cell)]
        tests.append({"name": cell.grade_id, "score": cell.points, "max_score": cell.max_points,
                      "status": "passed" if cell.status == PASSED else "failed",
                      "output": "\n".join([f"[{cell.status}]", *messages]), "tags": [cell.status],
                      "extra_data": {"outcome": cell.status,
                                     "tests": [{"name": test_label(t), "status": t.status,
                                                "worth": round(cell.share(t), 2)} for t in cell.tests]},
                      "visibility": "visible"})
    return {"score": result.final_score, "max_score": result.max_score, "tests": tests,
            "output": "\n".join(layout(problem) for problem in result.problems), "visibility": "visible",
            # What the student's code printed is theirs, and may be forged ("all tests passed").
            "stdout_visibility": "hidden"}


def autograded_notebook(assignment, result, submitted_path):
    """The submission with each test cell showing its visible code and how it ended."""
    try:
        notebook = read_notebook(submitted_path)
    except NotebookError:
        notebook = without_solutions(assignment.source_notebook)
    by_id = {cell.grade_id: cell for cell in result.cells}
    for cell in notebook["cells"]:
        if is_test_cell(cell) and grade_id(cell) in by_id:
            outcome = by_id.pop(grade_id(cell))
            cell["source"] = split_hidden(cell_source(cell))[0]
            cell["outputs"] = [_output(outcome)]
            cell["execution_count"] = None
    return notebook


def without_solutions(notebook):
    """The instructor's notebook as released: nbgrader's own ClearSolutions, so that a student whose
    file could not be read is shown the stubs, never the solutions."""
    import nbformat
    from nbgrader.preprocessors import ClearSolutions

    cleared, _ = ClearSolutions().preprocess(nbformat.reads(json.dumps(notebook), as_version=4), {})
    return json.loads(nbformat.writes(cleared))


def _output(cell):
    if cell.status == PASSED:
        return {"output_type": "stream", "name": "stdout", "text": "passed\n"}
    # Short lines in an error output: they read without sideways scrolling in nbgrader's feedback
    # page and formgrader, and `nbgrader validate` (which cuts lines at 90 characters) keeps them.
    lines = [f"{cell.points:g} / {cell.max_points:g}", ""]
    for heading, message in explained(cell):
        lines += [*filter(None, [heading, indented(message, "  ")]), ""]
    return {"output_type": "error", "ename": cell.status, "evalue": lines[2] if len(lines) > 2 else "",
            "traceback": lines[:-1]}


def write(course, assignment, result, submitted_path):
    """All three, under autograded/<student>/<assignment>/."""
    folder = course.autograded_dir / result.student / assignment.name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "feedback.txt").write_text(report(result), encoding="utf-8")
    (folder / "results.json").write_text(json.dumps(gradescope(result), indent=1), encoding="utf-8")
    notebook = autograded_notebook(assignment, result, submitted_path)
    (folder / f"{assignment.name}.ipynb").write_text(json.dumps(notebook, indent=1), encoding="utf-8")
