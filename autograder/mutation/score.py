"""Grade generated mutants as submissions, with the engine, and score each assignment.

A mutant is killed when it loses points in some cell, as a student's notebook with the same
code would. The cells are graded cheapest first (each cell's cost is measured once, on the
reference) and grading stops at the first cell that loses points: most mutants are killed by
a cheap cell, and only the few that survive pay for the training cells. A test runs under a
deadline of a few times the reference's cost, so a mutant that loops forever is a timeout (killed)
in seconds, not in the course's minute.
"""
import concurrent.futures
import json
import multiprocessing
import os
import random
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder import synthetic
from autograder.grading.task import assignment_at, pool_initializer, warm_up
from autograder.mutation.equivalent import EQUIVALENT
from autograder.mutation.generate import mutants_of

CHEAP_SECONDS = 1.0  # cells the reference grades faster than this are graded together, first
DEADLINE_FACTOR, DEADLINE_FLOOR = 5.0, 5.0  # a test's deadline: factor x its cell's cost, at least floor


@dataclass
class Outcome:
    mutant: object  # generate.Mutant
    killed: bool
    by: str = ""  # the cell that took the points, and how it ended


@dataclass
class Score:
    name: str
    generated: int  # every mutant generate.py makes
    outcomes: list = field(default_factory=list)  # the graded ones (a sample, when sampled)

    @property
    def killed(self):
        return [o for o in self.outcomes if o.killed]

    @property
    def survivors(self):
        return [o for o in self.outcomes if not o.killed]

    @property
    def equivalent(self):
        return [o for o in self.survivors if equivalence_reason(self.name, o.mutant) is not None]

    @property
    def new_survivors(self):
        """Survivors nobody has judged equivalent: tests to write."""
        return [o for o in self.survivors if equivalence_reason(self.name, o.mutant) is None]

    @property
    def percent(self):
        """Killed, out of the graded mutants not judged equivalent."""
        counted = len(self.outcomes) - len(self.equivalent)
        return 100.0 * len(self.killed) / counted if counted else 100.0


def equivalence_reason(name, mutant):
    for reason, ids in EQUIVALENT.get(name, {}).items():
        if mutant.id in ids:
            return reason
    return None


def sample(mutants, size, seed):
    """A fixed-seed sample of `size` mutants (all of them when size is None), in generation order."""
    if size is None or size >= len(mutants):
        return list(mutants)
    chosen = set(random.Random(seed).sample(range(len(mutants)), size))
    return [m for i, m in enumerate(mutants) if i in chosen]


def score_assignments(course, names, size=None, seed=0, workers=2, sandbox=None, progress=None,
                      skip_equivalent=False):
    """{name: Score}: each assignment's mutants (a sample of `size` each, if given) graded in parallel;
    with `skip_equivalent`, those listed as equivalent are counted as such without grading them
    (what CI needs to know is whether a new one survives)."""
    sandbox = sandbox or os.environ.get("RNN_GRADE_SANDBOX", "auto")
    context = multiprocessing.get_context("spawn")  # never fork a process that may hold torch threads
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context, initializer=pool_initializer,
                                                initargs=(sandbox,)) as pool:
        scores = {}
        for name in names:
            scores[name] = score_one(course, name, pool, size, seed, progress, skip_equivalent)
    return scores


def score_one(course, name, pool, size, seed, progress, skip_equivalent):
    assignment = course.assignment(name)
    released = json.loads((course.release_dir / name / f"{name}.ipynb").read_text(encoding="utf-8"))
    source_dir = str(assignment.source_dir)
    plan = plan_cells(pool, source_dir, name, synthetic.perfect(name, released),
                      [cell.grade_id for cell in assignment.test_cells], course.cell_timeout)
    mutants = mutants_of(name)
    chosen = sample(mutants, size, seed)
    by_id = {m.id: Outcome(m, False, "not graded: listed as equivalent") for m in chosen
             if skip_equivalent and equivalence_reason(name, m) is not None}
    futures = {pool.submit(grade_mutant, source_dir, name, mutant_text(name, released, m), plan): m
               for m in chosen if m.id not in by_id}
    score = Score(name, len(mutants))
    for future in concurrent.futures.as_completed(futures):
        mutant = futures[future]
        killed, by = future.result()
        by_id[mutant.id] = Outcome(mutant, killed, by)
        if progress:
            progress(name, len(by_id), len(chosen))
    score.outcomes = [by_id[m.id] for m in chosen]
    return score


def mutant_text(name, released, mutant):
    return synthetic.dump(synthetic.solved(name, released, mutant.sources))


def plan_cells(pool, source_dir, name, reference_text, grade_ids, timeout):
    """Stages [(grade ids, test deadline)], cheapest first: the cheap cells together, then each
    costly cell alone. Each cell's cost is the reference's, which must get full marks there."""
    futures = [pool.submit(grade_cells, source_dir, name, reference_text, [cell], timeout)
               for cell in grade_ids]
    costs = {}
    for cell, future in zip(grade_ids, futures):
        result = future.result()
        if result.score < result.max_score:
            raise RuntimeError(f"the reference of {name} loses points in {cell}; a mutation score "
                               "needs a reference that gets full marks")
        costs[cell] = result.seconds
    cheap = [cell for cell in grade_ids if costs[cell] < CHEAP_SECONDS]
    costly = sorted((cell for cell in grade_ids if costs[cell] >= CHEAP_SECONDS), key=costs.get)
    stages = [(cheap, deadline(CHEAP_SECONDS))] if cheap else []
    return stages + [([cell], deadline(costs[cell])) for cell in costly]


def deadline(seconds):
    return max(DEADLINE_FLOOR, DEADLINE_FACTOR * seconds)


def grade_mutant(source_dir, name, text, plan):
    """(killed, by): grade the stages in order, stopping at the first that loses points."""
    for cells, test_timeout in plan:
        result = grade_cells(source_dir, name, text, cells, test_timeout)
        for cell in result.cells:
            if cell.points < cell.max_points:
                return True, f"{cell.grade_id} ({cell.status})"
    return False, ""


def grade_cells(source_dir, name, text, cells, test_timeout):
    """The engine's result for `text` as a student's notebook, graded on `cells` only."""
    from autograder.grading.engine import grade_notebook

    warm_up(os.environ.get("RNN_GRADE_SANDBOX", "auto"), name)
    assignment = assignment_at(source_dir, name)
    with tempfile.TemporaryDirectory(prefix="rnn-mutant-") as scratch:
        path = Path(scratch) / "mutant" / name / f"{name}.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(text, encoding="utf-8")
        return grade_notebook(assignment, "mutant", path, test_timeout=test_timeout, only=cells)
