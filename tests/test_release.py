"""release/ is what students get: up to date, runnable, and free of anything hidden."""
import filecmp
import importlib
import inspect
import json

import pytest

from autograder.course import Course
from autograder.notebook.regions import BEGIN_HIDDEN, BEGIN_SOLUTION
from autograder.notebook.sync import synced
from autograder.release.generate import LeakError, release
from autograder.release.leaks import scan

ASSIGNMENTS = Course().assignment_names()


def tree(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and ".pytest_cache" not in p.parts)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_committed_release_is_what_release_generates_now(kit, scratch_course, name):
    course = scratch_course(name)
    fresh = release(course, name)
    committed = kit.release_dir / name
    assert tree(fresh) == tree(committed), (
        f"release/{name} has other files than a fresh release: run `autograder release {name}` and commit")
    stale = [f for f in tree(fresh) if not filecmp.cmp(fresh / f, committed / f, shallow=False)]
    assert not stale, f"release/{name} is stale in {stale}: run `autograder release {name}` and commit"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_committed_release_passes_the_leak_scan(kit, name):
    assert scan(kit, name, kit.release_dir / name) == []


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_hidden_tests_and_solutions_never_ship(kit, name):
    released = "\n".join((kit.release_dir / name / f).read_text(encoding="utf-8", errors="replace")
                         for f in tree(kit.release_dir / name))
    for marker in (BEGIN_SOLUTION, BEGIN_HIDDEN, "run_hidden_tests", "autograder.hidden"):
        assert marker not in released, f"release/{name} contains {marker!r}"
    for module in (f"solutions.{name}", f"autograder.hidden.{name}"):
        source = inspect.getsource(importlib.import_module(module))
        assert source not in released


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_instructor_notebook_solution_regions_match_solutions_module(kit, name):
    assignment = kit.assignment(name)
    notebook = json.loads(assignment.notebook_path.read_text(encoding="utf-8"))
    assert synced(notebook, name) == notebook, (
        f"assignments/{name}/{name}.ipynb and solutions/{name}.py disagree: edit the module, "
        f"then run `autograder sync {name}`")


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_test_cell_has_hidden_tests_and_every_hidden_test_a_cell(kit, name):
    from autograder.hidden import tests_for

    cells = {cell.grade_id for cell in kit.assignment(name).test_cells}
    registered = set(tests_for(name).grade_ids())
    assert cells == registered, f"test cells {sorted(cells)} vs hidden tests registered for {sorted(registered)}"


def plant(folder, filename, text):
    (folder / filename).write_text(text, encoding="utf-8")


@pytest.mark.parametrize("leak, expected", [
    ("x = 1  " + BEGIN_SOLUTION, "marker"),
    ("from solutions.param_count import rnn_params", "instructor's packages"),
    ("import autograder.hidden", "instructor's packages"),
    ("        total += num_directions * (W_ih + W_hh + b)", "solutions/param_count.py"),
    ("        expected = pytorch_count(config)", "autograder/hidden/param_count.py"),
])
def test_leak_scan_catches_a_planted_leak(scratch_course, leak, expected):
    course = scratch_course("param_count")
    plant(course.assignments_dir / "param_count", "notes.py", leak + "\n")
    with pytest.raises(LeakError) as caught:
        release(course, "param_count")
    assert expected in str(caught.value), f"the scan should name the leak ({expected}); it said {caught.value}"


def test_leak_scan_finds_solution_code_pasted_into_a_markdown_cell(scratch_course):
    course = scratch_course("param_count")
    path = course.assignments_dir / "param_count" / "param_count.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    notebook["cells"][0]["source"] += "\n    layer_input = input_size if layer == 0 else hidden_size * num_directions\n"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    with pytest.raises(LeakError, match="solutions/param_count.py"):
        release(course, "param_count")
