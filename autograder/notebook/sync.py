"""Keep one source of truth: solution regions come from solutions/<name>.py.

`sync_solutions` rewrites each function (or class) in the instructor notebook's solution
cells from the reference module, with nbgrader's markers around its body. `inject` puts
any code (a mutant, an alternative, the full reference) into a student's notebook in place
of the definitions it names: how the kit builds synthetic submissions.
"""
import copy
import importlib
import json

from autograder.notebook.regions import defined_names, marked_source, replace_definitions
from autograder.student.nbloader import cell_source, is_test_cell


def is_solution_cell(cell):
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("solution"))


def reference_definitions(name, marked=True):
    """{function or class name: source} of every definition in solutions/<name>.py."""
    module = importlib.import_module(f"solutions.{name}")
    import inspect

    definitions = {}
    for attr, obj in vars(module).items():
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == module.__name__:
            definitions[attr] = marked_source(obj) if marked else inspect.getsource(obj)
    return definitions


def synced(notebook, name):
    """A copy of the instructor notebook with solution regions taken from the reference."""
    definitions = reference_definitions(name)
    notebook = copy.deepcopy(notebook)
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code" and is_solution_cell(cell):
            source = replace_definitions(cell_source(cell), definitions)
            if source != cell_source(cell):
                cell["source"] = source
    return notebook


def sync_solutions(assignment):
    """Rewrite the notebook file if it drifted from the reference; True if it changed."""
    original = json.loads(assignment.notebook_path.read_text(encoding="utf-8"))
    updated = synced(original, assignment.name)
    if updated == original:
        return False
    write_notebook(assignment.notebook_path, updated)
    return True


def inject(notebook, definitions):
    """A copy of `notebook` whose student code defines `definitions` {name: source} instead."""
    notebook = copy.deepcopy(notebook)
    remaining = dict(definitions)
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code" or is_test_cell(cell):
            continue
        source = cell_source(cell)
        here = {n: remaining.pop(n) for n in defined_names(source) if n in remaining}
        if here:
            cell["source"] = replace_definitions(source, here)
    if remaining:
        raise KeyError(f"no cell defines {sorted(remaining)}")
    return notebook


def write_notebook(path, notebook):
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
