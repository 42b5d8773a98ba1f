"""Hidden tests of memory: sizes measured on real tensors and a real optimizer, and the
reference's answers on seeded random configurations."""
import functools
import random

import torch
import torch.nn as nn

from autograder.grading.judge import call
from autograder.hidden.registry import HiddenTests

tests = HiddenTests("memory")
SEED = 20261123
DTYPE_NAMES = ["float16", "bfloat16", "float32", "float64"]


def random_rnn_config(rng):
    return dict(batch=rng.randint(1, 6), seq_len=rng.randint(1, 9), hidden_size=rng.randint(1, 7),
                num_layers=rng.randint(1, 3), bidirectional=rng.random() < 0.5)


@tests.test("test_dtype_bytes")
def dtype_bytes_matches_element_size_for_names_and_torch_dtypes(student, judge):
    for name in DTYPE_NAMES:
        size = torch.zeros(2, dtype=getattr(torch, name)).element_size()
        got = judge.same("dtype_bytes", name)
        assert got == size, f"dtype_bytes({name!r}) returned {got}; torch.{name} elements take {size} bytes"
        via_dtype = student.torch_dtype_bytes(name)
        assert via_dtype == size, (f"dtype_bytes(torch.{name}) returned {via_dtype!r}, expected {size}: "
                                   "pass a torch dtype and its name alike")


@tests.test("test_hidden_state_elements")
def hidden_state_elements_on_random_configs(student, judge):
    rng = random.Random(SEED)
    cases = [call(batch=rng.randint(1, 64), seq_len=rng.randint(1, 500), hidden_size=rng.randint(1, 512),
                  num_layers=rng.randint(1, 4), bidirectional=rng.random() < 0.5) for _ in range(150)]
    judge.same_each("hidden_state_elements", [*cases, call(32, 100, 256)])


@tests.test("test_hidden_state_elements")
def hidden_state_elements_counts_what_a_stack_of_layers_returns(student, judge):
    rng = random.Random(SEED + 1)
    configs = [random_rnn_config(rng) for _ in range(8)]
    for config, got in zip(configs, judge.same_each("hidden_state_elements", [call(**c) for c in configs])):
        total = numbers_kept_by_layers(**config)
        assert got == total, f"hidden_state_elements({config}) returned {got}; the layers keep {total} numbers"


@functools.cache  # the same configurations for every submission: measured once per process
def numbers_kept_by_layers(batch, seq_len, hidden_size, num_layers, bidirectional):
    """Run a stack of one-layer nn.RNNs and count the numbers each layer's output holds."""
    total, states = 0, torch.randn(batch, seq_len, 2)
    for _layer in range(num_layers):
        one_layer = nn.RNN(states.shape[2], hidden_size, batch_first=True, bidirectional=bidirectional)
        states = one_layer(states)[0]
        total += states.numel()
    return total


@tests.test("test_rnn_output_bytes")
def rnn_output_bytes_equals_nbytes_of_real_output_and_h_n(student, judge):
    rng = random.Random(SEED + 2)
    configs = [{**random_rnn_config(rng), "dtype": DTYPE_NAMES[index % 4]} for index in range(24)]
    for config, got in zip(configs, judge.same_each("rnn_output_bytes", [call(**c) for c in configs])):
        measured = bytes_of_output_and_h_n(**config)
        assert tuple(got) == measured, (f"rnn_output_bytes({config}) returned {got}; "
                                        f"nn.RNN's output and h_n take {measured} bytes")


@functools.cache
def bytes_of_output_and_h_n(batch, seq_len, hidden_size, num_layers, bidirectional, dtype):
    # float16/bfloat16 RNNs run slowly on CPU: run in float64, then hold the results in `dtype`.
    module = nn.RNN(2, hidden_size, num_layers=num_layers, batch_first=True,
                    bidirectional=bidirectional, dtype=torch.float64)
    results = module(torch.randn(batch, seq_len, 2, dtype=torch.float64))
    return tuple(result.to(getattr(torch, dtype)).nbytes for result in results)


@tests.test("test_rnn_output_bytes")
def rnn_output_bytes_defaults_are_one_layer_float32(student, judge):
    judge.same_each("rnn_output_bytes", [call(32, 100, 256), call(1, 1, 1), call(7, 3, 11)])


def bytes_after_one_step(optimizer_name, dtype, rng):
    """Build a small model, take one real optimizer step, and weigh everything it holds."""
    width_in, width_hidden = rng.randint(1, 5), rng.randint(1, 5)
    model = nn.Sequential(nn.Embedding(7, width_in), nn.Linear(width_in, width_hidden), nn.ReLU(),
                          nn.Linear(width_hidden, 2)).to(getattr(torch, dtype))
    parameters = list(model.parameters())
    if optimizer_name == "adam":
        optimizer = torch.optim.Adam(parameters, lr=1e-3)
    else:
        optimizer = torch.optim.SGD(parameters, lr=1e-2, momentum=0.9 if optimizer_name == "sgd_momentum" else 0)
    model(torch.tensor([[1, 2], [3, 6]])).pow(2).mean().backward()
    optimizer.step()
    weights = sum(p.nbytes for p in parameters)
    gradients = sum(p.grad.nbytes for p in parameters)
    per_parameter = sum(buffer.nbytes for state in optimizer.state.values() for buffer in state.values()
                        if torch.is_tensor(buffer) and buffer.dim() > 0)
    return sum(p.numel() for p in parameters), weights + gradients + per_parameter


@tests.test("test_training_state_bytes")
def training_state_bytes_equals_a_real_optimizer_after_one_step(student, judge):
    cases = optimizer_measurements()
    calls = [call(n_params, optimizer_name, dtype) for optimizer_name, dtype, n_params, _ in cases]
    for (optimizer_name, dtype, n_params, held), got in zip(cases, judge.same_each("training_state_bytes", calls)):
        assert got == held, (f"training_state_bytes({n_params}, {optimizer_name!r}, {dtype!r}) returned "
                             f"{got}; torch.optim after one step holds {held} bytes")


@functools.cache
def optimizer_measurements():
    """(optimizer, dtype, parameters, bytes held) for each optimizer and dtype, measured once."""
    rng = random.Random(SEED + 3)
    return [(optimizer_name, dtype, *bytes_after_one_step(optimizer_name, dtype, rng))
            for optimizer_name in ["sgd", "sgd_momentum", "adam"] for dtype in DTYPE_NAMES]


@tests.test("test_training_state_bytes")
def training_state_bytes_on_random_sizes_and_defaults(student, judge):
    rng = random.Random(SEED + 4)
    cases = [call(rng.randint(1, 10**9), rng.choice(["sgd", "sgd_momentum", "adam"]), rng.choice(DTYPE_NAMES))
             for _ in range(60)]
    judge.same_each("training_state_bytes", [*cases, call(29440), call(1000, "sgd_momentum")])


@tests.test("test_max_seq_len")
def max_seq_len_at_and_around_exact_fits(student, judge):
    rng = random.Random(SEED + 5)
    cases = []  # (budget, config, bytes one more step keeps)
    for _ in range(60):
        config = dict(batch=rng.randint(1, 64), hidden_size=rng.randint(1, 512), num_layers=rng.randint(1, 4),
                      bidirectional=rng.random() < 0.5, dtype=rng.choice(DTYPE_NAMES))
        step = judge.expected("hidden_state_elements", config["batch"], 1, config["hidden_size"],
                              config["num_layers"], config["bidirectional"]) * judge.expected("dtype_bytes",
                                                                                             config["dtype"])
        length = rng.randint(1, 5000)
        cases += [(budget, config, step)
                  for budget in [length * step, length * step - 1, length * step + 1, (length + 1) * step - 1]]
    calls = [call(budget, **config) for budget, config, _ in cases]
    for (budget, config, step), got in zip(cases, judge.same_each("max_seq_len", calls)):
        assert got * step <= budget < (got + 1) * step, (
            f"max_seq_len({budget}, {config}) returned {got}; one step keeps {step} bytes")
    judge.same_each("max_seq_len", [call(budget, 32, 256) for budget in [0, 1, 2**30, 10**9]])


@tests.test("test_format_bytes")
def format_bytes_at_unit_boundaries(student, judge):
    boundaries = [call(n, binary=binary)
                  for binary, base in ((True, 1024), (False, 1000)) for power in range(6)
                  for n in [base**power - 1, base**power, base**power + 1, 3 * base**power // 2] if n >= 0]
    defaults = [each_call for n in [0, 1, 512, 3_276_800, 1_474_560, 10**12, 2**40, 2**53]
                for each_call in (call(n), call(n, False))]
    judge.same_each("format_bytes", [*boundaries, *defaults])


@tests.test("test_format_bytes")
def format_bytes_on_random_sizes(student, judge):
    rng = random.Random(SEED + 6)
    judge.same_each("format_bytes", [call(int(10 ** rng.uniform(0, 16)), binary=rng.random() < 0.5)
                                     for _ in range(200)])
