"""Hidden tests of birnn: reverse_padded and BiRNN against the reference and against
nn.RNN(bidirectional=True) on seeded padded batches, and a tagger built on the student's
BiRNN, trained with a fixed seed and scored on sentences the student never saw.

Student objects may be remote handles (the kit's engine) or the real thing (vanilla
nbgrader): the helpers below read values in a way that works for both.
"""
import functools
import json
import random
from pathlib import Path

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from autograder.data.encoded_corpus import encode_splits
from autograder.data.tagged_corpus import SPLITS, default_hmm, optimal_accuracy, sample_sentences
from autograder.grading.judge import call
from autograder.grading.remote import RemoteObject
from autograder.hidden.registry import RULE, HiddenTests

tests = HiddenTests("birnn")
INSTRUCTOR_NOTEBOOK = Path(__file__).resolve().parents[2] / "assignments" / "birnn" / "birnn.ipynb"
SEED = 61122
TOLERANCE = 1e-5  # float32, absolute

# The tagging test. The test split's seed lives here only: it never ships.
TEST_SEED = 7_460_311
TEST_SENTENCES = 1000
TRAIN_SEED = 3
EPOCHS = 3
# Margins, from measured runs over six training seeds (docs/birnn.md,
# benchmarks/birnn_tagger_margins.py): the reference lands 1.6-2.2 points under the
# forward-backward optimum and 3.6-4.7 points above the one-way tagger; the two mutants that
# hurt training land 5.6-7.0 points under the optimum and at most 0.4 points above the one-way
# tagger. Each threshold sits near the middle of its gap.
BELOW_OPTIMUM = 0.04
ABOVE_ONE_WAY = 0.02


# ---- reading student objects on either side of the wall ----

def plain(value):
    """A remote attribute's value, or the value itself under vanilla nbgrader."""
    return value.get() if isinstance(value, RemoteObject) else value


def call_keeping_inputs(function, *args):
    """(result, args as the call left them): did the student's code change its inputs?"""
    if isinstance(function, RemoteObject):
        result, (args_after, _) = function.call_with_args(*args)
        return result, args_after
    copies = [a.clone() if isinstance(a, torch.Tensor) else a for a in args]
    return function(*copies), copies


# ---- seeded inputs ----

def random_lengths(rng, N, T):
    """Lengths in 1..T, in one of the shapes that break wrong code differently."""
    kind = rng.choice(["mixed", "mixed", "ones", "full", "equal", "short_of_T"])
    if kind == "ones":
        return [1] * N
    if kind == "full":
        return [T] * N
    if kind == "equal":
        return [rng.randint(1, T)] * N
    if kind == "short_of_T" and T > 1:
        return [rng.randint(1, T - 1) for _ in range(N)]
    lengths = [rng.randint(1, T) for _ in range(N)]
    lengths[rng.randrange(N)] = 1 if rng.random() < 0.5 else lengths[0]
    return lengths


def batches(seed, count):
    """(x, lengths) pairs: float32 (N, T, D), lengths as a list or a LongTensor."""
    rng = random.Random(seed)
    noise = torch.Generator().manual_seed(seed)
    for _ in range(count):
        N, T, D = rng.randint(1, 6), rng.randint(1, 9), rng.randint(1, 5)
        lengths = random_lengths(rng, N, T)
        x = torch.randn(N, T, D, generator=noise)
        yield x, (lengths if rng.random() < 0.5 else torch.tensor(lengths))


def bidirectional_rnn(D, H, generator):
    """A PyTorch bidirectional RNN with seeded weights, and those weights split per direction."""
    module = nn.RNN(D, H, batch_first=True, bidirectional=True)
    scale = 0.3 + torch.rand(1, generator=generator).item()
    state = {k: scale * torch.randn(v.shape, generator=generator) for k, v in module.state_dict().items()}
    module.load_state_dict(state)
    forward_weights = {k: v for k, v in state.items() if "_reverse" not in k}
    backward_weights = {k.replace("_reverse", ""): v for k, v in state.items() if "_reverse" in k}
    return module, forward_weights, backward_weights


def pytorch_bidirectional(module, x, lengths):
    with torch.no_grad():
        out, h = module(pack_padded_sequence(x, torch.as_tensor(lengths), batch_first=True,
                                             enforce_sorted=False))
    return pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])[0], h


def as_tensor_pair(got):
    """The student's (output, h_n), checked for being two tensors."""
    if not (isinstance(got, (tuple, list)) and len(got) == 2
            and all(isinstance(part, torch.Tensor) for part in got)):
        raise AssertionError(f"BiRNN's forward returned {type(got).__name__}; expected a pair of "
                             "tensors (output, h_n), as nn.RNN returns")
    return got[0].detach(), got[1].detach()


def near(a, b):
    return a.shape == b.shape and bool(torch.allclose(a.float(), b.float(), atol=TOLERANCE, rtol=0))


# ---- reverse_padded ----

def reversal_matches(got, expected):
    return isinstance(got, torch.Tensor) and got.shape == expected.shape and torch.equal(got, expected)


@tests.test("test_reverse_padded")
def reverse_padded_equals_reference_on_random_padded_batches(student, judge):
    cases = list(batches(SEED, 60))
    # Other dtypes: a reversal must not care what it moves.
    cases += [(x.double(), n) for x, n in cases[:5]] + [((100 * x).long(), n) for x, n in cases[5:10]]
    for (x, lengths), got in zip(cases, judge.each("reverse_padded", [call(*case) for case in cases])):
        expected = judge.expected("reverse_padded", x.clone(), lengths)
        if not reversal_matches(got, expected):
            n = lengths.tolist() if isinstance(lengths, torch.Tensor) else lengths
            judge.fail("reverse_padded", (x.clone(), lengths), {}, got,
                       f"expected each row's first lengths[i] steps reversed and its padding kept in "
                       f"place (lengths {n}, {x.dtype}); rows differ: "
                       f"{mismatched_rows(got, expected)}", reversal_matches)


def mismatched_rows(got, expected):
    if not isinstance(got, torch.Tensor) or got.shape != expected.shape:
        shape = tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__
        return f"shape {shape} instead of {tuple(expected.shape)}"
    return [i for i in range(expected.shape[0]) if not torch.equal(got[i], expected[i])]


@tests.test("test_reverse_padded", weight=RULE)
def reverse_padded_leaves_x_and_lengths_unchanged(student, judge):
    for x, lengths in batches(SEED + 1, 12):
        _, (x_after, lengths_after) = call_keeping_inputs(student.reverse_padded, x, lengths)
        assert torch.equal(x_after, x), (
            f"reverse_padded changed its input x in place (shape {tuple(x.shape)}); reverse into a new "
            "tensor, such as x.clone() or the result of a gather, and leave the caller's x alone")
        same_lengths = (torch.equal(lengths_after, lengths) if isinstance(lengths, torch.Tensor)
                        else lengths_after == lengths)
        assert same_lengths, "reverse_padded changed its lengths argument; leave it alone"


# ---- BiRNN: structure, shapes, zero padding ----

@tests.test("test_birnn_shapes")
def birnn_is_two_one_layer_one_way_rnns(student, judge):
    for D, H in [(1, 1), (3, 7), (8, 2)]:
        model = student.BiRNN(D, H)
        for direction in ("fwd", "bwd"):
            rnn = getattr(model, direction)
            found = {attr: plain(getattr(rnn, attr)) for attr in
                     ("mode", "input_size", "hidden_size", "num_layers", "bidirectional", "batch_first")}
            wanted = dict(mode="RNN_TANH", input_size=D, hidden_size=H, num_layers=1, bidirectional=False,
                          batch_first=True)
            assert found == wanted, (
                f"BiRNN({D}, {H}).{direction} has {found}; expected nn.RNN({D}, {H}, batch_first=True): "
                "a plain tanh RNN, one layer, one direction, batch first")


@tests.test("test_birnn_shapes")
def birnn_output_is_n_t_2h_with_zero_padding_and_h_n_is_2_n_h(student, judge):
    rng = random.Random(SEED + 2)
    for x, lengths in batches(SEED + 2, 15):
        N, T, D = x.shape
        H = rng.randint(1, 6)
        model = student.BiRNN(D, H)
        output, h_n = as_tensor_pair(model(x, lengths))
        n = torch.as_tensor(lengths).tolist()
        assert tuple(output.shape) == (N, T, 2 * H), (
            f"BiRNN({D}, {H}) on x of shape {tuple(x.shape)} with lengths {n} gave output of shape "
            f"{tuple(output.shape)}; expected (N, T, 2H) = {(N, T, 2 * H)}: one step per step of x, "
            "even when every sentence is shorter than T")
        assert tuple(h_n.shape) == (2, N, H), (
            f"BiRNN({D}, {H}) gave h_n of shape {tuple(h_n.shape)}; expected (2, N, H) = {(2, N, H)}")
        for i, length in enumerate(n):
            assert not output[i, length:].any(), (
                f"BiRNN({D}, {H}) with lengths {n}: output[{i}, {length}:] is padding and must be zero "
                f"(as PyTorch's packed RNN leaves it); its largest entry is "
                f"{output[i, length:].abs().max().item():.3g}")


# ---- BiRNN: equal to nn.RNN(bidirectional=True) with the same weights ----

def loaded(make, D, H, forward_weights, backward_weights):
    model = make(D, H)
    model.fwd.load_state_dict(forward_weights)
    model.bwd.load_state_dict(backward_weights)
    return model


def what_differs(output, h_n, expected_output, expected_h_n, H):
    if output.shape != expected_output.shape:
        return f"output has shape {tuple(output.shape)}, not {tuple(expected_output.shape)}"
    if h_n.shape != expected_h_n.shape:
        return f"h_n has shape {tuple(h_n.shape)}, not {tuple(expected_h_n.shape)}"
    parts = {"output[..., :H] (forward states)": near(output[..., :H], expected_output[..., :H]),
             "output[..., H:] (backward states)": near(output[..., H:], expected_output[..., H:]),
             "h_n[0] (forward summary)": near(h_n[0], expected_h_n[0]),
             "h_n[1] (backward summary)": near(h_n[1], expected_h_n[1])}
    wrong = [name for name, ok in parts.items() if not ok]
    return "wrong: " + ", ".join(wrong)


@tests.test("test_birnn_matches_pytorch")
def birnn_equals_bidirectional_nn_rnn_on_packed_batches(student, judge):
    rng = random.Random(SEED + 3)
    generator = torch.Generator().manual_seed(SEED + 3)
    for x, lengths in batches(SEED + 3, 25):
        D, H = x.shape[2], rng.randint(1, 6)
        module, forward_weights, backward_weights = bidirectional_rnn(D, H, generator)
        expected_output, expected_h_n = pytorch_bidirectional(module, x, lengths)
        model = loaded(student.BiRNN, D, H, forward_weights, backward_weights)
        output, h_n = as_tensor_pair(model(x, lengths))
        if near(output, expected_output) and near(h_n, expected_h_n):
            continue

        def same_as_mutant(got, mutant_model, x=x, lengths=lengths, weights=(forward_weights, backward_weights)):
            mutant_model.fwd.load_state_dict(weights[0])
            mutant_model.bwd.load_state_dict(weights[1])
            with torch.no_grad():
                their_output, their_h_n = mutant_model(x.clone(), lengths)
            return near(got[0], their_output) and near(got[1], their_h_n)

        n = torch.as_tensor(lengths).tolist()
        message = (f"BiRNN({D}, {H}) with the weights of nn.RNN({D}, {H}, bidirectional=True) on x of shape "
                   f"{tuple(x.shape)} with lengths {n} differs from PyTorch on the packed batch: "
                   f"{what_differs(output, h_n, expected_output, expected_h_n, H)}.")
        mistake = judge.diagnose("BiRNN", (D, H), {}, (output, h_n), same_as_mutant)
        raise AssertionError(message + (f" This is a known mistake: {mistake}" if mistake else ""))


@tests.test("test_birnn_matches_pytorch", weight=RULE)
def birnn_leaves_x_and_lengths_unchanged(student, judge):
    generator = torch.Generator().manual_seed(SEED + 4)
    for x, lengths in batches(SEED + 4, 6):
        D = x.shape[2]
        _, forward_weights, backward_weights = bidirectional_rnn(D, 3, generator)
        model = loaded(student.BiRNN, D, 3, forward_weights, backward_weights)
        _, (x_after, lengths_after) = call_keeping_inputs(model, x, lengths)
        assert torch.equal(x_after, x), "BiRNN's forward changed its input x in place; leave it alone"
        same_lengths = (torch.equal(lengths_after, lengths) if isinstance(lengths, torch.Tensor)
                        else lengths_after == lengths)
        assert same_lengths, "BiRNN's forward changed its lengths argument; leave it alone"


# ---- a tagger on the student's BiRNN, scored on unseen sentences ----

def locked_helpers():
    """Run the instructor notebook's locked setup cells here, in the judge: the trusted copy of
    the tagging helpers (a submission's copy never trains the baseline)."""
    from autograder.student.nbloader import cell_source

    namespace = {"__name__": "birnn_locked_helpers"}
    source = json.loads(INSTRUCTOR_NOTEBOOK.read_text(encoding="utf-8"))
    for cell in source["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "code" and meta.get("locked") and not meta.get("grade") \
                and not meta.get("solution"):
            exec(compile(cell_source(cell), f"<birnn locked cell {meta.get('grade_id')}>", "exec"), namespace)
    return namespace


def tag_accuracy(predicted, tags):
    real = tags != -100
    return (predicted[real] == tags[real]).double().mean().item()


def as_tensors(split):
    """(words, tags, lengths) LongTensors of one encoded split, as the notebook's loader gives them."""
    return tuple(torch.from_numpy(split[name]) for name in ("words", "tags", "lengths"))


@functools.cache
def tagging_task():
    """Tensors of the public train split and of an unseen test split (encoded here, in the
    judge, with the train split's vocabulary, exactly as the shipped train.npz), the optima on
    the test split, and the accuracy of a one-way tagger trained the same way (computed once)."""
    hmm = default_hmm()
    test = sample_sentences(hmm, TEST_SENTENCES, TEST_SEED)
    encoded = encode_splits({"train": sample_sentences(hmm, *SPLITS["train"]), "test": test})
    train_tensors, test_tensors = as_tensors(encoded["train"]), as_tensors(encoded["test"])
    vocab_size, num_tags = len(encoded["train"]["vocab"]), len(encoded["train"]["tag_names"])
    helpers = locked_helpers()
    one_way, _ = helpers["fit_tagger"](*train_tensors, vocab_size, num_tags, bidirectional=False,
                                       epochs=EPOCHS, seed=TRAIN_SEED)
    one_way_accuracy = tag_accuracy(helpers["predict_tags"](one_way, test_tensors[0], test_tensors[2]),
                                    test_tensors[1])
    return dict(train=train_tensors, test=test_tensors, vocab_size=vocab_size, num_tags=num_tags,
                posterior=optimal_accuracy(hmm, test, "posterior"),
                filtering=optimal_accuracy(hmm, test, "filtering"), one_way=one_way_accuracy)


@tests.test("test_bidirectional_tagger")
def tagger_on_birnn_nears_forward_backward_optimum_and_beats_one_way(student, judge):
    student.BiRNN(2, 2)  # a stub fails here, before the judge spends time on the data
    task = tagging_task()
    test_words, test_tags, test_lengths = task["test"]
    model, _ = student.fit_tagger(*task["train"], task["vocab_size"], task["num_tags"], bidirectional=True,
                                  epochs=EPOCHS, seed=TRAIN_SEED)
    predicted = student.predict_tags(model, test_words, test_lengths)
    if not isinstance(predicted, torch.Tensor) or predicted.shape != test_tags.shape:
        raise AssertionError("predict_tags on a tagger built on your BiRNN did not return one tag per "
                             "word of the batch; was the locked tagging cell changed?")
    accuracy = tag_accuracy(predicted, test_tags)
    summary = (f"a tagger built on your BiRNN, trained {EPOCHS} epochs on the public training sentences, "
               f"tags {accuracy:.2%} of {int((test_tags != -100).sum())} words of unseen sentences right; "
               f"the best any tagger can do there is {task['posterior']:.2%} (forward-backward), the best "
               f"with left context only {task['filtering']:.2%}, and a one-way RNN tagger trained the "
               f"same way gets {task['one_way']:.2%}")
    assert accuracy >= task["posterior"] - BELOW_OPTIMUM, (
        f"{summary}. It should get within {BELOW_OPTIMUM:.0%} of the optimum: check that the backward "
        "RNN reads each sentence from its last real word and that its outputs are put back in order")
    assert accuracy >= task["one_way"] + ABOVE_ONE_WAY, (
        f"{summary}. It should beat the one-way tagger by at least {ABOVE_ONE_WAY:.1%}: the right "
        "context is not reaching the tags")
