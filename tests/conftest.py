"""Shared fixtures: the kit's course, released notebooks, and grading a notebook text quickly."""
import json
import os

import pytest

from autograder.course import Course
from autograder.grading.engine import grade_notebook

# Where no sandbox can keep the grader safe (no bubblewrap, and not root) the kit refuses to
# grade. Its own tests then accept the risk explicitly, as an instructor would with
# `--sandbox none`; the hostile tests that need a wall skip, by what the launcher reports.
REFUSED = None
if "RNN_GRADE_SANDBOX" not in os.environ:
    from autograder.grading.isolation import SandboxUnavailable, choose

    try:
        choose("auto")
    except SandboxUnavailable as error:
        REFUSED = str(error)
        os.environ["RNN_GRADE_SANDBOX"] = "none"


def pytest_report_header(config):
    from autograder.grading.launchers import isolation_summary

    mode = os.environ.get("RNN_GRADE_SANDBOX", "auto")
    lines = [f"grading sandbox ({mode}): {isolation_summary(mode)}"]
    if REFUSED:
        lines.append(f"(auto would refuse: {REFUSED})")
    return lines


@pytest.fixture(scope="session")
def isolation():
    """The isolation the tests' gradings run under, as the launcher reports it."""
    from autograder.grading.launchers import default_launcher

    launcher = default_launcher()
    if launcher.server is None:
        launcher.start()
    return launcher.isolation


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
