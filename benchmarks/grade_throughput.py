"""Grade the same class with vanilla `nbgrader autograde` and with the kit's engine; compare.

    .venv/bin/python benchmarks/grade_throughput.py [--students 40] [--workers N] [--skip-vanilla]

Builds a scratch course with every assignment the kit has, and a class of at least
`--students` notebooks per run, made by autograder/synthetic.py: honest ones (the reference
and each known alternative solution) and buggy ones (each mutant of the catalog). Then:
1. vanilla: `nbgrader autograde NAME --force` in its own copy of the course (one kernel per
   notebook, tests and student code in the same process, one notebook at a time);
2. the engine: every assignment graded with `force`, by one set of N grading processes (as
   `autograder grade NAME1 NAME2 ...` does), in another copy;
3. checks both give the same per-cell scores on every honest submission;
4. prints the throughput ratio and the engine's overhead per submission: each submission graded
   again in this process (sandbox warm, one core, one after another as a pool process grades
   them), minus the time its tests take run in-process on the same code, no sandbox; plus the
   writer's time to record it. The one-off start of the grading processes is in the throughput,
   not in the overhead.
"""
import argparse
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path
from statistics import mean, median

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))



def load_kit():
    """The kit's modules, imported here, not at the top: the engine's pool workers are spawned
    and re-import this file, and must not pay for nbgrader's import (the gradebook's writer does)."""
    global gradebook, synthetic, KIT_ROOT, Course, Options, Pool, default_workers, grade_assignment
    global Judge, tests_for, catalog_for, release, load_notebook, build_course, record, grade_notebook, warm_up
    global default_launcher
    from autograder import gradebook, synthetic
    from autograder.course import KIT_ROOT, Course
    from autograder.demo import build_course
    from autograder.grading.batch import Options, Pool, default_workers, grade_assignment, record
    from autograder.grading.engine import grade_notebook
    from autograder.grading.judge import Judge
    from autograder.grading.launchers import default_launcher
    from autograder.grading.task import warm_up
    from autograder.hidden import tests_for
    from autograder.mutants import catalog_for
    from autograder.release.generate import release
    from autograder.student.nbloader import load_notebook

def class_of(name, size):
    """{student: (honest?, builder)}: every alternative and mutant once, then the reference
    and the rest again, round robin, until there are `size` of them."""
    catalog = catalog_for(name)
    kinds = [("reference", True, synthetic.perfect)]
    kinds += [(f"alt-{v.name}", True, synthetic.variant(v)) for v in catalog.alternatives]
    kinds += [(f"bug-{v.name}", False, synthetic.variant(v)) for v in catalog.mutants]
    students = {}
    for index, (label, honest, build) in zip(range(max(size, len(kinds))), itertools.cycle(kinds)):
        students[f"{index:03d}-{label}"[:60]] = (honest, build)
    return students


def vanilla(course, name):
    nbgrader = Path(sys.executable).parent / "nbgrader"
    started = time.monotonic()
    run = subprocess.run([str(nbgrader), "autograde", name, "--force", "--create"], cwd=course.root,
                         capture_output=True, text=True,
                         env={**os.environ, "PATH": f"{nbgrader.parent}{os.pathsep}{os.environ['PATH']}"})
    elapsed = time.monotonic() - started
    if run.returncode != 0:
        print(run.stderr[-3000:], file=sys.stderr)
    return elapsed


def in_process_seconds(course, name, path):
    """The tests' own compute: load the notebook and run its visible and hidden tests here."""
    assignment = course.assignment(name)
    started = time.monotonic()
    module = load_notebook(path)
    student = types.SimpleNamespace(**{k: v for k, v in vars(module).items() if not k.startswith("_")})
    sys.path.insert(0, str(assignment.source_dir))
    try:
        for cell in assignment.test_cells:
            for body in [lambda cell=cell: exec(compile(cell.visible, "<visible>", "exec"), dict(vars(module))),
                         *[lambda t=t: t.function(student, Judge(name, student))
                           for t in tests_for(name).cell(cell.grade_id)]]:
                try:
                    body()
                except Exception:  # a buggy submission fails its tests; we only time them
                    pass
    finally:
        sys.path.remove(str(assignment.source_dir))
    return time.monotonic() - started


def overheads(course, name, graded):
    """Per submission: the engine's seconds grading it in this process (sandbox started, hidden
    tests imported), in a stream as a pool process grades them, minus the seconds its tests take
    in-process on the same code, no sandbox. In a stream the fork server ends one submission's
    processes while the grader goes on to the next: that wait lands in the next one's seconds,
    and the last one's in its own."""
    warm_up("auto", name)  # what a pool process does before its first submission
    assignment = course.assignment(name)
    paths = [course.submitted_dir / result.student / name / f"{name}.ipynb" for result in graded]
    # Once per process, not per submission: what hidden tests compute once and keep (the
    # tagging data, PyTorch's measurements), here as in a pool process after its first.
    grade_notebook(assignment, graded[0].student, paths[0], test_timeout=course.cell_timeout)
    in_process_seconds(course, name, paths[0])
    launcher = default_launcher()
    launcher.settle()
    engine = []
    for result, path in zip(graded, paths):
        started = time.monotonic()
        grade_notebook(assignment, result.student, path, test_timeout=course.cell_timeout)
        engine.append(time.monotonic() - started)
    started = time.monotonic()
    launcher.settle()
    engine[-1] += time.monotonic() - started
    return [seconds - in_process_seconds(course, name, path) for seconds, path in zip(engine, paths)]


def recording_seconds(course, name, graded):
    """Per submission: the writer's time to record a result (gradebook, feedback, stamp)."""
    assignment = course.assignment(name)
    stamp = {"submission": "benchmark", "sources": "benchmark"}
    seconds = []
    with gradebook.Writer(course) as writer:  # as grade_assignment holds it: open for the run
        for result in graded:
            path = course.submitted_dir / result.student / name / f"{name}.ipynb"
            started = time.monotonic()
            record(writer, course, assignment, path, stamp, result)
            seconds.append(time.monotonic() - started)
    return seconds


def main():
    load_kit()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40, help="notebooks in all (default 40)")
    parser.add_argument("--workers", type=int, default=default_workers(), help="default: the core count")
    parser.add_argument("--skip-vanilla", action="store_true", help="time only the engine")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("names", nargs="*", help="assignments (default: all; every mutant and "
                        "alternative of each is graded once, so all of them take a while)")
    args = parser.parse_args()

    names = args.names or Course().assignment_names()
    per_assignment = -(-args.students // len(names))
    scratch = Path(tempfile.mkdtemp(prefix="rnn-bench-"))
    try:
        (scratch / "vanilla").mkdir()
        (scratch / "engine").mkdir()
        courses = {kind: build_course(scratch / kind, names) for kind in ("vanilla", "engine")}
        classes = {name: class_of(name, per_assignment) for name in names}
        for name in names:
            released_dir = release(courses["vanilla"], name, release_dir=scratch / "released")
            for course in courses.values():
                synthetic.hand_out(course, name, {s: build for s, (_, build) in classes[name].items()}, released_dir)
        count = sum(len(c) for c in classes.values())
        print(f"{count} notebooks ({', '.join(f'{len(classes[n])} of {n}' for n in names)}), "
              f"{sum(h for c in classes.values() for h, _ in c.values())} honest; "
              f"{args.workers} workers, {os.cpu_count()} cores")

        # As `autograder grade NAME1 NAME2 ...` does: one set of grading processes for all.
        started, results = time.monotonic(), {}
        with Pool(args.workers) as pool:
            for name in names:
                results[name] = grade_assignment(courses["engine"], name, pool=pool,
                                                 options=Options(workers=args.workers, force=True, progress=False))
        engine_seconds = time.monotonic() - started
        print(f"engine: {engine_seconds:.1f} s, {count / engine_seconds:.2f} notebooks/s "
              "(grading processes started once, included)")

        grading, recording = [], []
        for name in names:
            grading += overheads(courses["engine"], name, results[name])
            recording += recording_seconds(courses["engine"], name, results[name])
        total = [g + r for g, r in zip(grading, recording)]
        print("engine overhead per submission, beyond the tests' own compute (each submission graded "
              "again, warm, one after another; the same tests in-process on one core for comparison):")
        for label, values in [("grading", grading), ("recording", recording), ("total", total)]:
            print(f"  {label:<10} {mean(values):.3f} s mean, {median(values):.3f} s median, "
                  f"{max(values):.3f} s worst")
        if args.skip_vanilla:
            return 0

        vanilla_seconds = sum(vanilla(courses["vanilla"], name) for name in names)
        print(f"vanilla nbgrader autograde: {vanilla_seconds:.1f} s, {count / vanilla_seconds:.2f} notebooks/s")
        print(f"throughput ratio, engine / vanilla: {vanilla_seconds / engine_seconds:.1f}x")

        mismatches = 0
        for name in names:
            theirs, ours = gradebook.scores(courses["vanilla"], name), gradebook.scores(courses["engine"], name)
            for student, (honest, _build) in classes[name].items():
                if honest and theirs.get(student) != ours.get(student):
                    mismatches += 1
                    print(f"  MISMATCH {name}/{student}: vanilla {theirs.get(student)} engine {ours.get(student)}")
        honest_count = sum(h for c in classes.values() for h, _ in c.values())
        print(f"per-cell scores on honest submissions: {honest_count - mismatches}/{honest_count} identical")
        return 1 if mismatches else 0
    finally:
        if args.keep:
            print(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
