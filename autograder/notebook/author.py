"""Build instructor notebooks from Python: cells with the metadata nbgrader expects.

Authors write a short script that lists the cells (see the README); solution cells take
their code from solutions/<name>.py, so the reference stays the one source.
"""
import nbformat

from autograder.notebook.regions import BEGIN_HIDDEN, END_HIDDEN
from autograder.notebook.sync import reference_definitions
from autograder.student.nbloader import SKIP_TAG

SCHEMA = 3


def _nbgrader(grade_id, grade=False, solution=False, locked=False, points=None):
    meta = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id,
            "schema_version": SCHEMA}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def markdown(grade_id, text):
    return nbformat.v4.new_markdown_cell(text.strip("\n"), metadata=_nbgrader(grade_id, locked=True))


def setup(grade_id, code):
    """Locked code the student's code relies on (imports, seeds)."""
    return nbformat.v4.new_code_cell(code.strip("\n"), metadata=_nbgrader(grade_id, locked=True))


def solution(grade_id, assignment, *names, prelude=""):
    """A cell the student fills: the named definitions of the reference, markers around bodies."""
    definitions = reference_definitions(assignment)
    code = prelude + "\n\n\n".join(definitions[name].rstrip("\n") for name in names)
    return nbformat.v4.new_code_cell(code, metadata=_nbgrader(grade_id, solution=True))


def tests(grade_id, points, assignment, visible):
    """A locked test cell: visible checks, then the hidden region that runs the kit's tests."""
    code = (visible.strip("\n") + f"\n{BEGIN_HIDDEN}\nfrom autograder.hidden import run_hidden_tests\n"
            f"run_hidden_tests({assignment!r}, {grade_id!r}, globals())\n{END_HIDDEN}")
    return nbformat.v4.new_code_cell(code, metadata=_nbgrader(grade_id, grade=True, locked=True, points=points))


def demo(code):
    """Free code for the student to run and change; not run by the grader."""
    return nbformat.v4.new_code_cell(code.strip("\n"), metadata={"tags": [SKIP_TAG]})


def notebook(cells):
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python",
                                 "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{index:02d}"
    return nb
