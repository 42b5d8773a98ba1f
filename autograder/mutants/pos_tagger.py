"""Real mistakes in a padded, masked tagging pipeline, and correct ones written other ways.

Each variant is written against the names of the notebook's locked set-up cell (torch, nn,
F, pack_padded_sequence, pad_packed_sequence, Counter, PAD, UNK, IGNORE), which the
reference module also defines.
"""
from collections import Counter

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from autograder.mutants.catalog import Catalog
from solutions.pos_tagger import encode_batch, masked_loss  # noqa: F401 (variants call them by name)

catalog = Catalog("pos_tagger")
PAD, UNK, IGNORE = "<pad>", "<unk>", -100


# ---- read_conllu ----

@catalog.mutant("read_conllu", says="multiword token lines (ID like `3-4`) were kept: in UD they stand for the "
                                    "words on the lines after them, so those words were counted twice.",
                cells=("test_read_conllu",))
def keeps_multiword_tokens(path):
    sentences, sentence = [], []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            line = line.rstrip("\r\n")
            if not line.strip():
                if sentence:
                    sentences.append(sentence)
                sentence = []
            elif not line.startswith("#") and "." not in line.split("\t")[0]:
                columns = line.split("\t")
                sentence.append((columns[1], columns[3]))
    if sentence:
        sentences.append(sentence)
    return sentences


@catalog.mutant("read_conllu", says="empty nodes (ID like `5.1`) were kept: they are elided words of the "
                                    "enhanced graph, not words of the sentence.", cells=("test_read_conllu",))
def keeps_empty_nodes(path):
    sentences, sentence = [], []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            line = line.rstrip("\r\n")
            if not line.strip():
                if sentence:
                    sentences.append(sentence)
                sentence = []
            elif not line.startswith("#") and "-" not in line.split("\t")[0]:
                columns = line.split("\t")
                sentence.append((columns[1], columns[3]))
    if sentence:
        sentences.append(sentence)
    return sentences


@catalog.mutant("read_conllu", says="the tag was read from column 5, XPOS (the treebank's own tags); UPOS is "
                                    "column 4.", cells=("test_read_conllu",))
def reads_xpos(path):
    sentences, sentence = [], []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            line = line.rstrip("\r\n")
            if not line.strip():
                if sentence:
                    sentences.append(sentence)
                sentence = []
            elif not line.startswith("#") and "-" not in line.split("\t")[0] and "." not in line.split("\t")[0]:
                columns = line.split("\t")
                sentence.append((columns[1], columns[4]))
    if sentence:
        sentences.append(sentence)
    return sentences


# ---- build_vocab ----

@catalog.mutant("build_vocab", says="`<pad>` and `<unk>` are swapped: the padding id must be 0 (what "
                                    "`padding_idx=0` and the zero-filled batches assume) and `<unk>` 1.",
                cells=("test_build_vocab",))
def pad_and_unk_swapped(sentences, min_freq=1):
    counts = Counter(word for sentence in sentences for word, _ in sentence)
    word2id = {UNK: 0, PAD: 1}
    for word in sorted(counts):
        if counts[word] >= min_freq:
            word2id[word] = len(word2id)
    tag2id = {tag: i for i, tag in enumerate(sorted({t for s in sentences for _, t in s}))}
    return word2id, tag2id


@catalog.mutant("build_vocab", says="words seen exactly `min_freq` times were dropped: `min_freq` is the "
                                    "smallest count that is kept (`>=`, not `>`).", cells=("test_build_vocab",))
def min_freq_off_by_one(sentences, min_freq=1):
    counts = Counter(word for sentence in sentences for word, _ in sentence)
    word2id = {PAD: 0, UNK: 1}
    for word in sorted(counts):
        if counts[word] > min_freq:
            word2id[word] = len(word2id)
    tag2id = {tag: i for i, tag in enumerate(sorted({t for s in sentences for _, t in s}))}
    return word2id, tag2id


# ---- encode_batch ----

@catalog.mutant("encode_batch", says="tags were padded with 0, a real tag id: the loss then trains the "
                                     "padding to be that tag. Pad tags with -100, which the loss ignores.",
                cells=("test_encode_batch",))
def tags_padded_with_zero(sentences, word2id, tag2id):
    lengths = torch.tensor([len(s) for s in sentences])
    words = torch.zeros(len(sentences), int(lengths.max()), dtype=torch.long)
    tags = torch.zeros(len(sentences), int(lengths.max()), dtype=torch.long)
    for n, sentence in enumerate(sentences):
        for t, (word, tag) in enumerate(sentence):
            words[n, t], tags[n, t] = word2id.get(word, word2id[UNK]), tag2id[tag]
    return words, tags, lengths


@catalog.mutant("encode_batch", says="unknown words became 0, the padding id: they must become `<unk>` (1), "
                                     "a word the model can learn something about.", cells=("test_encode_batch",))
def unknown_words_as_padding(sentences, word2id, tag2id):
    lengths = torch.tensor([len(s) for s in sentences])
    words = torch.zeros(len(sentences), int(lengths.max()), dtype=torch.long)
    tags = torch.full((len(sentences), int(lengths.max())), -100, dtype=torch.long)
    for n, sentence in enumerate(sentences):
        for t, (word, tag) in enumerate(sentence):
            words[n, t], tags[n, t] = word2id.get(word, 0), tag2id[tag]
    return words, tags, lengths


@catalog.mutant("encode_batch", says="a word missing from the vocabulary raised a KeyError: map unknown words "
                                     "to `<unk>` with `word2id.get(word, unk_id)`.", cells=("test_encode_batch",))
def unknown_words_not_mapped(sentences, word2id, tag2id):
    lengths = torch.tensor([len(s) for s in sentences])
    words = torch.zeros(len(sentences), int(lengths.max()), dtype=torch.long)
    tags = torch.full((len(sentences), int(lengths.max())), -100, dtype=torch.long)
    for n, sentence in enumerate(sentences):
        for t, (word, tag) in enumerate(sentence):
            words[n, t], tags[n, t] = word2id[word], tag2id[tag]
    return words, tags, lengths


# ---- RNNTagger ----

@catalog.mutant("RNNTagger", says="the padded batch went into the RNN unpacked: the backward direction then "
                                  "starts in the padding, and a sentence's tags depend on its batch.",
                cells=("test_rnn_tagger",))
class no_packing(nn.Module):
    def __init__(self, vocab_size, num_tags, embed_dim=64, hidden_size=128, bidirectional=False):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.rnn = nn.RNN(embed_dim, hidden_size, batch_first=True, bidirectional=bidirectional)
        self.out = nn.Linear(hidden_size * (2 if bidirectional else 1), num_tags)

    def forward(self, words, lengths):
        output, _ = self.rnn(self.embedding(words))
        return self.out(output)


@catalog.mutant("RNNTagger", says="pad_packed_sequence without `total_length` returns only as many steps as "
                                  "the longest sentence, not the T of the input.", cells=("test_rnn_tagger",))
class unpacked_without_total_length(nn.Module):
    def __init__(self, vocab_size, num_tags, embed_dim=64, hidden_size=128, bidirectional=False):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.rnn = nn.RNN(embed_dim, hidden_size, batch_first=True, bidirectional=bidirectional)
        self.out = nn.Linear(hidden_size * (2 if bidirectional else 1), num_tags)

    def forward(self, words, lengths):
        packed = pack_padded_sequence(self.embedding(words), lengths.cpu(), batch_first=True, enforce_sorted=False)
        output, _ = pad_packed_sequence(self.rnn(packed)[0], batch_first=True)
        return self.out(output)


@catalog.mutant("RNNTagger", says="pack_padded_sequence assumes lengths sorted longest first unless "
                                  "`enforce_sorted=False`: batches come in any order.", cells=("test_rnn_tagger",))
class packed_assuming_sorted(nn.Module):
    def __init__(self, vocab_size, num_tags, embed_dim=64, hidden_size=128, bidirectional=False):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.rnn = nn.RNN(embed_dim, hidden_size, batch_first=True, bidirectional=bidirectional)
        self.out = nn.Linear(hidden_size * (2 if bidirectional else 1), num_tags)

    def forward(self, words, lengths):
        packed = pack_padded_sequence(self.embedding(words), lengths.cpu(), batch_first=True)
        output, _ = pad_packed_sequence(self.rnn(packed)[0], batch_first=True, total_length=words.shape[1])
        return self.out(output)


@catalog.mutant("RNNTagger", says="every word was tagged from the final hidden state (`h_n`, like "
                                  "`output[:, -1]` for a classifier): a tagger needs each step's own output.",
                cells=("test_rnn_tagger",))
class last_state_for_every_word(nn.Module):
    def __init__(self, vocab_size, num_tags, embed_dim=64, hidden_size=128, bidirectional=False):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.rnn = nn.RNN(embed_dim, hidden_size, batch_first=True, bidirectional=bidirectional)
        self.out = nn.Linear(hidden_size * (2 if bidirectional else 1), num_tags)

    def forward(self, words, lengths):
        packed = pack_padded_sequence(self.embedding(words), lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, h_n = self.rnn(packed)
        summary = torch.cat(list(h_n), dim=-1)  # (N, H * directions)
        return self.out(summary)[:, None, :].expand(-1, words.shape[1], -1)


@catalog.mutant("RNNTagger", says="the `bidirectional` argument was ignored: the tagger reads left to right "
                                  "only.", cells=("test_rnn_tagger",))
class bidirectional_ignored(nn.Module):
    def __init__(self, vocab_size, num_tags, embed_dim=64, hidden_size=128, bidirectional=False):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.rnn = nn.RNN(embed_dim, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, num_tags)

    def forward(self, words, lengths):
        packed = pack_padded_sequence(self.embedding(words), lengths.cpu(), batch_first=True, enforce_sorted=False)
        output, _ = pad_packed_sequence(self.rnn(packed)[0], batch_first=True, total_length=words.shape[1])
        return self.out(output)


# ---- masked_loss and accuracy ----

@catalog.mutant("masked_loss", says="the loss was averaged over every position, padding included: divide by "
                                    "the number of real tokens (or let `ignore_index=-100` do it).",
                cells=("test_masked_loss",))
def loss_averaged_over_pads(logits, tags):
    real = tags != IGNORE
    per_token = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tags.clamp(min=0).reshape(-1),
                                reduction="none")
    return (per_token * real.reshape(-1)).sum() / tags.numel()


@catalog.mutant("masked_loss", says="a softmax was applied before the cross-entropy, which applies "
                                    "log_softmax itself: it wants raw logits.", cells=("test_masked_loss",))
def softmax_before_cross_entropy(logits, tags):
    probabilities = torch.softmax(logits, dim=-1)
    return F.cross_entropy(probabilities.reshape(-1, logits.shape[-1]), tags.reshape(-1), ignore_index=IGNORE)


@catalog.mutant("masked_loss", says="(N, T, C) logits went to the cross-entropy as they are: it reads the "
                                    "classes from dimension 1, so flatten to (N*T, C) or permute to (N, C, T).",
                cells=("test_masked_loss",))
def classes_not_in_dimension_1(logits, tags):
    return F.cross_entropy(logits, tags, ignore_index=IGNORE)


@catalog.mutant("masked_loss", says="the cross-entropy is the log of a softmax: at logits in the hundreds the "
                                    "softmax of a wrong tag underflows to 0 and its log is -inf, so the loss is inf. "
                                    "F.cross_entropy (or F.log_softmax) works from the logits and stays finite.",
                cells=("test_masked_loss",))
def log_of_softmax(logits, tags):
    real = tags != IGNORE
    log_probabilities = torch.log(torch.softmax(logits[real], dim=-1))
    return -log_probabilities.gather(1, tags[real].unsqueeze(1)).mean()


@catalog.mutant("accuracy", says="padding positions were counted as tokens (always wrong): divide by the "
                                 "number of real tokens only.", cells=("test_accuracy",))
def accuracy_counts_pads(logits, tags):
    return (logits.argmax(dim=-1) == tags).float().mean().item()


# ---- predict ----

@catalog.mutant("predict", says="each sentence got a tag for every padding position too: cut each row at the "
                                "sentence's length.", cells=("test_predict",))
def predict_keeps_padding(model, sentences, word2id, tag2id):
    id2tag = {i: tag for tag, i in tag2id.items()}
    lengths = torch.tensor([len(s) for s in sentences])
    words = torch.zeros(len(sentences), int(lengths.max()), dtype=torch.long)
    for n, sentence in enumerate(sentences):
        words[n, :len(sentence)] = torch.tensor([word2id.get(w, word2id[UNK]) for w in sentence])
    model.eval()
    with torch.no_grad():
        best = model(words, lengths).argmax(dim=-1)
    return [[id2tag[i] for i in row] for row in best.tolist()]


@catalog.mutant("predict", says="the argmax ran over the time dimension: the best tag is the argmax over the "
                                "last dimension, the tags.", cells=("test_predict",))
def argmax_over_time(model, sentences, word2id, tag2id):
    id2tag = {i: tag for tag, i in tag2id.items()}
    lengths = torch.tensor([len(s) for s in sentences])
    words = torch.zeros(len(sentences), int(lengths.max()), dtype=torch.long)
    for n, sentence in enumerate(sentences):
        words[n, :len(sentence)] = torch.tensor([word2id.get(w, word2id[UNK]) for w in sentence])
    model.eval()
    with torch.no_grad():
        best = model(words, lengths).argmax(dim=1)
    return [[id2tag.get(i, "?") for i in best[n, :len(s)].tolist()] for n, s in enumerate(sentences)]


@catalog.mutant("predict", says="a word never seen in training raised a KeyError: unknown words must map to "
                                "`<unk>`.", cells=("test_predict",))
def predict_without_unk(model, sentences, word2id, tag2id):
    id2tag = {i: tag for tag, i in tag2id.items()}
    lengths = torch.tensor([len(s) for s in sentences])
    words = torch.zeros(len(sentences), int(lengths.max()), dtype=torch.long)
    for n, sentence in enumerate(sentences):
        words[n, :len(sentence)] = torch.tensor([word2id[w] for w in sentence])
    model.eval()
    with torch.no_grad():
        best = model(words, lengths).argmax(dim=-1)
    return [[id2tag[i] for i in best[n, :len(s)].tolist()] for n, s in enumerate(sentences)]


# ---- train_tagger ----

@catalog.mutant("train_tagger", says="one loss per epoch was returned: the contract is one per batch.",
                cells=("test_train_tagger",))
def one_loss_per_epoch(model, train_sentences, word2id, tag2id, epochs=5, lr=0.005, batch_size=32):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    losses = []
    for _ in range(epochs):
        order = torch.randperm(len(train_sentences)).tolist()
        total = 0.0
        for start in range(0, len(order), batch_size):
            words, tags, lengths = encode_batch([train_sentences[i] for i in order[start:start + batch_size]],
                                                word2id, tag2id)
            loss = masked_loss(model(words, lengths), tags)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
        losses.append(total)
    return losses


@catalog.mutant("train_tagger", says="gradients were never zeroed: `backward()` adds to `.grad`, so every step "
                                     "followed the sum of all past gradients.", cells=("test_tagger_accuracy",))
def no_zero_grad(model, train_sentences, word2id, tag2id, epochs=5, lr=0.005, batch_size=32):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    losses = []
    for _ in range(epochs):
        order = torch.randperm(len(train_sentences)).tolist()
        for start in range(0, len(order), batch_size):
            words, tags, lengths = encode_batch([train_sentences[i] for i in order[start:start + batch_size]],
                                                word2id, tag2id)
            loss = masked_loss(model(words, lengths), tags)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return losses


@catalog.mutant("train_tagger", says="only the first batch of each epoch was used (the `return` or `break` sits "
                                     "inside the batch loop).", cells=("test_tagger_accuracy",))
def first_batch_only(model, train_sentences, word2id, tag2id, epochs=5, lr=0.005, batch_size=32):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    losses = []
    for _ in range(epochs):
        order = torch.randperm(len(train_sentences)).tolist()
        for start in range(0, len(order), batch_size):
            words, tags, lengths = encode_batch([train_sentences[i] for i in order[start:start + batch_size]],
                                                word2id, tag2id)
            loss = masked_loss(model(words, lengths), tags)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses += [loss.item()] * len(range(0, len(order), batch_size))
            break
    return losses


# ---- alternatives: correct, written differently ----

@catalog.alternative("masks_by_hand", replaces="masked_loss",
                     cells=("test_build_vocab", "test_masked_loss", "test_accuracy", "test_train_tagger"))
def masked_loss_by_hand(logits, tags):
    real = (tags != IGNORE).float()
    log_probs = F.log_softmax(logits, dim=-1)
    picked = log_probs.gather(-1, tags.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    return -(picked * real).sum() / real.sum()


@catalog.alternative("masks_by_hand", replaces="accuracy")
def accuracy_by_hand(logits, tags):
    real = tags != IGNORE
    return float((logits.argmax(dim=-1)[real] == tags[real]).double().mean())


@catalog.alternative("float32_accuracy", replaces="accuracy", cells=("test_accuracy",))
def accuracy_as_a_float32_mean(logits, tags):
    # The idiomatic PyTorch way: a float32 mean, 0.5789473652... where 11 / 19 is 0.5789473684...
    real = tags != IGNORE
    return (logits.argmax(dim=-1)[real] == tags[real]).float().mean().item()


@catalog.alternative("masks_by_hand", replaces="build_vocab")
def vocab_by_frequency(sentences, min_freq=1):
    counts = Counter(word for sentence in sentences for word, _ in sentence)
    words = [word for word, count in counts.most_common() if count >= min_freq]
    word2id = {PAD: 0, UNK: 1, **{word: i + 2 for i, word in enumerate(words)}}
    tag2id = {}
    for sentence in sentences:
        for _, tag in sentence:
            tag2id.setdefault(tag, len(tag2id))
    return word2id, tag2id


@catalog.alternative("permuted_cross_entropy", replaces="masked_loss",
                     cells=("test_read_conllu", "test_masked_loss", "test_train_tagger"))
def masked_loss_permuted(logits, tags):
    # (N, C, T) against (N, T); the default ignore_index is -100.
    return nn.CrossEntropyLoss()(logits.permute(0, 2, 1), tags)


@catalog.alternative("permuted_cross_entropy", replaces="read_conllu")
def read_conllu_by_blocks(path):
    with open(path, encoding="utf-8") as file:
        blocks = file.read().replace("\r\n", "\n").split("\n\n")
    sentences = []
    for block in blocks:
        rows = [line.split("\t") for line in block.split("\n") if line and not line.startswith("#")]
        words = [(row[1], row[3]) for row in rows if row[0].isdigit()]
        if words:
            sentences.append(words)
    return sentences


@catalog.alternative("gru_sorted_by_hand", replaces="RNNTagger")
class GRUTagger(nn.Module):
    def __init__(self, vocab_size, num_tags, embed_dim=64, hidden_size=128, bidirectional=False):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.rnn = nn.GRU(embed_dim, hidden_size, batch_first=True, bidirectional=bidirectional)
        self.out = nn.Linear(hidden_size * (2 if bidirectional else 1), num_tags)

    def forward(self, words, lengths):
        # Sort longest first, pack the sorted batch, then put the rows back in their order.
        lengths, order = lengths.sort(descending=True)
        packed = pack_padded_sequence(self.embedding(words[order]), lengths.cpu(), batch_first=True)
        output, _ = pad_packed_sequence(self.rnn(packed)[0], batch_first=True, total_length=words.shape[1])
        return self.out(output[order.argsort()])


@catalog.alternative("gru_sorted_by_hand", replaces="predict")
def predict_through_encode_batch(model, sentences, word2id, tag2id):
    any_tag = next(iter(tag2id))
    words, _, lengths = encode_batch([[(w, any_tag) for w in s] for s in sentences], word2id, tag2id)
    model.eval()
    with torch.no_grad():
        best = model(words, lengths).argmax(dim=-1).tolist()
    names = sorted(tag2id, key=tag2id.get)
    return [[names[i] for i in row[:len(s)]] for row, s in zip(best, sentences)]
