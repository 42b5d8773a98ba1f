"""The leak scan: nothing in a release may carry solution code, hidden tests or hidden data.

It looks for nbgrader's markers, for any import of the instructor's packages, and for every
distinctive line of the instructor's code: the reference solution and hidden tests of EVERY
assignment, not only the one released (a helper handed out with assignment 6 must not answer
assignment 5).
"""
import ast
import functools
import importlib
import inspect
import pkgutil
import re

from autograder.notebook.regions import BEGIN_HIDDEN, BEGIN_SOLUTION, END_HIDDEN, END_SOLUTION

MARKERS = [BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN]
INSTRUCTOR_IMPORT = re.compile(r"\b(from|import)\s+(solutions|autograder)\b")
INSTRUCTOR_PACKAGES = {"solutions": "solutions", "autograder.hidden": "autograder/hidden"}
MIN_LINE = 24  # shorter lines ("return total") are too common to mean a leak

# Everyday PyTorch that the instructor code of one assignment and the public code of another
# both write, and that answers no question: a training loop's boilerplate, a seeded generator,
# a tuple returned. Exempt only when the line belongs to ANOTHER assignment: an assignment's
# own lines stay secret in its own release. Keep this list short: tests/test_leak_scan.py
# checks that each entry is one plain statement (no definition) still found in instructor code.
COMMONPLACE = frozenset({
    "optimizer = torch.optim.Adam(model.parameters(), lr=lr)",
    "losses.append(loss.item())",
    "generator = torch.Generator().manual_seed(seed)",
    "model.load_state_dict(weights)",
    "return words, tags, lengths",
})


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
    """(origin, normalized line) for each distinctive line of every instructor module; lines
    of the other assignments' modules that are COMMONPLACE are left out."""
    secrets = []
    for origin, module, source in instructor_sources():
        own = module.rsplit(".", 1)[1] == name
        secrets += [(origin, line) for line in distinctive_lines(source)
                    if own or line not in COMMONPLACE]
    return list(dict.fromkeys(secrets))  # a line repeated in one module is reported once


@functools.cache
def instructor_sources():
    """(origin path, module name, source) of every module of solutions/ and autograder/hidden/."""
    found = []
    for package, folder in INSTRUCTOR_PACKAGES.items():
        for info in pkgutil.iter_modules(importlib.import_module(package).__path__):
            module = f"{package}.{info.name}"
            found.append((f"{folder}/{info.name}.py", module,
                          inspect.getsource(importlib.import_module(module))))
    return tuple(found)


def distinctive_lines(source):
    """Normalized code lines of `source` long enough to mean a leak."""
    normalized = (_normalize(line) for line in _code_lines(source))
    return [line for line in normalized if len(line) >= MIN_LINE]


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
