"""What grading one submission produced: per test, per grade cell, per notebook."""
from dataclasses import asdict, dataclass, field

PASSED, FAILED, ERROR, TIMEOUT = "passed", "failed", "error", "timeout"
# A cell's status is its worst test's, in this order.
SEVERITY = [PASSED, FAILED, ERROR, TIMEOUT]
# A test's weight is its share of its cell, relative to the others'. Correctness carries MAIN
# (the default, also of the visible checks); the authors give rules ("leave your inputs alone",
# "a second call agrees") and edge cases smaller weights beside the hidden tests.
MAIN = 1.0


@dataclass
class TestResult:
    __test__ = False  # a result, not a pytest test class
    name: str
    status: str
    message: str = ""
    visible: bool = True  # a public check, or a hidden test (whose name and code are not shown)
    weight: float = MAIN  # its share of the cell, relative to the other tests'


@dataclass
class CellResult:
    grade_id: str
    max_points: float
    tests: list = field(default_factory=list)

    @property
    def status(self):
        if not self.tests:
            return ERROR
        return max((t.status for t in self.tests), key=SEVERITY.index)

    def share(self, test):
        """The points `test` carries: the cell's, split across its tests by weight."""
        total = sum(t.weight for t in self.tests)
        return self.max_points * test.weight / total if total else 0.0

    @property
    def points(self):
        # Partial credit, where vanilla nbgrader scores a test cell all or nothing. The small shares
        # (below MAIN) count only beside a passed main test: code that does nothing also leaves its
        # inputs alone.
        passed = [t for t in self.tests if t.status == PASSED]
        if passed and len(passed) == len(self.tests):
            return self.max_points
        if not any(t.weight >= MAIN for t in passed):
            return 0.0
        return round(sum(self.share(t) for t in passed), 2)


@dataclass
class NotebookResult:
    student: str
    assignment: str
    cells: list = field(default_factory=list)
    problems: list = field(default_factory=list)  # notebook-level: unreadable, a cell that raised, ...
    stdout: str = ""
    stderr: str = ""
    seconds: float = 0.0  # wall time spent grading it, where it was graded
    submitted_at: str = ""  # UTC, ISO 8601: timestamp.txt (nbgrader collect/submit) or the file's time
    late_penalty: float = 0.0  # points nbgrader's late-submission plugin takes off the score

    @property
    def score(self):
        return round(sum(cell.points for cell in self.cells), 2)

    @property
    def final_score(self):
        """The score after the late penalty: what nbgrader's grades.csv calls `score`."""
        return max(0.0, self.score - self.late_penalty)

    @property
    def max_score(self):
        return sum(cell.max_points for cell in self.cells)

    def to_dict(self):
        data = asdict(self)
        for cell, raw in zip(self.cells, data["cells"]):
            raw.update(status=cell.status, points=cell.points)
        data.update(score=self.score, max_score=self.max_score, final_score=self.final_score)
        return data


def result_from_dict(data):
    """The inverse of NotebookResult.to_dict (derived fields are recomputed, not trusted)."""
    cells = [CellResult(cell["grade_id"], cell["max_points"], [TestResult(**test) for test in cell["tests"]])
             for cell in data["cells"]]
    return NotebookResult(data["student"], data["assignment"], cells, list(data["problems"]),
                          data.get("stdout", ""), data.get("stderr", ""), float(data.get("seconds", 0.0)),
                          str(data.get("submitted_at", "")), float(data.get("late_penalty", 0.0)))


def overall_status(result):
    """One word for a submission, for the progress bar: its worst test's status."""
    statuses = [cell.status for cell in result.cells] or [ERROR]
    if result.problems and not result.cells:
        statuses.append(ERROR)
    return max(statuses, key=SEVERITY.index)
