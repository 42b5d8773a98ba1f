"""The judge: calls the student and the reference on the same inputs and compares, outside
the sandbox. On a mismatch it asks the mutant catalog whether a known mistake gives the
student's answer, and if one does, names it.
"""
import copy
import importlib
import math

import numpy as np

from autograder.grading.remote import RemoteObject
from autograder.messages import describe_call, layout
from autograder.messages import short as _short
from autograder.mutants import catalog_for


def call(*args, **kwargs):
    """One call's arguments, for `Judge.each` and `Judge.same_each`."""
    return args, kwargs


class Mismatch(AssertionError):
    """A wrong answer; the message is what the student reads, laid out in short lines."""

    def __init__(self, message):
        super().__init__(layout(message))


def same(got, expected):
    """Exact equality of plain data, strict about types that matter (a bool is not a 1). A numpy
    scalar counts as the Python number it holds, as it does once it crosses the sandbox wall."""
    if isinstance(got, np.generic) and not isinstance(got, np.bool_):
        got = got.item()
    if isinstance(expected, bool) or isinstance(got, bool):
        return type(got) is type(expected) and got == expected
    if isinstance(expected, (int, float)) and isinstance(got, (int, float)):
        return got == expected or (math.isnan(got) and math.isnan(expected))
    if isinstance(expected, (tuple, list)):
        return (isinstance(got, (tuple, list)) and len(got) == len(expected)
                and all(same(g, e) for g, e in zip(got, expected)))
    if isinstance(expected, dict):
        return (isinstance(got, dict) and set(got) == set(expected)
                and all(same(got[k], expected[k]) for k in expected))
    if isinstance(expected, np.ndarray):
        return isinstance(got, np.ndarray) and got.shape == expected.shape and np.array_equal(got, expected)
    return type(got) is type(expected) and got == expected


def as_float(value):
    """A Python float from a number where a contract says float: a float or int, a numpy scalar,
    a 0-d array or tensor (`loss`, `(pred == tags).float().mean()`); None for anything else
    (a bool, a string, a longer array)."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, np.ndarray) or type(value).__name__ == "Tensor":
        if tuple(value.shape) == () and str(value.dtype).split(".")[-1].startswith(("float", "int", "uint",
                                                                                    "bfloat")):
            return float(value.item())
    return None


def close_float(got, expected, rtol):
    """`got` (converted as by as_float) within `rtol` of the float `expected`; nan only for nan."""
    got = as_float(got)
    if got is None:
        return False
    if math.isnan(expected) or math.isnan(got):
        return math.isnan(expected) and math.isnan(got)
    return math.isclose(got, expected, rel_tol=rtol, abs_tol=rtol * 1e-3)


# The relative tolerance for a quantity naturally computed in float32 (a mean, a cross-entropy):
# a few of its ulps, and room for another order of summation.
FLOAT32_RTOL = 1e-5


def rel_error(got, expected):
    """max |got - expected| / max(1e-8, |got| + |expected|), elementwise, as CS231n reports it."""
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    return float(np.max(np.abs(got - expected) / np.maximum(1e-8, np.abs(got) + np.abs(expected)),
                        initial=0.0))


class Judge:
    def __init__(self, assignment, student):
        self.assignment = assignment
        self.student = student
        self.reference = importlib.import_module(f"solutions.{assignment}")
        self._mutants = None
        self._namespaces = {}  # mutant name -> the reference re-run with that mutant in it

    def expected(self, name, *args, **kwargs):
        return getattr(self.reference, name)(*args, **kwargs)

    def same(self, name, *args, **kwargs):
        """Assert the student's `name(*args, **kwargs)` equals the reference's exactly."""
        return self._same_as_reference(name, args, kwargs, getattr(self.student, name)(*args, **kwargs))

    def _same_as_reference(self, name, args, kwargs, got):
        expected = self.expected(name, *args, **kwargs)
        if not same(got, expected):
            self.fail(name, args, kwargs, got, f"expected {_short(expected, 200)}", same)
        return got

    def each(self, function, calls):
        """The student's `function` (a name, or one of their callables: a model, a method) on each
        (args, kwargs) of `calls`, in order. Across the sandbox wall they go in one message, not
        one each; a call that raised raises in its turn."""
        if isinstance(function, str):
            function = getattr(self.student, function)
        if isinstance(function, RemoteObject):
            return function.each(calls)
        # In the notebook's own kernel (vanilla nbgrader) a call gets copies, as across the wall.
        return (function(*copy.deepcopy(args), **copy.deepcopy(kwargs)) for args, kwargs in calls)

    def same_each(self, name, calls):
        """`same` for each (args, kwargs) of `calls`: the first mismatch fails, as in a loop."""
        calls = [(tuple(args), dict(kwargs)) for args, kwargs in calls]
        return [self._same_as_reference(name, args, kwargs, got)
                for (args, kwargs), got in zip(calls, self.each(name, calls))]

    def fail(self, name, args, kwargs, got, expectation, equal):
        """Raise the Mismatch a student reads: the call, what came, what was expected, and why."""
        message = f"{describe_call(name, args, kwargs)} returned {_short(got, 200)}; {expectation}."
        mistake = self.diagnose(name, args, kwargs, got, equal)
        if mistake:
            message += f" This is a known mistake: {mistake}"
        raise Mismatch(message)

    def diagnose(self, name, args, kwargs, got, equal):
        """The words of the first mutant whose `name` gives `got` on these inputs. A mistake in
        one function shows in those that call it, so every mutant is tried, its own first."""
        for mutant in self.mutants_of(name):
            try:
                if mutant.name not in self._namespaces:
                    self._namespaces[mutant.name] = mutant.namespace(self.reference)
                output = self._namespaces[mutant.name][name](*args, **kwargs)
            except Exception:
                continue
            try:
                if equal(got, output):
                    return mutant.says
            except Exception:
                continue
        return None

    def mutants_of(self, name):
        if self._mutants is None:
            try:
                self._mutants = catalog_for(self.assignment).mutants
            except ModuleNotFoundError:
                self._mutants = []
        return sorted(self._mutants, key=lambda mutant: name not in mutant.sources)
