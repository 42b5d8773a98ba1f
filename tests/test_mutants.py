"""Every known mistake loses points; every correct solution, however written, gets full marks."""
import pytest

from autograder import synthetic
from autograder.course import Course
from autograder.messages import plain
from autograder.mutants import catalog_for
from tests.conftest import explain, grade_text, released_notebook

ASSIGNMENTS = Course().assignment_names()


def variants(kind):
    return [pytest.param(name, v, id=f"{name}-{v.name}")
            for name in ASSIGNMENTS for v in getattr(catalog_for(name), kind)]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_reference_solution_gets_full_marks(kit, name, tmp_path):
    text = synthetic.perfect(name, released_notebook(kit, name))
    result = grade_text(kit, name, text, tmp_path)
    assert result.score == result.max_score > 0, (
        f"the reference solution of {name} should get full marks:\n{explain(result)}")


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_untouched_stub_scores_zero(kit, name, tmp_path):
    result = grade_text(kit, name, synthetic.untouched(name, released_notebook(kit, name)), tmp_path)
    assert result.score == 0, f"an untouched notebook of {name} should score 0:\n{explain(result)}"


@pytest.mark.parametrize("name, mutant", variants("mutants"))
def test_mutant_loses_points(kit, name, mutant, tmp_path):
    text = synthetic.variant(mutant)(name, released_notebook(kit, name))
    result = grade_text(kit, name, text, tmp_path, only=mutant.cells or None)
    assert result.score < result.max_score, (
        f"mutant {mutant.name!r} ({mutant.says}) got full marks: the hidden tests miss this mistake")


@pytest.mark.parametrize("name, alternative", variants("alternatives"))
def test_alternative_solution_gets_full_marks(kit, name, alternative, tmp_path):
    text = synthetic.variant(alternative)(name, released_notebook(kit, name))
    result = grade_text(kit, name, text, tmp_path, only=alternative.cells or None)
    assert result.score == result.max_score, (
        f"alternative {alternative.name!r} is correct but lost points: the tests are too strict "
        f"or the alternative is wrong:\n{explain(result)}")


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_catalog_has_enough_mutants_and_alternatives(name):
    catalog = catalog_for(name)
    assert len(catalog.mutants) >= 6, f"{name} has {len(catalog.mutants)} mutants; the kit wants 6 or more"
    assert len(catalog.alternatives) >= 2, f"{name} has {len(catalog.alternatives)} alternatives; needs 2+"


def test_feedback_names_a_known_mistake(kit, tmp_path):
    mutant = catalog_for("param_count")["one_bias"]
    text = synthetic.variant(mutant)("param_count", released_notebook(kit, "param_count"))
    result = grade_text(kit, "param_count", text, tmp_path, only=["test_rnn_params"])
    messages = plain(" ".join(t.message for c in result.cells for t in c.tests))
    assert plain(mutant.says) in messages, f"expected the diagnosis {mutant.says!r} in the feedback, got: {messages}"


def test_feedback_names_a_mistake_seen_through_a_calling_function(kit, tmp_path):
    # one_bias breaks rnn_params; tagger_params calls it, so its failure has the same cause.
    mutant = catalog_for("param_count")["one_bias"]
    text = synthetic.variant(mutant)("param_count", released_notebook(kit, "param_count"))
    result = grade_text(kit, "param_count", text, tmp_path, only=["test_tagger_params"])
    hidden = [t.message for c in result.cells for t in c.tests if not t.visible and t.status == "failed"]
    assert hidden and plain(mutant.says) in plain(hidden[0]), f"expected {mutant.says!r} in the tagger's feedback, got {hidden}"
