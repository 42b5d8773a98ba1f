"""What nbgrader's own tools hand to students: `nbgrader generate_feedback` pages that carry no
hidden test name or code, and read in a real browser without sideways scrolling."""
import json
import os
import subprocess
import sys

import pytest

from autograder import hidden
from autograder.grading.batch import RESULT, graded_dir
from autograder.release.leaks import MARKERS, secret_lines
from tests.browser import browser_page, overflowing
from tests.conftest import CLASS_ASSIGNMENT as NAME


def nbgrader(course, *args):
    bin_dir = os.path.dirname(sys.executable)
    env = {**os.environ, "PATH": os.pathsep.join([bin_dir, os.environ["PATH"]])}
    run = subprocess.run([os.path.join(bin_dir, "nbgrader"), *args], cwd=course.root, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{run.stderr[-3000:]}"
    return run


@pytest.fixture(scope="module")
def feedback(graded_class):
    course, results = graded_class
    nbgrader(course, "generate_feedback", NAME, "--force")
    return course, results


def hidden_secrets():
    """What must never reach a student: each hidden test's name, each distinctive line of hidden
    test code, nbgrader's markers."""
    names = [test.name for grade_id in hidden.tests_for(NAME).grade_ids() for test in hidden.tests_for(NAME).cell(grade_id)]
    code = [line for origin, line in secret_lines(NAME) if origin.startswith("autograder/hidden")]
    return names + code + MARKERS + ["run_hidden_tests"]


def leaks_in(folder):
    secrets = hidden_secrets()
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8", errors="replace").replace("\\n", "\n").replace('\\"', '"')
        text = " ".join(text.split())
        found += [f"{path.relative_to(folder)}: {secret!r}" for secret in secrets if secret in text]
    return found


def test_the_scan_finds_hidden_test_names_where_they_are(feedback):
    # The kit's own record of a result names every hidden test; the scan must see that,
    # or its silence about feedback/ would mean nothing.
    course, _ = feedback
    record = graded_dir(course, NAME, "bo-stub") / RESULT
    assert record.is_file()
    assert leaks_in(record.parent), "the scan should find hidden test names in the kit's own record"


def test_generate_feedback_hands_out_no_hidden_test_name_or_code(feedback):
    course, results = feedback
    for student in results:
        assert (course.feedback_dir / student / NAME / f"{NAME}.html").is_file(), f"no feedback page for {student}"
    hidden_files = [p for p in course.feedback_dir.rglob(".*")]
    assert not hidden_files, f"feedback/ holds the kit's bookkeeping: {hidden_files}"
    leaks = leaks_in(course.feedback_dir)
    assert not leaks, "feedback/ shows students what is hidden:\n" + "\n".join(leaks[:20])


def test_every_feedback_line_survives_nbgrader_validate(feedback):
    # validate indents by 4 and cuts at 90 characters.
    course, results = feedback
    for student in results:
        folder = course.autograded_dir / student / NAME
        notebook = json.loads((folder / f"{NAME}.ipynb").read_text(encoding="utf-8"))
        lines = [line for cell in notebook["cells"] for output in cell.get("outputs", [])
                 for item in output.get("traceback", []) for line in item.splitlines()]
        lines += json.loads((folder / "results.json").read_text())["output"].splitlines()
        long = [line for line in lines if len(line) > 86 - len("Mismatch: ")]
        assert not long, f"{student}: lines validate would cut:\n" + "\n".join(long)


def test_a_feedback_page_shows_the_diagnosis_without_sideways_scrolling(feedback):
    course, _ = feedback
    page_path = course.feedback_dir / "cy-no-tanh" / NAME / f"{NAME}.html"
    with browser_page() as page:
        page.goto(page_path.as_uri(), wait_until="load")
        diagnosis = page.get_by_text("Known mistake: the step has no nonlinearity").first
        assert diagnosis.is_visible(), "the known mistake should be on the page"
        box = diagnosis.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"], (
            f"the diagnosis lies outside the window: {box}")
        wide = overflowing(page)
        assert not wide, "parts of the feedback page scroll sideways:\n" + "\n".join(wide)


def test_a_feedback_page_renders_its_maths_offline(feedback):
    course, _ = feedback
    page_path = course.feedback_dir / "ada" / NAME / f"{NAME}.html"
    with browser_page() as page:
        asked = []
        page.route("http*://**", lambda route: (asked.append(route.request.url), route.abort()))
        page.goto(page_path.as_uri(), wait_until="load")
        page.wait_for_function("() => window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0"
                               " && document.querySelectorAll('.MathJax, .MathJax_CHTML').length > 0",
                               timeout=30_000)
        rendered = page.evaluate("() => document.querySelectorAll('.MathJax, .MathJax_CHTML').length")
        errors = page.evaluate("() => document.querySelectorAll('.MathJax_Error, merror').length")
    assert rendered > 0 and errors == 0, f"{rendered} formulas rendered, {errors} with errors"
    assert all("cdnjs" in url or "mathjax" in url.lower() for url in asked), (
        f"the page asked the network for more than the CDN's MathJax: {asked}")


def test_an_error_names_the_student_s_function_line_and_the_call_once(graded_class):
    course, _ = graded_class
    text = (course.autograded_dir / "bo-stub" / NAME / "feedback.txt").read_text(encoding="utf-8")
    step = text.split("test_rnn_step_forward: ")[1].split("[")[0]
    assert "in your `rnn_step_forward`, line" in step and "of its cell" in step, step
    assert "raise NotImplementedError()" in step, "the line itself, as the student wrote it"
    assert "when called as rnn_step_forward(array(" in step, "a hidden test's error names its inputs' shapes"
    assert "<cell" not in text and "File " not in text, "no raw frames of the grader's own numbering"
    assert step.count("your code raised NotImplementedError") == 1, f"said once, counted:\n{step}"
    count = len(hidden.tests_for(NAME).cell("test_rnn_step_forward"))
    assert f"{count} hidden tests: error" in step, f"the cell's {count} hidden tests, said once:\n{step}"


def test_feedback_text_fits_80_columns(graded_class):
    course, results = graded_class
    for student in results:
        text = (course.autograded_dir / student / NAME / "feedback.txt").read_text(encoding="utf-8")
        long = [line for line in text.splitlines() if len(line) > 80]
        assert not long, f"{student}:\n" + "\n".join(long)


def test_under_vanilla_nbgrader_a_hidden_failure_shows_short_lines_and_no_hidden_frame(kit):
    import traceback

    from autograder.hidden import HiddenTestFailed, run_hidden_tests
    from autograder.mutants import catalog_for
    from solutions import param_count

    namespace = catalog_for("param_count")["one_bias"].namespace(param_count)
    with pytest.raises(HiddenTestFailed) as raised:
        run_hidden_tests("param_count", "test_rnn_params", namespace)
    shown = "".join(traceback.format_exception(raised.value))
    assert "autograder/hidden/param_count.py" not in shown, f"a hidden test's frame is shown:\n{shown}"
    assert "Known mistake:" in str(raised.value), str(raised.value)
    # IPython shows "HiddenTestFailed: " and then the message from its own line; validate keeps 83
    # characters of each line after its 4-space indent.
    assert str(raised.value).startswith("\n")
    long = [line for line in str(raised.value).splitlines() if len(line) > 83]
    assert not long, "lines nbgrader validate would cut:\n" + "\n".join(long)


def test_a_public_check_fails_in_short_lines_in_the_student_s_folder(kit, monkeypatch):
    # As released (nbloader.py beside the tests), which is what a notebook and `nbgrader validate` run.
    import importlib.util

    from autograder.mutants import catalog_for
    from solutions import forward

    folder = kit.release_dir / NAME
    monkeypatch.syspath_prepend(str(folder))
    spec = importlib.util.spec_from_file_location("released_test_forward", folder / f"test_{NAME}.py")
    public = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(public)
    mutant = catalog_for(NAME)["missing_tanh"].namespace(forward)
    with pytest.raises(AssertionError) as raised:
        public.check_rnn_step_forward(mutant["rnn_step_forward"])
    message = str(raised.value)
    assert message.startswith("\n") and "is off" in message, message
    long = [line for line in message.splitlines() if len(line) > 83]
    assert not long, "lines nbgrader validate would cut:\n" + "\n".join(long)
