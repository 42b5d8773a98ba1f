"""Generated mutants of a reference: one operator at one site of one definition, in source order.

Generation is deterministic: the sites are the nodes of each top-level function or class of
`solutions/NAME.py` in the order libcst walks them, and each operator yields its changes in a
fixed order. A mutant's id names the definition and the line it changes, old and new, so an id
stays the same while that line does, wherever the line moves.
"""
import difflib
import importlib
import inspect
from collections import Counter
from dataclasses import dataclass

import libcst as cst

from autograder.mutation.operators import OPERATORS, drop_call

# Never mutated: what runs when the definition is made, and the signature (the contract's).
# Nor the words of an error message (see `sites`).
SKIPPED = (cst.Decorator, cst.Annotation, cst.Parameters)


@dataclass(frozen=True)
class Mutant:
    id: str  # "definition: old line -> new line" (#2, #3 ... where the same change recurs)
    definition: str  # the top-level function or class it changes
    source: str  # that definition's source, mutated
    diff: str  # unified diff against the reference definition

    @property
    def sources(self):
        """{definition: source}: what `synthetic.solved` puts into a notebook."""
        return {self.definition: self.source}


def definitions(tree):
    """The top-level functions and classes, each without the blank lines before it."""
    for node in tree.body:
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            yield node.with_changes(leading_lines=())


def mutants_of(name):
    """Every mutant of solutions/NAME.py, in a fixed order."""
    return mutants_in(inspect.getsource(importlib.import_module(f"solutions.{name}")))


def mutants_in(source):
    """Every mutant of the functions and classes defined in `source`; duplicates and code that
    does not compile left out."""
    mutants, counts = [], Counter()
    for definition in definitions(cst.parse_module(source)):
        original = code(definition)
        seen = {original}
        for node, parent in sites(definition):
            for kind, operator in OPERATORS:
                if not isinstance(node, kind) or (operator is drop_call and is_statement(parent)):
                    continue
                for changed in operator(node):
                    source = code(definition.deep_replace(node, changed))
                    if source in seen or not compiles(source):
                        continue
                    seen.add(source)
                    label = f"{definition.name.value}: {changed_line(original, source)}"
                    counts[label] += 1
                    mutant_id = label if counts[label] == 1 else f"{label} #{counts[label]}"
                    mutants.append(Mutant(mutant_id, definition.name.value, source, diff(original, source)))
    return mutants


def sites(definition):
    """(node, parent) for every node of the definition that may be mutated, depth first."""
    stack = [(child, definition) for child in reversed(definition.children)]
    while stack:
        node, parent = stack.pop()
        if isinstance(node, SKIPPED) or is_docstring_expression(node):
            continue
        yield node, parent
        if isinstance(node, cst.Raise):
            continue  # whether it raises is mutated (the statement can go); what it says is not
        stack.extend((child, node) for child in reversed(node.children))


def is_docstring_expression(node):
    return isinstance(node, cst.Expr) and isinstance(node.value, (cst.SimpleString, cst.ConcatenatedString))


def is_statement(parent):
    # `optimizer.step()` alone on its line: dropping the call is removing the statement.
    return isinstance(parent, cst.Expr)


def code(definition):
    return cst.Module(body=[definition]).code


def compiles(source):
    try:
        compile(source, "<mutant>", "exec")
    except SyntaxError:
        return False
    return True


def changed_line(original, mutated):
    """"old -> new" for the first code lines that differ ("-> (removed)" where none replaces it)."""
    before, after = original.splitlines(), mutated.splitlines()
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    _, i1, i2, j1, j2 = next(op for op in matcher.get_opcodes() if op[0] != "equal")
    return f"{first_code(before[i1:i2], '(nothing)')} -> {first_code(after[j1:j2], '(removed)')}"


def first_code(lines, empty):
    code_lines = [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
    if not code_lines:
        return empty
    return code_lines[0] + (" ..." if len(code_lines) > 1 else "")


def diff(original, mutated):
    return "".join(difflib.unified_diff(original.splitlines(keepends=True), mutated.splitlines(keepends=True),
                                        "reference", "mutant", n=1))
