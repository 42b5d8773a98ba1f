"""A class roster (CSV: id, first name, last name, email) into nbgrader's gradebook, so that
formgrader and the exports show names instead of "None, None".

The header is read loosely ("First name", "first_name" and "first-name" are one column); the
rows are checked first and written only if every one is good, so a bad file changes nothing.
"""
import csv
import re

COLUMNS = ("id", "first_name", "last_name", "email")
ALIASES = {"student_id": "id", "student": "id", "first": "first_name", "given_name": "first_name",
           "last": "last_name", "surname": "last_name", "family_name": "last_name",
           "email_address": "email", "e_mail": "email"}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


class RosterError(ValueError):
    """The roster cannot be imported; the message says which rows and why."""


def column(header):
    key = re.sub(r"[\s\-]+", "_", header.strip().lower())
    return ALIASES.get(key, key)


def read_roster(path):
    """[{id, first_name, last_name, email}] from the CSV at `path`; RosterError if any row is bad."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise RosterError(f"cannot read the roster {path}: {error}") from None
    if not rows:
        raise RosterError(f"the roster {path} is empty")
    header = [column(name) for name in rows[0]]
    if "id" not in header:
        raise RosterError(f"the roster {path} has no id column; its columns are {rows[0]} "
                          f"(expected {', '.join(COLUMNS)})")
    students, problems, seen = [], [], {}
    for line, values in enumerate(rows[1:], start=2):
        if not any(value.strip() for value in values):
            continue
        record = {name: value.strip() for name, value in zip(header, values) if name in COLUMNS}
        student = {name: record.get(name) or None for name in COLUMNS}
        if not student["id"]:
            problems.append(f"line {line}: no student id")
        elif student["id"] in seen:
            problems.append(f"line {line}: id {student['id']!r} again (first on line {seen[student['id']]})")
        elif "/" in student["id"] or student["id"].startswith("."):
            problems.append(f"line {line}: id {student['id']!r} cannot be a folder name under submitted/")
        if student["email"] and not EMAIL.match(student["email"]):
            problems.append(f"line {line}: {student['email']!r} is not an email address")
        seen.setdefault(student["id"], line)
        students.append(student)
    if problems:
        raise RosterError(f"the roster {path} was not imported (nothing changed):\n  " + "\n  ".join(problems))
    return students


def import_roster(course, path):
    """Add or update every student of the roster; returns (added, updated)."""
    from nbgrader.api import Gradebook

    students = read_roster(path)
    added = updated = 0
    with Gradebook(course.db_url, course.coursedir.course_id) as gb:
        known = {student.id for student in gb.students}
        for student in students:
            fields = {name: student[name] for name in COLUMNS[1:]}
            gb.update_or_create_student(student["id"], **fields)
            added, updated = (added, updated + 1) if student["id"] in known else (added + 1, updated)
    return added, updated
