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


CHEAT = """
def clip_and_report(values, grads, max_norm, norm_type=2.0, error_if_nonfinite=False):
    parameters = make_parameters(values, grads)
    returned = torch.nn.utils.clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite)
    return returned, [p.grad for p in parameters]
"""


def test_a_stub_cannot_pass_by_replacing_the_helper_the_hidden_tests_call(kit, tmp_path):
    released = released_notebook(kit, "clipping")
    untouched_with_cheat = synthetic.dump(released)
    notebook = json.loads(untouched_with_cheat)
    notebook["cells"].append({"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                              "source": CHEAT})
    grade_ids = [c.grade_id for c in kit.assignment("clipping").test_cells if "norm" in c.grade_id]
    result = grade_text(kit, "clipping", synthetic.dump(notebook), tmp_path, only=grade_ids)
    assert result.cells and result.score == 0, (
        "clip_grad_norm is a stub: a redefined locked helper must not earn its points; got "
        f"{[(c.grade_id, c.status) for c in result.cells]}")
