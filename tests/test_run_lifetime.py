"""Every process a grading run starts ends with the run, however the run ends; and one
submission cannot hold a grading process for long, whatever its code does."""
import os
import signal
import subprocess
import sys
import time

import pytest

from autograder import synthetic
from autograder.grading.batch import STAMP, Options, grade_assignment, graded_dir
from autograder.grading.engine import grade_notebook
from autograder.grading.results import PASSED, TIMEOUT
from tests.conftest import explain, released_notebook
from tests.test_engine import NAME, make_course

pytestmark = pytest.mark.sandbox  # run again by CI with bubblewrap hidden

SLEEPER = synthetic.with_code("import time\ntime.sleep(120)\n")


def children_of():
    """{parent pid: [child pids]} of every live process (zombies are dead: they hold nothing)."""
    tree = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, ValueError):
            continue
        if fields[0] not in ("Z", "X"):
            tree.setdefault(int(fields[1]), []).append(int(entry))
    return tree


def descendants(pid):
    tree, found, stack = children_of(), [], [pid]
    while stack:
        for child in tree.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def alive(pids):
    tree = children_of()
    live = {pid for children in tree.values() for pid in children}
    return sorted(set(pids) & live)


@pytest.mark.parametrize("grading", [["--workers", "1"], ["--workers", "2"], ["--dask", "local:1"]],
                         ids=["inline", "pool", "dask"])
def test_killing_the_grader_with_sigkill_leaves_nothing_of_it_running(kit, tmp_path, grading):
    course = make_course(tmp_path, kit, {"a-perfect": synthetic.perfect, "b-sleeper": SLEEPER,
                                         "c-sleeper": SLEEPER})
    run = subprocess.Popen([sys.executable, "-m", "autograder", "--course", str(course.root), "grade", NAME,
                            "-q", "--timeout", "300", *grading],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stamp = graded_dir(course, NAME, "a-perfect") / STAMP
    deadline = time.monotonic() + 180
    while not stamp.exists() and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.2)
    assert run.poll() is None and stamp.exists(), "the run should be grading its sleepers by now"
    time.sleep(1)  # every sleeper's sandbox is up
    started = descendants(run.pid)
    assert started, "a grading run starts processes: grading processes, sandboxes, students' code"
    run.send_signal(signal.SIGKILL)  # the main process only, as the OOM killer would
    run.wait()
    deadline = time.monotonic() + 20
    while alive(started) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = alive(started)
    commands = {pid: open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ")[:120] for pid in left
                if os.path.exists(f"/proc/{pid}/cmdline")}
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)  # leave the machine as it was, whatever the verdict
        except OSError:
            pass
    assert not left, f"20 s after the grader was killed, these of its processes still ran: {commands}"


SPINNER = synthetic.with_code("""
import signal
for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM, signal.SIGXCPU):
    signal.signal(sig, signal.SIG_IGN)

def _spin(*args, **kwargs):
    while True:
        pass

rnn_params = param_shapes = textbook_rnn_params = tagger_params = _spin
""")


def test_a_submission_that_spins_everywhere_is_stopped_by_its_budget_and_the_class_is_graded(kit, tmp_path):
    course = make_course(tmp_path, kit, {"perfect": synthetic.perfect, "spinner": SPINNER,
                                         "zz-perfect": synthetic.perfect})
    options = Options(workers=2, progress=False, test_timeout=2, submission_timeout=7)
    started = time.monotonic()
    results = {r.student: r for r in grade_assignment(course, NAME, options=options)}
    took = time.monotonic() - started
    assert results["perfect"].score == results["perfect"].max_score, explain(results["perfect"])
    assert results["zz-perfect"].score == results["zz-perfect"].max_score, explain(results["zz-perfect"])
    spinner = results["spinner"]
    assert spinner.score == 0 and {c.status for c in spinner.cells} == {TIMEOUT}, explain(spinner)
    assert spinner.seconds < 7 + 2 + 5, (
        f"the spinner held its grading process {spinner.seconds:.0f} s, past its 7 s budget")
    assert took < 60, f"the class took {took:.0f} s to grade"
    said = [t.message for c in spinner.cells for t in c.tests]
    assert any("total time budget of 7 s" in m for m in said), said
    assert any("already ran past its time limit" in m for m in said), (
        f"a function that timed out once must not be waited for again: {said}")


def test_a_function_that_timed_out_is_not_waited_for_again_but_the_others_are_graded(kit, tmp_path):
    code = "def rnn_params(*args, **kwargs):\n    while True:\n        pass\n"
    path = tmp_path / "spinner" / NAME / f"{NAME}.ipynb"
    path.parent.mkdir(parents=True)
    path.write_text(synthetic.with_code(code)(NAME, released_notebook(kit, NAME)), encoding="utf-8")
    started = time.monotonic()
    # A budget that cannot run out here: only the per-function rule is under test.
    result = grade_notebook(kit.assignment(NAME), "spinner", path, test_timeout=2, budget=60)
    took = time.monotonic() - started
    by_cell = {cell.grade_id: cell for cell in result.cells}
    assert by_cell["test_rnn_params"].status == TIMEOUT, explain(result)
    # The solution's tagger_params calls rnn_params, so it spins too; these two do not.
    assert all(by_cell[g].status == PASSED for g in ("test_param_shapes", "test_textbook_rnn_params")), (
        f"the cells that never call rnn_params must pass:\n{explain(result)}")
    said = [t.message for t in by_cell["test_rnn_params"].tests]
    waits = sum("more than 2 s" in m for m in said)
    assert waits == 1, f"rnn_params spins: expected one wait of 2 s, then no more, got {waits}:\n{explain(result)}"
    assert sum("already ran past its time limit" in m for m in said) == len(said) - 1, said
    assert took < 30, f"grading took {took:.0f} s"
