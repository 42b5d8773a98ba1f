"""Public checks for char_lm.

Run `pytest` in this folder: it loads your notebook's code and runs these checks, the same
ones as the notebook's test cells. Expected values are computed here, live, from PyTorch and
from your own model's logits. Passing them is a good sign, not a guarantee: the hidden tests
try more inputs, check sampling statistically, and train your model on text whose best
possible bits per character is known exactly.
"""
import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F


def call(function, *args, **kwargs):
    """Call the student's function; a stub gets a message, not a bare NotImplementedError."""
    try:
        return function(*args, **kwargs)
    except NotImplementedError:
        name = getattr(function, "__name__", "this function")
        raise AssertionError(f"{name} is not implemented yet: replace "
                             "`raise NotImplementedError()` with your code") from None


def check_vocab(build_char_vocab, encode, decode):
    text = "hello, world\nhello!"
    chars, stoi, itos = call(build_char_vocab, text)
    assert list(chars) == sorted(set(text)), (
        f"build_char_vocab({text!r}) gave chars {list(chars)!r}; expected the distinct characters, "
        f"sorted: {sorted(set(text))!r}")
    assert all(stoi[ch] == i and itos[i] == ch for i, ch in enumerate(chars)), (
        "stoi must map each character to its position in chars, and itos[i] must be chars[i]")
    ids = call(encode, text, stoi)
    assert torch.is_tensor(ids) and ids.dtype == torch.long and ids.shape == (len(text),), (
        f"encode returned {ids!r}; expected a LongTensor of shape ({len(text)},)")
    assert ids[0].item() == stoi["h"] and ids[5].item() == stoi[","], "encode must give stoi[ch] for each ch"
    assert call(decode, ids, itos) == text, "decode(encode(text, stoi), itos) must give the text back"
    assert call(decode, [stoi["w"], stoi["o"]], itos) == "wo", "decode must also accept a list of ints"


def check_make_sequences(make_sequences):
    ids = torch.arange(10, 20)
    X, Y = call(make_sequences, ids, 4)
    assert tuple(X.shape) == (6, 4) and tuple(Y.shape) == (6, 4), (
        f"make_sequences(ids of length 10, seq_len=4) gave shapes {tuple(X.shape)}, {tuple(Y.shape)}; "
        "expected (6, 4) each: one window per start 0..5")
    assert X[0].tolist() == [10, 11, 12, 13] and X[-1].tolist() == [15, 16, 17, 18], (
        f"X should hold the windows ids[i:i+4]; got first {X[0].tolist()} and last {X[-1].tolist()}")
    assert torch.equal(Y, X + 1), (
        f"Y[i] must be X[i] shifted by one character (the next characters); got Y[0] = {Y[0].tolist()} "
        f"for X[0] = {X[0].tolist()}")


def check_batchify(batchify):
    ids = torch.arange(23)
    got = call(batchify, ids, 4)
    assert tuple(got.shape) == (4, 5), f"batchify(23 ids, 4) gave shape {tuple(got.shape)}; expected (4, 5)"
    assert got[1].tolist() == [5, 6, 7, 8, 9], (
        f"row 1 should be the contiguous stretch ids[5:10] = [5, 6, 7, 8, 9]; got {got[1].tolist()}")
    assert torch.equal(got.reshape(-1), ids[:20]), "the rows, read one after the other, must give ids[:20]"


def check_char_rnn(CharRNN, seed_everything):
    seed_everything(0)
    model = call(CharRNN, 11, embed_dim=6, hidden_size=10)
    x = torch.tensor([[1, 2, 3, 4, 5, 6, 7], [7, 6, 5, 4, 3, 2, 1]])
    logits, hidden = model(x)
    assert tuple(logits.shape) == (2, 7, 11), (
        f"CharRNN(11) on x of shape (2, 7) gave logits of shape {tuple(logits.shape)}; expected (2, 7, 11)")
    head, hidden = model(x[:, :3])
    tail, _ = model(x[:, 3:], hidden)
    gap = (torch.cat([head, tail], dim=1) - logits).abs().max().item()
    assert gap < 1e-5, (
        f"two chunks with the hidden state passed on should give the logits of one pass (max gap {gap:.1e}): "
        "does forward start from the `hidden` it is given?")


def check_bits_per_char(bits_per_char, CharRNN, seed_everything):
    seed_everything(1)
    model = call(CharRNN, 5, embed_dim=4, hidden_size=8)
    ids = torch.tensor([0, 1, 2, 3, 4] * 20)
    logits, _ = model(ids[:-1].unsqueeze(0))
    expected = F.cross_entropy(logits[0], ids[1:]).item() / math.log(2)
    for seq_len in (7, 1000):
        got = call(bits_per_char, model, ids, seq_len=seq_len)
        assert abs(got - expected) < 1e-4, (
            f"bits_per_char(model, ids, seq_len={seq_len}) returned {got:.5f}; the mean of -log2 p(next) over "
            f"one pass is {expected:.5f} (cross-entropy is in nats: divide by ln 2; carry the hidden state "
            "from chunk to chunk)")


REPEATED = "the cat sat on the mat. " * 120


def repeated_sentence_ids():
    alphabet = sorted(set(REPEATED))
    return torch.tensor([alphabet.index(ch) for ch in REPEATED]), len(alphabet)


def check_train_bptt(train_char_lm, CharRNN, seed_everything, watch_hidden_states, hidden_state_log):
    ids, V = repeated_sentence_ids()
    seed_everything(0)
    model = call(CharRNN, V, embed_dim=8, hidden_size=16)
    watch_hidden_states(model)
    losses = call(train_char_lm, model, ids, seq_len=16, batch_size=8, steps=12, lr=1e-2, clip=1.0)
    assert len(losses) == 12, f"train_char_lm returned {len(losses)} losses; expected one per step (12)"
    log = hidden_state_log(model)
    assert log, "train_char_lm never called model(x, hidden)"
    assert log.count("graph") == 0, (
        "a hidden state still attached to the previous chunk's graph reached the model: "
        "hidden = hidden.detach() between chunks")
    assert log.count("detached") >= len(log) // 2, (
        f"the model was called with a fresh state ('none') {log.count('none')} times out of {len(log)}: "
        "carry the hidden state from one chunk to the next")
    check_gradients_are_clipped(train_char_lm, CharRNN, seed_everything, ids, V)


def check_gradients_are_clipped(train_char_lm, CharRNN, seed_everything, ids, V):
    """Clipped to a norm of 1e-10, the gradients should barely move the weights (the grader checks it too)."""
    moved = {}
    for clip in (2.0, 1e-10):
        seed_everything(0)
        model = call(CharRNN, V, embed_dim=8, hidden_size=16)
        # state_dict(destination={}): a plain dict, which the grader can read across its sandbox wall.
        before = {key: value.clone() for key, value in model.state_dict(destination={}).items()}
        call(train_char_lm, model, ids, seq_len=16, batch_size=8, steps=6, lr=1e-2, clip=clip)
        after = model.state_dict(destination={})
        moved[clip] = max((after[key] - value).abs().max().item() for key, value in before.items())
    assert moved[2.0] > 0, "the parameters did not move at all while train_char_lm ran"
    assert moved[1e-10] < 0.1 * moved[2.0], (
        f"with clip=1e-10 the parameters moved {moved[1e-10]:.2e}, {moved[1e-10] / moved[2.0]:.0%} of what they "
        "move with clip=2.0: are the gradients clipped (torch.nn.utils.clip_grad_norm_(model.parameters(), clip)) "
        "between backward and step?")


def check_train_learns(train_char_lm, CharRNN, seed_everything):
    ids, V = repeated_sentence_ids()
    seed_everything(0)
    model = call(CharRNN, V, embed_dim=8, hidden_size=32)
    losses = call(train_char_lm, model, ids, seq_len=16, batch_size=8, steps=60, lr=1e-2, clip=1.0)
    start, end = sum(losses[:5]) / 5, sum(losses[-5:]) / 5
    assert end < 0.5 * math.log(V) and end < start, (
        f"on a text that repeats one sentence, the loss went from {start:.3f} to {end:.3f} nats in 60 steps; "
        f"it should fall far below ln V = {math.log(V):.3f}")


def check_sample(sample, CharRNN, seed_everything, make_generator):
    chars = "abcd"
    stoi, itos = {ch: i for i, ch in enumerate(chars)}, dict(enumerate(chars))
    seed_everything(2)
    model = call(CharRNN, 4, embed_dim=4, hidden_size=8)
    text = call(sample, model, "ab", stoi, itos, 20, temperature=1.0, generator=make_generator(0))
    assert isinstance(text, str) and len(text) == 22 and text.startswith("ab"), (
        f"sample(model, 'ab', ..., length=20) returned {text!r}; expected 'ab' followed by 20 characters")
    again = call(sample, model, "ab", stoi, itos, 20, temperature=1.0, generator=make_generator(0))
    assert again == text, "with generators built from the same seed, sample must give the same text"
    greedy = call(sample, model, "ab", stoi, itos, 15, temperature=0)
    ids = torch.tensor([[stoi[ch] for ch in greedy[:-1]]])
    logits, _ = model(ids)
    best = "".join(itos[int(i)] for i in logits[0, 1:].argmax(dim=-1))
    assert greedy[2:] == best, (
        f"with temperature 0 every new character must be the argmax of the logits: got {greedy[2:]!r}, "
        f"argmax gives {best!r}")


# ---- what `pytest` runs: the same checks on the notebook's own code ----

@pytest.fixture(scope="module")
def notebook():
    from nbloader import load_notebook

    return load_notebook(Path(__file__).with_name("char_lm.ipynb"))


def names(notebook, *wanted):
    from nbloader import function

    return [function(notebook, name) for name in wanted]


def test_vocabulary_encode_decode(notebook):
    check_vocab(*names(notebook, "build_char_vocab", "encode", "decode"))


def test_make_sequences(notebook):
    check_make_sequences(*names(notebook, "make_sequences"))


def test_batchify(notebook):
    check_batchify(*names(notebook, "batchify"))


def test_char_rnn(notebook):
    check_char_rnn(*names(notebook, "CharRNN", "seed_everything"))


def test_bits_per_char(notebook):
    check_bits_per_char(*names(notebook, "bits_per_char", "CharRNN", "seed_everything"))


def test_train_bptt(notebook):
    check_train_bptt(*names(notebook, "train_char_lm", "CharRNN", "seed_everything",
                            "watch_hidden_states", "hidden_state_log"))


def test_train_learns(notebook):
    check_train_learns(*names(notebook, "train_char_lm", "CharRNN", "seed_everything"))


def test_sample(notebook):
    check_sample(*names(notebook, "sample", "CharRNN", "seed_everything", "make_generator"))


# A failing check says so in short lines (nbgrader validate cuts long ones). nbloader.py ships
# beside this file; only the instructor's own folder lacks it, and there messages stay as written.
try:
    from nbloader import readable_checks  # noqa: E402
except ImportError:
    pass
else:
    readable_checks(globals())
