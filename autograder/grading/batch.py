"""Grade every submission of an assignment: in parallel, resumably, one writer to the gradebook.

Workers (processes of this machine, or Dask workers) only grade: each returns a plain result.
This process alone writes: per submission, the gradebook in one transaction, then the
feedback files, then a stamp (hashes of the submission and of the assignment's sources). A
submission whose stamp matches is not graded again, so an interrupted run loses nothing
already written, and a re-run grades only what is missing or changed (`force` regrades all).
"""
import concurrent.futures
import hashlib
import json
import multiprocessing
import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from autograder import feedback, gradebook
from autograder.course import KIT_ROOT
from autograder.grading.engine import grade_notebook
from autograder.grading.errors import GraderFault
from autograder.grading.isolation import mode
from autograder.grading.launchers import default_launcher, isolation_summary
from autograder.grading.results import (
    ERROR,
    FAILED,
    PASSED,
    TIMEOUT,
    overall_status,
    result_from_dict,
)
from autograder.grading.task import grade_files, pool_initializer
from autograder.notebook.read import NotebookError, read_code
from autograder.timestamps import as_text, submission_time

ENGINE_VERSION = "5"  # bump when grading itself changes: every stamp becomes stale
STAMP = ".autograder-stamp.json"
RESULT = ".autograder-result.json"  # the full result, hidden test names and all: never for students
COUNTED = {PASSED: "passed", FAILED: "failed", ERROR: "errored", TIMEOUT: "timed-out"}


@dataclass
class Options:
    workers: int = 1
    force: bool = False
    dask: str = None  # "local:N" or a scheduler address
    sandbox: str = None  # "auto", "bwrap" (required) or "none"; None: isolation.mode()
    test_timeout: float = None  # seconds per test; None: the course's Execute.timeout
    submission_timeout: float = None  # seconds per submission; None: the course's, else a few tests'
    progress: bool = True
    skipped: list = field(default_factory=list)  # filled in: students not regraded


def default_workers():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def grade_assignment(course, name, launcher=None, progress=True, options=None, pool=None):
    """Grade what needs grading; return every submission's result (re-read when not regraded).
    `pool`: grading processes already started (a `Pool`), shared with other assignments."""
    options = options or Options(progress=progress)
    options.progress = options.progress and progress
    assignment = course.assignment(name)
    timeout = options.test_timeout or course.cell_timeout
    budget = options.submission_timeout or course.submission_timeout
    options.sandbox = mode(options.sandbox)  # resolved here, once: workers are told, not left to guess
    isolation = isolation_summary(options.sandbox)  # first: raises if required and missing
    gradebook.ensure_registered(course, name)
    sources = source_hash(assignment, timeout)
    results, todo = {}, []
    for student, path in course.submissions(name):
        files = read_folder(path.parent, path.name)  # read once: hashed here, shipped to a worker
        stamp = {"submission": folder_hash(files), "sources": sources}
        previous = None if options.force else load_previous(course, name, student, stamp)
        if previous is not None:
            results[student] = previous
            options.skipped.append(student)
        else:
            todo.append((student, path, stamp, files))
    if todo:
        warn_once(("" if isolation.startswith("bubblewrap") else "WARNING: ") + f"grading sandbox: {isolation}")
    bar = tqdm(total=len(todo), desc=f"grading {name}", unit="notebook", disable=not options.progress)
    counts = dict.fromkeys(COUNTED.values(), 0)

    def commit(student, path, stamp, files, result):
        record(writer, course, assignment, path, stamp, result)
        results[student] = result
        counts[COUNTED[overall_status(result)]] += 1
        bar.set_postfix(counts, refresh=False)
        bar.update()

    writer = gradebook.Writer(course)
    try:
        if options.dask:
            run_on_dask(course, name, todo, (timeout, budget), options, commit)
        elif pool is not None:
            run_in_pool(pool, course, name, todo, (timeout, budget), options, commit)
        elif options.workers > 1 and len(todo) > 1:
            with Pool(min(options.workers, len(todo)), options.sandbox) as own:
                run_in_pool(own, course, name, todo, (timeout, budget), options, commit)
        else:
            launcher = launcher or default_launcher(options.sandbox)
            for student, path, stamp, files in todo:
                try:
                    result = grade_notebook(assignment, student, path, launcher, timeout, budget=budget)
                except GraderFault as error:
                    grader_failed(student, error)
                    continue
                commit(student, path, stamp, files, result)
    finally:
        bar.close()
        writer.close()
    return [results[student] for student, _ in course.submissions(name) if student in results]


def record(writer, course, assignment, path, stamp, result):
    """Everything the writer does for one graded submission, the stamp last; `writer`: the
    open `gradebook.Writer`."""
    result.submitted_at = as_text(submission_time(path.parent, path.name))
    result.late_penalty = writer.record(result)  # the grades, timestamp and late penalty in one commit
    feedback.write(course, assignment, result, path)
    save_stamp(course, assignment.name, result.student, stamp, result)


# -- what marks a submission as graded --
def folder_hash(files):
    digest = hashlib.sha256()
    for relative, data in sorted(files.items()):
        digest.update(relative.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


def source_hash(assignment, timeout):
    """Everything a grade depends on besides the submission: change one, and all regrade."""
    digest = hashlib.sha256(f"engine {ENGINE_VERSION}".encode())  # not the timeout: a knob, not a grade
    paths = sorted(p for p in Path(assignment.source_dir).rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts)
    paths += [KIT_ROOT / "autograder" / part / f"{assignment.name}.py" for part in ("hidden", "mutants")]
    paths += [KIT_ROOT / "solutions" / f"{assignment.name}.py"]
    for path in paths:
        if path.is_file():
            digest.update(str(path.name).encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def graded_dir(course, name, student):
    """Where the stamp and the full result of one submission live: outside autograded/, since
    the full result names every hidden test."""
    return course.state_dir / "graded" / name / student


def result_path(course, name, student):
    return graded_dir(course, name, student) / RESULT


def load_previous(course, name, student, stamp):
    folder = graded_dir(course, name, student)
    try:
        if json.loads((folder / STAMP).read_text(encoding="utf-8")) != stamp:
            return None
        return result_from_dict(json.loads((folder / RESULT).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_stamp(course, name, student, stamp, result):
    folder = graded_dir(course, name, student)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / RESULT).write_text(json.dumps(result.to_dict()), encoding="utf-8")
    # Written last and atomically: a stamp exists only for a submission fully recorded.
    partial = folder / (STAMP + ".partial")
    partial.write_text(json.dumps(stamp), encoding="utf-8")
    partial.replace(folder / STAMP)
    for legacy in (STAMP, RESULT):  # where kits before this one kept them, in students' sight
        (course.autograded_dir / student / name / legacy).unlink(missing_ok=True)


def read_folder(folder, notebook_name=None, limit=64 << 20):
    """{relative path: bytes} of a submission's regular files; links are not followed. The
    notebook, when large, goes without its outputs: grading needs only its code, and a notebook
    that printed tensors in a loop must not be left out for its size."""
    folder, files, total = Path(folder), {}, 0
    if notebook_name is not None:
        notebook = stripped(folder / notebook_name)
        if notebook is not None:
            files[notebook_name] = notebook
            total += len(notebook)
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        for filename in sorted(names):
            path = Path(root) / filename
            if filename.startswith(".") or str(path.relative_to(folder)) in files:
                continue
            try:
                fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            except OSError:
                continue
            with os.fdopen(fd, "rb") as handle:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    continue
                data = handle.read(limit - total + 1)
            if total + len(data) > limit:
                continue
            total += len(data)
            files[str(path.relative_to(folder))] = data
    return files


def stripped(path, small=8 << 20):
    """The notebook's bytes, without outputs when it is large; None if it cannot be read as it
    is (a link, too big, broken JSON): grading it where it lies then says why."""
    try:
        info = path.lstat()
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    try:
        if info.st_size <= small:
            return path.read_bytes()
        return json.dumps(read_code(path)).encode()
    except (OSError, NotebookError):
        return None


# -- grading away from the writer: a process pool or Dask --
class Pool:
    """Grading processes, started once (spawn, import torch, start the sandbox) and shared by
    every assignment graded while it is open."""

    def __init__(self, workers, sandbox=None):
        context = multiprocessing.get_context("spawn")  # never fork a process that may hold torch threads
        self.sandbox = sandbox = mode(sandbox)
        self.executor = concurrent.futures.ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=pool_initializer, initargs=(sandbox, os.getpid()))

    def submit(self, *args):
        return self.executor.submit(grade_files, *args)

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if kind is None:
            self.executor.shutdown()
            return
        for process in list((self.executor._processes or {}).values()):
            process.terminate()  # their sandboxes die with them (bwrap --die-with-parent)
        self.executor.shutdown(wait=False, cancel_futures=True)


def run_in_pool(pool, course, name, todo, timeouts, options, commit):
    source_dir = str(course.assignment(name).source_dir)
    todo = unreadable_here(course, name, todo, timeouts, options, commit)
    pending = {pool.submit(source_dir, name, student, files, timeouts, pool.sandbox):
               (student, path, stamp, files) for student, path, stamp, files in todo}
    for future in concurrent.futures.as_completed(pending):
        collect(future, *pending[future], commit)


def unreadable_here(course, name, todo, timeouts, options, commit):
    """Grade at once, here, the submissions whose notebook could not be shipped (it errs before
    any code runs, with the reason: a link, a file too big); return the others."""
    shippable = []
    for student, path, stamp, files in todo:
        if path.name in files:
            shippable.append((student, path, stamp, files))
        else:
            timeout, budget = timeouts
            commit(student, path, stamp, files, grade_notebook(
                course.assignment(name), student, path, default_launcher(options.sandbox), timeout, budget=budget))
    return shippable


def collect(future, student, path, stamp, files, commit):
    """Commit a worker's result; a failure of the grader itself is said, not recorded as a grade
    (no stamp is written, so the next run tries that submission again)."""
    try:
        data = future.result()
    except KeyboardInterrupt:
        raise
    except Exception as error:  # the sandbox would not start, the worker process died, or Dask lost it
        grader_failed(student, error)
        return
    commit(student, path, stamp, files, result_from_dict(data))


def grader_failed(student, error):
    warn(f"could not grade {student}: the grader failed ({type(error).__name__}: {error}); "
         "nothing was recorded for them; run again to retry")


def run_on_dask(course, name, todo, timeouts, options, commit):
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if options.dask.startswith("local:"):
        cluster = LocalCluster(n_workers=int(options.dask.split(":", 1)[1]), threads_per_worker=1,
                               processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(options.dask)
    try:
        futures = {}
        for student, path, stamp, files in unreadable_here(course, name, todo, timeouts, options, commit):
            future = client.submit(grade_files, str(course.assignment(name).source_dir), name, student, files,
                                   timeouts, options.sandbox, key=f"grade-{name}-{student}-{stamp['submission'][:12]}",
                                   pure=False)
            futures[future] = (student, path, stamp, files)
        for future in as_completed(futures):
            collect(future, *futures[future], commit)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def summary_line(results, skipped):
    counts = dict.fromkeys(COUNTED.values(), 0)
    for result in results:
        counts[COUNTED[overall_status(result)]] += 1
    text = ", ".join(f"{n} {word}" for word, n in counts.items())
    return f"{len(results)} submissions: {text}; {len(skipped)} unchanged since the last run, not regraded"


def warn(text):
    print(text, file=sys.stderr, flush=True)


_said = set()


def warn_once(text):
    """`warn`, once per process: a run that grades several assignments says the sandbox once."""
    if text not in _said:
        _said.add(text)
        warn(text)
