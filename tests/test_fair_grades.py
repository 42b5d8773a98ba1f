"""Graded as a careful human would: correct code written in common styles, with a slip at the
edge, loses a small share of its cell, not the cell; idiomatic correct code gets full marks; a
real bug at the edge (an overflowing tanh) loses points and is named.
"""
import json
import textwrap

import pytest

from autograder import feedback, gradebook, synthetic
from autograder.course import KIT_ROOT
from autograder.grading.results import (
    ERROR,
    FAILED,
    MAIN,
    PASSED,
    CellResult,
    NotebookResult,
    TestResult,
    result_from_dict,
)
from autograder.hidden.registry import RULE, HiddenTests
from autograder.mutants import catalog_for
from tests.conftest import explain, grade_text, released_notebook

# A public CS231n-style solution: correct gradients, but it scales its argument in place.
STEP_BACKWARD_SCALES_IN_PLACE = '''
def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    dnext_h *= 1 - next_h ** 2
    return dnext_h @ Wx.T, dnext_h @ Wh.T, x.T @ dnext_h, prev_h.T @ dnext_h, dnext_h.sum(axis=0)
'''

TANH_FROM_EXPONENTIALS = '''
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    a = x.dot(Wx) + prev_h.dot(Wh) + b
    next_h = (np.exp(a) - np.exp(-a)) / (np.exp(a) + np.exp(-a))
    return next_h, (x, prev_h, Wx, Wh, next_h)
'''


def grade_with(kit, tmp_path, name, sources, cells):
    definitions = {}
    for source in sources:
        source = textwrap.dedent(source).strip() + "\n"
        definitions[source.split("def ", 1)[1].split("(", 1)[0]] = source
    text = synthetic.dump(synthetic.solved(name, released_notebook(kit, name), definitions))
    return grade_text(kit, name, text, tmp_path, only=cells)


def only_cell(result):
    (cell,) = result.cells
    return cell


def side_effects():
    """Correct code with a side effect: public solutions' `cache.pop()` and `dh[:, t] += ...` (the
    catalog's mutants), and one scaling `dnext_h` in place."""
    catalog = catalog_for("forward")
    for name in ("backward_pops_cache", "backward_mutates_dh", "softmax_shifts_in_place"):
        yield pytest.param(list(catalog[name].sources.values()), catalog[name].cells[0], id=name)
    yield pytest.param([STEP_BACKWARD_SCALES_IN_PLACE], "test_rnn_step_backward", id="dnext_h-scaled-in-place")


@pytest.mark.parametrize("sources, grade_id", list(side_effects()))
def test_a_side_effect_costs_a_small_share_of_a_correct_cell(kit, tmp_path, sources, grade_id):
    result = grade_with(kit, tmp_path, "forward", sources, [grade_id])
    cell = only_cell(result)
    failed = [t for t in cell.tests if t.status != PASSED]
    assert failed and all(not t.visible and t.weight < 1 for t in failed), explain(result)
    assert 0.75 * cell.max_points <= cell.points < cell.max_points, (
        f"correct code with a side effect should keep most of the cell:\n{explain(result)}")


def test_feedback_shows_what_a_slip_cost(kit, tmp_path):
    pops = catalog_for("forward")["backward_pops_cache"]
    result = grade_with(kit, tmp_path, "forward", pops.sources.values(), ["test_rnn_backward"])
    cell = only_cell(result)
    lost = round(cell.max_points - cell.points, 2)
    readme = " ".join((KIT_ROOT / "README.md").read_text(encoding="utf-8").split())
    assert f"gets {cell.points:g} of 4, not 0" in readme, "the README quotes this case's score"
    text = feedback.report(result)
    assert f"{cell.points:g} / {cell.max_points:g}" in text and f"worth {lost:g} of 4" in text, text
    data = feedback.gradescope(result)
    assert data["tests"][0]["score"] == cell.points, json.dumps(data, indent=1)
    worth = [t["worth"] for t in data["tests"][0]["extra_data"]["tests"]]
    assert sorted(worth) == sorted(round(cell.share(t), 2) for t in cell.tests) and abs(sum(worth) - 4) < 0.05


def test_a_tanh_of_exponentials_loses_points_and_is_named(kit, tmp_path):
    result = grade_with(kit, tmp_path, "forward", [TANH_FROM_EXPONENTIALS],
                        ["test_rnn_step_forward", "test_rnn_forward", "test_rnn_backward"])
    for cell in result.cells[:2]:
        messages = " ".join(t.message for t in cell.tests if t.status != PASSED)
        assert 0 < cell.points < cell.max_points, explain(result)
        assert "overflow" in messages and "np.tanh" in messages, explain(result)
    assert result.cells[2].points == result.cells[2].max_points, explain(result)


# Correct-looking, but Python's max() skips a nan: torch's inf-norm of a nan gradient is nan.
CLIP_WITH_PYTHON_MAX = '''
def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    if norm_type == float("inf"):
        total = torch.tensor(max(g.abs().max().item() for g in grads), dtype=grads[0].dtype)
    else:
        total = sum(g.abs().pow(norm_type).sum() for g in grads) ** (1.0 / norm_type)
    if error_if_nonfinite and not torch.isfinite(total):
        raise RuntimeError("non-finite total norm")
    coef = min(1.0, max_norm / (float(total) + 1e-6))
    for g in grads:
        g.mul_(coef)
    return total
'''

ACCURACY_AS_A_FLOAT32_MEAN = '''
def accuracy(logits, tags):
    pred = logits.argmax(dim=-1)
    real = tags != -100
    return (pred[real] == tags[real]).float().mean().item()
'''


def test_an_edge_case_costs_a_small_share(kit, tmp_path):
    result = grade_with(kit, tmp_path, "clipping", [CLIP_WITH_PYTHON_MAX], ["test_clip_grad_norm"])
    cell = only_cell(result)
    failed = [t for t in cell.tests if t.status != PASSED]
    assert len(failed) == 1 and failed[0].weight < 1, explain(result)
    assert 0.85 * cell.max_points <= cell.points < cell.max_points, explain(result)


def test_an_idiomatic_float32_accuracy_gets_full_marks(kit, tmp_path):
    result = grade_with(kit, tmp_path, "pos_tagger", [ACCURACY_AS_A_FLOAT32_MEAN], ["test_accuracy"])
    assert result.score == result.max_score == 1, explain(result)


def test_a_cell_splits_by_weight_and_a_rule_alone_earns_nothing():
    def cell(*statuses):
        weights = [MAIN, MAIN, RULE]
        return CellResult("c", 3.0, [TestResult(f"t{i}", status, weight=w)
                                     for i, (status, w) in enumerate(zip(statuses, weights))])
    assert cell(PASSED, PASSED, PASSED).points == 3.0
    assert cell(PASSED, PASSED, FAILED).points == round(3 * 2 / 2.2, 2)
    assert cell(PASSED, FAILED, PASSED).points == round(3 * 1.2 / 2.2, 2)
    # Code that does nothing also leaves its inputs alone: that share needs working code beside it.
    assert cell(FAILED, ERROR, PASSED).points == 0


def test_an_undeclared_hidden_test_weighs_as_correctness():
    tests = HiddenTests("example")
    tests.test("cell")(lambda student, judge: None)
    tests.test("cell", weight=RULE)(lambda student, judge: None)
    assert [t.weight for t in tests.cell("cell")] == [MAIN, RULE]


def test_the_gradebook_holds_the_partial_score(kit, tmp_path):
    from tests.test_engine import NAME, make_course

    course = make_course(tmp_path, kit, {})
    gradebook.ensure_registered(course, NAME)
    cells = course.assignment(NAME).test_cells
    partial = CellResult(cells[0].grade_id, cells[0].points,
                         [TestResult("visible", PASSED), TestResult("rule", FAILED, weight=RULE, visible=False)])
    result = NotebookResult("alice", NAME, [partial, *(CellResult(c.grade_id, c.points, [TestResult("t", PASSED)])
                                                        for c in cells[1:])])
    # Graded results travel from the grading processes as dicts: the weights go with them.
    result = result_from_dict(result.to_dict())
    gradebook.record(course, result)
    stored = gradebook.scores(course, NAME)["alice"]
    assert 0 < stored[cells[0].grade_id] == partial.points < cells[0].points, stored
    assert sum(stored.values()) == result.score


# Correct, but returns the norm as clip_grad_norm_ gives it: a 0-d tensor, where the contract says float.
TRAIN_STEP_RETURNS_A_TENSOR_NORM = '''
def train_step(model, loss_fn, inputs, targets, optimizer, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    norm = clip_grad_norm(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), norm
'''


def test_a_number_returned_as_a_0_d_tensor_is_a_float(kit, tmp_path):
    result = grade_with(kit, tmp_path, "clipping", [TRAIN_STEP_RETURNS_A_TENSOR_NORM], ["test_train_step"])
    assert result.score == result.max_score, explain(result)
