"""Hidden tests of char_lm: functions against the reference on seeded inputs, sampling against
the model's own softmax(logits / T), and training graded against a Markov source's entropy rate.

The student's model lives in the sandbox: the judge builds it with `student.CharRNN(...)`, sets
its weights from plain tensors, and reads its logits back to compute every expectation itself.
"""
import math
import random

import torch
import torch.nn.functional as F

from autograder.data.markov_text import context_entropy, random_source
from autograder.grading.judge import FLOAT32_RTOL, as_float, close_float
from autograder.hidden.registry import EDGE, HiddenTests

tests = HiddenTests("char_lm")
SEED = 7_2026_11
# The Markov source and the texts the student's training is graded on: never released.
SOURCE_SEED, TRAIN_SEED, HELD_OUT_SEED = 424_242, 1_001, 2_002
# Training budget (about 2 s on one core) and margins, set from measured runs: see docs/char_lm.md.
TRAINING = dict(seq_len=32, batch_size=16, steps=400, lr=1e-2, clip=1.0)
MODEL = dict(embed_dim=16, hidden_size=32)
EXCESS_BITS_ALLOWED = 0.30  # the reference is 0.09-0.14 bits above the entropy rate
BELOW_SOURCE_ALLOWED = 0.05  # no model beats the source itself by more than noise
P_VALUE_FLOOR = 1e-3


def random_ids(rng, vocab_size, length):
    return torch.tensor([rng.randrange(vocab_size) for _ in range(length)], dtype=torch.long)


def random_text(rng, length, alphabet="abcdefgh XYZ.,\n"):
    return "".join(rng.choice(alphabet) for _ in range(length))


def weights_of(model):
    """A copy of the model's state_dict as a plain dict (an OrderedDict would stay in the sandbox;
    under vanilla nbgrader the tensors would share memory with the live parameters)."""
    return {name: tensor.clone() for name, tensor in model.state_dict(destination={}).items()}


def fixed_model(student, vocab_size, seed, scale=1.0, **sizes):
    """The student's CharRNN with every weight drawn here from N(0, scale^2): peaky,
    context-dependent predictions, whatever the architecture."""
    student.seed_everything(seed)
    model = student.CharRNN(vocab_size, **sizes)
    generator = torch.Generator().manual_seed(seed)
    weights = {name: torch.randn(tensor.shape, generator=generator) * scale
               if tensor.is_floating_point() else tensor
               for name, tensor in weights_of(model).items()}
    model.load_state_dict(weights)
    return model


def run(model, x, hidden=None):
    """(logits, hidden) of the student's model; the logits detached, as they come from the sandbox
    (under vanilla nbgrader the model runs here, and its outputs still carry a graph)."""
    logits, hidden = model(x) if hidden is None else model(x, hidden)
    return logits.detach(), hidden


def gap(got, expected):
    """Largest difference, relative to the size of the expected logits (float32 sums in another
    order differ by about 1e-7; an elementwise relative error would blow up near zero)."""
    got, expected = torch.as_tensor(got).double(), torch.as_tensor(expected).double()
    return ((got - expected).abs().max() / (1 + expected.abs().max())).item()


def logits_of(model, ids):
    """Logits (T, V) of one pass of the student's model over a 1-D id sequence."""
    logits, _ = run(model, ids.unsqueeze(0))
    return logits[0].double()


def one_pass_bits(model, ids):
    """Bits per character of one pass: the quantity bits_per_char must return."""
    return F.cross_entropy(logits_of(model, ids[:-1]), ids[1:]).item() / math.log(2)


# ---- vocabulary, encode, decode ----

@tests.test("test_vocab")
def vocabulary_is_sorted_and_maps_both_ways(student, judge):
    rng = random.Random(SEED)
    for length in (1, 5, 200):
        text = random_text(rng, length)
        chars, stoi, itos = student.build_char_vocab(text)
        expected, _, _ = judge.expected("build_char_vocab", text)
        if list(chars) != expected:
            judge.fail("build_char_vocab", (text,), {}, (chars, stoi, itos),
                       f"expected chars {expected} (distinct, sorted)",
                       lambda got, out: list(got[0]) == list(out[0]))
        for i, ch in enumerate(expected):
            assert stoi[ch] == i and itos[i] == ch, (
                f"build_char_vocab: stoi[{ch!r}] is {stoi.get(ch)!r} and itos[{i}] is {itos[i]!r}; "
                f"expected {i} and {ch!r} (id = position in the sorted chars)")


@tests.test("test_vocab")
def encode_gives_long_ids_and_decode_inverts_it(student, judge):
    rng = random.Random(SEED + 1)
    text = random_text(rng, 300)
    _, stoi, itos = judge.expected("build_char_vocab", text)
    ids = student.encode(text, stoi)
    expected = judge.expected("encode", text, stoi)
    assert torch.is_tensor(ids) and ids.dtype == torch.long and torch.equal(ids, expected), (
        f"encode returned {type(ids).__name__} {getattr(ids, 'dtype', '')}; expected a LongTensor of "
        f"shape {tuple(expected.shape)} holding stoi[ch] for each character")
    for given in (expected, expected.tolist(), expected[:1]):
        back = student.decode(given, itos)
        assert back == judge.expected("decode", given, itos), (
            f"decode(encode(text)) gave {back[:40]!r}...; expected the text back, {text[:40]!r}...")


# ---- make_sequences and batchify ----

@tests.test("test_make_sequences")
def make_sequences_equals_reference(student, judge):
    rng = random.Random(SEED + 2)
    for length, seq_len in [(50, 1), (50, 7), (50, 49), (12, 11), (200, 32)]:
        ids = random_ids(rng, 9, length)
        X, Y = student.make_sequences(ids, seq_len)
        eX, eY = judge.expected("make_sequences", ids, seq_len)
        ok = torch.is_tensor(X) and torch.is_tensor(Y) and X.shape == eX.shape and Y.shape == eY.shape \
            and torch.equal(X.long(), eX) and torch.equal(Y.long(), eY)
        if not ok:
            judge.fail("make_sequences", (ids, seq_len), {}, (X, Y),
                       f"expected X and Y of shape {tuple(eX.shape)}: every window ids[i:i+{seq_len}] "
                       "and the same window shifted by one",
                       lambda got, out: all(torch.is_tensor(g) and g.shape == o.shape and torch.equal(g, o)
                                            for g, o in zip(got, out)))


@tests.test("test_batchify")
def batchify_equals_reference(student, judge):
    rng = random.Random(SEED + 3)
    for length, batch_size in [(100, 4), (101, 3), (7, 7), (30, 1), (64, 5)]:
        ids = random_ids(rng, 20, length)
        got = student.batchify(ids, batch_size)
        expected = judge.expected("batchify", ids, batch_size)
        if not (torch.is_tensor(got) and got.shape == expected.shape and torch.equal(got, expected)):
            judge.fail("batchify", (ids, batch_size), {}, got,
                       f"expected shape {tuple(expected.shape)} whose row b is the contiguous stretch "
                       f"ids[b*L:(b+1)*L], L = {expected.shape[1]}",
                       lambda g, out: torch.is_tensor(g) and g.shape == out.shape and torch.equal(g, out))


# ---- the model ----

@tests.test("test_char_rnn")
def char_rnn_shapes_and_seeding(student, judge):
    for sizes, (N, T) in [({}, (3, 9)), (dict(embed_dim=5, hidden_size=11), (1, 1)),
                          (dict(embed_dim=4, hidden_size=6, num_layers=2), (2, 5))]:
        student.seed_everything(SEED)
        model = student.CharRNN(13, **sizes)
        x = random_ids(random.Random(SEED + N), 13, N * T).reshape(N, T)
        logits, _ = run(model, x)
        assert tuple(logits.shape) == (N, T, 13), (
            f"CharRNN(13, {sizes}) on x of shape {(N, T)} gave logits of shape {tuple(logits.shape)}; "
            f"expected {(N, T, 13)}, batch first")
        student.seed_everything(SEED)
        again, _ = run(student.CharRNN(13, **sizes), x)
        assert torch.equal(logits, again), (
            "two CharRNNs built after the same torch.manual_seed gave different logits: the model "
            "must be deterministic under the seed")


@tests.test("test_char_rnn")
def char_rnn_carries_hidden_state_across_chunks(student, judge):
    model = fixed_model(student, 7, SEED + 4, scale=0.5, embed_dim=6, hidden_size=10)
    x = random_ids(random.Random(SEED + 4), 7, 3 * 12).reshape(3, 12)
    whole, _ = run(model, x)
    first, hidden = run(model, x[:, :5])
    second, _ = run(model, x[:, 5:], hidden)
    error = gap(torch.cat([first, second], dim=1), whole)
    assert error < 1e-5, (
        f"reading x in two chunks, passing the hidden state on, gave logits that differ from one "
        f"pass (gap {error:.1e}): forward must start from `hidden` when it is given")


@tests.test("test_char_rnn")
def char_rnn_is_causal_and_rows_are_independent(student, judge):
    model = fixed_model(student, 7, SEED + 5, scale=0.5, embed_dim=6, hidden_size=10)
    x = random_ids(random.Random(SEED + 5), 7, 4 * 10).reshape(4, 10)
    logits, _ = run(model, x)
    alone, _ = run(model, x[2:3])
    error = gap(alone[0], logits[2])
    assert error < 1e-5, (
        f"row 2 alone and row 2 in a batch of 4 gave different logits (gap {error:.1e}): "
        "rows got mixed; is the recurrent layer built with batch_first=True?")
    changed = x.clone()
    changed[:, 6] = (changed[:, 6] + 1) % 7
    after, _ = run(model, changed)
    error = gap(after[:, :6], logits[:, :6])
    assert error < 1e-5, (
        "changing the character at position 6 changed the logits at positions 0-5: the prediction "
        "at t must depend only on characters up to t (no bidirectional layer, no look-ahead)")


@tests.test("test_bits_per_char")
def bits_per_char_equals_one_pass_cross_entropy_in_bits(student, judge):
    rng = random.Random(SEED + 6)
    model = fixed_model(student, 9, SEED + 6, scale=0.7, embed_dim=5, hidden_size=12)
    for length, kwargs in [(300, dict(seq_len=64)), (40, dict(seq_len=7)), (257, {}), (2, {})]:
        ids = random_ids(rng, 9, length)
        got = student.bits_per_char(model, ids, **kwargs)
        expected = one_pass_bits(model, ids)
        # A float32 model's cross-entropy, chunked or not: a float32 tolerance; a 0-d tensor is a float here.
        if not close_float(got, expected, FLOAT32_RTOL):
            judge.fail("bits_per_char", (model, ids), kwargs, got,
                       f"expected {expected:.6f}: the mean of -log2 p(next char) over all "
                       f"{length - 1} predictions, the hidden state carried from chunk to chunk",
                       lambda g, out: as_float(out) is not None and close_float(g, as_float(out), FLOAT32_RTOL))


# ---- training ----

def markov_ids(source, length, seed):
    stoi = {ch: i for i, ch in enumerate(sorted(source.alphabet))}
    return torch.tensor([stoi[ch] for ch in source.sample(length, seed)], dtype=torch.long)


@tests.test("test_train_bptt")
def hidden_state_is_carried_and_detached_between_chunks(student, judge):
    ids = markov_ids(random_source(SOURCE_SEED + 1), 2_000, TRAIN_SEED + 1)
    student.seed_everything(SEED)
    model = student.CharRNN(8, embed_dim=4, hidden_size=8)
    student.watch_hidden_states(model)
    try:
        student.train_char_lm(model, ids, seq_len=16, batch_size=4, steps=8, lr=1e-2, clip=1.0)
    except RuntimeError as error:
        if "backward through the graph a second time" in str(error) or "inplace operation" in str(error):
            raise AssertionError(
                f"train_char_lm failed at the second chunk ({str(error)[:90]}...). The second chunk's "
                "backward ran into the first chunk's graph: the hidden state was not detached. Keep the "
                "detached copy, hidden = hidden.detach() (`retain_graph=True` is not the fix: the "
                "optimizer has changed the weights that graph used).") from None
        raise
    log = student.hidden_state_log(model)
    assert log, "train_char_lm never called model(x, hidden): call the model, not model.forward"
    assert "graph" not in log, (
        f"the hidden states given to the model, chunk by chunk, were {log}: 'graph' means still attached "
        "to the previous chunk's graph, so backward runs through every chunk so far (slower each step, "
        "and not truncated BPTT). Detach it and keep the result: hidden = hidden.detach()")
    assert log.count("detached") >= len(log) - 1, (
        f"the hidden states given to the model, chunk by chunk, were {log}: a fresh start ('none') at "
        "every chunk forgets the context; carry the (detached) hidden state from one chunk to the next")


def reference_chunks(reference, ids, **settings):
    """The x of every call the reference's train_char_lm makes to its model: the contract's schedule."""
    fed = []
    model = reference.CharRNN(8, embed_dim=3, hidden_size=4)
    model.register_forward_pre_hook(lambda module, args: fed.append(args[0].clone()))
    reference.train_char_lm(model, ids, **settings)
    return fed


def column_span(streams, x):
    """Which columns of the streams x is ("5-9"), or what else it is."""
    x = torch.as_tensor(x)
    if x.dim() != 2 or x.shape[0] != streams.shape[0]:
        return f"a tensor of shape {tuple(x.shape)}"
    width = x.shape[1]
    for start in range(streams.shape[1] - width + 1):
        if torch.equal(streams[:, start:start + width], x):
            return f"{start}-{start + width - 1}"
    return "not a chunk of the streams"


def watched_training(student, ids, **settings):
    """(losses, what watch_training saw) of the student's train_char_lm on a small fresh model."""
    student.seed_everything(SEED)
    model = student.CharRNN(8, embed_dim=3, hidden_size=4)
    student.watch_training(model)
    losses = student.train_char_lm(model, ids, **settings)
    return losses, student.training_seen(model)


@tests.test("test_train_bptt")
def chunks_follow_the_stream_schedule(student, judge):
    # Streams one column longer than a multiple of seq_len, and exactly a multiple: the last chunk
    # of a pass is read only while its targets, one column further, are inside the streams.
    for length, batch_size, seq_len, steps in [(48, 3, 5, 8), (45, 3, 5, 6), (8, 2, 1, 7), (13, 1, 4, 5)]:
        ids = random_ids(random.Random(SEED + length), 8, length)
        settings = dict(seq_len=seq_len, batch_size=batch_size, steps=steps, lr=1e-3, clip=1.0)
        _, seen = watched_training(student, ids, **settings)
        got = [torch.as_tensor(x) for x in seen["inputs"]]
        expected = reference_chunks(judge.reference, ids, **settings)
        if len(got) == len(expected) and all(g.shape == e.shape and torch.equal(g.long(), e)
                                             for g, e in zip(got, expected)):
            continue
        streams = judge.expected("batchify", ids, batch_size)
        raise AssertionError(
            f"train_char_lm(model, ids, seq_len={seq_len}, batch_size={batch_size}, steps={steps}) on streams "
            f"of {streams.shape[1]} columns fed the model columns "
            f"{', '.join(column_span(streams, x) for x in got) or 'nothing'}; expected "
            f"{', '.join(column_span(streams, x) for x in expected)}: each pass starts at column 0 and reads "
            f"{seq_len} columns at a time, as long as the chunk's targets (one column further) are still "
            "inside the streams, then starts again at column 0")


@tests.test("test_train_bptt")
def each_step_starts_from_zero_gradients_and_returns_a_float_loss(student, judge):
    ids = random_ids(random.Random(SEED + 8), 8, 200)
    losses, seen = watched_training(student, ids, seq_len=8, batch_size=4, steps=4, lr=1e-2, clip=1.0)
    assert seen["gradients"] and "accumulated" not in seen["gradients"], (
        f"at each backward of train_char_lm the gradients already held were: {seen['gradients']} "
        "('accumulated': an earlier step's gradients were still there, and backward adds to them). "
        "Call optimizer.zero_grad() before each backward")
    assert isinstance(losses, list) and len(losses) == 4 and all(isinstance(x, float) for x in losses), (
        f"train_char_lm(..., steps=4) returned {repr(losses)[:120]}; expected a list of 4 Python floats, "
        "one per step (loss.item(), not the loss tensor)")


@tests.test("test_train_bptt")
def gradients_are_clipped_to_clip(student, judge):
    ids = markov_ids(random_source(SOURCE_SEED + 2), 2_000, TRAIN_SEED + 2)
    moved = {}
    for clip in (1.0, 1e-12):
        student.seed_everything(SEED)
        model = student.CharRNN(8, embed_dim=4, hidden_size=8)
        before = weights_of(model)
        student.train_char_lm(model, ids, seq_len=16, batch_size=4, steps=10, lr=1e-2, clip=clip)
        after = weights_of(model)
        moved[clip] = max((after[name].double() - before[name].double()).abs().max().item() for name in before)
    assert moved[1.0] > 0, "train_char_lm did not change the model's parameters at all"
    ratio = moved[1e-12] / moved[1.0]
    assert ratio < 0.1, (
        f"with clip=1e-12 the parameters moved {moved[1e-12]:.2e}, {ratio:.0%} of what they move with "
        "clip=1.0; clipped to a norm of 1e-12 the gradients should barely move them: are the gradients "
        "clipped (torch.nn.utils.clip_grad_norm_(model.parameters(), clip)) between backward and step?")


@tests.test("test_train_learns")
def trained_model_approaches_the_entropy_rate(student, judge):
    source = random_source(SOURCE_SEED)
    train, held_out = markov_ids(source, 20_000, TRAIN_SEED), markov_ids(source, 5_000, HELD_OUT_SEED)
    student.seed_everything(SEED)
    model = student.CharRNN(len(source.alphabet), **MODEL)
    losses = student.train_char_lm(model, train, **TRAINING)
    assert len(losses) == TRAINING["steps"] and all(math.isfinite(float(x)) for x in losses), (
        f"train_char_lm returned {len(losses)} losses (expected one finite loss per step, "
        f"{TRAINING['steps']})")
    bits = one_pass_bits(model, held_out)
    limit = source.entropy_rate()
    alphabet = sorted(source.alphabet)
    source_bits = source.log_loss("".join(alphabet[i] for i in held_out.tolist()))
    assert bits >= source_bits - BELOW_SOURCE_ALLOWED, (
        f"on held-out text the model scores {bits:.3f} bits per character, better than the source "
        f"that generated it ({source_bits:.3f}): it must be seeing the characters it predicts")
    assert bits <= limit + EXCESS_BITS_ALLOWED, (
        f"after training, held-out text costs {bits:.3f} bits per character; the source's entropy rate "
        f"is {limit:.3f}, a model with one character of context reaches {context_entropy(source, 1):.3f}, "
        f"and a correct train_char_lm reaches below {limit + EXCESS_BITS_ALLOWED:.3f} "
        f"(the losses went from {losses[0]:.3f} to {losses[-1]:.3f} nats)")


# ---- sampling ----

def greedy_violations(model, text, prefix_len, stoi):
    """Positions where `text` does not continue with the argmax of the model's logits."""
    ids = torch.tensor([stoi[ch] for ch in text], dtype=torch.long)
    logits = logits_of(model, ids[:-1])
    bad = []
    for t in range(prefix_len - 1, len(ids) - 1):
        top2 = torch.topk(logits[t], 2).values
        if logits[t, ids[t + 1]] < top2[0] and top2[0] - top2[1] > 1e-4:  # ignore near ties
            bad.append(t + 1)
    return bad


def chi_square_p_value(model, text, prefix_len, stoi, temperature):
    """Pearson's statistic of the sampled characters against the sum, over steps, of the model's
    softmax(logits / T) at each step, and its p-value with V - 1 degrees of freedom."""
    ids = torch.tensor([stoi[ch] for ch in text], dtype=torch.long)
    probs = torch.softmax(logits_of(model, ids[:-1]) / temperature, dim=-1)[prefix_len - 1:]
    drawn = ids[prefix_len:]
    expected = probs.sum(dim=0)
    observed = torch.bincount(drawn, minlength=probs.shape[1]).double()
    keep = expected > 5  # Pearson's approximation needs expected counts of 5 or more
    other = torch.stack([observed[~keep].sum(), expected[~keep].sum()])
    observed = torch.cat([observed[keep], other[:1]]) if other[1] > 0 else observed[keep]
    expected = torch.cat([expected[keep], other[1:]]) if other[1] > 0 else expected[keep]
    statistic = ((observed - expected) ** 2 / expected).sum()
    dof = len(expected) - 1
    return float(torch.special.gammaincc(torch.tensor(dof / 2.0, dtype=torch.float64), statistic / 2))


def sampling_setup(student):
    alphabet = "abcdef"
    stoi = {ch: i for i, ch in enumerate(alphabet)}
    itos = dict(enumerate(alphabet))
    model = fixed_model(student, len(alphabet), SEED + 7, scale=1.0, embed_dim=8, hidden_size=16)
    return model, stoi, itos


@tests.test("test_sample")
def sample_returns_prefix_and_length_new_characters(student, judge):
    model, stoi, itos = sampling_setup(student)
    for prefix, length, temperature in [("a", 10, 1.0), ("fedcba", 25, 0.7), ("c", 0, 1.0), ("bb", 5, 0)]:
        text = student.sample(model, prefix, stoi, itos, length, temperature=temperature,
                              generator=student.make_generator(SEED))
        assert isinstance(text, str) and text.startswith(prefix) and len(text) == len(prefix) + length, (
            f"sample(model, {prefix!r}, ..., length={length}, temperature={temperature}) returned "
            f"{text!r}; expected the prefix followed by {length} new characters")
        assert set(text) <= set(stoi), f"sample returned characters outside the vocabulary: {text!r}"


@tests.test("test_sample")
def temperature_zero_is_greedy(student, judge):
    model, stoi, itos = sampling_setup(student)
    for prefix in ("a", "cafe", "dd"):
        text = student.sample(model, prefix, stoi, itos, 60, temperature=0)
        bad = greedy_violations(model, text, len(prefix), stoi)
        assert not bad, (
            f"with temperature 0, sample({prefix!r}) gave {text!r}; at positions {bad[:5]} it did not "
            "take the most likely next character (temperature 0 means argmax)")


@tests.test("test_sample")
def frequencies_follow_softmax_of_logits_over_temperature(student, judge):
    model, stoi, itos = sampling_setup(student)
    for index, temperature in enumerate((1.0, 0.5, 2.0)):
        text = student.sample(model, "b", stoi, itos, 1500, temperature=temperature,
                              generator=student.make_generator(SEED + index))
        p_value = chi_square_p_value(model, text, 1, stoi, temperature)
        if p_value >= P_VALUE_FLOOR:
            continue
        hints = []
        if not greedy_violations(model, text, 1, stoi):
            hints.append("every character is the argmax: at temperature > 0 draw from the distribution")
        if temperature != 1.0 and chi_square_p_value(model, text, 1, stoi, 1.0) >= P_VALUE_FLOOR:
            hints.append("they match softmax(logits) instead: divide the logits (not the probabilities) "
                         "by the temperature before the softmax")
        raise AssertionError(
            f"at temperature {temperature}, the frequencies of 1500 sampled characters do not follow "
            f"softmax(logits / {temperature}) (chi-square p-value {p_value:.1e})"
            + (f"; {'; '.join(hints)}" if hints else ""))


@tests.test("test_sample", weight=EDGE)
def a_low_temperature_is_nearly_greedy_and_does_not_overflow(student, judge):
    # logits / 0.002 run into the thousands: exp() of them overflows float32 unless the softmax is stable.
    model, stoi, itos = sampling_setup(student)
    text = student.sample(model, "ab", stoi, itos, 40, temperature=0.002, generator=student.make_generator(SEED))
    assert isinstance(text, str) and len(text) == 42 and set(text) <= set(stoi), (
        f"sample(model, 'ab', ..., 40, temperature=0.002) returned {str(text)[:60]!r}; expected 'ab' and 40 "
        "characters of the vocabulary")
    ids = torch.tensor([stoi[ch] for ch in text], dtype=torch.long)
    log_p = torch.log_softmax(logits_of(model, ids[:-1]).double() / 0.002, dim=-1)
    unlikely = [t + 1 for t in range(1, len(ids) - 1) if log_p[t, ids[t + 1]] < math.log(1e-6)]
    assert not unlikely, (
        f"at temperature 0.002, sample gave {text!r}; at positions {unlikely[:5]} it took a character that "
        "softmax(logits / 0.002) gives a probability below 1e-6: divide the logits by the temperature and use "
        "torch.softmax, which stays finite where exp(logits / temperature) overflows")
