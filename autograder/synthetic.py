"""Synthetic submissions, built from the released notebook: the demo's class and the tests'.

Each builder takes the student's notebook as released (a dict) and returns the file's text.
"""
import copy
import json
import shutil

from autograder.mutants import catalog_for
from autograder.notebook.read import grade_id
from autograder.notebook.sync import inject, reference_definitions
from autograder.student.nbloader import is_test_cell


def dump(notebook):
    return json.dumps(notebook, indent=1)


def solved(name, released, replacements=None):
    """The released notebook with the reference (and `replacements` over it) filled in."""
    definitions = reference_definitions(name, marked=False)
    definitions.update(replacements or {})
    return inject(released, definitions)


def perfect(name, released):
    return dump(solved(name, released))


def untouched(name, released):
    return dump(released)


def variant(variant):
    return lambda name, released: dump(solved(name, released, variant.sources))


def invalid_json(name, released):
    return perfect(name, released)[:-200]


def deleted_test_cell(name, released):
    notebook = solved(name, released)
    first = next(i for i, cell in enumerate(notebook["cells"]) if is_test_cell(cell))
    del notebook["cells"][first]
    return dump(notebook)


def duplicated_test_cell(name, released):
    notebook = solved(name, released)
    first = next(i for i, cell in enumerate(notebook["cells"]) if is_test_cell(cell))
    notebook["cells"].insert(first, copy.deepcopy(notebook["cells"][first]))
    return dump(notebook)


def with_code(code):
    """A perfect notebook with one more code cell at the end (a crash, a loop, a renaming...)."""
    def build(name, released):
        notebook = solved(name, released)
        notebook["cells"].append({"cell_type": "code", "execution_count": None, "metadata": {},
                                  "outputs": [], "source": code})
        return dump(notebook)
    return build


def first_function(name):
    return next(iter(reference_definitions(name, marked=False)))


def demo_class(name):
    """{student id: builder}: the class the demo grades for one assignment."""
    catalog = catalog_for(name)
    students = {"perfect": perfect, "untouched-stub": untouched}
    for mutant in catalog.mutants[:2]:
        students[f"mutant-{mutant.name}"] = variant(mutant)
    students["invalid-json"] = invalid_json
    students["deleted-test-cell"] = deleted_test_cell
    return students


def grade_ids(released):
    return [grade_id(cell) for cell in released["cells"] if is_test_cell(cell)]


def hand_out(course, name, students, released_dir=None):
    """Write each student's submission, `students[student](name, released)`, to
    submitted/<student>/<name>/ beside the released files; release first unless given one."""
    if released_dir is None:
        from autograder.release.generate import release

        released_dir = release(course, name)
    released = json.loads((released_dir / f"{name}.ipynb").read_text(encoding="utf-8"))
    for student, build in students.items():
        folder = course.submitted_dir / student / name
        shutil.copytree(released_dir, folder, ignore=shutil.ignore_patterns("__pycache__"))
        (folder / f"{name}.ipynb").write_text(build(name, released), encoding="utf-8")
    return released_dir
