"""Public checks for birnn.

Run `pytest` in this folder: it loads your notebook's code and runs these checks, the
same ones as the notebook's test cells. Every expected value comes from PyTorch itself,
computed live: `nn.RNN(bidirectional=True)` run on a packed batch is the arbiter. Passing
them is a good sign, not a guarantee: hidden tests try many more batches, and train your
BiRNN on sentences you have never seen.
"""
from pathlib import Path

import pytest
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

ATOL = 1e-5  # float32: the same sums taken in another order differ in the last bits


def name_of(function):
    return getattr(function, "__name__", None) or str(function)


def call(function, *args, **kwargs):
    """Call the student's function; a stub gets a message, not a bare NotImplementedError."""
    try:
        return function(*args, **kwargs)
    except NotImplementedError:
        raise AssertionError(f"{name_of(function)} is not implemented yet: replace "
                             "`raise NotImplementedError()` with your code") from None


def random_batch(N, T, D, seed):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(N, T, D, generator=generator)


# ---- reverse_padded ----

def reversed_by_definition(x, lengths):
    """Row i: its first lengths[i] steps read backwards, then its padding unchanged."""
    rows = [torch.cat([x[i, :n].flip(0), x[i, n:]]) for i, n in enumerate(lengths)]
    return torch.stack(rows)


def steps_of(row, x_row):
    """Which step of x_row each step of row is a copy of ('?' where none is)."""
    return [next((s for s in range(len(x_row)) if torch.equal(step, x_row[s])), "?") for step in row]


REVERSE_CASES = [
    # (N, T, D, lengths): mixed lengths, a length-1 sentence, all full, all equal and short
    (3, 5, 2, [5, 2, 1]),
    (4, 6, 3, [6, 6, 6, 6]),
    (2, 4, 1, [3, 3]),
    (1, 1, 4, [1]),
]


def check_reverse_padded(reverse_padded):
    for seed, (N, T, D, lengths) in enumerate(REVERSE_CASES):
        x = random_batch(N, T, D, seed)
        before = x.clone()
        expected = reversed_by_definition(x, lengths)
        for given in (lengths, torch.tensor(lengths)):
            got = call(reverse_padded, x, given)
            shown = f"reverse_padded(x of shape {tuple(x.shape)}, lengths={lengths})"
            assert torch.equal(x, before), (
                f"{shown} changed x in place; return a new tensor and leave the input alone")
            assert isinstance(got, torch.Tensor) and got.shape == x.shape, (
                f"{shown} returned {type(got).__name__} "
                f"{tuple(got.shape) if isinstance(got, torch.Tensor) else ''}; expected a tensor "
                f"of x's shape {tuple(x.shape)}")
            if torch.equal(got, expected):
                continue
            hint = ""
            if torch.equal(got, torch.flip(x, [1])):
                hint = (" You flipped the whole padded row (torch.flip): the pads moved to the "
                        "front. Reverse only the first lengths[i] steps of row i.")
            elif torch.equal(got, torch.flip(x, [0])):
                hint = " You reversed the order of the sequences (axis 0), not time (axis 1)."
            i = next(i for i in range(N) if not torch.equal(got[i], expected[i]))
            raise AssertionError(
                f"{shown} is wrong in row {i} (length {lengths[i]}): it should hold the steps "
                f"{steps_of(expected[i], x[i])} of x[{i}], in that order; yours holds {steps_of(got[i], x[i])} ('?': "
                "not a step of that row at all)." + hint)


# ---- BiRNN ----

def check_birnn_shapes(BiRNN):
    """Two one-way nn.RNNs named fwd and bwd; output (N, T, 2H) with zeros at padding steps."""
    D, H = 3, 4
    model = call(BiRNN, D, H)
    for name in ("fwd", "bwd"):
        rnn = getattr(model, name)
        kind, settings = rnn._get_name(), rnn.extra_repr()
        assert kind == "RNN" and settings == f"{D}, {H}, batch_first=True", (
            f"BiRNN({D}, {H}).{name} is {kind}({settings}); expected "
            f"nn.RNN({D}, {H}, batch_first=True): one direction, one layer, batch first")
    # T = 6 is longer than every sentence: the last step is padding for all of them.
    lengths = [5, 2, 3]
    x = random_batch(3, 6, D, seed=10)
    output, h_n = call(model, x, lengths)
    assert tuple(output.shape) == (3, 6, 2 * H), (
        f"output has shape {tuple(output.shape)}; expected (N, T, 2H) = (3, 6, {2 * H}): one step "
        "per step of x (pad_packed_sequence stops at the longest length unless given "
        "total_length), forward and backward states side by side")
    assert tuple(h_n.shape) == (2, 3, H), (
        f"h_n has shape {tuple(h_n.shape)}; expected (2, N, H) = (2, 3, {H}), like "
        "nn.RNN(bidirectional=True)")
    for i, n in enumerate(lengths):
        pad = output[i, n:].detach()
        assert torch.count_nonzero(pad) == 0, (
            f"output[{i}, {n}:] (the padding after a sentence of length {n}) should be all zeros, "
            f"as PyTorch's packed RNN leaves it; its largest entry is {pad.abs().max().item():.3g}")


def bidirectional_reference(D, H, seed):
    """nn.RNN(bidirectional=True) with seeded weights, and its weights split for fwd and bwd."""
    generator = torch.Generator().manual_seed(seed)
    reference = nn.RNN(D, H, batch_first=True, bidirectional=True)
    weights = {name: 0.6 * torch.randn(p.shape, generator=generator)
               for name, p in reference.named_parameters()}
    reference.load_state_dict(weights)
    forward_half = {name: w for name, w in weights.items() if not name.endswith("_reverse")}
    backward_half = {name.removesuffix("_reverse"): w for name, w in weights.items()
                     if name.endswith("_reverse")}
    return reference, forward_half, backward_half


def run_reference(reference, x, lengths):
    """What PyTorch computes on the packed batch: output (N, T, 2H) zero-padded, h_n (2, N, H)."""
    packed_x = pack_padded_sequence(x, torch.as_tensor(lengths), batch_first=True, enforce_sorted=False)
    with torch.no_grad():
        packed_out, h_n = reference(packed_x)
    output, _ = pad_packed_sequence(packed_out, batch_first=True, total_length=x.shape[1])
    return output, h_n


def close(got, expected):
    return tuple(got.shape) == tuple(expected.shape) and torch.allclose(got, expected, atol=ATOL, rtol=0)


def explain_output(output, expected, H):
    got_f, got_b = output[..., :H], output[..., H:]
    want_f, want_b = expected[..., :H], expected[..., H:]
    if close(got_f, want_b) and close(got_b, want_f):
        return "the forward and backward halves are swapped: forward states go first, in output[..., :H]"
    if not close(got_f, want_f):
        return ("the forward half output[..., :H] is already wrong: run self.fwd on a packed batch "
                "(each sentence stops at its own length)")
    return ("the forward half is right but the backward half output[..., H:] is not: the backward "
            "RNN must read each sentence from its last real word (reverse within the length, not "
            "torch.flip), and its outputs must be reversed back so that output[:, t] describes step t")


def explain_h_n(h_n, expected):
    if close(h_n, expected.flip(0)):
        return "h_n is in the wrong order: the forward direction is h_n[0], the backward one h_n[1]"
    if not close(h_n[0], expected[0]):
        return ("h_n[0] is wrong: it is the forward state after each sentence's last real step "
                "(output[:, -1] is padding for a short sentence)")
    return "h_n[1] is wrong: it is the backward state after reading back to step 0"


MATCH_CASES = [
    # (N, T, D, H, lengths)
    (4, 7, 3, 5, [7, 3, 1, 5]),
    (3, 5, 2, 3, [5, 5, 5]),
    (1, 4, 4, 2, [2]),
]


def check_birnn_matches_pytorch(BiRNN):
    for seed, (N, T, D, H, lengths) in enumerate(MATCH_CASES):
        reference, forward_half, backward_half = bidirectional_reference(D, H, seed)
        model = call(BiRNN, D, H)
        # Weights in: the `_reverse` ones belong to the backward RNN.
        model.fwd.load_state_dict(forward_half)
        model.bwd.load_state_dict(backward_half)
        x = random_batch(N, T, D, seed=100 + seed)
        expected_output, expected_h_n = run_reference(reference, x, lengths)
        output, h_n = call(model, x, lengths)
        output, h_n = output.detach(), h_n.detach()
        shown = f"BiRNN({D}, {H}) on a batch of {N} with lengths {lengths} (T = {T})"
        assert tuple(output.shape) == (N, T, 2 * H) and tuple(h_n.shape) == (2, N, H), (
            f"{shown}: shapes {tuple(output.shape)} and {tuple(h_n.shape)}; expected "
            f"{(N, T, 2 * H)} and {(2, N, H)}")
        assert close(output, expected_output), (
            f"{shown}: output differs from nn.RNN(bidirectional=True) with the same weights by up to "
            f"{(output - expected_output).abs().max().item():.3g}: {explain_output(output, expected_output, H)}")
        assert close(h_n, expected_h_n), (
            f"{shown}: h_n differs from nn.RNN(bidirectional=True) by up to "
            f"{(h_n - expected_h_n).abs().max().item():.3g}: {explain_h_n(h_n, expected_h_n)}")


# ---- the tagger: does your BiRNN let it see the right context? ----

def next_word_task(n_sentences, vocab_size, seed):
    """Sentences of word ids 2..vocab_size-1 whose tag at step t is the class of word t + 1,
    and a tag of its own on the last word: only the right context decides it."""
    generator = torch.Generator().manual_seed(seed)
    lengths = torch.randint(2, 9, (n_sentences,), generator=generator)
    T = int(lengths.max())
    words = torch.randint(2, vocab_size, (n_sentences, T), generator=generator)
    tags = torch.full((n_sentences, T), -100, dtype=torch.long)
    for i, n in enumerate(lengths.tolist()):
        words[i, n:] = 0
        tags[i, :n - 1] = words[i, 1:n] % 3
        tags[i, n - 1] = 3
    return words, tags, lengths


def check_tagger_sees_right_context(fit_tagger, predict_tags):
    vocab_size, num_tags = 12, 4
    words, tags, lengths = next_word_task(300, vocab_size, seed=7)
    try:
        model, losses = fit_tagger(words, tags, lengths, vocab_size, num_tags, epochs=5, seed=0)
        test_words, test_tags, test_lengths = next_word_task(200, vocab_size, seed=8)
        predicted = predict_tags(model, test_words, test_lengths)
    except NotImplementedError:
        raise AssertionError("the tagger is built on your BiRNN, which is not implemented yet: "
                             "write reverse_padded and BiRNN first") from None
    real = test_tags != -100
    accuracy = (predicted[real] == test_tags[real]).float().mean().item()
    # A one-way tagger cannot beat about 1/3 on the words before the last: it has not seen
    # the next word yet. Your BiRNN has, if its backward half is right.
    assert accuracy >= 0.9, (
        f"a tagger built on your BiRNN reached {accuracy:.1%} on a task that needs the next word "
        f"(last training losses {[round(v, 3) for v in losses[-3:]]}); a correct BiRNN gets above "
        "90%. Check that the backward outputs are reversed back into place")


# ---- what `pytest` runs: the same checks on the notebook's own code ----

@pytest.fixture(scope="module")
def notebook():
    from nbloader import load_notebook

    return load_notebook(Path(__file__).with_name("birnn.ipynb"))


@pytest.mark.parametrize("check, names", [
    (check_reverse_padded, ["reverse_padded"]),
    (check_birnn_shapes, ["BiRNN"]),
    (check_birnn_matches_pytorch, ["BiRNN"]),
    (check_tagger_sees_right_context, ["fit_tagger", "predict_tags"]),
], ids=["reverse_padded", "birnn_shapes", "birnn_matches_pytorch", "tagger_sees_right_context"])
def test_public_checks(notebook, check, names):
    from nbloader import function

    check(*[function(notebook, name) for name in names])


# A failing check says so in short lines (nbgrader validate cuts long ones). nbloader.py ships
# beside this file; only the instructor's own folder lacks it, and there messages stay as written.
try:
    from nbloader import readable_checks  # noqa: E402
except ImportError:
    pass
else:
    readable_checks(globals())
