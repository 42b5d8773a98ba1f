"""Whatever a student's code raises reaches the student under its real name, with its message,
as an error of that test alone: never as the kit's own failure."""
import builtins

import pytest

from autograder.grading.errors import StudentError, student_error
from autograder.grading.results import ERROR
from tests.test_adversarial import TARGET, assert_only_target, hostile, messages, released  # noqa: F401

pytestmark = pytest.mark.sandbox  # run again by CI with bubblewrap hidden

BUILTIN_EXCEPTIONS = sorted(name for name in dir(builtins)
                            if isinstance(getattr(builtins, name), type)
                            and issubclass(getattr(builtins, name), BaseException))


@pytest.mark.parametrize("name", BUILTIN_EXCEPTIONS)
def test_every_builtin_exception_is_rebuilt_with_its_name_and_message(name):
    error = student_error(name, "the student's words", "  File \"<cell 3>\", line 2\n")
    assert isinstance(error, StudentError)
    assert str(error) == f"{name}: the student's words", f"the student would read {str(error)!r}"
    builtin = getattr(builtins, name)
    if builtin is not BaseException and not issubclass(builtin, Exception):
        assert not isinstance(error, builtin), f"a {name} must never cross the wall as itself"


@pytest.mark.parametrize("name", ["NotImplementedError", "MemoryError", "RecursionError", "OverflowError",
                                  "ZeroDivisionError", "KeyError", "FileNotFoundError", "AssertionError"])
def test_rebuilt_errors_are_still_the_builtin_for_except_clauses(name):
    assert isinstance(student_error(name, "x"), getattr(builtins, name)), (
        f"a public check's `except {name}` would no longer catch the student's {name}")


RAISERS = {
    "MemoryError": "import numpy as np\n    return int(np.ones(50 * 2**30 // 8).sum())",
    "RecursionError": "def down(n):\n        return down(n + 1)\n    return down(0)",
    "OverflowError": "import math\n    return int(math.exp(1000))",
    "ZeroDivisionError": "return input_size // 0",
    "UnicodeDecodeError": "return len(b'\\xff'.decode('utf-8'))",
    "ExceptionGroup": "raise ExceptionGroup('two problems', [ValueError('a'), KeyError('b')])",
    "FileNotFoundError": "return len(open('no-such-file.txt').read())",
    "KeyError": "return {}['hidden_size']",
    "MyOwnError": "class MyOwnError(Exception):\n        def __init__(self, a, b):\n"
                  "            super().__init__(f'{a} and {b}')\n    raise MyOwnError('odd', 'constructor')",
}


@pytest.mark.parametrize("name", sorted(RAISERS))
def test_the_student_reads_the_exception_their_code_raised(kit, released, tmp_path, name):  # noqa: F811
    body = RAISERS[name]
    code = f"def textbook_rnn_params(input_size, hidden_size, output_size):\n    {body}\n"
    result = hostile(kit, released, tmp_path, code)
    assert_only_target(result, ERROR)
    said = messages(result, TARGET)
    assert f"your code raised {name}" in said, f"expected the student to read their {name}, got: {said}"
    assert "could not be checked" not in said, f"the kit's own failure reached the student: {said}"
