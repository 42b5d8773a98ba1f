"""Real mistakes in a character language model, and correct solutions written other ways.

Mutants of train_char_lm name only the cheap `test_train_bptt` cell: `test_train_learns`
trains for a few seconds and a graph that is never detached makes every step slower."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from autograder.mutants.catalog import Catalog

catalog = Catalog("char_lm")


# ---- mutants: each one mistake students really make ----

@catalog.mutant("build_char_vocab", says="the characters must be sorted, so that ids do not depend on the "
                                         "order in which characters first appear in the text.",
                cells=("test_vocab",))
def vocab_in_order_of_appearance(text):
    chars = list(dict.fromkeys(text))
    stoi = {ch: i for i, ch in enumerate(chars)}
    itos = {i: ch for i, ch in enumerate(chars)}
    return chars, stoi, itos


@catalog.mutant("make_sequences", says="the targets Y must be the inputs shifted by one character "
                                       "(Y[i] = ids[i+1 : i+1+seq_len]); here Y is X itself, so the model "
                                       "learns to copy its input instead of predicting the next character.",
                cells=("test_make_sequences",))
def targets_not_shifted(ids, seq_len):
    windows = range(len(ids) - seq_len)
    X = torch.stack([ids[i:i + seq_len] for i in windows])
    return X, X.clone()


@catalog.mutant("make_sequences", says="there are len(ids) - seq_len windows; the loop stops one early "
                                       "and drops the last one.",
                cells=("test_make_sequences",))
def last_window_dropped(ids, seq_len):
    windows = range(len(ids) - seq_len - 1)
    X = torch.stack([ids[i:i + seq_len] for i in windows])
    Y = torch.stack([ids[i + 1:i + 1 + seq_len] for i in windows])
    return X, Y


@catalog.mutant("batchify", says="each row must be one contiguous stretch of the text; `view(L, batch_size).t()` "
                                 "deals the characters out like cards, so a row reads every batch_size-th character.",
                cells=("test_batchify",))
def streams_interleaved(ids, batch_size):
    L = len(ids) // batch_size
    return ids[:batch_size * L].view(L, batch_size).t()


@catalog.mutant("CharRNN", says="the recurrent layer reads (N, T, D) only with `batch_first=True`; without it "
                                "PyTorch takes dimension 0 as time and mixes the rows of the batch.",
                cells=("test_char_rnn",))
class no_batch_first(nn.Module):
    def __init__(self, vocab_size, embed_dim=32, hidden_size=128, num_layers=1):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.rnn = nn.RNN(embed_dim, hidden_size, num_layers)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, x, hidden=None):
        output, hidden = self.rnn(self.embed(x), hidden)
        return self.head(output), hidden


@catalog.mutant("CharRNN", says="forward must start from the `hidden` it is given; this one always starts "
                                "from zeros, so nothing is carried from one chunk to the next.",
                cells=("test_char_rnn",))
class hidden_argument_ignored(nn.Module):
    def __init__(self, vocab_size, embed_dim=32, hidden_size=128, num_layers=1):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.rnn = nn.RNN(embed_dim, hidden_size, num_layers, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, x, hidden=None):
        output, hidden = self.rnn(self.embed(x))
        return self.head(output), hidden


@catalog.mutant("CharRNN", says="a language model must not read ahead: a bidirectional layer sees the "
                                "characters it is asked to predict.",
                cells=("test_char_rnn",))
class bidirectional_model(nn.Module):
    def __init__(self, vocab_size, embed_dim=32, hidden_size=128, num_layers=1):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.rnn = nn.RNN(embed_dim, hidden_size, num_layers, batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * hidden_size, vocab_size)

    def forward(self, x, hidden=None):
        output, hidden = self.rnn(self.embed(x), hidden)
        return self.head(output), hidden


@catalog.mutant("bits_per_char", says="cross-entropy is in nats; bits per character divides it by ln 2.",
                cells=("test_bits_per_char",))
def nats_not_bits(model, ids, seq_len=256):
    inputs, targets = ids[:-1], ids[1:]
    total_nats, hidden = 0.0, None
    with torch.no_grad():
        for start in range(0, len(inputs), seq_len):
            logits, hidden = model(inputs[start:start + seq_len].unsqueeze(0), hidden)
            total_nats += F.cross_entropy(logits[0], targets[start:start + seq_len], reduction="sum").item()
    return total_nats / len(targets)


@catalog.mutant("bits_per_char", says="the hidden state must be carried from one chunk to the next; starting "
                                      "each chunk afresh scores its first characters without their context.",
                cells=("test_bits_per_char",))
def bits_hidden_reset_each_chunk(model, ids, seq_len=256):
    inputs, targets = ids[:-1], ids[1:]
    total_nats = 0.0
    with torch.no_grad():
        for start in range(0, len(inputs), seq_len):
            logits, _ = model(inputs[start:start + seq_len].unsqueeze(0))
            total_nats += F.cross_entropy(logits[0], targets[start:start + seq_len], reduction="sum").item()
    return total_nats / len(targets) / math.log(2)


@catalog.mutant("train_char_lm", says="`hidden.detach()` returns a detached copy and leaves `hidden` as it was; "
                                      "assign it: hidden = hidden.detach().",
                cells=("test_train_bptt",))
def detach_without_assignment(model, ids, seq_len=64, batch_size=32, steps=500, lr=3e-3, clip=5.0):
    streams = batchify(ids, batch_size)  # noqa: F821
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    hidden, position, losses = None, 0, []
    for _ in range(steps):
        if position + seq_len + 1 > streams.size(1):
            hidden, position = None, 0
        x = streams[:, position:position + seq_len]
        y = streams[:, position + 1:position + seq_len + 1]
        position += seq_len
        logits, hidden = model(x, hidden)
        hidden.detach()
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        losses.append(loss.item())
    return losses


@catalog.mutant("train_char_lm", says="the hidden state is never detached (`retain_graph=True` only hides the "
                                      "error): backward runs through every chunk so far, each step slower than "
                                      "the last. Truncated BPTT detaches it: hidden = hidden.detach().",
                cells=("test_train_bptt",))
def not_detached_retain_graph(model, ids, seq_len=64, batch_size=32, steps=500, lr=3e-3, clip=5.0):
    streams = batchify(ids, batch_size)  # noqa: F821
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    hidden, position, losses = None, 0, []
    for _ in range(steps):
        if position + seq_len + 1 > streams.size(1):
            hidden, position = None, 0
        x = streams[:, position:position + seq_len]
        y = streams[:, position + 1:position + seq_len + 1]
        position += seq_len
        logits, hidden = model(x, hidden)
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward(retain_graph=True)
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        losses.append(loss.item())
    return losses


@catalog.mutant("train_char_lm", says="the hidden state must be carried from chunk to chunk (detached); "
                                      "starting every chunk from zeros forgets all earlier context.",
                cells=("test_train_bptt",))
def hidden_reset_every_chunk(model, ids, seq_len=64, batch_size=32, steps=500, lr=3e-3, clip=5.0):
    streams = batchify(ids, batch_size)  # noqa: F821
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    position, losses = 0, []
    for _ in range(steps):
        if position + seq_len + 1 > streams.size(1):
            position = 0
        x = streams[:, position:position + seq_len]
        y = streams[:, position + 1:position + seq_len + 1]
        position += seq_len
        logits, _ = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        losses.append(loss.item())
    return losses


@catalog.mutant("train_char_lm", says="gradients are not clipped: call "
                                      "torch.nn.utils.clip_grad_norm_(model.parameters(), clip) between "
                                      "backward() and step().",
                cells=("test_train_bptt",))
def no_clipping(model, ids, seq_len=64, batch_size=32, steps=500, lr=3e-3, clip=5.0):
    streams = batchify(ids, batch_size)  # noqa: F821
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    hidden, position, losses = None, 0, []
    for _ in range(steps):
        if position + seq_len + 1 > streams.size(1):
            hidden, position = None, 0
        x = streams[:, position:position + seq_len]
        y = streams[:, position + 1:position + seq_len + 1]
        position += seq_len
        logits, hidden = model(x, hidden)
        hidden = hidden.detach()
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


@catalog.mutant("sample", says="temperature must divide the logits before the softmax; dividing the "
                               "probabilities changes nothing once they are renormalised.",
                cells=("test_sample",))
def temperature_on_probabilities(model, prefix, stoi, itos, length, temperature=1.0, generator=None):
    out = list(prefix)
    with torch.no_grad():
        logits, hidden = model(encode(prefix, stoi).unsqueeze(0))  # noqa: F821
        for _ in range(length):
            last = logits[0, -1]
            if temperature == 0:
                next_id = int(last.argmax())
            else:
                probs = torch.softmax(last, dim=-1) / temperature
                next_id = int(torch.multinomial(probs, 1, generator=generator))
            out.append(itos[next_id])
            logits, hidden = model(torch.tensor([[next_id]]), hidden)
    return "".join(out)


@catalog.mutant("sample", says="the softmax is written as exp(logits / temperature) / its sum, which overflows "
                               "float32 (exp past 88 is inf, inf / inf is nan) at a low temperature; use "
                               "torch.softmax, which subtracts the largest logit first.",
                cells=("test_sample",))
def softmax_by_hand_overflows(model, prefix, stoi, itos, length, temperature=1.0, generator=None):
    out = list(prefix)
    with torch.no_grad():
        logits, hidden = model(encode(prefix, stoi).unsqueeze(0))  # noqa: F821
        for _ in range(length):
            last = logits[0, -1]
            if temperature == 0:
                next_id = int(last.argmax())
            else:
                weights = torch.exp(last / temperature)
                next_id = int(torch.multinomial(weights / weights.sum(), 1, generator=generator))
            out.append(itos[next_id])
            logits, hidden = model(torch.tensor([[next_id]]), hidden)
    return "".join(out)


@catalog.mutant("sample", says="at a temperature above 0 the next character is drawn from the distribution; "
                               "always taking the argmax repeats the same few phrases.",
                cells=("test_sample",))
def argmax_at_every_temperature(model, prefix, stoi, itos, length, temperature=1.0, generator=None):
    out = list(prefix)
    with torch.no_grad():
        logits, hidden = model(encode(prefix, stoi).unsqueeze(0))  # noqa: F821
        for _ in range(length):
            next_id = int(logits[0, -1].argmax())
            out.append(itos[next_id])
            logits, hidden = model(torch.tensor([[next_id]]), hidden)
    return "".join(out)


@catalog.mutant("sample", says="the result starts with the prefix, followed by the `length` new characters.",
                cells=("test_sample",))
def prefix_dropped(model, prefix, stoi, itos, length, temperature=1.0, generator=None):
    out = []
    with torch.no_grad():
        logits, hidden = model(encode(prefix, stoi).unsqueeze(0))  # noqa: F821
        for _ in range(length):
            last = logits[0, -1]
            if temperature == 0:
                next_id = int(last.argmax())
            else:
                next_id = int(torch.multinomial(torch.softmax(last / temperature, dim=-1), 1, generator=generator))
            out.append(itos[next_id])
            logits, hidden = model(torch.tensor([[next_id]]), hidden)
    return "".join(out)


# ---- alternatives: correct, and written differently from the reference ----

@catalog.alternative("vectorised", replaces="make_sequences", cells=("test_make_sequences",))
def make_sequences_by_unfold(ids, seq_len):
    X = ids[:-1].unfold(0, seq_len, 1)
    Y = ids[1:].unfold(0, seq_len, 1)
    return X.clone(), Y.clone()


@catalog.alternative("vectorised", replaces="batchify", cells=("test_batchify",))
def batchify_by_stacking_rows(ids, batch_size):
    L = len(ids) // batch_size
    return torch.stack([ids[b * L:(b + 1) * L] for b in range(batch_size)])


@catalog.alternative("vectorised", replaces="build_char_vocab", cells=("test_vocab",))
def vocab_with_list_itos(text):
    chars = sorted(set(text))
    return chars, {ch: i for i, ch in enumerate(chars)}, list(chars)


@catalog.alternative("vectorised", replaces="bits_per_char", cells=("test_bits_per_char",))
def bits_per_char_log_softmax(model, ids, seq_len=256):
    hidden, picked = None, []
    with torch.no_grad():
        for start in range(0, len(ids) - 1, seq_len):
            chunk = ids[start:start + seq_len + 1]
            logits, hidden = model(chunk[:-1][None], hidden)
            log_probs = torch.log_softmax(logits[0], dim=-1)
            picked.append(log_probs.gather(1, chunk[1:, None]).squeeze(1))
    return -torch.cat(picked).mean().item() / math.log(2)


@catalog.alternative("lstm_sgd", replaces="CharRNN")
class LSTMCharRNN(nn.Module):
    def __init__(self, vocab_size, embed_dim=32, hidden_size=128, num_layers=1):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_size, num_layers=num_layers, batch_first=True)
        self.decoder = nn.Linear(hidden_size, vocab_size)

    def forward(self, x, hidden=None):
        out, (h, c) = self.lstm(self.embedding(x), hidden)
        return self.decoder(out), (h, c)


@catalog.alternative("lstm_sgd", replaces="train_char_lm")
def train_with_chunks_list(model, ids, seq_len=64, batch_size=32, steps=500, lr=3e-3, clip=5.0):
    data = batchify(ids, batch_size)  # noqa: F821
    starts = list(range(0, data.shape[1] - seq_len, seq_len))
    opt = torch.optim.RMSprop(model.parameters(), lr=lr / 3)
    state, history = None, []
    for step in range(steps):
        i = starts[step % len(starts)]
        if i == 0:
            state = None
        elif isinstance(state, tuple):
            state = tuple(s.detach() for s in state)
        else:
            state = state.detach()
        logits, state = model(data[:, i:i + seq_len], state)
        target = data[:, i + 1:i + 1 + seq_len]
        loss = nn.functional.cross_entropy(logits.transpose(1, 2), target)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=clip)
        opt.step()
        history.append(loss.item())
    return history


@catalog.alternative("lstm_sgd", replaces="sample")
def sample_with_categorical(model, prefix, stoi, itos, length, temperature=1.0, generator=None):
    assert len(prefix) > 0
    text = prefix
    hidden = None
    x = torch.tensor([[stoi[c] for c in prefix]])
    for _ in range(length):
        with torch.no_grad():
            logits, hidden = model(x, hidden)
        scores = logits[0, -1]
        if temperature == 0:
            i = scores.argmax().item()
        else:
            probs = torch.softmax(scores / temperature, dim=0)
            u = torch.rand(1, generator=generator).item()
            i = min(int(torch.searchsorted(torch.cumsum(probs, 0), torch.tensor([u]))[0]), len(probs) - 1)
        text += itos[i]
        x = torch.tensor([[i]])
    return text
