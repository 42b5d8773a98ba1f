"""Real mistakes in building a bidirectional RNN by hand, and correct versions written other ways.

Mutants of `BiRNN` are whole classes (the catalog renames each to `BiRNN`); they call the
notebook's own `reverse_padded`, as a student's class would, and may use only what the
notebook imports (torch, nn, pack_padded_sequence, pad_packed_sequence). The first two are
the ones `autograder demo` hands out: the classic torch.flip bug and its twin.
"""
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from autograder.mutants.catalog import Catalog

catalog = Catalog("birnn")

REVERSE = ("test_reverse_padded",)
MATCHES = ("test_birnn_matches_pytorch",)
SHAPES = ("test_birnn_shapes",)


# ---- mutants of BiRNN ----

@catalog.mutant("BiRNN", cells=MATCHES,
                says="the backward RNN was given `torch.flip(x, [1])`: on a padded batch it then reads "
                     "the pads first. Reverse each sequence within its own length (`reverse_padded`).")
class FlipPaddedBatch(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.fwd = nn.RNN(input_size, hidden_size, batch_first=True)
        self.bwd = nn.RNN(input_size, hidden_size, batch_first=True)

    def forward(self, x, lengths):
        lengths = torch.as_tensor(lengths).cpu()

        def run_packed(rnn, inputs, lengths):
            packed = pack_padded_sequence(inputs, lengths, batch_first=True, enforce_sorted=False)
            output, h_n = rnn(packed)
            return pad_packed_sequence(output, batch_first=True, total_length=inputs.shape[1])[0], h_n

        out_f, h_f = run_packed(self.fwd, x, lengths)
        out_b, h_b = run_packed(self.bwd, torch.flip(x, [1]), lengths)
        return torch.cat([out_f, torch.flip(out_b, [1])], dim=2), torch.cat([h_f, h_b])


@catalog.mutant("BiRNN", cells=MATCHES,
                says="the backward RNN's outputs come out in reversed time; reverse them back "
                     "(within each length) before concatenating, so output[:, t] describes step t.")
class BackwardNotReReversed(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.fwd = nn.RNN(input_size, hidden_size, batch_first=True)
        self.bwd = nn.RNN(input_size, hidden_size, batch_first=True)

    def forward(self, x, lengths):
        lengths = torch.as_tensor(lengths).cpu()

        def run_packed(rnn, inputs, lengths):
            packed = pack_padded_sequence(inputs, lengths, batch_first=True, enforce_sorted=False)
            output, h_n = rnn(packed)
            return pad_packed_sequence(output, batch_first=True, total_length=inputs.shape[1])[0], h_n

        out_f, h_f = run_packed(self.fwd, x, lengths)
        out_b, h_b = run_packed(self.bwd, reverse_padded(x, lengths), lengths)  # noqa: F821
        return torch.cat([out_f, out_b], dim=2), torch.cat([h_f, h_b])


@catalog.mutant("BiRNN", cells=MATCHES,
                says="`h_n[0]` was taken as `output[:, -1]`: for a sequence shorter than the batch that "
                     "is a padding step. The forward summary is the state after step `lengths[i] - 1`.")
class SummaryFromLastColumn(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.fwd = nn.RNN(input_size, hidden_size, batch_first=True)
        self.bwd = nn.RNN(input_size, hidden_size, batch_first=True)

    def forward(self, x, lengths):
        lengths = torch.as_tensor(lengths).cpu()

        def run_packed(rnn, inputs, lengths):
            packed = pack_padded_sequence(inputs, lengths, batch_first=True, enforce_sorted=False)
            output, h_n = rnn(packed)
            return pad_packed_sequence(output, batch_first=True, total_length=inputs.shape[1])[0], h_n

        out_f, _ = run_packed(self.fwd, x, lengths)
        out_b, h_b = run_packed(self.bwd, reverse_padded(x, lengths), lengths)  # noqa: F821
        return torch.cat([out_f, reverse_padded(out_b, lengths)], dim=2), \
            torch.stack([out_f[:, -1], h_b[0]])  # noqa: F821


@catalog.mutant("BiRNN", cells=MATCHES,
                says="`h_n` is in the wrong order: PyTorch puts the forward direction first "
                     "(`h_n[0]`) and the backward one second (`h_n[1]`).")
class SummaryOrderSwapped(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.fwd = nn.RNN(input_size, hidden_size, batch_first=True)
        self.bwd = nn.RNN(input_size, hidden_size, batch_first=True)

    def forward(self, x, lengths):
        lengths = torch.as_tensor(lengths).cpu()

        def run_packed(rnn, inputs, lengths):
            packed = pack_padded_sequence(inputs, lengths, batch_first=True, enforce_sorted=False)
            output, h_n = rnn(packed)
            return pad_packed_sequence(output, batch_first=True, total_length=inputs.shape[1])[0], h_n

        out_f, h_f = run_packed(self.fwd, x, lengths)
        out_b, h_b = run_packed(self.bwd, reverse_padded(x, lengths), lengths)  # noqa: F821
        return torch.cat([out_f, reverse_padded(out_b, lengths)], dim=2), torch.cat([h_b, h_f])  # noqa: F821


@catalog.mutant("BiRNN", cells=SHAPES,
                says="the outputs at padding steps are not zero: without packing the RNNs run on over "
                     "the pads; zero `output[i, lengths[i]:]` (PyTorch's packed RNN leaves zeros there).")
class PadsNotZeroed(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.fwd = nn.RNN(input_size, hidden_size, batch_first=True)
        self.bwd = nn.RNN(input_size, hidden_size, batch_first=True)

    def forward(self, x, lengths):
        lengths = torch.as_tensor(lengths).cpu()
        out_f, _ = self.fwd(x)
        out_b, _ = self.bwd(reverse_padded(x, lengths))  # noqa: F821
        last = (lengths - 1).view(1, -1, 1).expand(1, -1, out_f.shape[2])
        h_n = torch.cat([out_f.transpose(0, 1).gather(0, last), out_b.transpose(0, 1).gather(0, last)])
        return torch.cat([out_f, reverse_padded(out_b, lengths)], dim=2), h_n  # noqa: F821


@catalog.mutant("BiRNN", cells=MATCHES,
                says="every sequence was packed with the full length T, so both RNNs read the pads; "
                     "pass each sequence's own length to `pack_padded_sequence`.")
class LengthsIgnoredInPacking(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.fwd = nn.RNN(input_size, hidden_size, batch_first=True)
        self.bwd = nn.RNN(input_size, hidden_size, batch_first=True)

    def forward(self, x, lengths):
        lengths = torch.as_tensor(lengths).cpu()

        def run_packed(rnn, inputs, lengths):
            packed = pack_padded_sequence(inputs, lengths, batch_first=True, enforce_sorted=False)
            output, h_n = rnn(packed)
            return pad_packed_sequence(output, batch_first=True, total_length=inputs.shape[1])[0], h_n
        full = torch.full_like(lengths, x.shape[1])
        out_f, h_f = run_packed(self.fwd, x, full)
        out_b, h_b = run_packed(self.bwd, reverse_padded(x, lengths), full)  # noqa: F821
        return torch.cat([out_f, reverse_padded(out_b, lengths)], dim=2), torch.cat([h_f, h_b])  # noqa: F821


@catalog.mutant("BiRNN", cells=MATCHES,
                says="the two halves of `output` are swapped: PyTorch puts the forward states in "
                     "`output[..., :H]` and the backward ones in `output[..., H:]`.")
class ConcatenationSwapped(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.fwd = nn.RNN(input_size, hidden_size, batch_first=True)
        self.bwd = nn.RNN(input_size, hidden_size, batch_first=True)

    def forward(self, x, lengths):
        lengths = torch.as_tensor(lengths).cpu()

        def run_packed(rnn, inputs, lengths):
            packed = pack_padded_sequence(inputs, lengths, batch_first=True, enforce_sorted=False)
            output, h_n = rnn(packed)
            return pad_packed_sequence(output, batch_first=True, total_length=inputs.shape[1])[0], h_n

        out_f, h_f = run_packed(self.fwd, x, lengths)
        out_b, h_b = run_packed(self.bwd, reverse_padded(x, lengths), lengths)  # noqa: F821
        return torch.cat([reverse_padded(out_b, lengths), out_f], dim=2), torch.cat([h_f, h_b])  # noqa: F821


@catalog.mutant("BiRNN", cells=SHAPES,
                says="`output` must keep every time step of `x` (shape (N, T, 2H)); `pad_packed_sequence` "
                     "stops at the longest length unless given `total_length=x.shape[1]`.")
class OutputCutToLongest(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.fwd = nn.RNN(input_size, hidden_size, batch_first=True)
        self.bwd = nn.RNN(input_size, hidden_size, batch_first=True)

    def forward(self, x, lengths):
        lengths = torch.as_tensor(lengths).cpu()

        def run(rnn, inputs):
            packed = pack_padded_sequence(inputs, lengths, batch_first=True, enforce_sorted=False)
            output, h_n = rnn(packed)
            return pad_packed_sequence(output, batch_first=True)[0], h_n

        out_f, h_f = run(self.fwd, x)
        out_b, h_b = run(self.bwd, reverse_padded(x, lengths))  # noqa: F821
        return torch.cat([out_f, reverse_padded(out_b, lengths)], dim=2), torch.cat([h_f, h_b])  # noqa: F821


# ---- mutants of reverse_padded ----

@catalog.mutant("reverse_padded", cells=REVERSE,
                says="`torch.flip` reverses the whole padded row, so the pads move to the front and "
                     "every shorter sequence starts with padding; reverse only the first `lengths[i]` steps.")
def flip_whole_padded_row(x, lengths):
    return torch.flip(x, dims=[1])


@catalog.mutant("reverse_padded", cells=REVERSE,
                says="this reverses the batch axis (the order of the sequences), not time; "
                     "time is axis 1 in a batch-first tensor.")
def reverse_batch_axis(x, lengths):
    out = x.clone()
    for i, length in enumerate(lengths):
        out[i, :length] = x[len(x) - 1 - i, :length]
    return out


@catalog.mutant("reverse_padded", cells=REVERSE,
                says="the result is right, but the input `x` was changed in place: reverse into a "
                     "new tensor (`x.clone()` or an index gather) and leave the caller's tensor alone.")
def reverse_in_place(x, lengths):
    for i, length in enumerate(lengths):
        x[i, :length] = x[i, :length].flip(0)
    return x


@catalog.mutant("reverse_padded", cells=REVERSE,
                says="a real step t must read step `length - 1 - t`; reading `length - t` is off by one "
                     "(the last real step is `length - 1`).")
def reverse_off_by_one(x, lengths):
    out = x.clone()
    for i, length in enumerate(lengths):
        length = int(length)
        for t in range(length):
            out[i, t] = x[i, min(length - t, x.shape[1] - 1)]
    return out


# ---- alternatives: correct, and written differently from the reference ----

@catalog.alternative("loops", replaces="reverse_padded", cells=REVERSE + SHAPES + MATCHES)
def reverse_padded_by_loop(x, lengths):
    out = x.clone()
    for i in range(x.shape[0]):
        n = int(lengths[i])
        out[i, :n] = torch.flip(x[i, :n], dims=[0])
    return out


@catalog.alternative("loops", replaces="BiRNN", cells=REVERSE + SHAPES + MATCHES)
class BiRNNOneSentenceAtATime(nn.Module):
    """No packing at all: each sentence runs alone, cut to its own length."""

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.fwd = nn.RNN(input_size, hidden_size, batch_first=True)
        self.bwd = nn.RNN(input_size, hidden_size, batch_first=True)

    def forward(self, x, lengths):
        N, T, _ = x.shape
        H = self.fwd.hidden_size
        output = x.new_zeros(N, T, 2 * H)
        h_n = x.new_zeros(2, N, H)
        for i in range(N):
            n = int(lengths[i])
            sentence = x[i:i + 1, :n]
            out_f, h_f = self.fwd(sentence)
            out_b, h_b = self.bwd(sentence.flip(1))
            output[i, :n, :H] = out_f[0]
            output[i, :n, H:] = out_b[0].flip(0)
            h_n[0, i], h_n[1, i] = h_f[0, 0], h_b[0, 0]
        return output, h_n


@catalog.alternative("masking", replaces="reverse_padded", cells=REVERSE + SHAPES + MATCHES)
def reverse_padded_by_index(x, lengths):
    lengths = torch.as_tensor(lengths).tolist()
    rows = []
    for i, n in enumerate(lengths):
        order = list(range(n - 1, -1, -1)) + list(range(n, x.shape[1]))
        rows.append(x[i].index_select(0, torch.tensor(order, dtype=torch.long)))
    return torch.stack(rows)


@catalog.alternative("masking", replaces="BiRNN", cells=REVERSE + SHAPES + MATCHES)
class BiRNNWithMask(nn.Module):
    """Run both RNNs over the padded batch, then mask: the pads come after the real steps in
    both inputs, so they never reach a real step's state."""

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.fwd = nn.RNN(input_size, hidden_size, batch_first=True)
        self.bwd = nn.RNN(input_size, hidden_size, batch_first=True)

    def forward(self, x, lengths):
        lengths = torch.as_tensor(lengths).to(x.device)
        T = x.shape[1]
        mask = (torch.arange(T, device=x.device)[None, :] < lengths[:, None]).unsqueeze(-1)
        out_f, _ = self.fwd(x)
        out_b, _ = self.bwd(reverse_padded(x, lengths))  # noqa: F821
        rows = torch.arange(x.shape[0], device=x.device)
        h_n = torch.stack([out_f[rows, lengths - 1], out_b[rows, lengths - 1]])
        output = torch.cat([out_f, reverse_padded(out_b, lengths)], dim=2) * mask  # noqa: F821
        return output, h_n
