"""Test strength, measured: every generated mutant of every reference loses points, unless it is
on the short list of mutants judged equivalent (autograder/mutation/equivalent.py)."""
import re

import pytest

from autograder.course import KIT_ROOT, Course
from autograder.mutation import report
from autograder.mutation.equivalent import EQUIVALENT
from autograder.mutation.generate import mutants_in, mutants_of
from autograder.mutation.score import sample, score_assignments

ASSIGNMENTS = Course().assignment_names()

SNIPPET = '''def f(a, b):
    """A docstring is never mutated."""
    total = np.tanh(a @ b.T).sum()
    if total > 0:
        total += 1
    return total
'''


def test_each_operator_of_the_issue_makes_its_mutant():
    ids = {m.id for m in mutants_in(SNIPPET)}
    for expected in [
        "f: if total > 0: -> if total >= 0:",  # a comparison swapped
        "f: total = np.tanh(a @ b.T).sum() -> total = np.tanh(a @ b).sum()",  # .T dropped
        "f: total = np.tanh(a @ b.T).sum() -> total = (a @ b.T).sum()",  # a call dropped around its argument
        "f: total = np.tanh(a @ b.T).sum() -> total = np.tanh(a @ b.T).mean()",  # a reduction swapped
        "f: total = np.tanh(a @ b.T).sum() -> total = np.tanh(a @ b.T)",  # a method call dropped
        "f: total += 1 -> total = 1",  # += to =
        "f: total += 1 -> total -= 1",  # an arithmetic operator swapped
        "f: total += 1 -> total += 2",  # a constant nudged
        "f: total += 1 -> pass",  # the only statement of a block removed
        "f: return total -> (removed)",  # a statement removed
    ]:
        assert expected in ids, f"expected the mutant {expected!r} among those generated: {sorted(ids)}"
    changed = [line for m in mutants_in(SNIPPET) for line in m.diff.splitlines()
               if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert not any("docstring" in line for line in changed), "a docstring was mutated"


def test_a_dropped_call_keeps_the_precedence_of_its_argument():
    ids = {m.id for m in mutants_in("def g(a, b):\n    return 2 * np.tanh(a + b)\n")}
    assert "g: return 2 * np.tanh(a + b) -> return 2 * (a + b)" in ids, sorted(ids)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_generation_is_deterministic_with_unique_ids(name):
    first, second = mutants_of(name), mutants_of(name)
    assert [(m.id, m.source) for m in first] == [(m.id, m.source) for m in second], (
        f"two generations of {name}'s mutants differ: generation must be deterministic")
    ids = [m.id for m in first]
    assert len(ids) == len(set(ids)), f"{name}: mutant ids repeat: {[i for i in ids if ids.count(i) > 1]}"


def test_a_sample_is_fixed_by_its_seed():
    mutants = mutants_of("forward")
    assert sample(mutants, 10, seed=3) == sample(mutants, 10, seed=3)
    assert sample(mutants, 10, seed=3) != sample(mutants, 10, seed=4)
    assert sample(mutants, None, seed=3) == mutants


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_equivalence_entry_names_a_generated_mutant_and_says_why(name):
    generated = {m.id for m in mutants_of(name)}
    for reason, ids in EQUIVALENT.get(name, {}).items():
        assert reason.strip() and "\n" not in reason, f"{name}: each reason is one line: {reason!r}"
        stale = [i for i in ids if i not in generated]
        assert not stale, (f"{name}: the equivalence list names mutants no longer generated: {stale}; the "
                           "reference changed: remove them, or list the mutants that replace them")


@pytest.fixture(scope="module")
def scores():
    # Every generated mutant, except those already judged equivalent: see docs/mutation.md.
    return score_assignments(Course(), ASSIGNMENTS, workers=2, skip_equivalent=True)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_generated_mutant_loses_points_or_is_listed_as_equivalent(scores, name):
    score = scores[name]
    assert not score.new_survivors, (
        f"{report.summary(score)}. These mutants of solutions/{name}.py keep full marks: the hidden tests "
        f"miss the change. Write a test that catches it, or, if no correct test can tell it from the "
        f"reference, add it to autograder/mutation/equivalent.py with the reason:\n"
        f"{report.survivors(score)}")


@pytest.mark.parametrize("page", ["README.md", "docs/mutation.md"])
def test_the_docs_quote_the_measured_scores(scores, page):
    text = (KIT_ROOT / page).read_text(encoding="utf-8")
    measured = report.table(scores[name] for name in ASSIGNMENTS)
    quoted = re.search(r"^\| assignment \| mutants \|.*?(?=\n\n|\Z)", text, re.S | re.M)
    assert quoted and quoted.group(0).strip() == measured, (
        f"{page} should quote the mutation scores measured now (`autograder mutate --table`):\n{measured}\n"
        f"it has:\n{quoted.group(0) if quoted else '(no table)'}")


def test_a_survivor_off_the_list_is_reported_as_new(monkeypatch):
    import autograder.mutation.score as score_module

    mutants = mutants_of("forward")
    square = next(m for m in mutants if "Wh.shape[1]" in m.id)  # equivalent: Wh is square
    no_tanh = next(m for m in mutants if m.id.startswith("rnn_step_forward: next_h = np.tanh(")
                   and "np.tanh" not in m.id.split(" -> ")[1])
    monkeypatch.setattr(score_module, "mutants_of", lambda name: [square, no_tanh])
    monkeypatch.setattr(score_module, "EQUIVALENT", {})
    score = score_module.score_assignments(Course(), ["forward"], workers=1)["forward"]
    assert [o.mutant.id for o in score.killed] == [no_tanh.id], report.survivors(score)
    assert [o.mutant.id for o in score.new_survivors] == [square.id], report.survivors(score)
    assert score.percent == 50.0
    assert "NEW SURVIVOR" in report.survivors(score) and square.diff.splitlines()[-1] in report.survivors(score)
