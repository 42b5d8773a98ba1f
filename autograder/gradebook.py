"""nbgrader's gradebook, written through `nbgrader.api.Gradebook`, by one writer only.

Each submission's grades are set and committed in one transaction, so an interrupted
run leaves every submission either fully graded or untouched.
"""
import os
import sys
import tempfile
import warnings

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from sqlalchemy.exc import SAWarning

from autograder.timestamps import from_text

# nbgrader runs the `alembic` command to create a gradebook; it sits beside this Python,
# which is not on PATH when the kit runs as .venv/bin/autograder without activating.
os.environ["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
# nbgrader's own update_or_create_submission trips these; they are not ours to fix.
warnings.filterwarnings("ignore", category=SAWarning)


def nbgrader_api(course, **overrides):
    coursedir = CourseDirectory(config=course.config, root=str(course.root))
    for name, value in overrides.items():
        setattr(coursedir, name, value)
    return NbGraderAPI(coursedir=coursedir, config=course.config)


def generate_assignment(course, name, release_dir=None):
    """nbgrader's generate_assignment: strips solutions and hidden tests, records the cells."""
    overrides = {"release_directory": str(release_dir)} if release_dir else {}
    outcome = nbgrader_api(course, **overrides).generate_assignment(name, force=True, create=True)
    if not outcome["success"]:
        raise RuntimeError(f"nbgrader generate_assignment {name} failed:\n{outcome.get('log', '')}"
                           f"\n{outcome.get('error', '')}")


def ensure_registered(course, name):
    """Grading needs only a clone: record the assignment (creating the gradebook) when it is
    missing, or when its test cells have changed since it was recorded."""
    wanted = {cell.grade_id for cell in course.assignment(name).test_cells}
    recorded, graded = None, False
    with Gradebook(course.db_url, course.coursedir.course_id) as gb:
        try:
            notebook = gb.find_notebook(name, name)
            recorded, graded = {cell.name for cell in notebook.grade_cells}, bool(notebook.submissions)
        except MissingEntry:
            pass
    if recorded == wanted:
        return
    if graded:
        # nbgrader refuses to change the cells of a notebook that has submissions; say so before
        # grading anyone, rather than failing on the first student's missing grade row.
        raise GradebookMismatch(
            f"{name}: the notebook's test cells changed since students were graded (added "
            f"{sorted(wanted - recorded)}, removed {sorted(recorded - wanted)}), and nbgrader cannot "
            "change the cells of an assignment that has submissions. Restore those cells, or grade into "
            "a new gradebook (move gradebook.db aside).")
    with tempfile.TemporaryDirectory(prefix="rnn-register-") as scratch:
        generate_assignment(course, name, release_dir=scratch)


class GradebookMismatch(Exception):
    """The gradebook records other test cells than the notebook has, and cannot be updated."""


class Writer:
    """The gradebook, held open by the one writer of a grading run. Opening it costs more than
    recording a submission (a new SQLAlchemy engine compiles every query again), so a run opens
    it once; each submission's grades are still one commit."""

    def __init__(self, course):
        self.gb = Gradebook(course.db_url, course.coursedir.course_id)
        self.config = course.config

    def record(self, result):
        """Write one NotebookResult's per-cell scores, its submission time and the late penalty
        nbgrader's own plugin (`LateSubmissionPlugin`, or the course's) gives; return the penalty."""
        gb = self.gb
        gb.update_or_create_student(result.student)  # without names: a roster's are kept
        timestamp = from_text(result.submitted_at)
        submission = gb.update_or_create_submission(result.assignment, result.student,
                                                    **({"timestamp": timestamp} if timestamp else {}))
        grades = {grade.name: grade for notebook in submission.notebooks for grade in notebook.grades
                  if notebook.name == result.assignment}
        try:
            for cell in result.cells:
                if cell.grade_id not in grades:
                    raise MissingEntry(f"no grade cell {cell.grade_id!r} in {result.assignment} "
                                       f"of {result.student}")
                grades[cell.grade_id].auto_score = cell.points
                grades[cell.grade_id].needs_manual_grade = False
            penalty = self.late_penalty(submission, result)
            for notebook in submission.notebooks:
                notebook.late_submission_penalty = penalty or None
            gb.db.commit()
            return penalty
        except BaseException:
            gb.db.rollback()  # the next submission starts from what is committed
            raise

    def late_penalty(self, submission, result):
        """As nbgrader's AssignLatePenalties computes it: the plugin's penalty for the seconds past
        the assignment's due date, between 0 and the score."""
        from nbgrader.preprocessors import AssignLatePenalties

        duedate, timestamp = submission.assignment.duedate, submission.timestamp
        if duedate is None or timestamp is None or timestamp <= duedate:
            return 0.0
        late = AssignLatePenalties(config=self.config)
        late.init_plugin()
        penalty = late.plugin_inst.late_submission_penalty(
            result.student, result.score, (timestamp - duedate).total_seconds())
        return min(max(float(penalty or 0.0), 0.0), result.score)

    def close(self):
        self.gb.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def record(course, result):
    """Write one NotebookResult's per-cell scores, opening the gradebook for it alone."""
    with Writer(course) as writer:
        writer.record(result)


def scores(course, name):
    """{student: {grade_id: auto_score}} as the gradebook holds them."""
    table = {}
    with Gradebook(course.db_url, course.coursedir.course_id) as gb:
        for submission in gb.find_assignment(name).submissions:
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    table.setdefault(submission.student.id, {})[grade.name] = grade.auto_score
    return table
