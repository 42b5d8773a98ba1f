"""Assignment 7, char_lm: a character-level language model trained with truncated BPTT."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def build_char_vocab(text):
    """(chars, stoi, itos): the sorted list of distinct characters, {char: id} and {id: char}."""
    chars = sorted(set(text))
    stoi = {ch: i for i, ch in enumerate(chars)}
    itos = {i: ch for i, ch in enumerate(chars)}
    return chars, stoi, itos


def encode(text, stoi):
    """The ids of the characters of `text`: a LongTensor of shape (len(text),)."""
    return torch.tensor([stoi[ch] for ch in text], dtype=torch.long)


def decode(ids, itos):
    """The text spelled by `ids` (a LongTensor or a list of ints)."""
    return "".join(itos[int(i)] for i in ids)


def make_sequences(ids, seq_len):
    """(X, Y), both LongTensors (N, seq_len) with N = len(ids) - seq_len: X[i] is the window
    ids[i : i + seq_len] and Y[i] the same window shifted by one, the characters to predict."""
    windows = range(len(ids) - seq_len)
    X = torch.stack([ids[i:i + seq_len] for i in windows])
    Y = torch.stack([ids[i + 1:i + 1 + seq_len] for i in windows])
    return X, Y


def batchify(ids, batch_size):
    """(batch_size, L) with L = len(ids) // batch_size: row b is the contiguous stretch
    ids[b * L : (b + 1) * L], so reading the columns left to right reads each row's text in order."""
    L = len(ids) // batch_size
    # The tail that does not fill a whole row is dropped.
    return ids[:batch_size * L].reshape(batch_size, L)


class CharRNN(nn.Module):
    """Embedding -> RNN (tanh) -> Linear: scores for the next character at every position."""

    def __init__(self, vocab_size, embed_dim=32, hidden_size=128, num_layers=1):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.rnn = nn.RNN(embed_dim, hidden_size, num_layers, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, x, hidden=None):
        """x (N, T) ids -> (logits (N, T, V), hidden); pass `hidden` back in to go on from there."""
        output, hidden = self.rnn(self.embed(x), hidden)
        return self.head(output), hidden


def train_char_lm(model, ids, seq_len=64, batch_size=32, steps=500, lr=3e-3, clip=5.0):
    """Train with Adam by truncated BPTT; return the loss (nats per character) of every step.

    `ids` is cut into `batch_size` streams (batchify) read `seq_len` characters at a time.
    The hidden state is carried from one chunk to the next, so the model sees long context,
    but detached, so gradients flow back through one chunk only. Gradients are clipped to a
    total norm of `clip`. Call the model as `model(x, hidden)`. At the end of the streams,
    start again from the beginning with a fresh hidden state."""
    streams = batchify(ids, batch_size)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    hidden, position, losses = None, 0, []
    for _ in range(steps):
        if position + seq_len + 1 > streams.size(1):
            hidden, position = None, 0
        x = streams[:, position:position + seq_len]
        y = streams[:, position + 1:position + seq_len + 1]
        position += seq_len
        logits, hidden = model(x, hidden)
        # Keep the state, cut the graph: the next backward stops at this chunk's start.
        hidden = hidden.detach()
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        losses.append(loss.item())
    return losses


def sample(model, prefix, stoi, itos, length, temperature=1.0, generator=None):
    """`prefix` followed by `length` characters drawn one at a time from the model.

    The next character is drawn from softmax(logits / temperature) with torch.multinomial
    and `generator`; temperature 0 takes the argmax instead."""
    if not prefix:
        raise ValueError("sample needs a non-empty prefix to start from")
    out = list(prefix)
    with torch.no_grad():
        logits, hidden = model(encode(prefix, stoi).unsqueeze(0))
        for _ in range(length):
            last = logits[0, -1]
            if temperature == 0:
                next_id = int(last.argmax())
            else:
                probs = torch.softmax(last / temperature, dim=-1)
                next_id = int(torch.multinomial(probs, 1, generator=generator))
            out.append(itos[next_id])
            logits, hidden = model(torch.tensor([[next_id]]), hidden)
    return "".join(out)


def bits_per_char(model, ids, seq_len=256):
    """Mean of -log2 p(ids[t+1] | ids[:t+1]) over every t: the model reads `ids` in chunks of
    `seq_len`, carrying the hidden state, so the result equals one pass over the whole text."""
    inputs, targets = ids[:-1], ids[1:]
    total_nats, hidden = 0.0, None
    with torch.no_grad():
        for start in range(0, len(inputs), seq_len):
            x = inputs[start:start + seq_len].unsqueeze(0)
            y = targets[start:start + seq_len]
            logits, hidden = model(x, hidden)
            total_nats += F.cross_entropy(logits[0], y, reduction="sum").item()
    # Cross-entropy is in nats; one bit is ln 2 nats.
    return total_nats / len(targets) / math.log(2)
