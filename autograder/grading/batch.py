"""Grade every submission of an assignment, and write each result as soon as it exists."""
from tqdm import tqdm

from autograder import feedback, gradebook
from autograder.grading.engine import grade_notebook


def grade_assignment(course, name, launcher=None, progress=True):
    assignment = course.assignment(name)
    gradebook.ensure_registered(course, name)
    results = []
    submissions = course.submissions(name)
    bar = tqdm(submissions, desc=f"grading {name}", unit="notebook", disable=not progress)
    for student, path in bar:
        result = grade_notebook(assignment, student, path, launcher, course.cell_timeout)
        gradebook.record(course, result)
        feedback.write(course, assignment, result, path)
        results.append(result)
    return results
