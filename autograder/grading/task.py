"""What a grading worker (a pool process or a Dask worker) runs for one submission.

Kept apart from batch.py so that a worker imports the engine only: not nbgrader, the
gradebook or the progress bar, which only the writer needs.
"""
import gc
import importlib
import signal
import tempfile
import time
from pathlib import Path

from autograder.course import Assignment
from autograder.grading.engine import grade_notebook
from autograder.grading.launchers import default_launcher
from autograder.hidden import tests_for
from autograder.sandbox.prctl import die_with_parent
from autograder.sandbox.warm import warm_torch

_assignments = {}
_warmed = set()  # ("sandbox", mode) and ("assignment", name) this process has warmed up for


def assignment_at(source_dir, name):
    # Once per worker process and version of the source notebook. (Hidden tests are imported
    # once per process: restart long-lived Dask workers after changing them.)
    key = (source_dir, name, (Path(source_dir) / f"{name}.ipynb").stat().st_mtime_ns)
    if key not in _assignments:
        _assignments[key] = Assignment(name, Path(source_dir))
    return _assignments[key]


def grade_files(source_dir, name, student, files, timeouts, sandbox):
    """Grade a submission sent as {relative path: bytes}; returns NotebookResult.to_dict().
    `timeouts`: (seconds per test, seconds for the whole submission or None)."""
    timeout, budget = timeouts
    warm_up(sandbox, name)  # a Dask worker has no initializer: its first submission warms it
    started = time.monotonic()
    assignment = assignment_at(source_dir, name)
    with tempfile.TemporaryDirectory(prefix="rnn-submission-") as scratch:
        folder = Path(scratch) / student / name
        for relative, data in files.items():
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        result = grade_notebook(assignment, student, folder / f"{name}.ipynb", default_launcher(sandbox),
                                test_timeout=timeout,
                                budget=budget)
    result.seconds = time.monotonic() - started  # with the copy in and out of the scratch folder
    return result.to_dict()


def pool_initializer(sandbox, writer_pid):
    # Every process of a run ends with the run: however the writer dies (kill -9, the OOM
    # killer), this process dies too, and its sandbox with it.
    die_with_parent(writer_pid)
    # Ctrl-C is the writer's to handle: it stops the pool and keeps what is committed.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm_up(sandbox)


def warm_up(sandbox, name=None):
    """Pay once per grading process what the first submission would: importing torch and
    starting the warm sandbox; and once per assignment, importing its hidden tests and reference."""
    fresh = False
    if ("sandbox", sandbox) not in _warmed:
        _warmed.add(("sandbox", sandbox))
        warm_process(sandbox)
        fresh = True
    if name is not None and ("assignment", name) not in _warmed:
        _warmed.add(("assignment", name))
        warm_assignment(name)
        fresh = True
    if fresh:
        gc.collect()
        gc.freeze()  # what is warm lives as long as the process: full collections need not scan it


def warm_process(sandbox):
    # One core per grading process: the pool is the parallelism. The judge rarely trains
    # (once per process where it does), so it skips the training step the sandbox warms.
    warm_torch(train=False)
    launcher = default_launcher(sandbox)
    try:
        if launcher.server is None:
            launcher.start()
    except (OSError, RuntimeError):
        pass  # not started: the first submission tries again, and its result says why


def warm_assignment(name):
    tests_for(name)
    importlib.import_module(f"solutions.{name}")
