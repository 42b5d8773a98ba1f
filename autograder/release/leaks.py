"""The leak scan: nothing in a release may carry solution code, hidden tests or hidden data.

It looks for nbgrader's markers, for any import of the instructor's packages, and for
every distinctive line of the reference solution and of the hidden tests.
"""
import ast
import importlib
import inspect
import re

from autograder.notebook.regions import BEGIN_HIDDEN, BEGIN_SOLUTION, END_HIDDEN, END_SOLUTION

MARKERS = [BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN]
INSTRUCTOR_IMPORT = re.compile(r"\b(from|import)\s+(solutions|autograder)\b")
MIN_LINE = 24  # shorter lines ("return total") are too common to mean a leak


def scan(course, name, release_dir):
    """A list of human-readable leaks found in `release_dir`; empty when clean."""
    secrets = secret_lines(name)
    leaks = []
    for path in sorted(p for p in release_dir.rglob("*") if p.is_file()):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary data files are checked by their assignment's own rules
        relative = path.relative_to(release_dir)
        leaks += [f"{relative}: nbgrader marker {m!r}" for m in MARKERS if m in text]
        if INSTRUCTOR_IMPORT.search(text):
            leaks.append(f"{relative}: imports the instructor's packages (solutions/autograder)")
        normalized = {_normalize(line) for line in _text_lines(text)}
        for origin, line in secrets:
            if line in normalized:
                leaks.append(f"{relative}: contains a line of {origin}: {line!r}")
    return leaks


def secret_lines(name):
    """(origin, normalized line) for each distinctive line of the reference and hidden tests."""
    secrets = []
    for origin, module_name in ((f"solutions/{name}.py", f"solutions.{name}"),
                                (f"autograder/hidden/{name}.py", f"autograder.hidden.{name}")):
        try:
            source = inspect.getsource(importlib.import_module(module_name))
        except ModuleNotFoundError:
            continue
        for line in _code_lines(source):
            normalized = _normalize(line)
            if len(normalized) >= MIN_LINE:
                secrets.append((origin, normalized))
    return secrets


def _code_lines(source):
    """Lines of function bodies, without signatures, docstrings and comments (students see those)."""
    tree = ast.parse(source)
    lines = source.splitlines()
    keep = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                body = body[1:]
            for statement in body:
                keep.update(range(statement.lineno, statement.end_lineno + 1))
    return [lines[i - 1] for i in sorted(keep) if not lines[i - 1].strip().startswith("#")]


def _text_lines(text):
    # Notebook JSON stores source lines as strings with escaped quotes and newlines.
    return text.replace("\\n", "\n").replace('\\"', '"').splitlines()


def _normalize(line):
    line = line.strip().strip("\",").strip()
    return re.sub(r"\s+", " ", line)
