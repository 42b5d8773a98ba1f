"""What a grading worker (a pool process or a Dask worker) runs for one submission.

Kept apart from batch.py so that a worker imports the engine only: not nbgrader, the
gradebook or the progress bar, which only the writer needs.
"""
import gc
import importlib
import os
import signal
import tempfile
import time
from pathlib import Path

from autograder.course import Assignment
from autograder.grading.engine import grade_notebook
from autograder.grading.launchers import default_launcher
from autograder.hidden import tests_for

_assignments = {}


def assignment_at(source_dir, name):
    # Once per worker process and version of the source notebook. (Hidden tests are imported
    # once per process: restart long-lived Dask workers after changing them.)
    key = (source_dir, name, (Path(source_dir) / f"{name}.ipynb").stat().st_mtime_ns)
    if key not in _assignments:
        _assignments[key] = Assignment(name, Path(source_dir))
    return _assignments[key]


def grade_files(source_dir, name, student, files, timeout, sandbox):
    """Grade a submission sent as {relative path: bytes}; returns NotebookResult.to_dict()."""
    os.environ.setdefault("RNN_GRADE_SANDBOX", sandbox)
    started = time.monotonic()
    assignment = assignment_at(source_dir, name)
    with tempfile.TemporaryDirectory(prefix="rnn-submission-") as scratch:
        folder = Path(scratch) / student / name
        for relative, data in files.items():
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        result = grade_notebook(assignment, student, folder / f"{name}.ipynb", test_timeout=timeout)
    result.seconds = time.monotonic() - started  # with the copy in and out of the scratch folder
    return result.to_dict()


def pool_initializer(sandbox, name):
    # Ctrl-C is the writer's to handle: it stops the pool and keeps what is committed.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ["RNN_GRADE_SANDBOX"] = sandbox
    warm_up(sandbox, name)


def warm_up(sandbox, name):
    """Pay once per grading process what the first submission would: torch's first use, the
    assignment's hidden tests and reference, and the warm sandbox's start."""
    import torch

    torch.set_num_threads(1)  # the pool is the parallelism: one core per grading process
    tests_for(name)
    importlib.import_module(f"solutions.{name}")
    try:
        default_launcher(sandbox).start()
    except (OSError, RuntimeError):
        pass  # not started: the first submission tries again, and its result says why
    gc.collect()
    gc.freeze()  # torch's objects live as long as the process: full collections need not scan them
