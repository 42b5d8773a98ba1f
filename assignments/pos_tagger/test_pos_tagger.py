"""Public checks for pos_tagger.

Run `pytest` in this folder: it loads your notebook's code and runs these checks, the
same ones as the notebook's test cells. Expected values come from PyTorch itself or from
small examples worked out by hand. Passing them is a good sign, not a guarantee: hidden
tests try many more inputs, and train your tagger on sentences it has never seen.
"""
import math
from pathlib import Path

import pytest
import torch
import torch.nn as nn

HERE = Path(__file__).resolve().parent
UPOS = {"ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON", "PROPN",
        "PUNCT", "SCONJ", "SYM", "VERB", "X"}


def call(function, *args, **kwargs):
    """Call the student's function; a stub gets a message, not a bare NotImplementedError."""
    try:
        return function(*args, **kwargs)
    except NotImplementedError:
        name = getattr(function, "__name__", None) or str(function)
        raise AssertionError(f"{name} is not implemented yet: replace "
                             "`raise NotImplementedError()` with your code") from None


# ---- read_conllu ----

# data/ud_sample.conllu, word by word: three sentences in the style of real UD treebanks, with
# comments, multiword tokens ("au" = "à le") and an empty node (5.1, an elided verb).
UD_SAMPLE = [
    [("I", "PRON"), ("saw", "VERB"), ("her", "PRON"), ("duck", "NOUN"), (".", "PUNCT")],
    [("Je", "PRON"), ("vais", "VERB"), ("à", "ADP"), ("le", "DET"), ("marché", "NOUN"), ("de", "ADP"),
     ("le", "DET"), ("coin", "NOUN"), (".", "PUNCT")],
    [("Sue", "PROPN"), ("likes", "VERB"), ("coffee", "NOUN"), ("and", "CCONJ"), ("Bill", "PROPN"),
     ("tea", "NOUN"), (".", "PUNCT")],
]


def check_read_conllu(read_conllu, write_tmp_file):
    path = write_tmp_file((HERE / "data" / "ud_sample.conllu").read_text(encoding="utf-8"), "ud_sample.conllu")
    got = call(read_conllu, path)
    assert isinstance(got, list) and len(got) == len(UD_SAMPLE), (
        f"read_conllu(data/ud_sample.conllu) should give {len(UD_SAMPLE)} sentences, got "
        f"{len(got) if isinstance(got, list) else type(got).__name__}")
    for i, (sentence, expected) in enumerate(zip(got, UD_SAMPLE)):
        got_pairs = [tuple(pair) for pair in sentence]
        assert got_pairs == expected, (
            f"sentence {i + 1} of data/ud_sample.conllu: expected {expected}, got {got_pairs}. "
            "Skip comment lines (#), multiword token lines (ID like 3-4) and empty nodes (ID like 5.1); "
            "FORM is column 2 and UPOS column 4.")
    # The shipped training data (its first 300 sentences keep the check quick; the format is the
    # same throughout): every sentence's words are its `# text = ...` comment.
    blocks = (HERE / "data" / "train.conllu").read_text(encoding="utf-8").split("\n\n")
    text = "\n\n".join(blocks[:300]) + "\n\n"
    comments = [line[len("# text = "):].split(" ") for line in text.splitlines() if line.startswith("# text = ")]
    got = call(read_conllu, write_tmp_file(text, "train.conllu"))
    assert len(got) == len(comments), (f"the first {len(comments)} sentences of data/train.conllu, "
                                     f"written to a file and read back, gave {len(got)} sentences")
    for i, (sentence, words) in enumerate(zip(got, comments)):
        assert [word for word, _ in sentence] == words, f"train sentence {i + 1}: words {words}, got {sentence}"
        assert all(tag in UPOS for _, tag in sentence), f"train sentence {i + 1}: tags must be UPOS: {sentence}"


# ---- build_vocab ----

TOY = [
    [("the", "DET"), ("dog", "NOUN"), ("barks", "VERB"), (".", "PUNCT")],
    [("the", "DET"), ("cat", "NOUN"), ("saw", "VERB"), ("the", "DET"), ("dog", "NOUN"), (".", "PUNCT")],
    [("a", "DET"), ("saw", "NOUN"), ("cuts", "VERB"), (".", "PUNCT")],
]


def check_build_vocab(build_vocab):
    for min_freq, kept in [(1, {"the", "dog", "barks", ".", "cat", "saw", "a", "cuts"}),
                           (2, {"the", "dog", "saw", "."}), (3, {"the", "."})]:
        word2id, tag2id = call(build_vocab, TOY, min_freq=min_freq)
        assert word2id.get("<pad>") == 0 and word2id.get("<unk>") == 1, (
            f"build_vocab: '<pad>' must have id 0 and '<unk>' id 1, got {word2id.get('<pad>')} and "
            f"{word2id.get('<unk>')}")
        assert set(word2id) == kept | {"<pad>", "<unk>"}, (
            f"build_vocab(min_freq={min_freq}) should keep the words seen at least {min_freq} times, "
            f"{sorted(kept)}, and the two special words; got {sorted(word2id)}")
        assert sorted(word2id.values()) == list(range(len(word2id))), (
            f"word ids must be 0, 1, ..., {len(word2id) - 1} with no gaps or repeats, got {sorted(word2id.values())}")
        assert set(tag2id) == {"DET", "NOUN", "VERB", "PUNCT"}, f"tag2id should hold every tag, got {tag2id}"
        assert sorted(tag2id.values()) == list(range(len(tag2id))), (
            f"tag ids must be 0, 1, ..., {len(tag2id) - 1}: they index the output of the linear layer; got {tag2id}")


# ---- encode_batch ----

def check_encode_batch(encode_batch):
    word2id = {"<pad>": 0, "<unk>": 1, "the": 2, "dog": 3, "barks": 4, ".": 5}
    tag2id = {"DET": 0, "NOUN": 1, "VERB": 2, "PUNCT": 3}
    batch = [[("the", "DET"), ("dog", "NOUN"), (".", "PUNCT")],
             [("the", "DET"), ("zebra", "NOUN"), ("barks", "VERB"), ("loudly", "VERB"), (".", "PUNCT")],
             [("dog", "NOUN")]]
    words, tags, lengths = call(encode_batch, batch, word2id, tag2id)
    # Worked out by hand: unknown words are <unk> (1); pads are 0 for words and -100 for tags.
    expected_words = torch.tensor([[2, 3, 5, 0, 0], [2, 1, 4, 1, 5], [3, 0, 0, 0, 0]])
    expected_tags = torch.tensor([[0, 1, 3, -100, -100], [0, 1, 2, 2, 3], [1, -100, -100, -100, -100]])
    for name, got, expected in [("words", words, expected_words), ("tags", tags, expected_tags),
                                ("lengths", lengths, torch.tensor([3, 5, 1]))]:
        assert isinstance(got, torch.Tensor) and got.dtype == torch.long, (
            f"encode_batch: {name} must be a LongTensor, got {getattr(got, 'dtype', type(got).__name__)}")
        assert got.shape == expected.shape and torch.equal(got, expected), (
            f"encode_batch: {name} should be\n{expected}\ngot\n{got}")


# ---- RNNTagger ----

def random_batch(lengths, vocab_size, generator):
    """Word ids for sentences of these lengths, padded with 0 to the longest."""
    words = torch.zeros(len(lengths), max(lengths), dtype=torch.long)
    for n, length in enumerate(lengths):
        words[n, :length] = torch.randint(2, vocab_size, (length,), generator=generator)
    return words, torch.tensor(lengths)


def check_rnn_tagger(RNNTagger, seed_everything):
    g = torch.Generator().manual_seed(0)
    for bidirectional in [False, True]:
        seed_everything(0)
        model = call(RNNTagger, 30, 7, embed_dim=8, hidden_size=16, bidirectional=bidirectional)
        words, lengths = random_batch([4, 9, 2, 9], 30, g)
        logits = model(words, lengths)
        assert tuple(logits.shape) == (4, 9, 7), f"logits should be (N, T, num_tags) = (4, 9, 7), got {tuple(logits.shape)}"
        # Padding invariance: each sentence alone gives the logits it gets in the batch.
        for n in range(4):
            length = int(lengths[n])
            alone = model(words[n:n + 1, :length], lengths[n:n + 1])
            assert torch.allclose(alone[0], logits[n, :length], atol=1e-5), (
                f"RNNTagger(bidirectional={bidirectional}): sentence {n} (length {length}) gets other logits "
                "alone than batched with longer sentences: pack the batch with pack_padded_sequence so the RNN "
                "never reads the padding")
        # One more column of padding than any sentence needs: T must stay.
        padded = torch.cat([words, torch.zeros(4, 1, dtype=torch.long)], dim=1)
        wider = model(padded, lengths)
        assert tuple(wider.shape) == (4, 10, 7), (
            f"with words of shape (4, 10) and lengths {lengths.tolist()}, logits should be (4, 10, 7), got "
            f"{tuple(wider.shape)}: pad_packed_sequence needs total_length")
        # Which context the tagger reads: change the last word of sentence 0 (length 4).
        changed = words.clone()
        changed[0, 3] = 1 if int(words[0, 3]) != 1 else 2
        moved = not torch.allclose(model(changed, lengths)[0, 2], logits[0, 2], atol=1e-6)
        assert moved == bidirectional, (
            "a unidirectional tagger must not see the words to the right of the one it tags" if not bidirectional
            else "with bidirectional=True, a word's logits should depend on the word after it")
    seed_everything(0)
    a = RNNTagger(30, 7, embed_dim=8, hidden_size=16)(words, lengths)
    seed_everything(0)
    b = RNNTagger(30, 7, embed_dim=8, hidden_size=16)(words, lengths)
    assert torch.equal(a, b), "two taggers built after the same seed_everything(0) should give the same logits"


# ---- masked_loss and accuracy ----

def padded_logits_and_tags(lengths, num_tags, generator):
    N, T = len(lengths), max(lengths)
    logits = torch.randn(N, T, num_tags, generator=generator, dtype=torch.float64)
    tags = torch.full((N, T), -100, dtype=torch.long)
    for n, length in enumerate(lengths):
        tags[n, :length] = torch.randint(0, num_tags, (length,), generator=generator)
    return logits, tags


def check_masked_loss(masked_loss):
    g = torch.Generator().manual_seed(1)
    for lengths, num_tags in [([5, 1, 3], 4), ([7], 3), ([2, 12, 1, 1], 6)]:
        logits, tags = padded_logits_and_tags(lengths, num_tags, g)
        got = call(masked_loss, logits, tags)
        real = tags != -100
        expected = nn.CrossEntropyLoss()(logits[real], tags[real])  # the real tokens, one row each
        assert isinstance(got, torch.Tensor) and got.numel() == 1, (
            f"masked_loss should return a scalar tensor (to call .backward() on), got {type(got).__name__}")
        assert torch.allclose(got.double().reshape(()), expected, rtol=1e-5, atol=1e-7), (
            f"masked_loss with lengths {lengths}: expected {expected.item():.6f} (mean cross-entropy over the "
            f"{int(real.sum())} real tokens), got {got.item():.6f}")
        scrambled = logits.clone()
        scrambled[~real] = 1e3 * torch.randn(int((~real).sum()), num_tags, generator=g, dtype=torch.float64)
        again = call(masked_loss, scrambled, tags)
        assert torch.allclose(again.double().reshape(()), expected, rtol=1e-5, atol=1e-7), (
            "masked_loss changed when only the logits of padding positions changed: pads must count for nothing")


def check_accuracy(accuracy):
    # Two sentences, lengths 3 and 1; the argmax tags are 1, 0, 2 | 2 (pads' logits favour tag 0).
    logits = torch.tensor([[[0., 5., 0.], [5., 0., 0.], [0., 0., 5.]],
                           [[0., 0., 5.], [5., 0., 0.], [5., 0., 0.]]])
    tags = torch.tensor([[1, 1, 2], [2, -100, -100]])
    got = call(accuracy, logits, tags)
    # Any real number will do: a float, or the 0-d tensor of `(...).float().mean()`.
    assert isinstance(got, (int, float)) or getattr(got, "ndim", None) == 0, (
        f"accuracy should return a float, got {type(got).__name__}")
    assert math.isclose(float(got), 3 / 4, rel_tol=1e-6), (
        f"accuracy: 3 of the 4 real tokens are right, so 0.75; got {got}. Padding positions (tag -100) "
        "are not tokens: leave them out of both counts")


# ---- predict and train_tagger ----

def toy_language(generator):
    """Tags decided by the previous word: 'fish' and 'saw' are nouns after 'the', verbs after a noun."""
    nouns, verbs = ["dog", "cat", "fish", "saw"], ["runs", "sleeps", "fish", "saw"]
    sentences = []
    for _ in range(48):
        noun = nouns[int(torch.randint(4, (1,), generator=generator))]
        verb = verbs[int(torch.randint(4, (1,), generator=generator))]
        sentences.append([("the", "DET"), (noun, "NOUN"), (verb, "VERB"), (".", "PUNCT")])
    return sentences


TOY_WORD2ID = {"<pad>": 0, "<unk>": 1, "the": 2, "dog": 3, "cat": 4, "fish": 5, "saw": 6, "runs": 7,
               "sleeps": 8, ".": 9}
TOY_TAG2ID = {"DET": 0, "NOUN": 1, "VERB": 2, "PUNCT": 3}


def check_predict(predict, RNNTagger, seed_everything):
    seed_everything(0)
    model = call(RNNTagger, len(TOY_WORD2ID), len(TOY_TAG2ID), embed_dim=8, hidden_size=16)
    sentences = [["the", "dog", "runs", "."], ["the", "okapi", "."], ["saw"]]
    got = call(predict, model, sentences, TOY_WORD2ID, TOY_TAG2ID)
    assert isinstance(got, list) and [len(tags) for tags in got] == [4, 3, 1], (
        f"predict should give one tag per word (lengths [4, 3, 1]), got {got}: cut each row at its length")
    assert all(tag in TOY_TAG2ID for tags in got for tag in tags), f"predict should give tag names, got {got}"
    alone = [call(predict, model, [sentence], TOY_WORD2ID, TOY_TAG2ID)[0] for sentence in sentences]
    assert alone == got, f"predict gave {alone} one sentence at a time but {got} as a batch"


def check_train_tagger(train_tagger, RNNTagger, predict, seed_everything):
    sentences = toy_language(torch.Generator().manual_seed(2))
    seed_everything(0)
    model = call(RNNTagger, len(TOY_WORD2ID), len(TOY_TAG2ID), embed_dim=8, hidden_size=16)
    losses = call(train_tagger, model, sentences, TOY_WORD2ID, TOY_TAG2ID, epochs=10, lr=0.03, batch_size=10)
    assert isinstance(losses, list) and len(losses) == 10 * 5, (
        f"train_tagger(epochs=10, batch_size=10) on 48 sentences should return 10 * 5 = 50 per-batch losses, "
        f"got {len(losses) if isinstance(losses, list) else type(losses).__name__}")
    assert all(isinstance(v, (int, float)) or getattr(v, "ndim", None) == 0 for v in losses), (
        "losses should be numbers, one per batch (loss.item())")
    losses = [float(loss) for loss in losses]
    assert sum(losses[-10:]) < 0.25 * sum(losses[:10]), (
        f"the loss should fall: first batches {losses[:3]}, last batches {losses[-3:]}")
    got = call(predict, model, [[word for word, _ in s] for s in sentences], TOY_WORD2ID, TOY_TAG2ID)
    right = sum(p == tag for tags, s in zip(got, sentences) for p, (_, tag) in zip(tags, s))
    assert right / (4 * len(sentences)) > 0.95, (
        f"after training, the tagger gets {right} of {4 * len(sentences)} training words right: every tag of "
        "this toy language follows from the word and the one before it")


def check_graded_run(train_tagger, RNNTagger, predict, seed_everything):
    """A smoke test of the graded call (the real run, on unseen sentences, is hidden)."""
    sentences = toy_language(torch.Generator().manual_seed(3))
    seed_everything(0)
    model = call(RNNTagger, len(TOY_WORD2ID), len(TOY_TAG2ID), embed_dim=32, hidden_size=64)
    losses = call(train_tagger, model, sentences, TOY_WORD2ID, TOY_TAG2ID, epochs=2, lr=0.02, batch_size=64)
    assert isinstance(losses, list) and len(losses) == 2, (
        f"train_tagger(epochs=2, batch_size=64) on 48 sentences should return 2 losses (one batch per epoch), "
        f"got {losses!r}")
    got = call(predict, model, [["the", "cat", "saw", "."]], TOY_WORD2ID, TOY_TAG2ID)
    assert isinstance(got, list) and len(got) == 1 and len(got[0]) == 4, f"predict gave {got!r}"


# ---- what `pytest` runs: the same checks on the notebook's own code ----

@pytest.fixture(scope="module")
def notebook():
    from nbloader import load_notebook

    return load_notebook(Path(__file__).with_name("pos_tagger.ipynb"))


CHECKS = {
    "read_conllu": ["read_conllu", "write_tmp_file"],
    "build_vocab": ["build_vocab"],
    "encode_batch": ["encode_batch"],
    "rnn_tagger": ["RNNTagger", "seed_everything"],
    "masked_loss": ["masked_loss"],
    "accuracy": ["accuracy"],
    "predict": ["predict", "RNNTagger", "seed_everything"],
    "train_tagger": ["train_tagger", "RNNTagger", "predict", "seed_everything"],
    "graded_run": ["train_tagger", "RNNTagger", "predict", "seed_everything"],
}


@pytest.mark.parametrize("name", list(CHECKS))
def test_public_checks(notebook, name):
    from nbloader import function

    globals()[f"check_{name}"](*[function(notebook, arg) for arg in CHECKS[name]])


# A failing check says so in short lines (nbgrader validate cuts long ones). nbloader.py ships
# beside this file; only the instructor's own folder lacks it, and there messages stay as written.
try:
    from nbloader import readable_checks  # noqa: E402
except ImportError:
    pass
else:
    readable_checks(globals())
