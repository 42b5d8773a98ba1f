"""Where hidden tests are registered, by assignment and by the grade id of their cell."""
from dataclasses import dataclass
from typing import Callable

from autograder.grading.results import MAIN

# The weights of a test, relative to its cell's other tests (the visible checks weigh MAIN).
# A rule the notebook states (do not change your inputs; a second call gives the same result)
# and an edge case (a nan gradient) each carry a small share: a slip costs a little, not the cell.
RULE = 0.2
EDGE = 0.2


@dataclass(frozen=True)
class HiddenTest:
    grade_id: str
    name: str
    function: Callable  # function(student, judge); raises AssertionError on a wrong answer
    weight: float = MAIN  # its share of the cell: MAIN (correctness, the default), RULE or EDGE


class HiddenTests:
    def __init__(self, assignment):
        self.assignment = assignment
        self._tests = []

    def test(self, grade_id, weight=MAIN):
        """Decorator: register a hidden test for the test cell `grade_id`, with its weight there."""
        def register(function):
            self._tests.append(HiddenTest(grade_id, function.__name__, function, weight))
            return function
        return register

    def cell(self, grade_id):
        return [test for test in self._tests if test.grade_id == grade_id]

    def grade_ids(self):
        return sorted({test.grade_id for test in self._tests})
