"""Two CSV files per assignment, from the gradebook and the kit's records.

`NAME-cells.csv`: one row per student; per test cell its score and how it ended (passed, failed,
error, timeout); the submission time; the raw score, late penalty and score as grades.csv has them.

`NAME-lms.csv`: the layout Canvas imports as a grade column, which Moodle imports as well:
Student, ID, SIS User ID, SIS Login ID, Section, then one column named after the assignment
holding the score (after any late penalty). `Student` is "Last, First" (the id without a
roster); `ID` (Canvas's internal number) is left empty so that Canvas matches on the SIS
columns: `SIS User ID` is the nbgrader student id, `SIS Login ID` the roster's email where it has
one, else the id. In Moodle (Grades > Import > CSV file), map "SIS User ID" to "ID number" (or
"SIS Login ID" to "Email address") and the assignment's column to its grade item.
"""
import csv

from autograder.classdata import cell_ids

LMS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def write_cells_csv(course, name, rows, path):
    cells = cell_ids(course, name)
    header = ["student_id", "first_name", "last_name", "email", "timestamp"]
    for grade_id in cells:
        header += [f"{grade_id} score", f"{grade_id} status"]
    header += ["raw_score", "late_submission_penalty", "score", "max_score"]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            line = [row.student, row.first_name, row.last_name, row.email, row.timestamp]
            for grade_id in cells:
                score, _, status = row.cells.get(grade_id, ("", "", "not graded"))
                line += [_number(score), status]
            line += [_number(row.raw_score), _number(row.late_penalty), _number(row.score), _number(row.max_score)]
            writer.writerow(line)
    return path


def lms_column(name, rows):
    points = max((row.max_score for row in rows), default=0)
    return f"{name} ({points:g} points)"


def write_lms_csv(name, rows, path):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(LMS_COLUMNS + [lms_column(name, rows)])
        for row in rows:
            student = ", ".join(p for p in (row.last_name, row.first_name) if p) or row.student
            writer.writerow([student, "", row.student, row.email or row.student, "", _number(row.score)])
    return path


def _number(value):
    return f"{value:g}" if isinstance(value, float) else value
