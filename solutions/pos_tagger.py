"""Assignment 5, pos_tagger: many-to-many tagging with padding and masking."""
from collections import Counter

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

PAD, UNK = "<pad>", "<unk>"
IGNORE = -100  # the tag of a padding position: CrossEntropyLoss's default ignore_index


def read_conllu(path):
    """[[(word, UPOS), ...], ...] from a CoNLL-U file: FORM (column 2) and UPOS (column 4)."""
    sentences, sentence = [], []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            line = line.rstrip("\r\n")
            if not line.strip():
                if sentence:
                    sentences.append(sentence)
                sentence = []
                continue
            if line.startswith("#"):
                continue
            columns = line.split("\t")
            # "3-4" is a multiword token (its words follow on their own lines); "5.1" is an
            # empty node of the enhanced graph. Neither is a word of the sentence.
            if "-" in columns[0] or "." in columns[0]:
                continue
            sentence.append((columns[1], columns[3]))
    if sentence:
        sentences.append(sentence)
    return sentences


def build_vocab(sentences, min_freq=1):
    """(word2id, tag2id): word ids 0 and 1 are <pad> and <unk>, then one id for each word seen
    at least min_freq times (in any order); tag ids are 0 .. num_tags - 1."""
    counts = Counter(word for sentence in sentences for word, _ in sentence)
    word2id = {PAD: 0, UNK: 1}
    for word in sorted(counts):  # sorted: the same ids on every run
        if counts[word] >= min_freq:
            word2id[word] = len(word2id)
    tags = sorted({tag for sentence in sentences for _, tag in sentence})
    tag2id = {tag: i for i, tag in enumerate(tags)}
    return word2id, tag2id


def encode_batch(sentences, word2id, tag2id):
    """(words (N, T), tags (N, T), lengths (N,)) as LongTensors; T is the longest sentence.
    Words are padded with 0 (<pad>), tags with -100, which the loss ignores."""
    lengths = torch.tensor([len(sentence) for sentence in sentences], dtype=torch.long)
    T = int(lengths.max())
    words = torch.full((len(sentences), T), word2id[PAD], dtype=torch.long)
    tags = torch.full((len(sentences), T), IGNORE, dtype=torch.long)
    unk = word2id[UNK]
    for n, sentence in enumerate(sentences):
        for t, (word, tag) in enumerate(sentence):
            words[n, t] = word2id.get(word, unk)
            tags[n, t] = tag2id[tag]
    return words, tags, lengths


class RNNTagger(nn.Module):
    """Embedding -> RNN over the packed batch -> a linear layer from each hidden state to tag scores."""

    def __init__(self, vocab_size, num_tags, embed_dim=64, hidden_size=128, bidirectional=False):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.rnn = nn.RNN(embed_dim, hidden_size, batch_first=True, bidirectional=bidirectional)
        self.out = nn.Linear(hidden_size * (2 if bidirectional else 1), num_tags)

    def forward(self, words, lengths):
        embedded = self.embedding(words)  # (N, T, E)
        # Packing makes the RNN stop at each sentence's end: the backward direction starts at the
        # last real word, not at the padding, so a sentence's logits do not depend on its batch.
        packed = pack_padded_sequence(embedded, lengths.cpu(), batch_first=True, enforce_sorted=False)
        output, _ = self.rnn(packed)
        # total_length keeps T even when every sentence of the batch is shorter than the padding.
        output, _ = pad_packed_sequence(output, batch_first=True, total_length=words.shape[1])
        return self.out(output)  # (N, T, num_tags)


def masked_loss(logits, tags):
    """Mean cross-entropy over the real tokens; positions tagged -100 count for nothing."""
    # cross_entropy wants the classes second: flatten (N, T, C) to (N*T, C).
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tags.reshape(-1), ignore_index=IGNORE)


def accuracy(logits, tags):
    """Share of the real tokens whose highest-scoring tag is the right one."""
    real = tags != IGNORE
    correct = (logits.argmax(dim=-1) == tags) & real
    return correct.sum().item() / real.sum().item()


def train_tagger(model, train_sentences, word2id, tag2id, epochs=5, lr=0.005, batch_size=32):
    """Adam on masked_loss over shuffled mini-batches; the loss of every batch, in order."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    losses = []
    for _ in range(epochs):
        order = torch.randperm(len(train_sentences)).tolist()
        for start in range(0, len(order), batch_size):
            batch = [train_sentences[i] for i in order[start:start + batch_size]]
            words, tags, lengths = encode_batch(batch, word2id, tag2id)
            loss = masked_loss(model(words, lengths), tags)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return losses


def predict(model, sentences, word2id, tag2id):
    """The tags the model gives each word of each sentence (lists of words, no tags)."""
    id2tag = {i: tag for tag, i in tag2id.items()}
    unk = word2id[UNK]
    lengths = torch.tensor([len(sentence) for sentence in sentences], dtype=torch.long)
    words = torch.full((len(sentences), int(lengths.max())), word2id[PAD], dtype=torch.long)
    for n, sentence in enumerate(sentences):
        words[n, :len(sentence)] = torch.tensor([word2id.get(word, unk) for word in sentence])
    model.eval()
    with torch.no_grad():
        best = model(words, lengths).argmax(dim=-1)
    return [[id2tag[i] for i in best[n, :len(sentence)].tolist()] for n, sentence in enumerate(sentences)]
