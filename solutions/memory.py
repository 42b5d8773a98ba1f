"""Assignment 2, memory: how many bytes does training a recurrent network hold?"""


def dtype_bytes(dtype):
    """Bytes per element of "float16" | "bfloat16" | "float32" | "float64" or the torch dtype."""
    # str(torch.float16) is "torch.float16": one spelling for both kinds of argument.
    name = str(dtype).removeprefix("torch.")
    sizes = {"float16": 2, "bfloat16": 2, "float32": 4, "float64": 8}
    if name not in sizes:
        raise ValueError(f"unknown dtype {dtype!r}; expected one of {sorted(sizes)}")
    return sizes[name]


def hidden_state_elements(batch, seq_len, hidden_size, num_layers=1, bidirectional=False):
    """Hidden-state numbers kept for BPTT: one (batch, hidden_size) state per step, layer, direction."""
    num_directions = 2 if bidirectional else 1
    return batch * seq_len * hidden_size * num_layers * num_directions


def rnn_output_bytes(batch, seq_len, hidden_size, num_layers=1, bidirectional=False, dtype="float32"):
    """(bytes of `output`, bytes of `h_n`) returned by nn.RNN(..., batch_first=True)."""
    num_directions = 2 if bidirectional else 1
    # output: every step of the LAST layer, both directions side by side: (N, T, D * H).
    output = batch * seq_len * num_directions * hidden_size
    # h_n: only the final step, but of EVERY layer and direction: (L * D, N, H).
    h_n = num_layers * num_directions * batch * hidden_size
    size = dtype_bytes(dtype)
    return output * size, h_n * size


def training_state_bytes(n_params, optimizer="adam", dtype="float32"):
    """Parameters + gradients + the optimizer's per-parameter buffers, in bytes."""
    buffers = {"sgd": 0, "sgd_momentum": 1, "adam": 2}  # Adam keeps two moments: exp_avg, exp_avg_sq
    if optimizer not in buffers:
        raise ValueError(f"unknown optimizer {optimizer!r}; expected one of {sorted(buffers)}")
    copies = 2 + buffers[optimizer]  # the weights themselves and their gradients, then the buffers
    return copies * n_params * dtype_bytes(dtype)


def max_seq_len(budget_bytes, batch, hidden_size, num_layers=1, bidirectional=False, dtype="float32"):
    """The longest sequence whose BPTT hidden states fit in `budget_bytes`."""
    per_step = hidden_state_elements(batch, 1, hidden_size, num_layers, bidirectional) * dtype_bytes(dtype)
    # Floor division: a sequence that fits exactly still fits; one more step does not.
    return int(budget_bytes // per_step)


def format_bytes(n, binary=True):
    """`n` bytes in the largest unit that keeps the number at least 1: "3.12 MiB" or "3.28 MB"."""
    base = 1024 if binary else 1000
    units = ["B", "KiB", "MiB", "GiB", "TiB"] if binary else ["B", "kB", "MB", "GB", "TB"]
    if n < base:
        return f"{n} B"
    value, unit = float(n), 0
    while value >= base and unit < len(units) - 1:
        value /= base
        unit += 1
    return f"{value:.2f} {units[unit]}"
