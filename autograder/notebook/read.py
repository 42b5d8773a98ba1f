"""Read a notebook that may be broken, and say clearly how it is broken."""
import json

from autograder.student.nbloader import cell_source

SUPPORTED_MAJOR = 4
MAX_FILE_BYTES = 1 << 30  # a notebook file, outputs included: past this it is not even read
MAX_CODE_BYTES = 4 << 20  # its code, once outputs are stripped: all that grading needs


class NotebookError(Exception):
    """The file is not a notebook the grader can read; the message says why, for the student."""


def read_notebook(path):
    """The notebook as a dict, or NotebookError with a message a student can act on."""
    if path.is_symlink():
        raise NotebookError(f"{path.name} is a symbolic link, not a notebook: submit the notebook file "
                            "itself (links are not followed)")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise NotebookError(f"{path.name} is {size / 2**20:.0f} MiB, past the limit of "
                                f"{MAX_FILE_BYTES >> 20} MiB for a notebook file; clear its outputs "
                                "(Edit > Clear Outputs of All Cells), save it, and submit it again")
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


def read_code(path):
    """The notebook with its outputs stripped (grading needs only the code), or NotebookError:
    a notebook that is large only for its printed tensors and plots is still graded."""
    notebook = read_notebook(path)
    for cell in notebook["cells"]:
        cell.pop("outputs", None)
        cell.pop("attachments", None)
    code = sum(len(cell_source(cell)) for cell in notebook["cells"] if cell["cell_type"] == "code")
    if code > MAX_CODE_BYTES:
        raise NotebookError(f"{path.name} holds {code / 2**20:.1f} MiB of code, past the limit of "
                            f"{MAX_CODE_BYTES >> 20} MiB; is data pasted into a cell? Load it from a file")
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
