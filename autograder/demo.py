"""`autograder demo`: the kit's whole job on built-in data, in a scratch course.

Release every assignment, hand it to a synthetic class (a perfect student, an untouched
stub, two known mistakes, a notebook with broken JSON, one with a deleted test cell),
grade them all into a fresh gradebook, and print the scores per student and question.
"""
import shutil
import tempfile
import textwrap
import time
from pathlib import Path

from autograder import gradebook
from autograder.course import KIT_ROOT, Course
from autograder.grading.batch import Options, Pool, default_workers, grade_assignment
from autograder.report import write_reports
from autograder.synthetic import demo_class, hand_out


def build_course(root, names):
    shutil.copy(KIT_ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    for name in names:
        shutil.copytree(KIT_ROOT / "assignments" / name, root / "assignments" / name,
                        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    return Course(root)


MARKS = {"passed": "", "failed": " F", "error": " E", "timeout": " T"}
COLUMN = 7  # one student's column: "10 E" fits, and six students fit a terminal beside the names


def table(course, name, results):
    """The scores as the gradebook stores them: a row per test cell (full names), a column per
    student (lettered, with a legend), so that any number of cells fits an 80-column terminal."""
    cells = course.assignment(name).test_cells
    stored = gradebook.scores(course, name)
    letters = [chr(ord("A") + i) if i < 26 else str(i) for i in range(len(results))]
    legend = ", ".join(f"{letter} {result.student}" for letter, result in zip(letters, results))
    width = max(len("test cell"), *(len(cell.grade_id) for cell in cells))
    lines = [f"\n{name} ({course.assignment(name).max_score:g} points)"]
    lines += wrap(f"students: {legend}", "  ", "    ")
    lines.append("  " + "test cell".ljust(width) + "points".rjust(8) + "".join(x.rjust(COLUMN) for x in letters))
    for cell in cells:
        row = "  " + cell.grade_id.ljust(width) + f"{cell.points:g}".rjust(8)
        for result in results:
            outcome = next((c for c in result.cells if c.grade_id == cell.grade_id), None)
            mark = MARKS.get(outcome.status, " ?") if outcome else " ?"
            row += f"{stored[result.student][cell.grade_id]:g}{mark}".rjust(COLUMN)
        lines.append(row)
    lines.append("  " + "total".ljust(width) + f"{course.assignment(name).max_score:g}".rjust(8)
                 + "".join(f"{sum(stored[r.student].values()):g}".rjust(COLUMN) for r in results))
    lines.append("  (F failed, E error, T timed out: a test of that cell lost its share)")
    for letter, result in zip(letters, results):
        for problem in result.problems[:1]:
            lines += wrap(f"{letter}: {' '.join(problem.split())}", "  ! ", "    ")[:3]
    return "\n".join(lines)


def wrap(text, first, rest):
    return textwrap.wrap(text, 78, initial_indent=first, subsequent_indent=rest,
                         break_on_hyphens=False, break_long_words=False)


REPORTS = KIT_ROOT / "demo-course" / "reports"  # outlives the scratch course; `make clean` removes it


def run_demo(names=None, keep=False, reports=REPORTS):
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
        print(f"\nscores as stored in the course's gradebook.db (nbgrader's); "
              f"{time.monotonic() - started:.0f} s in all")
        print("\n".join(wrap(
            "In a course, each student's feedback goes to autograded/STUDENT/NAME/ (feedback.txt, "
            "results.json, the notebook with each test cell's outcome); `nbgrader generate_feedback "
            "NAME` makes the pages students receive, in feedback/STUDENT/NAME/.", "", "")))
        pages = write_reports(course, names, reports)
    finally:
        if keep:
            print(f"scratch course kept at {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    print(f"course report (open it in a browser): {pages[-1]}")
    return 0
