"""The engine as a whole: isolation it reports, parallel grading with one gradebook writer,
resuming after a kill, regrading only what changed, and Gradescope's results.json."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from autograder import gradebook, synthetic
from autograder.course import KIT_ROOT, Course
from autograder.feedback import gradescope
from autograder.grading import launchers
from autograder.grading.batch import STAMP, Options, grade_assignment, graded_dir
from autograder.grading.engine import grade_notebook
from autograder.grading.results import (
    ERROR,
    FAILED,
    PASSED,
    TIMEOUT,
    CellResult,
    NotebookResult,
    TestResult,
)
from autograder.mutants import catalog_for
from tests.conftest import explain, released_notebook

pytestmark = pytest.mark.sandbox  # run again by CI with bubblewrap hidden

NAME = "param_count"
CHEAP = ["test_textbook_rnn_params", "test_tagger_params"]


def make_course(root, kit, students):
    """A scratch course: the kit's config and param_count, one folder per student."""
    shutil.copy(KIT_ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(kit.assignments_dir / NAME, root / "assignments" / NAME,
                    ignore=shutil.ignore_patterns("__pycache__"))
    released = released_notebook(kit, NAME)
    for student, build in students.items():
        folder = root / "submitted" / student / NAME
        shutil.copytree(kit.release_dir / NAME, folder, ignore=shutil.ignore_patterns("__pycache__"))
        (folder / f"{NAME}.ipynb").write_text(build(NAME, released), encoding="utf-8")
    return Course(root)


def test_results_json_says_failed_error_and_timeout_apart():
    result = NotebookResult("s", NAME, [
        CellResult("a", 1, [TestResult("a (visible checks)", PASSED)]),
        CellResult("b", 2, [TestResult("hidden_b", FAILED, "expected 3", visible=False)]),
        CellResult("c", 2, [TestResult("hidden_c", ERROR, "ValueError: no", visible=False)]),
        CellResult("d", 3, [TestResult("d (visible checks)", TIMEOUT, "ran for more than 60 s")]),
    ], problems=["cell 3 raised NameError"], stdout="All tests passed!")
    data = json.loads(json.dumps(gradescope(result)))
    assert (data["score"], data["max_score"]) == (1, 8)
    by_name = {test["name"]: test for test in data["tests"]}
    assert [by_name[n]["extra_data"]["outcome"] for n in "abcd"] == [PASSED, FAILED, ERROR, TIMEOUT]
    assert [by_name[n]["status"] for n in "abcd"] == ["passed", "failed", "failed", "failed"], (
        "Gradescope's own status field takes only passed/failed")
    assert by_name["d"]["output"].startswith("[timeout]") and by_name["c"]["output"].startswith("[error]")
    assert all(test["visibility"] == "visible" for test in data["tests"])
    assert "hidden_b" not in json.dumps(data), "a hidden test's name must not be shown"
    assert "All tests passed" not in json.dumps(data) and data["stdout_visibility"] == "hidden"


def test_no_sandbox_when_asked_grades_and_says_so_loudly(kit, tmp_path, capsys):
    launcher = launchers.ForkServerLauncher(sandbox="none")
    try:
        path = tmp_path / "s" / NAME / f"{NAME}.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(synthetic.perfect(NAME, released_notebook(kit, NAME)), encoding="utf-8")
        result = grade_notebook(kit.assignment(NAME), "s", path, launcher=launcher, only=CHEAP)
        assert result.score == result.max_score, explain(result)
        assert "NO SANDBOX" in launcher.describe() and "runs as you" in launcher.describe()
        assert "NO SANDBOX" in capsys.readouterr().err, "running without a sandbox must be announced on stderr"
    finally:
        launcher.close()


def without_bubblewrap(monkeypatch, root):
    from autograder.grading import isolation

    monkeypatch.delenv("RNN_GRADE_SANDBOX", raising=False)  # what an instructor's shell would have

    monkeypatch.setitem(isolation._probes, "bwrap", "bubblewrap (bwrap) is not installed (simulated)")
    if not root:
        monkeypatch.setitem(isolation._probes, "namespaces", "without root the kit cannot give student "
                            "code a uid and process namespace of its own (simulated)")


def test_require_sandbox_refuses_when_bubblewrap_cannot_run(kit, tmp_path, monkeypatch, capsys):
    from autograder import cli

    course = make_course(tmp_path, kit, {"perfect": synthetic.perfect})
    without_bubblewrap(monkeypatch, root=True)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--course", str(course.root), "grade", NAME, "-q", "--require-sandbox", "--workers", "1"])
    assert exit_info.value.code == 2
    assert "refusing to grade without a sandbox" in capsys.readouterr().err
    assert not (course.autograded_dir / "perfect").exists(), "nothing may be graded without the sandbox"


def test_without_bubblewrap_or_root_grading_is_refused_in_one_line_that_says_how_to_fix_it(
        kit, tmp_path, monkeypatch, capsys):
    from autograder import cli

    course = make_course(tmp_path, kit, {"perfect": synthetic.perfect})
    without_bubblewrap(monkeypatch, root=False)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--course", str(course.root), "grade", NAME, "-q", "--workers", "1"])
    said = capsys.readouterr().err.strip()
    assert exit_info.value.code == 2 and len(said.splitlines()) == 1, said
    for words in ("refusing to grade", "bubblewrap", "root", "apt-get install bubblewrap", "--sandbox none"):
        assert words in said, f"expected {words!r} in the refusal, got: {said}"
    assert not (course.autograded_dir / "perfect").exists(), "nothing may be graded without a sandbox"


def overall(result):
    return {cell.grade_id: cell.status for cell in result.cells}


def test_parallel_grading_writes_gradebook_once_and_resumes_only_what_changed(kit, tmp_path):
    one_bias = catalog_for(NAME)["one_bias"]
    students = {"perfect": synthetic.perfect, "mutant": synthetic.variant(one_bias),
                "crasher": synthetic.with_code("import os\nos._exit(3)\n")}
    course = make_course(tmp_path, kit, students)
    results = {r.student: r for r in grade_assignment(course, NAME, options=Options(workers=2, progress=False))}
    assert set(results) == set(students)
    assert results["perfect"].score == results["perfect"].max_score == 8, explain(results["perfect"])
    assert results["mutant"].score == 3 and results["crasher"].score == 0
    stored = gradebook.scores(course, NAME)
    for student, result in results.items():
        assert sum(stored[student].values()) == result.score, f"{student}: gradebook {stored[student]}"
        assert (graded_dir(course, NAME, student) / STAMP).is_file()
        assert (course.autograded_dir / student / NAME / "results.json").is_file()

    # Nothing changed: nothing is graded again, and the results are the same.
    again = Options(workers=2, progress=False)
    rerun = {r.student: r for r in grade_assignment(course, NAME, options=again)}
    assert sorted(again.skipped) == sorted(students)
    assert {s: r.score for s, r in rerun.items()} == {s: r.score for s, r in results.items()}

    # One student fixes their notebook: only they are regraded.
    (course.submitted_dir / "mutant" / NAME / f"{NAME}.ipynb").write_text(
        synthetic.perfect(NAME, released_notebook(kit, NAME)), encoding="utf-8")
    changed = Options(workers=1, progress=False)
    rerun = {r.student: r for r in grade_assignment(course, NAME, options=changed)}
    assert sorted(changed.skipped) == ["crasher", "perfect"]
    assert rerun["mutant"].score == 8 and sum(gradebook.scores(course, NAME)["mutant"].values()) == 8

    forced = Options(workers=1, force=True, progress=False)
    grade_assignment(course, NAME, options=forced)
    assert forced.skipped == []


def test_a_result_the_gradebook_refuses_leaves_it_as_it_was_and_the_writer_goes_on(kit, tmp_path):
    course = make_course(tmp_path, kit, {})
    gradebook.ensure_registered(course, NAME)
    cells = course.assignment(NAME).test_cells

    def result(student, extra=()):
        return NotebookResult(student, NAME, [CellResult(grade_id, c.points, [TestResult("t", PASSED)])
                                              for grade_id, c in [*((c.grade_id, c) for c in cells),
                                                                  *((g, cells[0]) for g in extra)]])

    with gradebook.Writer(course) as writer:
        with pytest.raises(gradebook.MissingEntry):
            writer.record(result("mallory", extra=["test_not_in_the_notebook"]))
        writer.record(result("alice"))
    stored = gradebook.scores(course, NAME)
    assert stored["alice"] == {c.grade_id: c.points for c in cells}, f"alice's grades after the refusal: {stored['alice']}"
    assert not any(stored.get("mallory", {}).values()), (
        f"a refused result must leave no score behind (nothing of it committed), found {stored['mallory']}")


class SandboxThatWillNotStart:
    name = "broken"

    def spawn(self, *args, **kwargs):
        raise RuntimeError("fork: Resource temporarily unavailable")


def test_a_sandbox_that_will_not_start_records_no_grade_and_the_next_run_grades(kit, tmp_path, capsys):
    course = make_course(tmp_path, kit, {"alice": synthetic.perfect})
    options = Options(workers=1, progress=False)
    assert grade_assignment(course, NAME, launcher=SandboxThatWillNotStart(), options=options) == []
    said = capsys.readouterr().err
    assert "could not grade alice" in said and "Resource temporarily unavailable" in said, (
        f"the instructor should hear which student was not graded and why; stderr was:\n{said}")
    assert "alice" not in gradebook.scores(course, NAME), "a fault of the grader must not become a grade of 0"
    assert not (graded_dir(course, NAME, "alice") / STAMP).exists(), "no stamp: the next run must retry"

    retried = grade_assignment(course, NAME, options=Options(workers=1, progress=False))
    assert [r.score for r in retried] == [8], explain(retried[0]) if retried else "alice was not regraded"


def test_a_killed_run_loses_nothing_and_the_next_run_finishes(kit, tmp_path):
    sleeper = synthetic.with_code("import time\ntime.sleep(120)\n")
    course = make_course(tmp_path, kit, {"a-perfect": synthetic.perfect, "c-sleeper": sleeper})
    command = [sys.executable, "-m", "autograder", "--course", str(course.root), "grade", NAME, "-q",
               "--workers", "1"]
    run = subprocess.Popen([*command, "--timeout", "300"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)
    stamps = [graded_dir(course, NAME, "a-perfect") / STAMP]
    deadline = time.monotonic() + 120
    while not all(stamp.exists() for stamp in stamps) and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.2)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    assert all(stamp.exists() for stamp in stamps), "the first submission should have been graded"
    stored = gradebook.scores(course, NAME)
    assert sorted(stored) == ["a-perfect"], "the gradebook holds exactly the submissions committed"
    assert all(sum(cells.values()) == 8 for cells in stored.values()), stored

    finish = subprocess.run([*command, "--timeout", "5"], capture_output=True, text=True, timeout=300)
    assert finish.returncode == 0, finish.stderr
    assert "1 unchanged since the last run" in finish.stdout, finish.stdout
    stored = gradebook.scores(course, NAME)
    assert sum(stored["c-sleeper"].values()) == 0
    outcome = json.loads((course.autograded_dir / "c-sleeper" / NAME / "results.json").read_text())
    assert {test["extra_data"]["outcome"] for test in outcome["tests"]} == {TIMEOUT}
