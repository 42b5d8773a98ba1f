"""`autograder demo`: the kit's whole job on built-in data, in a scratch course.

Release every assignment, hand it to a synthetic class (a perfect student, an untouched
stub, two known mistakes, a notebook with broken JSON, one with a deleted test cell),
grade them all into a fresh gradebook, and print the scores per student and question.
"""
import shutil
import tempfile
import time
from pathlib import Path

from autograder import gradebook
from autograder.course import KIT_ROOT, Course
from autograder.grading.batch import Options, Pool, default_workers, grade_assignment
from autograder.synthetic import demo_class, hand_out


def build_course(root, names):
    shutil.copy(KIT_ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    for name in names:
        shutil.copytree(KIT_ROOT / "assignments" / name, root / "assignments" / name,
                        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    return Course(root)


def table(course, name, results):
    cells = [cell.grade_id for cell in course.assignment(name).test_cells]
    stored = gradebook.scores(course, name)
    width = max(len(r.student) for r in results) + 2
    lines = [f"\n{name}", "student".ljust(width) + "".join(c[:18].rjust(20) for c in cells) + "total".rjust(10)]
    for result in results:
        by_id = {cell.grade_id: cell for cell in result.cells}
        row = result.student.ljust(width)
        for grade_id in cells:
            cell = by_id[grade_id]
            mark = "" if cell.status == "passed" else f" {cell.status}"
            row += f"{stored[result.student][grade_id]:g}/{cell.max_points:g}{mark}".rjust(20)
        lines.append(row + f"{result.score:g}/{result.max_score:g}".rjust(10))
        lines += [f"{'':{width}}! {problem[:110]}" for problem in result.problems[:1]]
    return "\n".join(lines)


def run_demo(names=None, keep=False):
    started = time.monotonic()
    names = names or Course().assignment_names()
    scratch = Path(tempfile.mkdtemp(prefix="rnn-demo-"))
    try:
        course = build_course(scratch, names)
        workers = default_workers()
        with Pool(workers) as pool:  # started once, for every assignment
            for name in names:
                hand_out(course, name, demo_class(name))
                results = grade_assignment(course, name, options=Options(workers=workers), pool=pool)
                print(table(course, name, results))
        print(f"\nscores as stored in {course.root / 'gradebook.db'} (nbgrader's gradebook); "
              f"{time.monotonic() - started:.0f} s in all")
    finally:
        if keep:
            print(f"scratch course kept at {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0
