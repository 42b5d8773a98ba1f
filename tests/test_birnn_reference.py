"""The birnn reference against PyTorch itself, and the data the assignment ships against the
generator that made it."""
import json
import random
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from autograder.data.encoded_corpus import ARRAYS, encode_splits, read_encoded
from autograder.data.tagged_corpus import SPLITS, default_hmm, optimal_accuracy, sample_sentences
from solutions.birnn import BiRNN, reverse_padded

KIT = Path(__file__).resolve().parent.parent
DATA = KIT / "assignments" / "birnn" / "data"


def random_case(rng, generator, dtype=torch.float64):
    N, T, D, H = rng.randint(1, 7), rng.randint(1, 10), rng.randint(1, 6), rng.randint(1, 6)
    lengths = [rng.randint(1, T) for _ in range(N)]
    return torch.randn(N, T, D, generator=generator, dtype=dtype), lengths, H


def bidirectional_with_copy(D, H, dtype=torch.float64):
    reference = nn.RNN(D, H, batch_first=True, bidirectional=True).to(dtype)
    ours = BiRNN(D, H).to(dtype)
    weights = reference.state_dict()
    ours.fwd.load_state_dict({k: v for k, v in weights.items() if not k.endswith("_reverse")})
    ours.bwd.load_state_dict({k.removesuffix("_reverse"): v for k, v in weights.items() if k.endswith("_reverse")})
    return reference, ours


def packed_reference(reference, x, lengths):
    packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
    output, h_n = reference(packed)
    return pad_packed_sequence(output, batch_first=True, total_length=x.shape[1])[0], h_n


# ---- reverse_padded ----

def test_reverse_padded_reverses_each_row_within_its_length_and_keeps_the_padding():
    rng, generator = random.Random(0), torch.Generator().manual_seed(0)
    for _ in range(100):
        x, lengths, _ = random_case(rng, generator)
        got = reverse_padded(x, lengths)
        for i, n in enumerate(lengths):
            assert torch.equal(got[i, :n], x[i, :n].flip(0)), f"row {i} (length {n}) not reversed"
            assert torch.equal(got[i, n:], x[i, n:]), f"padding of row {i} moved"


def test_reverse_padded_is_its_own_inverse_and_leaves_its_input_alone():
    rng, generator = random.Random(1), torch.Generator().manual_seed(1)
    for _ in range(50):
        x, lengths, _ = random_case(rng, generator)
        before = x.clone()
        assert torch.equal(reverse_padded(reverse_padded(x, torch.tensor(lengths)), lengths), x)
        assert torch.equal(x, before)


@pytest.mark.parametrize("shape", [(3, 5), (3, 5, 2), (3, 5, 2, 4)])
def test_reverse_padded_works_for_any_trailing_shape_and_dtype(shape):
    x = torch.arange(torch.Size(shape).numel()).view(shape)
    lengths = [5, 1, 3]
    got = reverse_padded(x, lengths)
    assert got.dtype == x.dtype and got.shape == x.shape
    for i, n in enumerate(lengths):
        assert torch.equal(got[i, :n], x[i, :n].flip(0)) and torch.equal(got[i, n:], x[i, n:])


# ---- BiRNN ----

def test_birnn_matches_pytorch_bidirectional_rnn_to_float64_precision():
    torch.manual_seed(2)
    rng, generator = random.Random(2), torch.Generator().manual_seed(2)
    for _ in range(40):
        x, lengths, H = random_case(rng, generator)
        reference, ours = bidirectional_with_copy(x.shape[2], H)
        expected_output, expected_h_n = packed_reference(reference, x, lengths)
        output, h_n = ours(x, lengths)
        assert output.shape == expected_output.shape and h_n.shape == expected_h_n.shape
        torch.testing.assert_close(output, expected_output, atol=1e-12, rtol=0)
        torch.testing.assert_close(h_n, expected_h_n, atol=1e-12, rtol=0)
        for i, n in enumerate(lengths):
            assert not output[i, n:].any(), "padding outputs must be exactly zero"


def test_birnn_gradients_match_pytorch():
    torch.manual_seed(3)
    rng, generator = random.Random(3), torch.Generator().manual_seed(3)
    for _ in range(6):
        x, lengths, H = random_case(rng, generator)
        reference, ours = bidirectional_with_copy(x.shape[2], H)
        upstream = torch.randn(x.shape[0], x.shape[1], 2 * H, generator=generator, dtype=x.dtype)
        grads = []
        for module in (reference, ours):
            inputs = x.clone().requires_grad_()
            if module is reference:
                output, h_n = packed_reference(reference, inputs, lengths)
            else:
                output, h_n = ours(inputs, lengths)
            ((output * upstream).sum() + h_n.pow(2).sum()).backward()
            grads.append([inputs.grad] + [p.grad for p in module.parameters()])
        expected, got = grads
        # nn.RNN's parameters are ordered l0 then l0_reverse, as ours are fwd then bwd.
        for g, e in zip(got, expected):
            torch.testing.assert_close(g, e, atol=1e-10, rtol=0)


def test_birnn_outputs_of_a_sentence_do_not_depend_on_its_batch():
    torch.manual_seed(4)
    model = BiRNN(3, 5)
    x = torch.randn(4, 8, 3)
    lengths = [3, 8, 5, 1]
    output, h_n = model(x, lengths)
    for i, n in enumerate(lengths):
        alone_output, alone_h_n = model(x[i:i + 1, :n], [n])
        torch.testing.assert_close(output[i, :n], alone_output[0], atol=1e-6, rtol=0)
        torch.testing.assert_close(h_n[:, i], alone_h_n[:, 0], atol=1e-6, rtol=0)


def test_birnn_holds_two_one_way_rnns_named_fwd_and_bwd():
    model = BiRNN(4, 6)
    for rnn in (model.fwd, model.bwd):
        assert type(rnn) is nn.RNN and not rnn.bidirectional and rnn.batch_first and rnn.num_layers == 1
    assert model.fwd is not model.bwd
    total = sum(p.numel() for p in model.parameters())
    assert total == sum(p.numel() for p in nn.RNN(4, 6, bidirectional=True).parameters())


# ---- the data shipped with the assignment ----

@pytest.fixture(scope="module")
def public_splits():
    hmm = default_hmm()
    return hmm, {name: sample_sentences(hmm, n, seed) for name, (n, seed) in SPLITS.items()}


@pytest.mark.parametrize("name", sorted(SPLITS))
def test_shipped_npz_files_are_the_splits_encoded_by_the_pos_tagger_reference(public_splits, name):
    _, splits = public_splits
    fresh = encode_splits(splits)[name]
    shipped = read_encoded(DATA / f"{name}.npz")  # allow_pickle=False: plain arrays only
    assert sorted(shipped) == sorted(ARRAYS), f"{name}.npz holds {sorted(shipped)}, expected {sorted(ARRAYS)}"
    for array in ARRAYS:
        assert shipped[array].dtype == fresh[array].dtype and np.array_equal(shipped[array], fresh[array]), (
            f"assignments/birnn/data/{name}.npz: {array!r} is not what the encoder writes for "
            f"SPLITS[{name!r}] now; regenerate it with `python -m autograder.data.encoded_corpus` (docs/birnn.md)")
    assert fresh["words"].dtype == np.int64 and fresh["vocab"].dtype.kind == "U"


def test_encoded_splits_decode_back_into_the_generators_sentences(public_splits):
    _, splits = public_splits
    encoded = encode_splits(splits)
    vocab, tag_names = encoded["train"]["vocab"].tolist(), encoded["train"]["tag_names"].tolist()
    assert vocab[:2] == ["<pad>", "<unk>"] and sorted(tag_names) == sorted(default_hmm().tags)
    for name, sentences in splits.items():
        words, tags, lengths = (encoded[name][key] for key in ("words", "tags", "lengths"))
        assert words.shape == tags.shape == (len(sentences), max(len(s) for s in sentences))
        for i, sentence in enumerate(sentences):
            n = lengths[i]
            assert n == len(sentence), f"{name} sentence {i}: length {n}, expected {len(sentence)}"
            # Every dev word also occurs in train, so no <unk> hides a word here.
            assert [(vocab[w], tag_names[t]) for w, t in zip(words[i, :n], tags[i, :n])] == sentence
            assert (words[i, n:] == 0).all() and (tags[i, n:] == -100).all()


def test_shipped_dev_optima_equal_the_hmms_optima(public_splits):
    hmm, splits = public_splits
    shipped = json.loads((DATA / "dev_optima.json").read_text(encoding="utf-8"))
    for method in ("filtering", "posterior"):
        assert shipped[method] == pytest.approx(optimal_accuracy(hmm, splits["dev"], method), abs=1e-6)
    assert shipped["posterior"] > shipped["filtering"] + 0.02, "the right context should be worth points"


def test_hidden_test_seed_is_not_a_public_split_and_never_ships():
    from autograder.hidden.birnn import TEST_SEED

    assert TEST_SEED not in {seed for _, seed in SPLITS.values()}
    for path in (KIT / "release" / "birnn").rglob("*"):
        if path.is_file() and path.suffix in (".py", ".ipynb", ".json"):
            assert str(TEST_SEED) not in path.read_text(encoding="utf-8"), f"{path} names the test seed"


# ---- the locked tagging cell ----

@pytest.fixture(scope="module")
def helpers():
    from autograder.hidden.birnn import locked_helpers

    return locked_helpers()


def test_locked_loader_gives_the_shipped_arrays_as_long_tensors(helpers):
    words, tags, lengths, vocab, tag_names = helpers["load_split"](DATA / "dev.npz")
    shipped = read_encoded(DATA / "dev.npz")
    for tensor, array in [(words, "words"), (tags, "tags"), (lengths, "lengths")]:
        assert tensor.dtype == torch.long and torch.equal(tensor, torch.from_numpy(shipped[array]))
    assert vocab == shipped["vocab"].tolist() and tag_names == shipped["tag_names"].tolist()
    assert all(type(name) is str for name in vocab + tag_names)


def padded_batch(seed, N=6, T=7, C=5):
    generator = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, T + 1, (N,), generator=generator)
    lengths[0] = T
    logits = torch.randn(N, T, C, generator=generator, dtype=torch.float64)
    tags = torch.randint(0, C, (N, T), generator=generator)
    tags[torch.arange(T)[None, :] >= lengths[:, None]] = -100
    return logits, tags, lengths


@pytest.mark.parametrize("seed", range(5))
def test_locked_loss_and_accuracy_count_the_real_words_only(helpers, seed):
    from solutions.pos_tagger import masked_loss

    logits, tags, lengths = padded_batch(seed)
    real_steps = helpers["real_steps"]
    # The loss fit_tagger computes, against the masked loss computed the pos_tagger way.
    loss = torch.nn.functional.cross_entropy(real_steps(logits, lengths), real_steps(tags, lengths))
    torch.testing.assert_close(loss, masked_loss(logits, tags), atol=1e-12, rtol=0)
    predicted = helpers["predict_tags"](lambda words, lengths: logits, tags.clamp(min=0), lengths)
    right = [predicted[i, t] == tags[i, t] for i in range(len(lengths)) for t in range(int(lengths[i]))]
    assert helpers["token_accuracy"](predicted, tags, lengths) == pytest.approx(sum(right) / len(right))
    assert (predicted[tags == -100] == -100).all(), "predict_tags should mark the padding -100"
