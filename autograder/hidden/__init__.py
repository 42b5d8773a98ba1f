"""Hidden tests: pytest-style functions that grade a student against the reference, live.

Each assignment's module (`autograder.hidden.<name>`) registers its tests under the grade
id of a notebook test cell. The kit's engine runs them outside the sandbox, one by one;
under vanilla `nbgrader autograde` the cell's hidden region calls `run_hidden_tests`.
"""
import importlib
import types

from autograder.hidden.registry import HiddenTests  # noqa: F401 (the authors' import)


def tests_for(assignment):
    """The `HiddenTests` of one assignment."""
    return importlib.import_module(f"autograder.hidden.{assignment}").tests


def run_hidden_tests(assignment, grade_id, namespace):
    """Run one cell's hidden tests in the notebook's own kernel (vanilla nbgrader's way)."""
    from autograder.grading.judge import Judge

    student = types.SimpleNamespace(**{k: v for k, v in namespace.items() if not k.startswith("_")})
    judge = Judge(assignment, student)
    for test in tests_for(assignment).cell(grade_id):
        failure = None
        try:
            test.function(student, judge)
        except AssertionError as error:
            failure = str(error)
        except Exception as error:  # the student's code raised, inside a hidden test
            failure = f"your code raised {type(error).__name__}: {error}"
        if failure is not None:
            # Raised here, outside the except: the traceback nbgrader stores in the notebook (and
            # `generate_feedback` shows) has no frame of hidden test code, and no test name.
            raise HiddenTestFailed(failure)


class HiddenTestFailed(AssertionError):
    """A hidden test failed under vanilla nbgrader; the message starts on its own line, in short
    lines, so that `nbgrader validate` (which cuts at 90 characters) shows all of it."""

    def __init__(self, message):
        from autograder.messages import layout

        super().__init__("\n" + layout(message))
