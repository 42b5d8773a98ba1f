"""Shared fixtures: the kit's course, released notebooks, and grading a notebook text quickly."""
import json

import pytest

from autograder.course import Course
from autograder.grading.engine import grade_notebook


@pytest.fixture(scope="session")
def kit():
    return Course()


def released_notebook(kit, name):
    return json.loads((kit.release_dir / name / f"{name}.ipynb").read_text(encoding="utf-8"))


def grade_text(kit, name, text, tmp_path, student="student", only=None, timeout=None):
    """Grade a notebook given as text, without a gradebook: the engine alone."""
    path = tmp_path / student / name / f"{name}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return grade_notebook(kit.assignment(name), student, path, test_timeout=timeout or kit.cell_timeout,
                          only=only)


def explain(result):
    """A failure message that says what each cell did."""
    from autograder.feedback import report

    return report(result)


@pytest.fixture
def scratch_course(tmp_path):
    """A throwaway course (own gradebook, own release/) holding copies of the named assignments."""
    from autograder.demo import build_course

    def make(*names):
        root = tmp_path / "course"
        root.mkdir(exist_ok=True)
        return build_course(root, list(names))
    return make
