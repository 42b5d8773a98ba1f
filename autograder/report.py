"""`autograder report`: one self-contained HTML page per assignment for the instructor, and its
CSV exports (exports.py). Figures are matplotlib PNGs inside the page; nothing is fetched.

What the page answers: how the class scored; which questions went wrong, and how (failed, error,
timeout); which known mistakes the diagnosis found, in whose work; which submissions timed out
or crashed; how long each took to grade.
"""
import base64
import io
import statistics
from pathlib import Path

from autograder.classdata import cell_ids, class_rows, known_mistakes, status_counts
from autograder.exports import write_cells_csv, write_lms_csv
from autograder.grading.results import ERROR, FAILED, PASSED, TIMEOUT

COLORS = {PASSED: "#4c9a2a", FAILED: "#e69f00", ERROR: "#d55e00", TIMEOUT: "#7b3294"}
TEMPLATES = Path(__file__).resolve().parent / "templates"


def write_reports(course, names, out_dir=None):
    """Write NAME.html, NAME-cells.csv and NAME-lms.csv for each name (and index.html when there
    are several) under `out_dir` (default: reports/ in the course); return the pages' paths."""
    out_dir = Path(out_dir or course.root / "reports")
    out_dir.mkdir(parents=True, exist_ok=True)
    pages = []
    for name in names:
        rows = class_rows(course, name)
        write_cells_csv(course, name, rows, out_dir / f"{name}-cells.csv")
        write_lms_csv(name, rows, out_dir / f"{name}-lms.csv")
        page = out_dir / f"{name}.html"
        page.write_text(render(course, name, rows), encoding="utf-8")
        pages.append(page)
    if len(pages) > 1:
        index = out_dir / "index.html"
        index.write_text(_template("report_index.html.j2").render(pages=[p.name for p in pages],
                                                                  names=list(names)), encoding="utf-8")
        pages.append(index)
    return pages


def render(course, name, rows):
    cells = cell_ids(course, name)
    scores = [row.score for row in rows]
    max_score = course.assignment(name).max_score
    questions = [{"grade_id": grade_id, "points": _points(rows, grade_id), **status_counts(rows, grade_id)}
                 for grade_id in cells]
    mistakes = [{"names": ", ".join(names), "says": says, "count": len(students), "students": ", ".join(students)}
                for names, says, students in known_mistakes(rows, name)]
    troubled = [trouble for row in rows if (trouble := _trouble(row))]
    timed = [(row.student, row.result.seconds) for row in rows if row.result is not None]
    return _template("report.html.j2").render(
        name=name, rows=rows, max_score=max_score, questions=questions, mistakes=mistakes,
        troubled=troubled, timed=sorted(timed, key=lambda item: -item[1]),
        summary=_summary(rows, scores, max_score),
        figures={"scores": score_figure(scores, max_score), "questions": question_figure(questions),
                 "times": time_figure(timed)})


def _summary(rows, scores, max_score):
    if not scores:
        return {"submissions": 0}
    return {"submissions": len(rows), "mean": statistics.mean(scores), "median": statistics.median(scores),
            "lowest": min(scores), "highest": max(scores), "full": sum(s == max_score for s in scores),
            "late": sum(row.late_penalty > 0 for row in rows)}


def _points(rows, grade_id):
    return max((row.cells[grade_id][1] for row in rows if grade_id in row.cells), default=0)


def _trouble(row):
    """(student, what went wrong) for a submission that timed out, crashed or did not load."""
    if row.result is None:
        return None
    said = []
    for problem in row.result.problems:
        said.append(problem.splitlines()[0])
    for cell in row.result.cells:
        for test in cell.tests:
            if test.status == TIMEOUT:
                said.append(f"{cell.grade_id}: timed out")
            elif test.status == ERROR and ("ended its own process" in test.message
                                           or "garbled" in test.message or "did not load" in test.message):
                said.append(f"{cell.grade_id}: {test.message.splitlines()[0]}")
    return (row.student, sorted(set(said), key=said.index)) if said else None


# -- figures: matplotlib, as PNG inside the page --
def _figure(height):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(7.5, height), dpi=100)


def _png(figure):
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def score_figure(scores, max_score):
    figure, axes = _figure(3.0)
    bins = min(int(max_score), 20) or 1
    axes.hist(scores, bins=bins, range=(0, max_score or 1), color="#3b75af", edgecolor="white")
    axes.set_xlabel(f"score (of {max_score:g})")
    axes.set_ylabel("students")
    axes.set_title("Score distribution")
    axes.yaxis.get_major_locator().set_params(integer=True)
    return _png(figure)


def question_figure(questions):
    figure, axes = _figure(0.45 * len(questions) + 1.4)
    labels = [q["grade_id"] for q in questions][::-1]
    left = [0] * len(labels)
    for status in (PASSED, FAILED, ERROR, TIMEOUT):
        counts = [q[status] for q in questions][::-1]
        axes.barh(labels, counts, left=left, color=COLORS[status], label=status)
        left = [a + b for a, b in zip(left, counts)]
    axes.set_xlabel("students")
    axes.set_title("How each test cell ended", pad=24)
    # Above the bars, not on them: a full last bar would hide under a legend inside the axes.
    axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize="small", ncol=4, frameon=False)
    axes.xaxis.get_major_locator().set_params(integer=True)
    return _png(figure)


def time_figure(timed):
    timed = sorted(timed, key=lambda item: item[1])
    figure, axes = _figure(0.3 * len(timed) + 1.4)
    axes.barh([student for student, _ in timed], [seconds for _, seconds in timed], color="#3b75af")
    axes.set_xlabel("seconds")
    axes.set_title("Grading time per submission")
    return _png(figure)


def _template(filename):
    import jinja2

    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                                     trim_blocks=True, lstrip_blocks=True)
    return environment.get_template(filename)
