"""nbgrader's marked regions: solution regions in functions, hidden regions in test cells."""
import ast
import inspect
import textwrap

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


def split_hidden(source):
    """(visible, hidden) parts of a test cell's source."""
    visible, hidden, inside = [], [], False
    for line in source.splitlines():
        if line.strip() == BEGIN_HIDDEN:
            inside = True
        elif line.strip() == END_HIDDEN:
            inside = False
        else:
            (hidden if inside else visible).append(line)
    return "\n".join(visible), "\n".join(hidden)


def marked_source(obj):
    """Source of a function (or of each method of a class) with its body after the docstring
    between solution markers, as the instructor's notebook holds it."""
    source = textwrap.dedent(inspect.getsource(obj))
    tree = ast.parse(source)
    lines = source.splitlines()
    node = tree.body[0]
    bodies = [node] if isinstance(node, ast.FunctionDef) else [
        child for child in node.body if isinstance(child, ast.FunctionDef)]
    # Insert from the bottom up so earlier line numbers stay right.
    for function in sorted(bodies, key=lambda f: f.lineno, reverse=True):
        first = function.body[0]
        has_docstring = isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant) \
            and isinstance(first.value.value, str)
        start = function.body[1].lineno if has_docstring and len(function.body) > 1 else first.lineno
        if has_docstring and len(function.body) == 1:
            continue
        start -= 1 + _leading_comments(lines, start - 1)
        indent = " " * function.body[0].col_offset
        lines.insert(function.end_lineno, indent + END_SOLUTION)
        lines.insert(start, indent + BEGIN_SOLUTION)
    return "\n".join(lines) + "\n"


def _leading_comments(lines, index):
    """How many comment lines sit just above line `index` (they belong to the solution)."""
    count = 0
    while index - count - 1 >= 0 and lines[index - count - 1].strip().startswith("#"):
        count += 1
    return count


def replace_definitions(source, definitions):
    """`source` with each top-level def/class named in `definitions` replaced by its new text."""
    tree = ast.parse(source)
    lines = source.splitlines()
    spans = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in definitions:
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            last = node.end_lineno
            # A closing marker is a comment, outside the AST's span, but part of the definition.
            while last < len(lines) and lines[last].strip() == END_SOLUTION:
                last += 1
            spans.append((first, last, node.name))
    for first, last, name in sorted(spans, reverse=True):
        lines[first - 1:last] = definitions[name].rstrip("\n").splitlines()
    return "\n".join(lines) + ("\n" if source.endswith("\n") else "")


def defined_names(source):
    """Names of the top-level functions and classes a cell defines (none if it does not parse)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
