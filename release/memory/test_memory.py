"""Public checks for memory.

Run `pytest` in this folder: it loads your notebook's code and runs these checks, the
same ones as the notebook's test cells. Every expected size is measured on real PyTorch
tensors (`tensor.nbytes`) and a real optimizer, built live. Passing them is a good sign,
not a guarantee: hidden tests try many more configurations.
"""
from pathlib import Path

import pytest
import torch
import torch.nn as nn

DTYPES = ["float16", "bfloat16", "float32", "float64"]


def call(function, *args, **kwargs):
    """Call the student's function; a stub gets a message, not a bare NotImplementedError."""
    try:
        return function(*args, **kwargs)
    except NotImplementedError:
        raise AssertionError(f"{function.__name__} is not implemented yet: replace "
                             "`raise NotImplementedError()` with your code") from None


def shown(*args, **kwargs):
    return ", ".join([repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()])


def check_dtype_bytes(dtype_bytes, torch_dtype_bytes):
    for name in DTYPES:
        expected = torch.empty(0, dtype=getattr(torch, name)).element_size()
        got = call(dtype_bytes, name)
        assert got == expected, (f"dtype_bytes({name!r}) returned {got!r}; a torch.{name} element takes "
                                 f"{expected} bytes (torch.empty(0, dtype=torch.{name}).element_size())")
        got = call(torch_dtype_bytes, name)
        assert got == expected, (f"dtype_bytes(torch.{name}) returned {got!r}, expected {expected}: "
                                 "the torch dtype must work as well as its name (str(torch.float16) "
                                 "is 'torch.float16')")


def bptt_hidden_states(batch, seq_len, hidden_size, num_layers=1, bidirectional=False, dtype=torch.float32):
    """Run a stack of one-layer RNNs and keep what BPTT keeps: every layer's hidden states."""
    kept = []
    layer_input = torch.zeros(batch, seq_len, 3)
    for _ in range(num_layers):
        layer = nn.RNN(layer_input.shape[-1], hidden_size, batch_first=True, bidirectional=bidirectional)
        layer_input, _ = layer(layer_input)
        kept.append(layer_input.to(dtype))  # run in float32: CPU float16 RNNs are slow
    return kept


HIDDEN_CASES = [
    dict(batch=32, seq_len=100, hidden_size=256),
    dict(batch=4, seq_len=7, hidden_size=5, num_layers=2),
    dict(batch=3, seq_len=6, hidden_size=4, bidirectional=True),
    dict(batch=2, seq_len=5, hidden_size=3, num_layers=3, bidirectional=True),
    dict(batch=1, seq_len=1, hidden_size=1),
]


def check_hidden_state_elements(hidden_state_elements):
    for case in HIDDEN_CASES:
        expected = sum(h.numel() for h in bptt_hidden_states(**case))
        got = call(hidden_state_elements, **case)
        assert got == expected, (
            f"hidden_state_elements({shown(**case)}) returned {got!r}; running the layers keeps "
            f"{expected} hidden-state numbers. Count every step, every layer and every direction.")


OUTPUT_CASES = [
    dict(batch=2, seq_len=5, hidden_size=4),
    dict(batch=3, seq_len=4, hidden_size=6, num_layers=2),
    dict(batch=2, seq_len=3, hidden_size=5, bidirectional=True),
    dict(batch=1, seq_len=6, hidden_size=3, num_layers=3, bidirectional=True),
]


def check_rnn_output_bytes(rnn_output_bytes):
    for case in OUTPUT_CASES:
        rnn = nn.RNN(3, case["hidden_size"], num_layers=case.get("num_layers", 1), batch_first=True,
                     bidirectional=case.get("bidirectional", False))
        output32, h_n32 = rnn(torch.zeros(case["batch"], case["seq_len"], 3))
        for dtype in DTYPES:
            # The same shapes in each dtype (CPU float16 RNN kernels take a third of a second a call).
            output, h_n = output32.to(getattr(torch, dtype)), h_n32.to(getattr(torch, dtype))
            got = call(rnn_output_bytes, **case, dtype=dtype)
            assert isinstance(got, (tuple, list)) and len(got) == 2, (
                f"rnn_output_bytes({shown(**case, dtype=dtype)}) returned {got!r}; expected a pair "
                "(output bytes, h_n bytes)")
            assert tuple(got) == (output.nbytes, h_n.nbytes), (
                f"rnn_output_bytes({shown(**case, dtype=dtype)}) returned {tuple(got)}; PyTorch's output "
                f"{tuple(output.shape)} takes {output.nbytes} bytes and h_n {tuple(h_n.shape)} takes "
                f"{h_n.nbytes} bytes")


OPTIMIZERS = {
    "sgd": lambda params: torch.optim.SGD(params, lr=0.1),
    "sgd_momentum": lambda params: torch.optim.SGD(params, lr=0.1, momentum=0.9),
    "adam": lambda params: torch.optim.Adam(params, lr=0.1),
}


def measured_training_state(optimizer_name, dtype):
    """(number of parameters, bytes held after one real step): weights, grads, per-parameter buffers."""
    model = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 2)).to(getattr(torch, dtype))
    optimizer = OPTIMIZERS[optimizer_name](model.parameters())
    model(torch.ones(3, 4, dtype=getattr(torch, dtype))).sum().backward()
    optimizer.step()
    held = sum(p.nbytes + p.grad.nbytes for p in model.parameters())
    for state in optimizer.state.values():
        # Adam's `step` is one scalar per tensor, not per parameter: the contract ignores it.
        held += sum(t.nbytes for key, t in state.items() if torch.is_tensor(t) and key != "step")
    return sum(p.numel() for p in model.parameters()), held


def check_training_state_bytes(training_state_bytes):
    for optimizer_name in OPTIMIZERS:
        for dtype in DTYPES:
            n_params, expected = measured_training_state(optimizer_name, dtype)
            got = call(training_state_bytes, n_params, optimizer_name, dtype)
            assert got == expected, (
                f"training_state_bytes({shown(n_params, optimizer_name, dtype)}) returned {got!r}; "
                f"torch.optim after one step holds {expected} bytes of parameters, gradients and "
                "per-parameter buffers")


def check_max_seq_len(max_seq_len):
    for case in [dict(batch=32, hidden_size=256), dict(batch=3, hidden_size=5, num_layers=2),
                 dict(batch=2, hidden_size=4, bidirectional=True, dtype="float16")]:
        dtype = getattr(torch, case.get("dtype", "float32"))
        layer_args = {k: v for k, v in case.items() if k != "dtype"}
        one_step = sum(h.nbytes for h in bptt_hidden_states(seq_len=1, dtype=dtype, **layer_args))
        for steps in [1, 10, 1000]:
            for budget in [steps * one_step, steps * one_step + one_step - 1, steps * one_step - 1]:
                got = call(max_seq_len, budget, **case)
                fits = budget >= steps * one_step
                expected = steps if fits else steps - 1
                assert got == expected, (
                    f"max_seq_len({shown(budget, **case)}) returned {got!r}, expected {expected}: "
                    f"one step keeps {one_step} bytes of hidden states, so {steps} steps take "
                    f"{steps * one_step} bytes, which {'fits' if fits else 'does not fit'}")


def check_format_bytes(format_bytes):
    cases = [
        (0, True, "0 B"), (512, True, "512 B"), (1023, True, "1023 B"), (999, False, "999 B"),
        (1024, True, f"{1:.2f} KiB"), (1000, False, f"{1:.2f} kB"), (1536, True, f"{1.5:.2f} KiB"),
        (3_276_800, True, f"{3_276_800 / 2**20:.2f} MiB"), (3_276_800, False, f"{3_276_800 / 10**6:.2f} MB"),
        (1_474_560, True, f"{1_474_560 / 2**20:.2f} MiB"), (10**9, True, f"{10**9 / 2**20:.2f} MiB"),
        (10**9, False, f"{1:.2f} GB"), (5 * 2**40, True, f"{5:.2f} TiB"), (2**50, True, f"{2**10:.2f} TiB"),
    ]
    for n, binary, expected in cases:
        got = call(format_bytes, n, binary=binary)
        assert got == expected, (f"format_bytes({n}, binary={binary}) returned {got!r}, expected {expected!r} "
                                 f"({'KiB = 1024' if binary else 'kB = 1000'} bytes; the largest unit that "
                                 "keeps the number at least 1; two decimals; whole bytes as '512 B')")


# ---- what `pytest` runs: the same checks on the notebook's own code ----

@pytest.fixture(scope="module")
def notebook():
    from nbloader import load_notebook

    return load_notebook(Path(__file__).with_name("memory.ipynb"))


@pytest.mark.parametrize("name", ["hidden_state_elements", "rnn_output_bytes", "training_state_bytes",
                                  "max_seq_len", "format_bytes"])
def test_public_checks(notebook, name):
    from nbloader import function

    globals()[f"check_{name}"](function(notebook, name))


def test_dtype_bytes(notebook):
    from nbloader import function

    check_dtype_bytes(function(notebook, "dtype_bytes"), function(notebook, "torch_dtype_bytes"))


# A failing check says so in short lines (nbgrader validate cuts long ones). nbloader.py ships
# beside this file; only the instructor's own folder lacks it, and there messages stay as written.
try:
    from nbloader import readable_checks  # noqa: E402
except ImportError:
    pass
else:
    readable_checks(globals())
