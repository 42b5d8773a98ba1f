"""Submission times reach the gradebook (so nbgrader's late penalty and grades.csv work), and a
roster puts names on the students."""
import csv
import datetime
import json
import os
import subprocess
import sys

import pytest
from nbgrader.api import Gradebook

from autograder import gradebook, synthetic
from autograder.grading.batch import Options, grade_assignment
from autograder.roster import RosterError, import_roster, read_roster
from autograder.timestamps import submission_time

NAME = "param_count"
DUE = datetime.datetime(2026, 11, 30, 12, 0, 0)


def test_timestamp_txt_wins_over_the_file_time(tmp_path):
    (tmp_path / "x.ipynb").write_text("{}")
    (tmp_path / "timestamp.txt").write_text("2026-11-30T13:30:00.5+01:00\n")
    assert submission_time(tmp_path, "x.ipynb") == datetime.datetime(2026, 11, 30, 12, 30, 0, 500000)


def test_without_timestamp_txt_the_notebook_file_time_counts(tmp_path):
    notebook = tmp_path / "x.ipynb"
    notebook.write_text("{}")
    os.utime(notebook, (1_780_000_000, 1_780_000_000))
    (tmp_path / "timestamp.txt").write_text("not a time")
    assert submission_time(tmp_path, "x.ipynb") == datetime.datetime(2026, 5, 28, 20, 26, 40)


def test_late_work_gets_nbgrader_s_penalty_and_every_export_agrees(scratch_course):
    course = scratch_course(NAME)
    course.config.LateSubmissionPlugin.penalty_method = "zero"  # nbgrader's own plugin
    synthetic.hand_out(course, NAME, {"early": synthetic.perfect, "late": synthetic.perfect})
    (course.submitted_dir / "early" / NAME / "timestamp.txt").write_text("2026-11-30 11:00:00 UTC")
    (course.submitted_dir / "late" / NAME / "timestamp.txt").write_text("2026-11-30 14:00:00 UTC")
    gradebook.ensure_registered(course, NAME)
    with Gradebook(course.db_url, course.coursedir.course_id) as gb:
        gb.update_or_create_assignment(NAME, duedate=DUE)
    results = {r.student: r for r in grade_assignment(course, NAME, options=Options(workers=1, progress=False))}
    full = course.assignment(NAME).max_score
    assert (results["early"].final_score, results["late"].final_score) == (full, 0), (
        "penalty_method 'zero' takes the whole score of late work, and nothing of work on time")

    bin_dir = os.path.dirname(sys.executable)
    run = subprocess.run([os.path.join(bin_dir, "nbgrader"), "export", "--to", "grades.csv"], cwd=course.root,
                         env={**os.environ, "PATH": os.pathsep.join([bin_dir, os.environ["PATH"]])},
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    rows = {row["student_id"]: row for row in csv.DictReader(open(course.root / "grades.csv"))}
    assert rows["late"]["timestamp"].startswith("2026-11-30 14:00:00"), rows["late"]
    assert rows["early"]["timestamp"].startswith("2026-11-30 11:00:00"), rows["early"]
    for student, result in results.items():
        feedback = (course.autograded_dir / student / NAME / "feedback.txt").read_text()
        gradescope = json.loads((course.autograded_dir / student / NAME / "results.json").read_text())
        assert float(rows[student]["score"]) == result.final_score
        assert float(rows[student]["late_submission_penalty"]) == result.late_penalty
        assert f": {result.final_score:g} / {full:g}" in feedback.splitlines()[0], feedback
        assert gradescope["score"] == result.final_score


def write_csv(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_a_roster_puts_names_in_the_gradebook_and_keeps_them_through_grading(scratch_course, tmp_path):
    course = scratch_course(NAME)
    roster = write_csv(tmp_path / "roster.csv", "Student ID,First Name,Last Name,E-mail\n"
                                                "perfect,Ada,Lovelace,ada@example.org\nbo,Bo,Li,\n")
    assert import_roster(course, roster) == (2, 0)
    synthetic.hand_out(course, NAME, {"perfect": synthetic.perfect})
    grade_assignment(course, NAME, options=Options(workers=1, progress=False))
    assert import_roster(course, roster) == (0, 2)
    with Gradebook(course.db_url, course.coursedir.course_id) as gb:
        ada = gb.find_student("perfect")
        assert (ada.first_name, ada.last_name, ada.email) == ("Ada", "Lovelace", "ada@example.org")
        assert gb.find_student("bo").email is None


def test_a_bad_roster_says_which_rows_and_changes_nothing(tmp_path):
    roster = write_csv(tmp_path / "roster.csv", "id,first_name\n,Ann\nx,Bo\nx,Cy\n../y,Di\n")
    with pytest.raises(RosterError) as error:
        read_roster(roster)
    text = str(error.value)
    assert "line 2: no student id" in text and "line 4: id 'x' again" in text and "line 5" in text, text
    with pytest.raises(RosterError, match="no id column"):
        read_roster(write_csv(tmp_path / "r2.csv", "name,email\nAnn,a@b.c\n"))
