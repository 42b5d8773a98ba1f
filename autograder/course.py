"""The course on disk, as nbgrader_config.py describes it, and its assignments."""
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from autograder.notebook.read import grade_id, read_notebook
from autograder.notebook.regions import split_hidden
from autograder.student.nbloader import cell_source, is_test_cell

KIT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class TestCell:
    grade_id: str
    points: float
    visible: str  # the code students see; the hidden region is run from autograder.hidden


@dataclass(frozen=True)
class Assignment:
    name: str
    source_dir: Path

    @property
    def notebook_path(self):
        return self.source_dir / f"{self.name}.ipynb"

    @cached_property
    def source_notebook(self):
        return read_notebook(self.notebook_path)

    @cached_property
    def test_cells(self):
        cells = []
        for cell in self.source_notebook["cells"]:
            if is_test_cell(cell):
                visible, _ = split_hidden(cell_source(cell))
                points = float(cell["metadata"]["nbgrader"].get("points", 0))
                cells.append(TestCell(grade_id(cell), points, visible))
        return cells

    @property
    def max_score(self):
        return sum(cell.points for cell in self.test_cells)


def find_root(start):
    """The course a command run in `start` works on, as nbgrader finds it: `start` itself or the
    nearest folder above it that holds nbgrader_config.py; None if there is none."""
    for folder in [Path(start).resolve(), *Path(start).resolve().parents]:
        if (folder / "nbgrader_config.py").is_file():
            return folder
    return None


class Course:
    """Paths of one course root: the kit's own repository, or a scratch course (the demo)."""

    def __init__(self, root=KIT_ROOT):
        # Imported here: `import nbgrader` costs seconds, and grading workers need only Assignment.
        from nbgrader.coursedir import CourseDirectory
        from traitlets.config.loader import PyFileConfigLoader

        self.root = Path(root).resolve()
        config = PyFileConfigLoader("nbgrader_config.py", path=str(self.root)).load_config()
        self.config = config
        self.coursedir = CourseDirectory(config=config, root=str(self.root))

    def _dir(self, name):
        return self.root / getattr(self.coursedir, f"{name}_directory")

    @property
    def assignments_dir(self):
        return self._dir("source")

    @property
    def release_dir(self):
        return self._dir("release")

    @property
    def submitted_dir(self):
        return self._dir("submitted")

    @property
    def autograded_dir(self):
        return self._dir("autograded")

    @property
    def feedback_dir(self):
        return self._dir("feedback")

    @property
    def state_dir(self):
        """The kit's own bookkeeping (stamps, full results): never under autograded/, whose
        every file `nbgrader generate_feedback` copies to the student."""
        return self.root / ".autograder"

    @property
    def db_url(self):
        return self.coursedir.db_url

    @property
    def cell_timeout(self):
        return float(self.config.Execute.get("timeout", 60))

    @property
    def submission_timeout(self):
        """Seconds one whole submission may take (None: the engine's default, a few tests' worth)."""
        value = self.config.RNNKit.get("submission_timeout")
        return None if value is None else float(value)

    def assignment_names(self):
        return sorted(p.name for p in self.assignments_dir.iterdir()
                      if (p / f"{p.name}.ipynb").is_file())

    def assignment(self, name):
        if name not in self.assignment_names():
            raise SystemExit(f"no assignment {name!r} in {self.assignments_dir} "
                             f"(there are: {', '.join(self.assignment_names())})")
        return Assignment(name, self.assignments_dir / name)

    def submissions(self, name):
        """(student, notebook path) of every submission of `name`, by student id."""
        if not self.submitted_dir.is_dir():
            return []
        return [(student.name, student / name / f"{name}.ipynb")
                for student in sorted(self.submitted_dir.iterdir())
                if (student / name).is_dir()]
