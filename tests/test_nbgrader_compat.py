"""Vanilla `nbgrader autograde` and the kit's engine give the same per-cell scores to honest work.

Where they differ by design: vanilla nbgrader scores a cell all or nothing, the engine splits
it across its tests by weight, so a cell the engine scores in part is a 0 under vanilla."""
import os
import subprocess
import sys

from autograder import gradebook, synthetic
from autograder.grading.batch import grade_assignment
from autograder.mutants import catalog_for

NAME = "param_count"


def honest_class():
    catalog = catalog_for(NAME)
    return {"perfect": synthetic.perfect, "stub": synthetic.untouched,
            "one-bias": synthetic.variant(catalog["one_bias"]),
            "linear-ignores-directions": synthetic.variant(catalog["linear_ignores_directions"]),
            "closed-form": synthetic.variant(catalog["closed_form"])}


def test_vanilla_nbgrader_and_the_engine_agree_on_every_cell(tmp_path):
    from autograder.demo import build_course

    vanilla, engine = (build_course(_mkdir(tmp_path / n), [NAME]) for n in ("vanilla", "engine"))
    synthetic.hand_out(vanilla, NAME, honest_class())
    synthetic.hand_out(engine, NAME, honest_class())

    env = {**os.environ, "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ["PATH"]])}
    run = subprocess.run([os.path.join(os.path.dirname(sys.executable), "nbgrader"), "autograde", NAME],
                         cwd=vanilla.root, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"nbgrader autograde failed:\n{run.stderr[-3000:]}"
    grade_assignment(engine, NAME, progress=False)

    theirs, ours = gradebook.scores(vanilla, NAME), gradebook.scores(engine, NAME)
    assert set(theirs) == set(ours) == set(honest_class())
    full_marks = {cell.grade_id: cell.points for cell in engine.assignment(NAME).test_cells}
    for student in theirs:
        all_or_nothing = {cell: score if score in (0, full_marks[cell]) else 0 for cell, score in ours[student].items()}
        assert all_or_nothing == theirs[student], (
            f"{student}: the engine scored {ours[student]}, vanilla nbgrader {theirs[student]}")
    assert ours["perfect"] == full_marks, f"the perfect student should get {full_marks}, got {ours['perfect']}"
    assert sum(ours["stub"].values()) == 0


def _mkdir(path):
    path.mkdir()
    return path
