"""Grade one submission: run its cells in a worker, then every test cell of the source notebook.

The steps, each small: read the notebook; start the student's code; for each test cell of
the instructor's notebook run its visible checks, then its hidden tests, judging outside
the sandbox; collect the student's output. Any fault of the submission becomes a result, never
an exception; only a fault of the grader itself (GraderFault) is raised, so no grade is recorded.
"""
import contextlib
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from autograder.grading.errors import (
    AlreadyTimedOut,
    GraderFault,
    SandboxCrash,
    SandboxTimeout,
    StudentError,
)
from autograder.grading.judge import Judge
from autograder.grading.launchers import MAX_FILES, MAX_FILES_BYTES
from autograder.grading.remote import RemoteNamespace
from autograder.grading.results import (
    ERROR,
    FAILED,
    MAIN,
    PASSED,
    TIMEOUT,
    CellResult,
    NotebookResult,
    TestResult,
)
from autograder.grading.session import Session
from autograder.hidden import tests_for
from autograder.messages import cell_name, student_traceback
from autograder.notebook.locked import graded_cells
from autograder.notebook.read import NotebookError, read_code

BUDGET_TESTS = 3  # a submission's total time, by default, in tests that time out


def grade_notebook(assignment, student, path, launcher=None, test_timeout=60.0, only=None, budget=None):
    """Grade one notebook file; `only` limits grading to those grade ids (the kit's tests).
    `budget`: seconds for the whole submission (default: BUDGET_TESTS tests' worth), so that
    code which spins in every function holds a grading process minutes, not hours."""
    started = time.monotonic()
    result = NotebookResult(student, assignment.name)
    test_cells = [c for c in assignment.test_cells if only is None or c.grade_id in only]
    try:
        notebook = read_code(path)
    except NotebookError as error:
        result.problems.append(str(error))
        result.cells = [CellResult(c.grade_id, c.points, [TestResult("notebook", ERROR, str(error))])
                        for c in test_cells]
        result.seconds = time.monotonic() - started
        return result

    # Locked cells are the instructor's: restored, and run again after the student's.
    cells = graded_cells(notebook, assignment.source_notebook)
    session = Session(cells, launcher, setup_timeout=test_timeout, workdir=Path(path).parent)
    clock = Clock(test_timeout, budget or BUDGET_TESTS * test_timeout, started)
    session.budget_end = started + clock.budget
    try:
        student_code = start(session, result)
        for cell in test_cells:
            result.cells.append(grade_cell(assignment, cell, session, student_code, clock))
        output = session.student_output()
        result.stdout, result.stderr = output["stdout"], output["stderr"]
    finally:
        session.close()
    result.seconds = time.monotonic() - started
    return result


def start(session, result):
    """Run the student's cells; the names they define, or None (TIMEOUT) if the code never started
    (ran out of time while loading)."""
    try:
        report = session.start()
    except SandboxTimeout:
        result.problems.append(f"the notebook's code did not finish loading within {session.setup_timeout:g} s")
        return TIMEOUT
    except (SandboxCrash, StudentError) as error:
        result.problems.append(f"the notebook's code did not finish loading: {error}")
        return None
    if session.left_out:
        result.problems.append(f"some files of your folder were not copied into the grading sandbox: it "
                               f"takes at most {MAX_FILES} files, {MAX_FILES_BYTES >> 20} MiB in all")
    sources = {str(label): source for label, source in session.cells}
    for error in report["cell_errors"]:
        where = student_traceback(error.get("traceback", ""), session.cells)
        result.problems.append(f"{cell_name(sources.get(str(error['cell']), ''))} raised {error['type']}: "
                               f"{error['message']}" + (f"\n{where}" if where else ""))
    return RemoteNamespace(session, report["names"])


@dataclass
class Clock:
    """A test's time limit, inside the submission's total budget."""

    test_timeout: float
    budget: float
    started: float

    def remaining(self):
        return self.started + self.budget - time.monotonic()


def grade_cell(assignment, cell, session, student, clock):
    outcome = CellResult(cell.grade_id, cell.points)
    if student is None or student == TIMEOUT:
        status = ERROR if student is None else TIMEOUT
        outcome.tests.append(TestResult(cell.grade_id, status, "the notebook's code did not load"))
        return outcome
    outcome.tests.append(run_test(session, clock, f"{cell.grade_id} (visible checks)", True,
                                  lambda: run_visible(assignment, cell, student)))
    judge = Judge(assignment.name, student)
    for test in tests_for(assignment.name).cell(cell.grade_id):
        outcome.tests.append(run_test(session, clock, test.name, False,
                                      lambda test=test: test.function(student, judge), test.weight))
    return outcome


def run_visible(assignment, cell, student):
    """Exec the visible part of the instructor's test cell with the student's names as stand-ins."""
    namespace = student.as_globals()
    with importable(assignment.source_dir):
        exec(compile(cell.visible, f"<test cell {cell.grade_id}>", "exec"), namespace)


@contextlib.contextmanager
def importable(directory):
    # The instructor's copy of the public tests, never the student's.
    sys.path.insert(0, str(directory))
    try:
        yield
    finally:
        sys.path.remove(str(directory))


def run_test(session, clock, name, visible, body, weight=MAIN):
    """Run one test body under a deadline; classify how it ended."""
    result = _run_test(session, clock, name, visible, body)
    result.weight = weight
    return result


def _run_test(session, clock, name, visible, body):
    remaining = clock.remaining()
    if remaining <= 0:
        return TestResult(name, TIMEOUT, f"not run: your submission used up its total time budget of "
                          f"{clock.budget:g} s (earlier tests ran past their time limit)", visible)
    session.deadline = time.monotonic() + min(clock.test_timeout, remaining)
    try:
        session.ensure_started()
        body()
        return TestResult(name, PASSED, visible=visible)
    except GraderFault:
        raise  # not the student's: no grade at all
    except AlreadyTimedOut as error:
        return TestResult(name, TIMEOUT, str(error), visible)
    except SandboxTimeout:
        if remaining < clock.test_timeout:
            return TestResult(name, TIMEOUT, f"your code ran past the end of the submission's total time "
                              f"budget of {clock.budget:g} s", visible)
        return TestResult(name, TIMEOUT, f"your code ran for more than {clock.test_timeout:g} s", visible)
    except SandboxCrash as error:
        return TestResult(name, ERROR, str(error), visible)
    except StudentError as error:
        return TestResult(name, ERROR, raised(error, session.cells), visible)
    except AssertionError as error:
        return TestResult(name, FAILED, str(error) or "a check failed", visible)
    except NameError as error:
        return TestResult(name, ERROR, f"{error}: was it renamed or deleted?", visible)
    except Exception as error:
        # Raised inside the test code itself, typically on a result of the wrong type:
        # say what, never where (the hidden test's source stays hidden).
        return TestResult(name, ERROR, f"your result could not be checked: {type(error).__name__}: {error}",
                          visible)
    finally:
        session.deadline = None


def raised(error, cells):
    """What the student's code raised, where (their function and the line of its cell), and on
    which call (the shapes of a hidden test's inputs)."""
    lines = [f"your code raised {error.type_name}" + (f": {error.message}" if error.message else "")]
    where = student_traceback(error.traceback, cells)
    if where:
        lines.append(where)
    if getattr(error, "call", None):
        lines.append(f"when called as {error.call}")
    return "\n".join(lines)
