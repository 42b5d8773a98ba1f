"""One assignment's class as the report and the exports read it: the gradebook for scores, names
and times (the instructor may have changed a grade in formgrader), the kit's own records for how
each test ended, how long grading took, and which known mistakes the diagnosis named."""
import json
from dataclasses import dataclass, field

from autograder.grading.results import SEVERITY, result_from_dict
from autograder.messages import plain


@dataclass
class Row:
    student: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    timestamp: str = ""  # UTC, as the gradebook holds it
    cells: dict = field(default_factory=dict)  # grade id -> (score, max score, status)
    raw_score: float = 0.0
    late_penalty: float = 0.0
    max_score: float = 0.0
    result: object = None  # the NotebookResult, where the kit graded it

    @property
    def score(self):
        return max(0.0, self.raw_score - self.late_penalty)

    @property
    def name(self):
        return " ".join(part for part in (self.first_name, self.last_name) if part)


def class_rows(course, name):
    """A Row per submission of `name` in the gradebook, by student id."""
    from nbgrader.api import Gradebook

    from autograder.grading.batch import result_path

    rows = []
    with Gradebook(course.db_url, course.coursedir.course_id) as gb:
        for submission in gb.find_assignment(name).submissions:
            student = submission.student
            row = Row(student.id, student.first_name or "", student.last_name or "", student.email or "",
                      submission.timestamp.strftime("%Y-%m-%d %H:%M:%S") if submission.timestamp else "",
                      raw_score=float(submission.score), late_penalty=float(submission.late_submission_penalty or 0),
                      max_score=float(submission.max_score))
            result = _load(result_path(course, name, student.id))
            statuses = {cell.grade_id: cell.status for cell in result.cells} if result else {}
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    row.cells[grade.name] = (float(grade.score), float(grade.max_score),
                                             statuses.get(grade.name, "not graded"))
            row.result = result
            rows.append(row)
    return sorted(rows, key=lambda row: row.student)


def _load(path):
    try:
        return result_from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def cell_ids(course, name):
    return [cell.grade_id for cell in course.assignment(name).test_cells]


def status_counts(rows, grade_id):
    """{status: number of students} for one test cell, in SEVERITY order."""
    counts = dict.fromkeys(SEVERITY, 0)
    for row in rows:
        status = row.cells.get(grade_id, (0, 0, "not graded"))[2]
        counts[status] = counts.get(status, 0) + 1
    return counts


def known_mistakes(rows, name):
    """[(mistake names, what the feedback says, [students])], most frequent first: the known
    mistakes the diagnosis named in each student's feedback. Mutants that say the same words are
    one mistake; a student counts once per mistake."""
    from autograder.mutants import catalog_for

    try:
        mutants = [m for m in catalog_for(name).mutants if m.says]
    except ModuleNotFoundError:
        return []
    by_words = {}
    for mutant in mutants:
        by_words.setdefault(plain(mutant.says), []).append(mutant.name)
    found = {}
    for row in rows:
        if row.result is None:
            continue
        text = " ".join(plain(test.message) for cell in row.result.cells for test in cell.tests)
        for words in by_words:
            if words in text:
                found.setdefault(words, []).append(row.student)
    mistakes = [(by_words[words], words, students) for words, students in found.items()]
    return sorted(mistakes, key=lambda item: (-len(item[2]), item[0]))
