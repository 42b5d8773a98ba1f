"""A submission cannot change the instructor's locked cells, by editing or by redefining them."""
import json

from autograder import synthetic
from autograder.notebook.locked import graded_cells, restore_locked
from autograder.notebook.read import grade_id
from tests.conftest import grade_text, released_notebook

NAME = "param_count"


def test_an_edited_locked_cell_is_restored(kit):
    released = released_notebook(kit, NAME)
    source = kit.assignment(NAME).source_notebook
    setup = next(c for c in released["cells"] if grade_id(c) == "imports")
    setup["source"] = "def pytorch_count(module):\n    return 42\n"
    restored = restore_locked(released, source)
    text = "".join(next(c for c in restored["cells"] if grade_id(c) == "imports")["source"])
    assert "return 42" not in text and "p.numel()" in text


def test_the_locked_cells_run_again_after_the_students(kit):
    released = released_notebook(kit, NAME)
    cells = graded_cells(released, kit.assignment(NAME).source_notebook)
    labels = [label for label, _ in cells]
    assert labels[-1] == "locked imports", labels


def test_redefining_a_locked_helper_does_not_replace_it_for_grading(kit, tmp_path):
    # The student "fixes" the instructor's helper into a liar; grading still uses the original.
    text = synthetic.with_code("def pytorch_count(module):\n    return -1\n")(NAME, released_notebook(kit, NAME))
    path = tmp_path / "nb.ipynb"
    path.write_text(text, encoding="utf-8")
    cells = graded_cells(json.loads(text), kit.assignment(NAME).source_notebook)
    namespace = {}
    for label, code in cells:
        exec(compile(code, str(label), "exec"), namespace)
    import torch.nn as nn

    assert namespace["pytorch_count"](nn.RNN(10, 20)) == 640
    result = grade_text(kit, NAME, text, tmp_path)
    assert result.score == result.max_score
