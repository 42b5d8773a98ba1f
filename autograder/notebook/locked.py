"""Locked cells are the instructor's, whatever the submission says.

nbgrader overwrites locked cells from its own copy before it executes a notebook; the kit
does the same, and goes one step further: the instructor's locked code cells run again
after the student's, so a student's cell that redefines a locked helper (`seed_everything`,
a training loop the hidden tests call) cannot replace it for grading.
"""
import copy

from autograder.notebook.read import grade_id
from autograder.student.nbloader import cell_source, code_cells, is_test_cell


def is_locked(cell):
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("locked"))


def locked_cells(source_notebook):
    """{grade id: cell} of the instructor's locked cells."""
    return {grade_id(cell): cell for cell in source_notebook["cells"] if is_locked(cell) and grade_id(cell)}


def restore_locked(submitted, source_notebook):
    """A copy of the submission whose locked cells hold the instructor's text again."""
    originals = locked_cells(source_notebook)
    notebook = copy.deepcopy(submitted)
    for cell in notebook["cells"]:
        original = originals.get(grade_id(cell))
        if original is not None:
            cell["cell_type"] = original["cell_type"]
            cell["source"] = cell_source(original)
            cell.setdefault("metadata", {})["nbgrader"] = copy.deepcopy(original["metadata"]["nbgrader"])
    return notebook


def graded_cells(submitted, source_notebook):
    """(label, code) to run for grading: the student's cells with locked ones restored, then the
    instructor's locked code cells once more, so their names are the instructor's."""
    student = list(code_cells(restore_locked(submitted, source_notebook)))
    locked_again = [(f"locked {grade_id(cell)}", source) for index, source in code_cells(source_notebook)
                    for cell in [source_notebook["cells"][index]] if is_locked(cell) and not is_test_cell(cell)]
    return student + locked_again
