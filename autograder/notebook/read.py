"""Read a notebook that may be broken, and say clearly how it is broken."""
import json

from autograder.student.nbloader import cell_source

SUPPORTED_MAJOR = 4


class NotebookError(Exception):
    """The file is not a notebook the grader can read; the message says why, for the student."""


def read_notebook(path):
    """The notebook as a dict, or NotebookError with a message a student can act on."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise NotebookError(f"cannot read {path.name}: {error.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotebookError(f"{path.name} is not UTF-8 text (bad byte at offset {error.start}); "
                            "was it saved by another program?") from None
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as error:
        raise NotebookError(f"{path.name} is not valid JSON (line {error.lineno}, column {error.colno}: "
                            f"{error.msg}); it was probably edited outside Jupyter") from None
    check_structure(path.name, notebook)
    return notebook


def check_structure(name, notebook):
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise NotebookError(f"{name} is JSON but not a notebook (no list of cells)")
    major = notebook.get("nbformat")
    if major != SUPPORTED_MAJOR:
        raise NotebookError(f"{name} has nbformat version {major!r}; the course uses version "
                            f"{SUPPORTED_MAJOR}. Save it again from the course's JupyterLab")
    for index, cell in enumerate(notebook["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            raise NotebookError(f"{name}: cell {index} is malformed")
        if not isinstance(cell.get("metadata", {}), dict):
            raise NotebookError(f"{name}: cell {index} has malformed metadata")
        cell_source(cell)


def grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
