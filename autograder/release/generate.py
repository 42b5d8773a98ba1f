"""Build release/<name>/: nbgrader's student notebook, the public tests, the loader, data."""
import shutil
from pathlib import Path

from autograder import gradebook
from autograder.release.leaks import scan

LOADER = Path(__file__).resolve().parent.parent / "student" / "nbloader.py"


def release(course, name, release_dir=None):
    """Generate the student version of `name`; raise if anything hidden leaked into it."""
    target_root = Path(release_dir) if release_dir else course.release_dir
    target = target_root / name
    if target.exists():
        shutil.rmtree(target)
    # nbgrader copies the assignment folder (public tests, data) and strips the notebook.
    gradebook.generate_assignment(course, name, release_dir=target_root)
    shutil.copy(LOADER, target / LOADER.name)
    leaks = scan(course, name, target)
    if leaks:
        raise LeakError(name, leaks)
    return target


class LeakError(Exception):
    def __init__(self, name, leaks):
        super().__init__(f"release/{name} would reveal what must stay hidden:\n  " + "\n  ".join(leaks))
        self.leaks = leaks
