"""What a student reads about one test, laid out to be read: short lines, one idea per paragraph.

Every message goes through `layout` before anyone sees it: feedback.txt, results.json, the
autograded notebook (so `nbgrader generate_feedback` and formgrader show it without sideways
scrolling) and the kit's own assertion messages (so `nbgrader validate`, which cuts lines at
90 characters after a 4-space indent and an exception's name, shows them whole).
"""
import re

import numpy as np

from autograder.student.nbloader import short_lines  # one wrapping: the public checks' and ours

KNOWN = " This is a known mistake: "
HINTS = {
    "failed": "Hint: the hidden tests also try a batch of one, a single step and sizes that "
              "differ from each other; try your function on such inputs.",
    "error": "Hint: run that call yourself in a cell, with inputs of those shapes, and read the "
             "line named above.",
    "timeout": "Hint: look for a loop that never ends, or work repeated per element that a "
               "vectorised operation would do at once.",
}


def layout(text):
    """`text` as short lines: a known mistake starts its own paragraph, every line is wrapped to
    WIDTH (continuation lines keep the line's own indent). Laying out twice changes nothing."""
    return short_lines(str(text).replace(KNOWN, "\nKnown mistake: ").strip("\n"))


def plain(text):
    """`text` on one line, single-spaced: to find a phrase in a message however it was wrapped."""
    return " ".join(str(text).split())


def hint(status, message):
    """A next step where the message itself names none (no known mistake, no hint of its own)."""
    if status not in HINTS or "Known mistake" in message or "Hint:" in message:
        return ""
    return HINTS[status]


# -- a call, as the student should see it: shapes and sizes, never a hidden test's values --
def describe_call(name, args, kwargs):
    shown = [short(a) for a in args] + [f"{k}={short(v)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(shown)})"


def short(value, limit=60):
    if isinstance(value, np.ndarray):
        return f"array{value.shape}"
    if type(value).__name__ == "Tensor":
        return f"tensor{tuple(value.shape)}"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- a traceback, pointing at the student's own cells as the notebook shows them --
FRAME = re.compile(r'File "<cell (?P<label>[^>]*)>", line (?P<line>\d+), in (?P<function>\S+)')


def student_traceback(text, cells):
    """The frames of `text` (a traceback the worker formatted from the notebook's cells, compiled
    as `<cell LABEL>`) in the student's words: "in your `rnn_forward`, line 5 of its cell",
    followed by that line. `cells`: the (label, source) pairs the worker ran."""
    sources = {str(label): source for label, source in cells}
    out = []
    for match in FRAME.finditer(text or ""):
        label, line, function = match["label"], int(match["line"]), match["function"]
        source = sources.get(label, "")
        source_lines = source.splitlines()
        if label.startswith("locked "):
            where = f"in the course's locked cell {label[len('locked '):]}, line {line}"
        elif function == "<module>":
            where = f"in {cell_name(source)}, line {line}"
        else:
            where = f"in your `{function}`, line {line} of its cell"
        out.append(where)
        if 0 < line <= len(source_lines) and source_lines[line - 1].strip():
            out.append("    " + source_lines[line - 1].strip())
    return "\n".join(out)


def cell_name(source):
    """A code cell as a student can find it in a notebook whose prompts all read `In [ ]:`."""
    first = next((line.strip() for line in source.splitlines() if line.strip()), "")
    return f"your cell that begins `{first[:40]}`" if first else "an empty cell of yours"
