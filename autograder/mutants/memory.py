"""Real mistakes in estimating memory, and correct estimates written other ways."""
from autograder.mutants.catalog import Catalog

catalog = Catalog("memory")


# ---- mutants: each one mistake students really make ----

@catalog.mutant("dtype_bytes", says="float16 is 16 bits, which is 2 bytes: this returns the number of bits.",
                cells=("test_dtype_bytes",))
def bits_not_bytes(dtype):
    name = str(dtype).removeprefix("torch.")
    return {"float16": 16, "bfloat16": 16, "float32": 32, "float64": 64}[name]


@catalog.mutant("hidden_state_elements", says="a stack of layers keeps the hidden states of every layer; "
                                              "this counts one layer only (`num_layers` is ignored).",
                cells=("test_hidden_state_elements",))
def layers_forgotten(batch, seq_len, hidden_size, num_layers=1, bidirectional=False):
    num_directions = 2 if bidirectional else 1
    return batch * seq_len * hidden_size * num_directions


@catalog.mutant("hidden_state_elements", says="a bidirectional layer keeps a second sequence of hidden "
                                              "states, read backwards; this counts one direction only.",
                cells=("test_hidden_state_elements",))
def directions_forgotten(batch, seq_len, hidden_size, num_layers=1, bidirectional=False):
    return batch * seq_len * hidden_size * num_layers


@catalog.mutant("rnn_output_bytes", says="`h_n` holds only the LAST step of each layer and direction, "
                                         "(num_layers * num_directions, N, H); this counts it over all T steps.",
                cells=("test_rnn_output_bytes",))
def h_n_counted_over_time(batch, seq_len, hidden_size, num_layers=1, bidirectional=False, dtype="float32"):
    num_directions = 2 if bidirectional else 1
    output = batch * seq_len * num_directions * hidden_size
    h_n = num_layers * num_directions * batch * seq_len * hidden_size
    return output * dtype_bytes(dtype), h_n * dtype_bytes(dtype)  # noqa: F821


@catalog.mutant("rnn_output_bytes", says="`output` holds the hidden states of the LAST layer only, "
                                         "(N, T, num_directions * H); this counts every layer.",
                cells=("test_rnn_output_bytes",))
def output_counts_every_layer(batch, seq_len, hidden_size, num_layers=1, bidirectional=False, dtype="float32"):
    num_directions = 2 if bidirectional else 1
    output = num_layers * batch * seq_len * num_directions * hidden_size
    h_n = num_layers * num_directions * batch * hidden_size
    return output * dtype_bytes(dtype), h_n * dtype_bytes(dtype)  # noqa: F821


@catalog.mutant("training_state_bytes", says="Adam keeps TWO buffers per parameter, the first and second "
                                             "moments (`exp_avg`, `exp_avg_sq`); this counts one.",
                cells=("test_training_state_bytes",))
def adam_one_moment(n_params, optimizer="adam", dtype="float32"):
    buffers = {"sgd": 0, "sgd_momentum": 1, "adam": 1}[optimizer]
    return (2 + buffers) * n_params * dtype_bytes(dtype)  # noqa: F821


@catalog.mutant("training_state_bytes", says="every parameter also has a gradient of its own size "
                                             "(`p.grad`); this leaves the gradients out.",
                cells=("test_training_state_bytes",))
def gradients_forgotten(n_params, optimizer="adam", dtype="float32"):
    buffers = {"sgd": 0, "sgd_momentum": 1, "adam": 2}[optimizer]
    return (1 + buffers) * n_params * dtype_bytes(dtype)  # noqa: F821


@catalog.mutant("max_seq_len", says="the answer must fit the budget: this rounds the number of steps UP, "
                                    "one step past the budget whenever it does not divide evenly.",
                cells=("test_max_seq_len",))
def rounds_up(budget_bytes, batch, hidden_size, num_layers=1, bidirectional=False, dtype="float32"):
    import math

    per_step = hidden_state_elements(batch, 1, hidden_size, num_layers, bidirectional) * dtype_bytes(dtype)  # noqa: F821
    return math.ceil(budget_bytes / per_step)


@catalog.mutant("max_seq_len", says="a sequence that fills the budget exactly still fits (<=, not <); "
                                    "this answers one step short on exact fits.",
                cells=("test_max_seq_len",))
def exact_fit_excluded(budget_bytes, batch, hidden_size, num_layers=1, bidirectional=False, dtype="float32"):
    per_step = hidden_state_elements(batch, 1, hidden_size, num_layers, bidirectional) * dtype_bytes(dtype)  # noqa: F821
    return (budget_bytes - 1) // per_step


@catalog.mutant("format_bytes", says="MB/MiB mix-up: this divides by 1024 but prints the decimal units "
                                     "(kB, MB, ...), which mean powers of 1000.",
                cells=("test_format_bytes",))
def binary_divisor_decimal_units(n, binary=True):
    units = ["B", "kB", "MB", "GB", "TB"]
    if n < 1024:
        return f"{n} B"
    value, unit = float(n), 0
    while value >= 1024 and unit < len(units) - 1:
        value /= 1024
        unit += 1
    return f"{value:.2f} {units[unit]}"


@catalog.mutant("format_bytes", says="MB/MiB mix-up: with binary=True the units KiB, MiB, ... are powers "
                                     "of 1024; this divides by 1000 whatever `binary` says.",
                cells=("test_format_bytes",))
def always_divides_by_1000(n, binary=True):
    units = ["B", "KiB", "MiB", "GiB", "TiB"] if binary else ["B", "kB", "MB", "GB", "TB"]
    if n < 1000:
        return f"{n} B"
    value, unit = float(n), 0
    while value >= 1000 and unit < len(units) - 1:
        value /= 1000
        unit += 1
    return f"{value:.2f} {units[unit]}"


@catalog.mutant("format_bytes", says="exactly one unit is already the larger unit: 1024 bytes is '1.00 KiB' "
                                     "(>=, not >), and this prints '1024 B'.",
                cells=("test_format_bytes",))
def unit_switch_too_late(n, binary=True):
    base = 1024 if binary else 1000
    units = ["B", "KiB", "MiB", "GiB", "TiB"] if binary else ["B", "kB", "MB", "GB", "TB"]
    if n <= base:
        return f"{n} B"
    value, unit = float(n), 0
    while value > base and unit < len(units) - 1:
        value /= base
        unit += 1
    return f"{value:.2f} {units[unit]}"


# ---- alternatives: correct, and written differently from the reference ----

@catalog.alternative("ask_pytorch", replaces="dtype_bytes")
def dtype_bytes_from_torch(dtype):
    import torch

    if isinstance(dtype, str):
        dtype = getattr(torch, dtype)
    return torch.empty(0, dtype=dtype).element_size()


@catalog.alternative("ask_pytorch", replaces="rnn_output_bytes")
def rnn_output_bytes_with_meta_tensors(batch, seq_len, hidden_size, num_layers=1, bidirectional=False,
                                       dtype="float32"):
    import torch

    directions = 1 + int(bidirectional)
    kind = getattr(torch, dtype) if isinstance(dtype, str) else dtype
    # "meta" tensors have a shape and a dtype but no storage: nbytes without allocating.
    output = torch.empty(batch, seq_len, directions * hidden_size, dtype=kind, device="meta")
    h_n = torch.empty(num_layers * directions, batch, hidden_size, dtype=kind, device="meta")
    return output.nbytes, h_n.nbytes


@catalog.alternative("ask_pytorch", replaces="max_seq_len")
def max_seq_len_divmod(budget_bytes, batch, hidden_size, num_layers=1, bidirectional=False, dtype="float32"):
    one_step = dtype_bytes(dtype) * hidden_state_elements(batch, 1, hidden_size, num_layers,  # noqa: F821
                                                          bidirectional)
    steps, _leftover = divmod(budget_bytes, one_step)
    return int(steps)


@catalog.alternative("by_hand", replaces="dtype_bytes")
def dtype_bytes_from_the_digits(dtype):
    name = str(dtype).split(".")[-1]
    if name not in ("float16", "bfloat16", "float32", "float64"):
        raise ValueError(name)
    return int(name[-2:]) // 8


@catalog.alternative("by_hand", replaces="training_state_bytes")
def training_state_bytes_term_by_term(n_params, optimizer="adam", dtype="float32"):
    weights = gradients = n_params
    if optimizer == "sgd":
        buffers = 0
    elif optimizer == "sgd_momentum":
        buffers = n_params
    elif optimizer == "adam":
        buffers = 2 * n_params
    else:
        raise ValueError(optimizer)
    return (weights + gradients + buffers) * dtype_bytes(dtype)  # noqa: F821


@catalog.alternative("by_hand", replaces="format_bytes")
def format_bytes_by_thresholds(n, binary=True):
    base, prefixes = (1024, "KMGT") if binary else (1000, "kMGT")
    suffix = "iB" if binary else "B"
    if n < base:
        return f"{n} B"
    power = 1
    while power < len(prefixes) and n >= base ** (power + 1):
        power += 1
    return f"{n / base ** power:.2f} {prefixes[power - 1]}{suffix}"
