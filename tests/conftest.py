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


# A small class, graded once per test session, for the tests of what people read: feedback
# pages, the course report, the exports. `forward` grades in seconds and has named mistakes.
CLASS_ASSIGNMENT = "forward"
LOOPING_SOFTMAX = "def softmax(x, axis=-1):\n    while True:\n        pass\n"


def small_class():
    from autograder import synthetic
    from autograder.mutants import catalog_for

    catalog = catalog_for(CLASS_ASSIGNMENT)
    return {"ada": synthetic.perfect, "bo-stub": synthetic.untouched,
            "cy-no-tanh": synthetic.variant(catalog["missing_tanh"]),
            "di-no-tanh": synthetic.variant(catalog["missing_tanh"]),
            "ed-aliased": synthetic.variant(catalog["outputs_aliased"]),
            "fay-loops": lambda name, released: synthetic.dump(
                synthetic.solved(name, released, {"softmax": LOOPING_SOFTMAX})),
            "gil-broken-json": synthetic.invalid_json}


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory):
    """A scratch course with `small_class` handed out and graded (a 3 s limit per test)."""
    from autograder import synthetic
    from autograder.demo import build_course
    from autograder.grading.batch import Options, grade_assignment

    course = build_course(tmp_path_factory.mktemp("class"), [CLASS_ASSIGNMENT])
    synthetic.hand_out(course, CLASS_ASSIGNMENT, small_class())
    results = grade_assignment(course, CLASS_ASSIGNMENT,
                               options=Options(workers=2, test_timeout=3, progress=False))
    return course, {result.student: result for result in results}
