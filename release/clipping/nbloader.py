"""Run a notebook's own code as a module, without its test cells: what `pytest` checks here.

Students never need to edit this file. The grader decides the same way which cells
hold your code: every code cell except the locked test cells and cells tagged
`skip-grading` (demos and plots that need not run for grading).
"""
import functools
import json
import textwrap
import types
from pathlib import Path

SKIP_TAG = "skip-grading"
WIDTH = 72  # `nbgrader validate` keeps 83 characters of a line of an error; the grader's feedback too


def cell_source(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def is_test_cell(cell):
    nbgrader = cell.get("metadata", {}).get("nbgrader", {})
    return bool(nbgrader.get("grade")) and not nbgrader.get("solution")


def without_magics(source):
    # `%matplotlib inline` or `!pip ...` are IPython, not Python; keep line numbers.
    lines = source.splitlines()
    return "\n".join("pass  # " + line if line.lstrip()[:1] in ("%", "!") else line for line in lines)


def code_cells(notebook):
    """(index, source) of each cell that holds the student's code, in notebook order."""
    for index, cell in enumerate(notebook.get("cells", [])):
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.get("cell_type") != "code" or is_test_cell(cell) or SKIP_TAG in tags:
            continue
        yield index, without_magics(cell_source(cell))


def load_notebook(path):
    """Execute the notebook's code cells into a fresh module; a failing cell does not stop the rest."""
    path = Path(path)
    notebook = json.loads(path.read_text(encoding="utf-8"))
    module = types.ModuleType(path.stem)
    module.__file__ = str(path)
    module.cell_errors = []
    for index, source in code_cells(notebook):
        try:
            exec(compile(source, f"<{path.name} cell {index}>", "exec"), module.__dict__)
        except Exception as error:  # report it, as Jupyter would, and run the next cell
            module.cell_errors.append(f"cell {index}: {type(error).__name__}: {error}")
    return module


def function(module, name):
    """The student's `name`, or a failure that says why it is missing."""
    if hasattr(module, name):
        return getattr(module, name)
    hint = "; ".join(module.cell_errors) or "was it renamed or deleted?"
    raise AssertionError(f"{module.__name__}.ipynb defines no `{name}` ({hint})")


def short_lines(text, width=WIDTH):
    """`text` with each line wrapped to `width`; a wrapped line's continuation keeps its indent
    and two spaces more. Wrapping twice changes nothing."""
    lines = []
    for line in str(text).splitlines():
        if len(line) <= width:
            lines.append(line.rstrip())
            continue
        indent = line[: len(line) - len(line.lstrip())]
        lines += textwrap.wrap(line, width, subsequent_indent=indent + "  ", break_on_hyphens=False) or [""]
    return "\n".join(lines)


def readable_checks(namespace):
    """Make each `check_*` function of a public test module fail in short lines that start on a
    line of their own, so that `nbgrader validate` and a notebook show the whole message."""
    for name, check in list(namespace.items()):
        if name.startswith("check_") and callable(check):
            namespace[name] = _readable(check)


def _readable(check):
    @functools.wraps(check)
    def run(*args, **kwargs):
        try:
            return check(*args, **kwargs)
        except AssertionError as error:
            message = "\n" + short_lines(str(error).strip("\n"))
        raise AssertionError(message)
    return run
