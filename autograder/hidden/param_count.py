"""Hidden tests of param_count: 200+ seeded configurations, each checked against a live
PyTorch module and the reference."""
import functools
import math
import random

import torch.nn as nn

from autograder.grading.judge import call
from autograder.hidden.registry import HiddenTests

tests = HiddenTests("param_count")
RECURRENT = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
SEED = 20261122


def configs(count=200, seed=SEED):
    """Random recurrent configurations: layers 1-4, both directions, bias on and off, all cells."""
    rng = random.Random(seed)
    for _ in range(count):
        yield dict(input_size=rng.randint(1, 40), hidden_size=rng.randint(1, 40),
                   num_layers=rng.randint(1, 4), bidirectional=rng.random() < 0.5,
                   bias=rng.random() < 0.75, cell=rng.choice(["rnn", "lstm", "gru"]))


EDGE_CASES = [
    dict(input_size=1, hidden_size=1, num_layers=1, bidirectional=False, bias=True, cell="rnn"),
    dict(input_size=1, hidden_size=1, num_layers=4, bidirectional=True, bias=False, cell="lstm"),
    dict(input_size=300, hidden_size=1, num_layers=2, bidirectional=True, bias=True, cell="gru"),
    dict(input_size=1, hidden_size=300, num_layers=3, bidirectional=False, bias=True, cell="lstm"),
]


def module(config):
    kwargs = {k: v for k, v in config.items() if k != "cell"}
    return RECURRENT[config["cell"]](**kwargs)


def pytorch_shapes(config):
    """{name: shape} of PyTorch's own module for `config`."""
    return _named_shapes(tuple(sorted(config.items())))


@functools.cache  # building 800 modules per submission was most of the judge's time
def _named_shapes(frozen_config):
    return {name: tuple(p.shape) for name, p in module(dict(frozen_config)).named_parameters()}


def pytorch_count(config):
    return sum(math.prod(shape) for shape in pytorch_shapes(config).values())


@tests.test("test_rnn_params")
def rnn_params_equals_pytorch_on_random_configs(student, judge):
    cases = [*EDGE_CASES, *configs()]
    for config, got in zip(cases, judge.same_each("rnn_params", [call(**config) for config in cases])):
        expected = pytorch_count(config)
        assert got == expected, f"rnn_params({config}) returned {got}; PyTorch counts {expected}"


@tests.test("test_rnn_params")
def rnn_params_defaults_are_one_layer_unidirectional_rnn_with_bias(student, judge):
    judge.same_each("rnn_params", [call(10, 20), call(3, 5), call(64, 1)])


@tests.test("test_param_shapes")
def param_shapes_equals_named_parameters_on_random_configs(student, judge):
    cases = [*EDGE_CASES, *configs(seed=SEED + 1)]
    for config, got in zip(cases, judge.each("param_shapes", [call(**config) for config in cases])):
        expected = pytorch_shapes(config)
        if not isinstance(got, dict):
            judge.fail("param_shapes", (), config, got, "expected a dict {name: shape}", lambda g, e: g == e)
        got = {name: tuple(shape) if isinstance(shape, (list, tuple)) else shape for name, shape in got.items()}
        if got != expected:
            lacking = sorted(expected.keys() - got.keys())
            surplus = sorted(got.keys() - expected.keys())
            wrong = sorted(n for n in expected.keys() & got.keys() if got[n] != expected[n])
            detail = f"names missing {lacking}, unexpected {surplus}, wrong shapes for {wrong}"
            judge.fail("param_shapes", (), config, got, f"PyTorch's named_parameters() differ: {detail}",
                       lambda g, e: {k: tuple(v) for k, v in e.items()} == g)


@tests.test("test_textbook_rnn_params")
def textbook_rnn_params_on_random_sizes(student, judge):
    rng = random.Random(SEED + 2)
    judge.same_each("textbook_rnn_params",
                    [call(rng.randint(1, 500), rng.randint(1, 500), rng.randint(1, 500)) for _ in range(200)])


def pytorch_tagger_count(config):
    """Parameters of PyTorch's Embedding, recurrent layer and Linear, built as the tagger builds them."""
    return _tagger_count(tuple(sorted(config.items())))


@functools.cache
def _tagger_count(frozen_config):
    config = dict(frozen_config)
    directions = 2 if config["bidirectional"] else 1
    parts = [nn.Embedding(config["vocab_size"], config["embed_dim"]),
             RECURRENT[config["cell"]](config["embed_dim"], config["hidden_size"], config["num_layers"],
                                       bidirectional=config["bidirectional"]),
             nn.Linear(config["hidden_size"] * directions, config["num_tags"])]
    return sum(p.numel() for part in parts for p in part.parameters())


@tests.test("test_tagger_params")
def tagger_params_equals_pytorch_modules_on_random_configs(student, judge):
    rng = random.Random(SEED + 3)
    cases = [dict(vocab_size=rng.randint(2, 500), embed_dim=rng.randint(1, 32),
                  hidden_size=rng.randint(1, 32), num_tags=rng.randint(1, 20),
                  num_layers=rng.randint(1, 3), bidirectional=rng.random() < 0.5,
                  cell=rng.choice(["rnn", "lstm", "gru"]))
             for _ in range(200)]
    for config, got in zip(cases, judge.same_each("tagger_params", [call(**config) for config in cases])):
        expected = pytorch_tagger_count(config)
        assert got == expected, f"tagger_params({config}) returned {got}; PyTorch counts {expected}"
