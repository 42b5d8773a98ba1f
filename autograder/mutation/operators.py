"""Mutation operators: (node type, function yielding mutated copies of one node).

Most are mutmut's own libcst operators, taken as they are: operator swaps (`+`/`-`, `<`/`<=`,
`and`/`or`, `**`/`*`, ...), constants nudged by one, `True`/`False`, `+=` to `=`, `in`/`not in`,
dropped `not`, a conditional expression forced down each arm. The kit adds the operators the
issue measured that mutmut does not have: a call dropped around its argument (`np.tanh(a)` ->
`a`, `x.detach()` -> `x`), a reduction swapped (`sum`/`mean`, `max`/`min`), a `.T` dropped, a
statement removed. Left out on purpose: mutmut's string, argument-removal and `= None`
operators (mostly messages and crashes: cost without information; see docs/mutation.md).
"""
import libcst as cst
from mutmut.mutation import mutators

MUTMUT = [
    (cst.BaseNumber, mutators.operator_number),
    (cst.Name, mutators.operator_name),
    (cst.AugAssign, mutators.operator_augmented_assignment),
    (cst.UnaryOperation, mutators.operator_remove_unary_ops),
    (cst.Call, mutators.operator_symmetric_string_methods_swap),
    (cst.Call, mutators.operator_unsymmetrical_string_methods_swap),
    (cst.Lambda, mutators.operator_lambda),
    (cst.CSTNode, mutators.operator_keywords),
    (cst.CSTNode, mutators.operator_swap_op),
    (cst.IfExp, mutators.operator_if_exp),
]

# Calls whose removal says nothing about the tests: the program cannot even run without them.
KEPT_CALLS = {"len", "isinstance", "super", "range", "enumerate", "zip", "print"}
# `np.tanh(a)` is a function of `a`; `x.reshape(n)` is not a function of `n`.
MODULES = {"np", "torch", "nn", "F", "math"}
REDUCTIONS = {"sum": "mean", "mean": "sum", "max": "min", "min": "max", "amax": "amin",
              "amin": "amax", "argmax": "argmin", "argmin": "argmax"}


def drop_call(node):
    """`f(a)` -> `a` (one positional argument); `a.f()` -> `a` (a method with no arguments)."""
    func = node.func
    if isinstance(func, cst.Name) and func.value in KEPT_CALLS:
        return
    one_argument = len(node.args) == 1 and not node.args[0].keyword and not node.args[0].star
    if one_argument and (isinstance(func, cst.Name) or leftmost_name(func) in MODULES):
        yield parenthesized(node.args[0].value)
    elif not node.args and isinstance(func, cst.Attribute):
        yield func.value


def parenthesized(expression):
    """The expression, safe to put where the call stood (`2 * np.tanh(a + b)` -> `2 * (a + b)`)."""
    atomic = (cst.Name, cst.Attribute, cst.Subscript, cst.Call, cst.BaseNumber, cst.BaseString,
              cst.List, cst.Tuple, cst.Dict, cst.Set, cst.BaseComp)
    if isinstance(expression, atomic) or expression.lpar:
        return expression
    return expression.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def leftmost_name(expression):
    while isinstance(expression, cst.Attribute):
        expression = expression.value
    return expression.value if isinstance(expression, cst.Name) else None


def swap_reduction(node):
    """`x.sum()` <-> `x.mean()`, `np.max` <-> `np.min`, builtin `max` <-> `min`, ..."""
    func = node.func
    if isinstance(func, cst.Attribute) and func.attr.value in REDUCTIONS:
        yield node.with_changes(func=func.with_changes(attr=cst.Name(REDUCTIONS[func.attr.value])))
    elif isinstance(func, cst.Name) and func.value in ("max", "min"):
        yield node.with_changes(func=cst.Name(REDUCTIONS[func.value]))


def drop_transpose(node):
    if node.attr.value == "T":
        yield node.value


def remove_statement(block):
    """The block without one of its statements (a `pass` where it held only that one)."""
    body = list(block.body)
    for i, statement in enumerate(body):
        if is_docstring(statement) or is_pass(statement):
            continue
        rest = body[:i] + body[i + 1:]
        yield block.with_changes(body=rest or [cst.SimpleStatementLine([cst.Pass()])])


def is_docstring(statement):
    return (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Expr)
            and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString)))


def is_pass(statement):
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, cst.Pass) for small in statement.body)


KIT = [
    (cst.Call, drop_call),
    (cst.Call, swap_reduction),
    (cst.Attribute, drop_transpose),
    (cst.IndentedBlock, remove_statement),
]

OPERATORS = MUTMUT + KIT
