"""The `autograder` command: every subcommand explains itself."""
import subprocess
import sys

import pytest

from autograder.cli import build_parser

COMMANDS = sorted(build_parser()._subparsers._group_actions[0].choices)


@pytest.mark.parametrize("command", [[], *[[c] for c in COMMANDS]])
def test_help_is_available_for_every_command(command):
    run = subprocess.run([sys.executable, "-m", "autograder", *command, "--help"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "usage: autograder" in run.stdout


def test_grading_an_unknown_assignment_names_the_ones_that_exist():
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", "no_such_thing"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode != 0
    assert "param_count" in run.stderr, run.stderr


def test_grading_several_assignments_in_one_command_grades_each(scratch_course):
    from autograder import gradebook, synthetic

    course = scratch_course("param_count", "memory")
    for name in ("param_count", "memory"):
        synthetic.hand_out(course, name, {"ada": synthetic.perfect})
    run = subprocess.run([sys.executable, "-m", "autograder", "--course", str(course.root), "grade",
                          "param_count", "memory", "-q", "--workers", "2"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "== param_count" in run.stdout and "== memory" in run.stdout, run.stdout
    for name, points in [("param_count", 8), ("memory", 10)]:
        stored = gradebook.scores(course, name)
        assert sum(stored["ada"].values()) == points, f"{name}: expected {points} points in the gradebook, got {stored}"


def test_one_pool_grades_several_assignments_with_the_same_processes(scratch_course):
    from autograder import synthetic
    from autograder.grading.batch import Options, Pool, grade_assignment

    course = scratch_course("param_count", "clipping")
    processes = []
    with Pool(2) as pool:
        for name in ("param_count", "clipping"):
            synthetic.hand_out(course, name, {"ada": synthetic.perfect, "bob": synthetic.perfect})
            results = grade_assignment(course, name, pool=pool, options=Options(workers=2, progress=False))
            assert [r.score == r.max_score for r in results] == [True, True], [r.score for r in results]
            processes.append(set(pool.executor._processes))
    assert len(processes[0]) == 2, f"the pool's own processes should have graded, found {processes[0]}"
    assert processes[0] == processes[1], (
        f"the second assignment was graded by processes {processes[1]}, not the first one's {processes[0]}: "
        "the grading processes (torch, the sandbox) were started twice")


def test_a_course_is_found_as_nbgrader_finds_it_from_inside_it_or_below(kit, tmp_path):
    from autograder import gradebook, synthetic
    from tests.test_engine import NAME, make_course

    course = make_course(tmp_path, kit, {"perfect": synthetic.perfect})
    for where in (course.root, course.submitted_dir / "perfect"):
        run = subprocess.run([sys.executable, "-m", "autograder", "grade", NAME, "-q", "--workers", "1",
                              "--force"], cwd=where, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, f"graded from {where}:\n{run.stderr}"
        assert sum(gradebook.scores(course, NAME)["perfect"].values()) == 8, (
            f"graded from {where}, the copy's own gradebook should hold the grade")
    assert not (kit.autograded_dir / "perfect").exists(), "the kit's own folder must not be touched"


def test_outside_any_course_the_command_says_where_it_looked(tmp_path):
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", "param_count"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode != 0
    assert "no course here" in run.stderr and "--course" in run.stderr, run.stderr
