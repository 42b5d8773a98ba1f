"""The memory reference agrees with PyTorch: real tensors' nbytes, a real optimizer's state."""
import itertools

import pytest
import torch
import torch.nn as nn

from solutions import memory

DTYPES = ["float16", "bfloat16", "float32", "float64"]


@pytest.mark.parametrize("name", DTYPES)
def test_dtype_bytes_is_element_size_for_name_and_torch_dtype(name):
    dtype = getattr(torch, name)
    expected = torch.tensor([1.0], dtype=dtype).element_size()
    assert memory.dtype_bytes(name) == expected
    assert memory.dtype_bytes(dtype) == expected, f"torch.{name} itself must work, not only its name"


def test_dtype_bytes_rejects_an_unknown_dtype():
    with pytest.raises(ValueError, match="int8"):
        memory.dtype_bytes("int8")


@pytest.mark.parametrize("layers, bidirectional", list(itertools.product([1, 2, 3], [False, True])))
def test_hidden_state_elements_is_what_each_layer_outputs(layers, bidirectional):
    batch, seq_len, hidden = 3, 5, 4
    x, kept = torch.randn(batch, seq_len, 2), 0
    for _ in range(layers):
        x, _ = nn.RNN(x.shape[-1], hidden, batch_first=True, bidirectional=bidirectional)(x)
        kept += x.numel()
    assert memory.hidden_state_elements(batch, seq_len, hidden, layers, bidirectional) == kept


def test_hidden_state_elements_worked_example():
    # The contract's worked example, recomputed: 32 sequences, 100 steps, 256 units.
    assert memory.hidden_state_elements(32, 100, 256) == torch.empty(32, 100, 256).numel()


@pytest.mark.parametrize("dtype, layers, bidirectional", [
    *[("float32", layers, bi) for layers, bi in itertools.product([1, 2], [False, True])],
    *[("float64", layers, bi) for layers, bi in itertools.product([1, 3], [False, True])],
    # A real half-precision RNN each (a third of a second per call on CPU).
    ("float16", 2, True), ("bfloat16", 3, False)])
def test_rnn_output_bytes_equals_real_output_and_h_n(dtype, layers, bidirectional):
    torch_dtype = getattr(torch, dtype)
    rnn = nn.RNN(3, 7, num_layers=layers, bidirectional=bidirectional, batch_first=True, dtype=torch_dtype)
    output, h_n = rnn(torch.randn(4, 6, 3, dtype=torch_dtype))
    assert memory.rnn_output_bytes(4, 6, 7, layers, bidirectional, dtype) == (output.nbytes, h_n.nbytes)


def one_real_step(optimizer, dtype):
    torch_dtype = getattr(torch, dtype)
    model = nn.Sequential(nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 2)).to(torch_dtype)
    make = {"sgd": lambda p: torch.optim.SGD(p, lr=0.1),
            "sgd_momentum": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
            "adam": lambda p: torch.optim.Adam(p, lr=0.1)}[optimizer]
    opt = make(model.parameters())
    model(torch.randn(8, 5, dtype=torch_dtype)).square().mean().backward()
    opt.step()
    params = list(model.parameters())
    state = [t for s in opt.state.values() for k, t in s.items() if torch.is_tensor(t) and k != "step"]
    return sum(p.numel() for p in params), sum(p.nbytes + p.grad.nbytes for p in params) + sum(t.nbytes for t in state)


@pytest.mark.parametrize("optimizer, dtype", list(itertools.product(["sgd", "sgd_momentum", "adam"], DTYPES)))
def test_training_state_bytes_equals_a_real_optimizer_after_one_step(optimizer, dtype):
    n_params, held = one_real_step(optimizer, dtype)
    assert memory.training_state_bytes(n_params, optimizer, dtype) == held


def test_adam_state_has_two_moments_and_a_scalar_step():
    # What the contract's "scalar step counters ignored" refers to.
    p = nn.Parameter(torch.randn(3))
    opt = torch.optim.Adam([p])
    p.sum().backward()
    opt.step()
    state = opt.state[p]
    assert {k for k, t in state.items() if t.shape == p.shape} == {"exp_avg", "exp_avg_sq"}
    assert state["step"].dim() == 0


@pytest.mark.parametrize("layers, bidirectional, dtype", [(1, False, "float32"), (2, True, "float16"),
                                                          (3, False, "float64")])
def test_max_seq_len_is_the_longest_sequence_that_fits(layers, bidirectional, dtype):
    batch, hidden = 4, 6

    def bytes_kept(seq_len):
        x, total = torch.zeros(batch, seq_len, 2, dtype=getattr(torch, dtype)), 0
        for _ in range(layers):
            x, _ = nn.RNN(x.shape[-1], hidden, batch_first=True, bidirectional=bidirectional,
                          dtype=getattr(torch, dtype))(x)
            total += x.nbytes
        return total

    for budget in [bytes_kept(7), bytes_kept(7) - 1, bytes_kept(7) + 1, bytes_kept(1) - 1, 0]:
        T = memory.max_seq_len(budget, batch, hidden, layers, bidirectional, dtype)
        assert T == 0 or bytes_kept(T) <= budget
        assert bytes_kept(T + 1) > budget


def test_max_seq_len_worked_examples():
    assert memory.max_seq_len(2**30, 32, 256) == 2**30 // (32 * 256 * 4)
    assert memory.max_seq_len(2**30, 32, 256, 2, True) == 2**30 // (32 * 256 * 4 * 4)


@pytest.mark.parametrize("n, binary, expected", [
    (0, True, "0 B"), (512, True, "512 B"), (1023, True, "1023 B"), (1024, True, "1.00 KiB"),
    (999, False, "999 B"), (1000, False, "1.00 kB"), (3_276_800, True, "3.12 MiB"),
    (3_276_800, False, "3.28 MB"), (2**40, True, "1.00 TiB"), (2**50, True, "1024.00 TiB"),
    (10**15, False, "1000.00 TB"), (1_474_560, True, "1.41 MiB"), (1_474_560, False, "1.47 MB"),
])
def test_format_bytes_follows_the_contract(n, binary, expected):
    # The strings are the contract's own definition, applied by hand: the largest unit that
    # keeps the number >= 1, f"{x:.2f}", whole bytes as "512 B". 3.125 rounds half to even.
    assert memory.format_bytes(n, binary) == expected


def test_seed_figure_is_a_mixed_unit():
    # "3.2 MB" for 3,276,800 bytes is 1024 * 1000 bytes per "MB": neither MB nor MiB.
    n = 32 * 100 * 256 * 4
    assert n / (1024 * 1000) == 3.2
    assert memory.format_bytes(n) != "3.20 MiB" and memory.format_bytes(n, binary=False) != "3.20 MB"
