"""The char_lm reference solution, checked against PyTorch and first principles."""
import math
import sys

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from autograder.course import KIT_ROOT
from autograder.data.markov_text import context_entropy, random_source
from autograder.hidden import char_lm as hidden
from autograder.mutants import catalog_for
from solutions import char_lm as ref


def test_vocab_round_trips_the_python_reference_text():
    from pydoc_data.topics import topics

    text = topics["assert"] + topics["if"]
    chars, stoi, itos = ref.build_char_vocab(text)
    assert chars == sorted(set(text)) and len(stoi) == len(itos) == len(chars)
    ids = ref.encode(text, stoi)
    assert ids.dtype == torch.long and ids.shape == (len(text),)
    assert ref.decode(ids, itos) == text and ref.decode(ids.tolist(), itos) == text


def test_make_sequences_are_the_unfolded_windows_shifted_by_one():
    ids = torch.randint(0, 10, (40,), generator=torch.Generator().manual_seed(0))
    for seq_len in (1, 5, 39):
        X, Y = ref.make_sequences(ids, seq_len)
        windows = ids.unfold(0, seq_len + 1, 1)  # every window one longer: input and target together
        assert torch.equal(X, windows[:, :-1]) and torch.equal(Y, windows[:, 1:])


def test_batchify_rows_are_contiguous_stretches():
    ids = torch.arange(103)
    streams = ref.batchify(ids, 4)
    assert streams.shape == (4, 25)
    for b in range(4):
        assert torch.equal(streams[b], ids[25 * b:25 * (b + 1)])


def test_char_rnn_equals_an_rnn_cell_loop_with_the_same_weights():
    torch.manual_seed(0)
    model = ref.CharRNN(11, embed_dim=5, hidden_size=7)
    cell = nn.RNNCell(5, 7)
    cell.load_state_dict({name.removesuffix("_l0"): p for name, p in model.rnn.named_parameters()})
    x = torch.randint(0, 11, (3, 6))
    logits, hidden = model(x)
    h = torch.zeros(3, 7)
    for t in range(6):
        h = cell(model.embed(x[:, t]), h)
        expected = h @ model.head.weight.T + model.head.bias
        assert torch.allclose(logits[:, t], expected, atol=1e-6)
    assert torch.allclose(hidden[0], h, atol=1e-6)


def test_bits_per_char_is_log2_v_for_a_uniform_model_and_ignores_seq_len():
    torch.manual_seed(1)
    model = ref.CharRNN(13, embed_dim=4, hidden_size=6)
    ids = torch.randint(0, 13, (301,))
    one_pass = F.cross_entropy(model(ids[:-1][None])[0][0], ids[1:]).item() / math.log(2)
    for seq_len in (1, 7, 64, 1000):
        assert abs(ref.bits_per_char(model, ids, seq_len=seq_len) - one_pass) < 1e-5
    with torch.no_grad():
        model.head.weight.zero_()
        model.head.bias.zero_()
    assert abs(ref.bits_per_char(model, ids) - math.log2(13)) < 1e-6


def test_training_detaches_the_hidden_state_and_clips_the_gradients():
    ids = torch.randint(0, 6, (3000,), generator=torch.Generator().manual_seed(2))
    torch.manual_seed(0)
    model = ref.CharRNN(6, embed_dim=4, hidden_size=16)
    given = []
    model.register_forward_pre_hook(lambda module, args: given.append(args[1] if len(args) > 1 else None))
    losses = ref.train_char_lm(model, ids, seq_len=20, batch_size=5, steps=12, lr=1e-2, clip=0.05)
    assert len(losses) == 12 and given[0] is None
    assert all(h is not None and not h.requires_grad for h in given[1:])
    # The gradients left in the parameters are the last step's, after clipping.
    norm = torch.cat([p.grad.reshape(-1) for p in model.parameters()]).norm().item()
    assert norm <= 0.05 * (1 + 1e-4)


def test_sampling_is_reproducible_and_greedy_at_temperature_zero():
    torch.manual_seed(3)
    model = ref.CharRNN(4, embed_dim=3, hidden_size=8)
    stoi, itos = {c: i for i, c in enumerate("abcd")}, dict(enumerate("abcd"))
    first = ref.sample(model, "ab", stoi, itos, 30, generator=torch.Generator().manual_seed(0))
    again = ref.sample(model, "ab", stoi, itos, 30, generator=torch.Generator().manual_seed(0))
    assert first == again and first.startswith("ab") and len(first) == 32
    greedy = ref.sample(model, "ab", stoi, itos, 20, temperature=0)
    logits, _ = model(ref.encode(greedy[:-1], stoi)[None])
    assert greedy[2:] == ref.decode(logits[0, 1:].argmax(-1), itos)


def test_the_graded_source_needs_two_characters_of_context():
    source = random_source(hidden.SOURCE_SEED)
    gap = context_entropy(source, 1) - source.entropy_rate()
    # A model that only learned bigrams would fail by a wide margin.
    assert gap > 3 * hidden.EXCESS_BITS_ALLOWED, f"one character of context costs only {gap:.3f} bits more"


def test_the_public_checks_catch_training_without_clipping():
    """The hidden tests grade clipping in train_char_lm; so do the public checks a student runs."""
    sys.path.insert(0, str(KIT_ROOT / "assignments" / "char_lm"))
    try:
        import test_char_lm as public
    finally:
        sys.path.remove(str(KIT_ROOT / "assignments" / "char_lm"))
    ids, V = public.repeated_sentence_ids()
    with torch.random.fork_rng(devices=[]):
        public.check_gradients_are_clipped(ref.train_char_lm, ref.CharRNN, torch.manual_seed, ids, V)
        unclipped = catalog_for("char_lm")["no_clipping"].namespace(ref)
        with pytest.raises(AssertionError, match="clip_grad_norm_"):
            public.check_gradients_are_clipped(unclipped["train_char_lm"], unclipped["CharRNN"], torch.manual_seed,
                                               ids, V)
