"""Grade generated mutants as submissions, with the engine, and score each assignment.

A mutant is killed when it loses points in some cell, as a student's notebook with the same
code would. Its cells are graded one at a time (a session starts in hundredths of a second):
first those where a mistake in the changed definition most likely shows (the cells the catalog's
own mutants of it name, or named after it), then the others cheapest first (each cell's cost is
measured once, on the reference). Grading stops at the first cell that loses points, so most
mutants cost one cell and only the few that survive pay for the training cells. A test runs
under a deadline of a few times the reference's cost, so a mutant that loops forever is a
timeout (killed) in seconds, not in the course's minute.
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
from autograder.grading.isolation import mode
from autograder.grading.task import assignment_at, pool_initializer, warm_up
from autograder.mutants import catalog_for
from autograder.mutation.equivalent import EQUIVALENT
from autograder.mutation.generate import mutants_of

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
    sandbox = mode(sandbox)
    context = multiprocessing.get_context("spawn")  # never fork a process that may hold torch threads
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context, initializer=pool_initializer,
                                                initargs=(sandbox, os.getpid())) as pool:
        # Every assignment's reference is timed first, so no worker waits while one is.
        timings = {name: time_cells(pool, course, name) for name in names}
        pending = {name: submit_mutants(pool, course, name, plan_cells(name, timings[name]), size, seed,
                                        skip_equivalent) for name in names}
        return {name: collect(name, *pending[name], progress) for name in names}


def released_notebook(course, name):
    return json.loads((course.release_dir / name / f"{name}.ipynb").read_text(encoding="utf-8"))


def time_cells(pool, course, name):
    """{grade id: future of the reference's result in that cell alone}."""
    assignment = course.assignment(name)
    text = synthetic.perfect(name, released_notebook(course, name))
    return {cell.grade_id: pool.submit(grade_cells, str(assignment.source_dir), name, text, [cell.grade_id],
                                       course.cell_timeout)
            for cell in assignment.test_cells}


def plan_cells(name, timings):
    """[(grade id, test deadline)], cheapest first. Each cell's cost is the reference's, which must
    get full marks there."""
    costs = {}
    for cell, future in timings.items():
        result = future.result()
        if result.score < result.max_score:
            raise RuntimeError(f"the reference of {name} loses points in {cell}; a mutation score "
                               "needs a reference that gets full marks")
        costs[cell] = result.seconds
    return [(cell, deadline(costs[cell])) for cell in sorted(costs, key=costs.get)]


def likely_cells_first(plan, name, definition):
    """The plan with first the cells where a mistake in `definition` most likely shows: those the
    catalog's own mutants of it name, and those named after it (RNNTagger: test_rnn_tagger)."""
    likely = {cell for mutant in catalog_for(name).mutants if definition in mutant.sources
              for cell in mutant.cells}

    def squeezed(text):
        return text.replace("_", "").lower()
    return sorted(plan, key=lambda step: not (step[0] in likely or squeezed(definition) in squeezed(step[0])))


def submit_mutants(pool, course, name, plan, size, seed, skip_equivalent):
    """(how many were generated, the chosen ones, the outcomes known without grading,
    {future: mutant} of the rest)."""
    source_dir, released = str(course.assignment(name).source_dir), released_notebook(course, name)
    mutants = mutants_of(name)
    chosen = sample(mutants, size, seed)
    known = {m.id: Outcome(m, False, "not graded: listed as equivalent") for m in chosen
             if skip_equivalent and equivalence_reason(name, m) is not None}
    futures = {pool.submit(grade_mutant, source_dir, name, mutant_text(name, released, m),
                           likely_cells_first(plan, name, m.definition)): m
               for m in chosen if m.id not in known}
    return len(mutants), chosen, known, futures


def collect(name, generated, chosen, known, futures, progress):
    outcomes = dict(known)
    for future in concurrent.futures.as_completed(futures):
        mutant = futures[future]
        outcomes[mutant.id] = Outcome(mutant, *future.result())
        if progress:
            progress(name, len(outcomes), len(chosen))
    return Score(name, generated, [outcomes[m.id] for m in chosen])


def mutant_text(name, released, mutant):
    return synthetic.dump(synthetic.solved(name, released, mutant.sources))


def deadline(seconds):
    return max(DEADLINE_FLOOR, DEADLINE_FACTOR * seconds)


def grade_mutant(source_dir, name, text, plan):
    """(killed, by): grade the cells in order, stopping at the first that loses points."""
    for cell, test_timeout in plan:
        result = grade_cells(source_dir, name, text, [cell], test_timeout)
        for cell in result.cells:
            if cell.points < cell.max_points:
                return True, f"{cell.grade_id} ({cell.status})"
    return False, ""


def grade_cells(source_dir, name, text, cells, test_timeout):
    """The engine's result for `text` as a student's notebook, graded on `cells` only."""
    from autograder.grading.engine import grade_notebook

    warm_up(mode(), name)
    assignment = assignment_at(source_dir, name)
    with tempfile.TemporaryDirectory(prefix="rnn-mutant-") as scratch:
        path = Path(scratch) / "mutant" / name / f"{name}.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(text, encoding="utf-8")
        return grade_notebook(assignment, "mutant", path, test_timeout=test_timeout, only=cells)
