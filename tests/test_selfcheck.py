"""Students check themselves with plain `pytest` in their release folder, without the kit."""
import shutil
import subprocess
import sys

import pytest

from autograder import synthetic
from autograder.course import Course
from tests.conftest import released_notebook

ASSIGNMENTS = Course().assignment_names()

BLOCKER = 'raise ImportError("students do not have the {name} package: the release must not need it")\n'


def student_folder(kit, name, tmp_path, notebook_text=None):
    """A copy of release/<name> where `autograder` and `solutions` cannot be imported."""
    folder = tmp_path / name
    shutil.copytree(kit.release_dir / name, folder)
    if notebook_text is not None:
        (folder / f"{name}.ipynb").write_text(notebook_text, encoding="utf-8")
    blockers = tmp_path / "blockers"
    for package in ("autograder", "solutions"):
        (blockers / package).mkdir(parents=True, exist_ok=True)
        (blockers / package / "__init__.py").write_text(BLOCKER.format(name=package))
    return folder, blockers


def run_pytest(folder, blockers):
    # PYTHONPATH comes before the kit's editable install, so the blockers win.
    env = {"PYTHONPATH": str(blockers), "PATH": "/usr/bin:/bin", "HOME": str(folder)}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=folder,
                          env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_untouched_stub_fails_saying_not_implemented(kit, name, tmp_path):
    folder, blockers = student_folder(kit, name, tmp_path)
    run = run_pytest(folder, blockers)
    assert run.returncode == 1, f"pytest on the stub should fail (exit 1); exit {run.returncode}:\n{run.stdout[-3000:]}"
    assert "not implemented yet" in run.stdout, f"the stub's failures should say so:\n{run.stdout[-3000:]}"
    assert "students do not have" not in run.stdout + run.stderr, "the public tests import the kit"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_solved_notebook_passes_the_public_tests(kit, name, tmp_path):
    text = synthetic.perfect(name, released_notebook(kit, name))
    folder, blockers = student_folder(kit, name, tmp_path, text)
    run = run_pytest(folder, blockers)
    assert run.returncode == 0, f"pytest on a solved notebook should pass:\n{run.stdout[-3000:]}\n{run.stderr[-2000:]}"


def test_public_checks_in_the_notebook_are_the_ones_pytest_runs(kit):
    name = "param_count"
    notebook = released_notebook(kit, name)
    public = (kit.release_dir / name / f"test_{name}.py").read_text(encoding="utf-8")
    from autograder.student.nbloader import cell_source, is_test_cell

    for cell in filter(is_test_cell, notebook["cells"]):
        source = cell_source(cell)
        assert f"from test_{name} import check_" in source, f"a test cell runs its own checks:\n{source}"
        for line in source.splitlines():
            if line.startswith("check_"):
                assert f"def {line.split('(')[0]}(" in public, f"{line} is not defined in test_{name}.py"
