"""Hidden tests of pos_tagger: each function against the reference on seeded inputs, the
tagger's padding invariance and causality, and a real training run scored on a test split
the student never saw, against the filtering optimum of the HMM that generated it.

The test split's seed lives here only: it never ships in release/.
"""
import copy
import functools
import math
import random
import tempfile
from collections import Counter
from pathlib import Path

import torch

from autograder.data.tagged_corpus import SPLITS, default_hmm, optimal_accuracy, sample_sentences
from autograder.grading.judge import FLOAT32_RTOL, as_float, call, close_float, rel_error, same
from autograder.hidden.registry import EDGE, RULE, HiddenTests

tests = HiddenTests("pos_tagger")
SEED = 20261124
TEST_SPLIT = (1000, 7_340_211)  # (sentences, seed): kit-only

# The training run every submission gets; the margin below the filtering optimum is set from
# measured runs of the reference and of the mutants (docs/pos_tagger.md).
TRAINING = dict(epochs=2, lr=0.02, batch_size=64)
MODEL = dict(embed_dim=32, hidden_size=64)
MARGIN = 0.04


@functools.lru_cache(maxsize=1)
def corpus():
    """(train, test, word2id, tag2id, filtering optimum on test), built in the trusted process."""
    from solutions.pos_tagger import build_vocab

    hmm = default_hmm()
    train = sample_sentences(hmm, *SPLITS["train"])
    test = sample_sentences(hmm, *TEST_SPLIT)
    word2id, tag2id = build_vocab(train)
    return train, test, word2id, tag2id, optimal_accuracy(hmm, test, "filtering")


def tagged_sentences(count, seed):
    """Sentences of the HMM for a seed: sampled once per process, fresh lists each time (a
    student's function that edits its input must not spoil the next test; pairs are tuples)."""
    return [list(sentence) for sentence in _sampled(count, seed)]


@functools.cache
def _sampled(count, seed):
    return sample_sentences(default_hmm(), count, seed)


def called_with(function, *args, **kwargs):
    """(result, (args, kwargs) as the function left them): remotely through the wire, or, under
    vanilla nbgrader where `function` is the student's own, on copies we keep an eye on."""
    if hasattr(function, "call_with_args"):
        return function.call_with_args(*args, **kwargs)
    args, kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
    return function(*args, **kwargs), (args, kwargs)


def plain(value):
    """A tensor without autograd history (what the wire gives; under vanilla nbgrader, detach)."""
    return value.detach() if isinstance(value, torch.Tensor) else value


# ---- read_conllu ----

XPOS = {"NOUN": "NN", "VERB": "VBD", "DET": "DT", "ADJ": "JJ", "ADP": "IN", "PRON": "PRP", "PUNCT": ".",
        "AUX": "MD", "ADV": "RB", "PROPN": "NNP", "CCONJ": "CC", "SCONJ": "IN", "PART": "TO", "NUM": "CD"}
EXTRA_WORDS = [("café", "NOUN"), ("naïve", "ADJ"), ("Zürich", "PROPN"), ("don't", "AUX"), ("U.S.", "PROPN"),
               ("e-mail", "NOUN"), ("#1", "NUM"), ("3.5", "NUM"), ("1-2", "NUM"), ("_", "SYM"), ("--", "PUNCT")]


def ud_text(rng, sentences):
    """CoNLL-U in the style of real treebanks: document and paragraph comments, LEMMA and XPOS
    unlike FORM and UPOS, multiword token ranges before their words, empty nodes after them."""
    lines = [f"# newdoc id = doc{rng.randint(1, 99)}"]
    for i, sentence in enumerate(sentences, start=1):
        if rng.random() < 0.3:
            lines.append("# newpar")
        lines.append(f"# sent_id = s{i}")
        lines.append("# text = " + " ".join(word for word, _ in sentence))
        position = 0
        while position < len(sentence):
            word, tag = sentence[position]
            n = position + 1
            if position + 1 < len(sentence) and rng.random() < 0.15:
                fused = word + sentence[position + 1][0]
                lines.append("\t".join([f"{n}-{n + 1}", fused] + ["_"] * 8))
            feats = rng.choice(["_", "Number=Sing", "Mood=Ind|Tense=Past"])
            lines.append("\t".join([str(n), word, word.lower(), tag, XPOS.get(tag, "XX"), feats,
                                    str(rng.randint(0, len(sentence))), "dep", "_", rng.choice(["_", "SpaceAfter=No"])]))
            if rng.random() < 0.1:
                lines.append("\t".join([f"{n}.1", "likes", "like", "VERB", "VBZ", "_", "_", "_", f"{n}:conj", "_"]))
            position += 1
        lines.append("")
    return "\n".join(lines) + "\n"


def ud_sentences(rng, count):
    sentences = [[tuple(pair) for pair in s] for s in tagged_sentences(count, rng.randint(0, 10**6))]
    for sentence in sentences:
        for _ in range(rng.randint(0, 2)):
            sentence.insert(rng.randint(0, len(sentence)), rng.choice(EXTRA_WORDS))
    return sentences


def read_both(student, judge, text, truth):
    """The student's read_conllu on a copy of `text` in the sandbox, the reference on one here."""
    got = student.read_conllu(student.write_tmp_file(text, "sample.conllu"))
    with tempfile.TemporaryDirectory(prefix="pos-tagger-") as scratch:
        local = str(Path(scratch) / "sample.conllu")  # for the reference, and the diagnosis
        Path(local).write_text(text, encoding="utf-8")
        assert same(judge.expected("read_conllu", local), truth), "reference disagrees with the generator"
        if not same(got, truth):
            judge.fail("read_conllu", (local,), {}, got,
                       f"expected {len(truth)} sentences of (FORM, UPOS), first {truth[0]}", same)


@tests.test("test_read_conllu")
def read_conllu_reads_treebank_style_files(student, judge):
    rng = random.Random(SEED)
    for count in [1, 3, 25]:
        sentences = ud_sentences(rng, count)
        read_both(student, judge, ud_text(rng, sentences), sentences)


@tests.test("test_read_conllu")
def read_conllu_reads_a_generated_split(student, judge):
    from autograder.data.tagged_corpus import write_conllu

    sentences = tagged_sentences(300, SEED + 1)
    with tempfile.TemporaryDirectory(prefix="pos-tagger-") as scratch:
        path = Path(scratch) / "split.conllu"
        write_conllu(sentences, path, prefix="check")
        text = path.read_text(encoding="utf-8")
    read_both(student, judge, text, sentences)



@tests.test("test_read_conllu")
def read_conllu_keeps_a_last_sentence_without_a_blank_line_after_it(student, judge):
    rng = random.Random(SEED + 2)
    sentences = ud_sentences(rng, 3)
    # The format ends every sentence with a blank line; files cut short (or hand-edited) lack the last one.
    read_both(student, judge, ud_text(rng, sentences).rstrip("\n") + "\n", sentences)

# ---- build_vocab ----

def check_vocab(judge, sentences, min_freq, got):
    word2id, tag2id = got
    counts = {}
    for sentence in sentences:
        for word, _ in sentence:
            counts[word] = counts.get(word, 0) + 1
    kept = {word for word, count in counts.items() if count >= min_freq}
    tags = {tag for sentence in sentences for _, tag in sentence}
    problems = []
    if not isinstance(word2id, dict) or not isinstance(tag2id, dict):
        problems.append("both vocabularies should be dicts")
    else:
        if word2id.get("<pad>") != 0 or word2id.get("<unk>") != 1:
            problems.append(f"'<pad>' must be 0 and '<unk>' 1, got {word2id.get('<pad>')} and {word2id.get('<unk>')}")
        missing, extra = kept - set(word2id), set(word2id) - kept - {"<pad>", "<unk>"}
        if missing or extra:
            problems.append(f"with min_freq={min_freq}, {len(missing)} words seen often enough are missing "
                            f"(e.g. {sorted(missing)[:3]}) and {len(extra)} rarer words are in (e.g. {sorted(extra)[:3]})")
        if sorted(word2id.values()) != list(range(len(word2id))):
            problems.append("word ids should be 0 .. len(word2id) - 1, each once")
        if set(tag2id) != tags or sorted(tag2id.values()) != list(range(len(tags))):
            problems.append(f"tag2id should map the {len(tags)} tags to 0 .. {len(tags) - 1}")
    if problems:
        judge.fail("build_vocab", (sentences,), {"min_freq": min_freq}, (word2id, tag2id), "; ".join(problems),
                   lambda got, mutant: same(got, mutant))


@tests.test("test_build_vocab")
def build_vocab_keeps_frequent_words_after_pad_and_unk(student, judge):
    cases = [(tagged_sentences(count, SEED + 10 + i), min_freq)
             for i, (count, min_freq) in enumerate([(1, 1), (40, 1), (40, 2), (200, 3), (200, 50)])]
    results = judge.each("build_vocab", [call(sentences, min_freq=min_freq) for sentences, min_freq in cases])
    for (sentences, min_freq), got in zip(cases, results):
        check_vocab(judge, sentences, min_freq, got)


@tests.test("test_build_vocab", weight=RULE)
def build_vocab_leaves_its_input_alone(student, judge):
    sentences = tagged_sentences(30, SEED + 20)
    _, (args, _) = called_with(student.build_vocab, sentences, min_freq=2)
    assert same(args[0], sentences), "build_vocab changed the sentences it was given"


# ---- encode_batch ----

def tensors_same(got, expected):
    return (isinstance(got, (tuple, list)) and len(got) == len(expected)
            and all(isinstance(g, torch.Tensor) and g.dtype == e.dtype and g.shape == e.shape and torch.equal(g, e)
                    for g, e in zip(got, expected)))


def batch_difference(got, expected):
    """Where the student's (words, tags, lengths) first differ from the expected ones, in words."""
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        return f"got {repr(got)[:80]} instead of a tuple (words, tags, lengths)"
    for name, g, e in zip(["words", "tags", "lengths"], got, expected):
        if not isinstance(g, torch.Tensor) or g.dtype != e.dtype or g.shape != e.shape:
            return (f"{name} should be a {tuple(e.shape)} {e.dtype} tensor, got "
                    f"{tuple(getattr(g, 'shape', ()))} {getattr(g, 'dtype', type(g).__name__)}")
        if not torch.equal(g, e):
            where = tuple(int(i) for i in (g != e).nonzero()[0])
            return f"{name}{list(where)} should be {int(e[where])}, got {int(g[where])}"
    return "no difference"


def vocab_with_unknowns():
    """A vocabulary from rare-word-free training data, so that new sentences have unknown words."""
    from solutions.pos_tagger import build_vocab

    return build_vocab(tagged_sentences(60, SEED + 30), min_freq=2)


@tests.test("test_encode_batch")
def encode_batch_pads_words_with_0_and_tags_with_minus_100(student, judge):
    word2id, tag2id = vocab_with_unknowns()
    rng = random.Random(SEED + 31)
    pool = tagged_sentences(200, SEED + 32)
    batches = [[pool[0]], [pool[1], pool[1]]] + [rng.sample(pool, rng.randint(2, 12)) for _ in range(10)]
    for batch, got in zip(batches, judge.each("encode_batch", [call(b, word2id, tag2id) for b in batches])):
        expected = judge.expected("encode_batch", batch, word2id, tag2id)
        if not tensors_same(got, expected):
            unknown = sum(w not in word2id for s in batch for w, _ in s)
            judge.fail("encode_batch", (batch, word2id, tag2id), {}, got,
                       f"on {len(batch)} sentences of lengths {expected[2].tolist()} ({unknown} words not in "
                       f"word2id), {batch_difference(got, expected)}", tensors_same)


@tests.test("test_encode_batch", weight=RULE)
def encode_batch_leaves_its_input_alone(student, judge):
    word2id, tag2id = vocab_with_unknowns()
    batch = tagged_sentences(5, SEED + 33)
    _, (args, _) = called_with(student.encode_batch, batch, word2id, tag2id)
    assert same(list(args), [batch, word2id, tag2id]), "encode_batch changed the sentences or vocabularies"


# ---- RNNTagger ----

def padded_words(lengths, vocab_size, generator, extra=0):
    words = torch.zeros(len(lengths), max(lengths) + extra, dtype=torch.long)
    for row, length in enumerate(lengths):
        words[row, :length] = torch.randint(1, vocab_size, (length,), generator=generator)
    return words, torch.tensor(lengths, dtype=torch.long)


def build(student, seed, *args, **kwargs):
    student.seed_everything(seed)
    return student.RNNTagger(*args, **kwargs)


@tests.test("test_rnn_tagger")
def logits_have_shape_batch_time_tags(student, judge):
    g = torch.Generator().manual_seed(SEED + 40)
    for vocab, tags, lengths, extra, bi in [(50, 17, [3, 7, 1], 0, False), (12, 3, [5], 0, True),
                                            (40, 9, [2, 2, 4, 1], 3, True), (40, 9, [6, 1, 3], 2, False)]:
        model = build(student, 0, vocab, tags, embed_dim=6, hidden_size=10, bidirectional=bi)
        words, lengths_t = padded_words(lengths, vocab, g, extra)
        logits = plain(model(words, lengths_t))
        expected = (len(lengths), max(lengths) + extra, tags)
        assert isinstance(logits, torch.Tensor) and tuple(logits.shape) == expected, (
            f"RNNTagger({vocab}, {tags}, bidirectional={bi}) on words {tuple(words.shape)} with lengths {lengths} "
            f"should give logits {expected}, got {tuple(getattr(logits, 'shape', ()))}"
            + (" (keep T with pad_packed_sequence(..., total_length=T))" if extra else ""))


@tests.test("test_rnn_tagger")
def a_sentence_gets_the_same_logits_alone_and_in_any_batch(student, judge):
    g = torch.Generator().manual_seed(SEED + 41)
    for bi in [False, True]:
        model = build(student, 1, 60, 8, embed_dim=12, hidden_size=20, bidirectional=bi)
        lengths = [3, 11, 1, 7, 11, 2]  # unsorted, with ties
        words, lengths_t = padded_words(lengths, 60, g)
        alone_calls = [call(words[i:i + 1, :length], lengths_t[i:i + 1]) for i, length in enumerate(lengths)]
        logits = judge.each(model, [call(words, lengths_t), *alone_calls])
        batched = plain(next(logits))
        for i, length in enumerate(lengths):
            alone = plain(next(logits))
            # Float32 sums in another order differ by ~1e-7; the padding changes logits by ~1e-1.
            error = float((alone[0] - batched[i, :length]).abs().max())
            assert error < 1e-5, (
                f"RNNTagger(bidirectional={bi}): sentence {i} (length {length}) gets other logits alone than in "
                f"a batch padded to {max(lengths)} (they differ by up to {error:.1e}); the RNN is reading the padding: "
                "pack the batch (pack_padded_sequence with the lengths, enforce_sorted=False)")


@tests.test("test_rnn_tagger")
def unidirectional_reads_left_context_only_and_bidirectional_both(student, judge):
    g = torch.Generator().manual_seed(SEED + 42)
    for bi in [False, True]:
        model = build(student, 2, 40, 6, embed_dim=10, hidden_size=16, bidirectional=bi)
        words, lengths = padded_words([8, 5], 40, g)
        changes = []
        for t in [0, 3, 6]:
            changed = words.clone()
            changed[0, t + 1:8] = (changed[0, t + 1:8] % 39) + 1  # every word after t, still real words
            changes.append(call(changed, lengths))
        logits = judge.each(model, [call(words, lengths), *changes])
        before = plain(next(logits))
        for t in [0, 3, 6]:
            after = plain(next(logits))
            # As above: float32 in another order differs by ~1e-7, a word read differs by ~1e-1.
            unchanged = torch.allclose(after[0, :t + 1], before[0, :t + 1], atol=1e-5)
            if bi:
                assert not unchanged, (f"RNNTagger(bidirectional=True): the logits of words 0..{t} ignore the "
                                       "words after them: is the bidirectional flag used?")
            else:
                assert unchanged, (f"RNNTagger(bidirectional=False): the logits of words 0..{t} changed when only "
                                   "later words changed: each word's logits must come from its own step's output, "
                                   "not from the final state (h_n or output[:, -1])")
            assert torch.allclose(after[1], before[1], atol=1e-5), "sentences of a batch must not affect each other"


@tests.test("test_rnn_tagger")
def unk_has_an_embedding_that_learns(student, judge):
    vocab_size, embed_dim = 23, 5
    model = build(student, SEED, vocab_size, 4, embed_dim=embed_dim, hidden_size=6)
    words, lengths = torch.tensor([[1, 2, 3, 1], [4, 1, 0, 0]]), torch.tensor([4, 2])
    tables = [grad for grad in student.logit_gradients(model, words, lengths).values()
              if tuple(grad.shape) == (vocab_size, embed_dim)]
    # A model without a (vocab_size, embed_dim) table embeds words some other way: nothing to check here.
    assert not tables or tables[0][1].abs().sum() > 0, (
        "words of id 1 (<unk>) reach the logits, yet the row of the embedding table for id 1 gets no gradient: "
        "<unk> can never learn. padding_idx names the padding word, <pad> (id 0), not <unk> (id 1)")


@tests.test("test_rnn_tagger")
def same_seed_same_tagger(student, judge):
    g = torch.Generator().manual_seed(SEED + 43)
    words, lengths = padded_words([4, 2], 30, g)
    a = plain(build(student, 5, 30, 4)(words, lengths))
    b = plain(build(student, 5, 30, 4)(words, lengths))
    assert torch.equal(a, b), "two RNNTaggers built after seed_everything(5) give different logits"


# ---- masked_loss and accuracy ----

def padded_logits(rng, g, dtype=torch.float32):
    """Logits and tags of a heavily padded batch: a few long sentences, many short ones."""
    N = rng.randint(1, 9)
    lengths = [rng.choice([1, 1, 2, 3, rng.randint(1, 25)]) for _ in range(N)]
    T, C = max(lengths) + rng.choice([0, 0, 4]), rng.randint(2, 17)
    logits = (3 * torch.randn(N, T, C, generator=g)).to(dtype)
    tags = torch.randint(0, C, (N, T), generator=g)
    for row, length in enumerate(lengths):
        tags[row, length:] = -100
    return logits, tags


def close_loss(got, expected, tolerance):
    if not (isinstance(got, torch.Tensor) and got.numel() == 1 and bool(torch.isfinite(got).all())):
        return False
    return rel_error(plain(got).reshape(()), expected) < tolerance


@tests.test("test_masked_loss")
def masked_loss_is_the_mean_over_real_tokens_of_padded_batches(student, judge):
    rng, g = random.Random(SEED + 50), torch.Generator().manual_seed(SEED + 50)
    cases = [padded_logits(rng, g, torch.float32) for _ in range(12)] + \
            [padded_logits(rng, g, torch.float64) for _ in range(4)]
    # A batch whose T equals the number of tags: an unpermuted (N, T, C) input does not crash there.
    square = torch.randn(3, 5, 5, generator=g)
    cases.append((square, torch.tensor([[1, 2, 3, -100, -100], [0, -100, -100, -100, -100], [4, 4, 0, 1, 2]])))
    for (logits, tags), got in zip(cases, judge.each("masked_loss", [call(*case) for case in cases])):
        expected = judge.expected("masked_loss", logits, tags)
        real = tags != -100
        by_torch = torch.nn.CrossEntropyLoss()(logits[real], tags[real])
        assert rel_error(expected, by_torch) < 1e-6
        tolerance = 1e-10 if logits.dtype == torch.float64 else 1e-5
        if not close_loss(got, expected, tolerance):
            judge.fail("masked_loss", (logits, tags), {}, got,
                       f"expected the scalar tensor {expected.item():.6f}, the mean cross-entropy of the "
                       f"{int(real.sum())} real tokens out of {tags.numel()} positions",
                       lambda got, mutant, tolerance=tolerance: close_loss(got, mutant, tolerance))


@tests.test("test_masked_loss", weight=EDGE)
def masked_loss_stays_finite_at_logits_in_the_hundreds(student, judge):
    rng, g = random.Random(SEED + 52), torch.Generator().manual_seed(SEED + 52)
    cases = [padded_logits(rng, g) for _ in range(4)]
    cases = [(100 * logits, tags) for logits, tags in cases]  # exp(300) is inf in float32

    def equal(got, output):
        both_inf = all(isinstance(v, torch.Tensor) and v.numel() == 1 and not torch.isfinite(v).all()
                       for v in (got, output))
        return both_inf or close_loss(got, output, 1e-5)
    for (logits, tags), got in zip(cases, judge.each("masked_loss", [call(*case) for case in cases])):
        expected = judge.expected("masked_loss", logits, tags)
        if not close_loss(got, expected, 1e-5):
            judge.fail("masked_loss", (logits, tags), {}, got,
                       f"with logits in the hundreds expected the scalar tensor {expected.item():.4f}, finite", equal)


@tests.test("test_masked_loss", weight=RULE)
def masked_loss_leaves_the_logits_alone(student, judge):
    rng, g = random.Random(SEED + 51), torch.Generator().manual_seed(SEED + 51)
    logits, tags = padded_logits(rng, g)
    _, (args, _) = called_with(student.masked_loss, logits, tags)
    assert torch.equal(args[0], logits) and torch.equal(args[1], tags), "masked_loss changed its inputs in place"


@tests.test("test_accuracy")
def accuracy_counts_real_tokens_only(student, judge):
    rng, g = random.Random(SEED + 60), torch.Generator().manual_seed(SEED + 60)
    cases = []
    for _ in range(15):
        logits, tags = padded_logits(rng, g)
        # Make about half of the real tokens right, so that every share is possible.
        right = (tags != -100) & (torch.rand(tags.shape, generator=g) < 0.5)
        logits[right] += 100 * torch.nn.functional.one_hot(tags[right], logits.shape[-1]).float()
        cases.append((logits, tags))
    for (logits, tags), got in zip(cases, judge.each("accuracy", [call(*case) for case in cases])):
        real = tags != -100
        expected = judge.expected("accuracy", logits, tags)

        def close(got, value):
            # The idiomatic `(pred == tags).float().mean().item()` is a float32 mean.
            return close_float(got, value, FLOAT32_RTOL)

        if not close(got, expected):
            judge.fail("accuracy", (logits, tags), {}, got,
                       f"expected the float {expected:.6f}: {int(expected * real.sum() + 0.5)} right of "
                       f"{int(real.sum())} real tokens ({tags.numel()} positions with the padding)", close)


# ---- predict ----

@tests.test("test_predict")
def predict_gives_the_argmax_tag_of_each_word(student, judge):
    word2id, tag2id = vocab_with_unknowns()
    id2tag = {i: t for t, i in tag2id.items()}
    sentences = [[w for w, _ in s] for s in tagged_sentences(12, SEED + 70)] + [["zebra"], ["the", "okapi", "."]]
    for bi in [False, True]:
        model = build(student, 3, len(word2id), len(tag2id), embed_dim=8, hidden_size=16, bidirectional=bi)
        got = student.predict(model, sentences, word2id, tag2id)
        # The judge encodes, the student's own model scores: this checks predict, not the model.
        lengths = torch.tensor([len(s) for s in sentences])
        words = torch.zeros(len(sentences), int(lengths.max()), dtype=torch.long)
        for n, sentence in enumerate(sentences):
            words[n, :len(sentence)] = torch.tensor([word2id.get(w, word2id["<unk>"]) for w in sentence])
        scores = plain(model(words, lengths))
        expected = [[id2tag[int(i)] for i in scores[n, :len(s)].argmax(dim=-1)] for n, s in enumerate(sentences)]
        if not same(got, expected):
            lengths_got = [len(tags) for tags in got] if isinstance(got, list) else None
            hint = ("one tag per word: cut each row at its sentence's length"
                    if lengths_got != [len(s) for s in sentences] else
                    "the highest-scoring tag (argmax over the last dimension) with <unk> for unknown words")
            raise AssertionError(f"predict on {len(sentences)} sentences (some words unknown) with your model gave "
                           f"{str(got)[:120]}...; expected {str(expected)[:120]}...: {hint}")


@tests.test("test_predict", weight=RULE)
def predict_leaves_its_input_alone(student, judge):
    word2id, tag2id = vocab_with_unknowns()
    model = build(student, 4, len(word2id), len(tag2id), embed_dim=8, hidden_size=8)
    sentences = [["I", "saw", "the", "duck", "."], ["zebra"]]
    _, (args, _) = called_with(student.predict, model, sentences, word2id, tag2id)
    assert same(args[1], sentences), "predict changed the sentences it was given"


# ---- train_tagger ----

@tests.test("test_train_tagger")
def train_tagger_returns_the_loss_of_every_batch(student, judge):
    train, _, word2id, tag2id, _ = corpus()
    model = build(student, 0, len(word2id), len(tag2id), embed_dim=8, hidden_size=8)
    losses = student.train_tagger(model, train[:100], word2id, tag2id, epochs=2, lr=0.01, batch_size=16)
    assert isinstance(losses, list) and len(losses) == 2 * 7, (
        f"train_tagger(epochs=2, batch_size=16) on 100 sentences should return 2 * 7 = 14 losses, one per batch; "
        f"got {len(losses) if isinstance(losses, list) else repr(losses)[:60]}")
    floats = [as_float(loss) for loss in losses]
    assert all(loss is not None and math.isfinite(loss) for loss in floats), (
        "each loss should be a finite float (loss.item())")



@tests.test("test_train_tagger")
def train_tagger_reads_every_sentence_once_an_epoch(student, judge):
    train, _, word2id, tag2id, _ = corpus()
    sentences, epochs = train[:10], 2
    model = build(student, 0, len(word2id), len(tag2id), embed_dim=4, hidden_size=4)
    student.watch_batches(model)
    student.train_tagger(model, sentences, word2id, tag2id, epochs=epochs, lr=0.01, batch_size=3)
    seen = Counter(tuple(row[:length]) for words, lengths in student.batch_log(model)
                   for row, length in zip(words.tolist(), lengths.tolist()))
    unk = word2id["<unk>"]
    expected = Counter()
    for sentence in sentences:
        expected[tuple(word2id.get(word, unk) for word, _ in sentence)] += epochs
    if seen != expected:
        raise AssertionError(
            f"train_tagger(epochs={epochs}, batch_size=3) on {len(sentences)} sentences fed the model each of them "
            f"{[seen.get(key, 0) for key in expected]} times ({sum(seen.values())} in all); expected "
            f"{[expected[key] for key in expected]}: each sentence once an epoch. Every batch of every epoch, "
            "the first and the last (shorter) one included, goes through the model")


@tests.test("test_tagger_accuracy")
def trained_tagger_nears_the_filtering_optimum_on_unseen_sentences(student, judge):
    train, test, word2id, tag2id, optimum = corpus()
    model = build(student, 0, len(word2id), len(tag2id), **MODEL)
    student.train_tagger(model, train, word2id, tag2id, **TRAINING)
    predicted = student.predict(model, [[w for w, _ in s] for s in test], word2id, tag2id)
    right = sum(p == t for tags, s in zip(predicted, test) for p, (_, t) in zip(tags, s))
    accuracy = right / sum(len(s) for s in test)
    assert accuracy >= optimum - MARGIN, (
        f"trained with {TRAINING} from seed_everything(0), your unidirectional tagger "
        f"(RNNTagger(..., {MODEL})) tags {accuracy:.2%} of {sum(len(s) for s in test)} unseen words right; the best "
        f"any left-to-right tagger can do on them is {optimum:.2%}; this test asks for {optimum - MARGIN:.2%}, and "
        "the reference gets about 2 points below the optimum. Check the loss (real tokens only, raw logits), zero_grad before backward, "
        "and that every batch is used each epoch.")
