"""Many calls in one message across the sandbox wall, judged as a loop of single calls would be."""
import pytest

from autograder import synthetic
from autograder.grading.errors import SandboxCrash
from autograder.grading.remote import RemoteObject
from autograder.grading.results import ERROR, FAILED, PASSED
from autograder.mutants import catalog_for
from autograder.sandbox import wire
from autograder.sandbox.worker import Worker
from tests.conftest import explain, grade_text, released_notebook

WRAPPED = "_reference_rnn_params = rnn_params\n"


def hidden_test(result, name):
    found = [test for cell in result.cells for test in cell.tests if test.name == name]
    assert found, f"no test named {name} in:\n{explain(result)}"
    return found[0]


def grade_rnn_params(kit, tmp_path, code):
    text = synthetic.with_code(WRAPPED + code)("param_count", released_notebook(kit, "param_count"))
    result = grade_text(kit, "param_count", text, tmp_path, only=["test_rnn_params"])
    return hidden_test(result, "rnn_params_equals_pytorch_on_random_configs"), result


def test_worker_runs_a_batch_in_order_and_stops_at_the_first_exception():
    worker = Worker()
    worker.setup({"cells": [(0, "seen = []\n"
                                "def tenfold(n):\n"
                                "    seen.append(n)\n"
                                "    if n == 2:\n"
                                "        raise ValueError('two is not allowed')\n"
                                "    return 10 * n\n")]})
    reply = worker.call_many({"name": "tenfold", "calls": [[[n], {}] for n in range(5)]})
    values = wire.unpack(wire.pack(reply["values"]))
    assert values == [0, 10], "the calls before the exception keep their values"
    assert (reply["error"]["type"], reply["error"]["message"]) == ("ValueError", "two is not allowed")
    assert worker.namespace["seen"] == [0, 1, 2], "calls after the one that raised must not run"


def test_each_call_of_a_batch_returns_what_it_returned_then_not_what_later_calls_made_of_it():
    worker = Worker()
    worker.setup({"cells": [(0, "history = []\n"
                                "def remember(n):\n"
                                "    history.append(n)\n"
                                "    return history\n")]})
    reply = worker.call_many({"name": "remember", "calls": [[[n], {}] for n in range(3)]})
    values = wire.unpack(wire.pack(reply["values"]))
    assert values == [[0], [0, 1], [0, 1, 2]], (
        f"a loop of single calls would see {[[0], [0, 1], [0, 1, 2]]}; the batch gave {values}")


class FakeSession:
    """A session whose worker answers every request with `reply`."""

    generation = 1

    def __init__(self, reply):
        self.reply, self.killed = reply, False
        self.timed_out = set()  # nothing has timed out

    def ensure_started(self):
        pass

    def request(self, message, to_handle=None, from_handle=None):
        return self.reply

    def kill(self):
        self.killed = True


@pytest.mark.parametrize("reply", [
    {"ok": True, "values": [], "error": None},
    {"ok": True, "values": [1, 2], "error": None},
    {"ok": True, "values": [1, 2, 3, 4], "error": None},
    {"ok": True, "values": [1, 2, 3], "error": {"type": "ValueError"}},
    {"ok": True, "values": {}, "error": None},
    {"ok": True},
], ids=["empty", "short", "long", "complete-with-error", "not-a-list", "nothing"])
def test_a_batch_reply_that_does_not_account_for_every_call_is_garbled(reply):
    session = FakeSession(reply)
    remote = RemoteObject(session, {"name": "rnn_params"}, "rnn_params")
    with pytest.raises(SandboxCrash, match="garbled"):
        remote.each([((1, 2), {}), ((3, 4), {}), ((5, 6), {})])
    assert session.killed, "a worker that sent a forged batch reply must not be trusted with the next test"


def test_a_call_that_raises_mid_batch_errors_the_test_with_the_students_exception(kit, tmp_path):
    test, result = grade_rnn_params(kit, tmp_path, (
        "def rnn_params(*args, **kwargs):\n"
        "    if kwargs.get('cell') == 'gru':\n"
        "        raise ValueError('GRU is not done yet')\n"
        "    return _reference_rnn_params(*args, **kwargs)\n"))
    assert test.status == ERROR and "ValueError: GRU is not done yet" in test.message, (
        f"expected an error carrying the student's exception, got {test.status}: {test.message}")
    defaults = hidden_test(result, "rnn_params_defaults_are_one_layer_unidirectional_rnn_with_bias")
    assert defaults.status == PASSED, f"a test without GRU calls should still pass:\n{explain(result)}"


def test_a_wrong_answer_before_a_raising_call_fails_as_in_a_loop_of_single_calls(kit, tmp_path):
    test, _ = grade_rnn_params(kit, tmp_path, (
        "def rnn_params(*args, **kwargs):\n"
        "    if kwargs.get('cell') == 'gru':\n"
        "        raise ValueError('GRU is not done yet')\n"
        "    return _reference_rnn_params(*args, **kwargs) + 1\n"))
    assert test.status == FAILED and "input_size=1" in test.message, (
        f"the first call is wrong, so the test fails on it, as a loop would; got {test.status}: {test.message}")


def test_every_call_of_a_batch_is_judged_not_only_the_first(kit, tmp_path):
    test, _ = grade_rnn_params(kit, tmp_path, (
        "_calls = [0]\n"
        "def rnn_params(*args, **kwargs):\n"
        "    _calls[0] += 1\n"
        "    return _reference_rnn_params(*args, **kwargs) + (_calls[0] > 150)\n"))
    assert test.status == FAILED, (
        f"the answers go wrong after 150 calls, inside one batch; got {test.status}: {test.message}")


def test_a_backward_that_is_not_the_derivative_of_its_forward_fails_the_numerical_check(kit, tmp_path):
    mutant = catalog_for("forward")["tanh_derivative_on_preactivation"]
    text = synthetic.variant(mutant)("forward", released_notebook(kit, "forward"))
    result = grade_text(kit, "forward", text, tmp_path, only=["test_rnn_step_backward"])
    test = hidden_test(result, "step_backward_is_the_gradient_of_your_step_forward")
    assert test.status == FAILED and "not the derivative of your forward" in test.message, (
        f"the nudged forward calls (one batch) should disagree with this backward; got {test.status}: "
        f"{test.message}")
