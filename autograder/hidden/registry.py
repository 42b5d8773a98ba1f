"""Where hidden tests are registered, by assignment and by the grade id of their cell."""
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class HiddenTest:
    grade_id: str
    name: str
    function: Callable  # function(student, judge); raises AssertionError on a wrong answer


class HiddenTests:
    def __init__(self, assignment):
        self.assignment = assignment
        self._tests = []

    def test(self, grade_id):
        """Decorator: register a hidden test for the test cell `grade_id`."""
        def register(function):
            self._tests.append(HiddenTest(grade_id, function.__name__, function))
            return function
        return register

    def cell(self, grade_id):
        return [test for test in self._tests if test.grade_id == grade_id]

    def grade_ids(self):
        return sorted({test.grade_id for test in self._tests})
