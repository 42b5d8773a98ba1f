"""Public checks for param_count.

Run `pytest` in this folder: it loads your notebook's code and runs these checks, the
same ones as the notebook's test cells. Every expected number comes from PyTorch itself,
built live. Passing them is a good sign, not a guarantee: hidden tests try many more
configurations.
"""
from pathlib import Path

import pytest
import torch
import torch.nn as nn

RECURRENT = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def pytorch_count(module):
    return sum(p.numel() for p in module.parameters())


def call(function, *args, **kwargs):
    """Call the student's function; a stub gets a message, not a bare NotImplementedError."""
    try:
        return function(*args, **kwargs)
    except NotImplementedError:
        raise AssertionError(f"{function.__name__} is not implemented yet: replace "
                             "`raise NotImplementedError()` with your code") from None


def shown(*args, **kwargs):
    return ", ".join([repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()])


RNN_CASES = [
    dict(input_size=10, hidden_size=20),
    dict(input_size=10, hidden_size=20, num_layers=2),
    dict(input_size=100, hidden_size=128),
    dict(input_size=8, hidden_size=16, bidirectional=True),
    dict(input_size=8, hidden_size=16, num_layers=3, bidirectional=True, cell="lstm"),
    dict(input_size=5, hidden_size=7, num_layers=2, bias=False, cell="gru"),
]


def check_rnn_params(rnn_params):
    for case in RNN_CASES:
        kwargs = {k: v for k, v in case.items() if k != "cell"}
        module = RECURRENT[case.get("cell", "rnn")](**kwargs)
        expected = pytorch_count(module)
        got = call(rnn_params, **case)
        assert got == expected, (
            f"rnn_params({shown(**case)}) returned {got!r}; PyTorch's {module} has {expected} "
            "parameters. Count both bias vectors, each gate, and the inputs of layers above the first.")


def check_param_shapes(param_shapes):
    for case in RNN_CASES:
        kwargs = {k: v for k, v in case.items() if k != "cell"}
        module = RECURRENT[case.get("cell", "rnn")](**kwargs)
        expected = {name: tuple(p.shape) for name, p in module.named_parameters()}
        got = call(param_shapes, **case)
        assert isinstance(got, dict), f"param_shapes({shown(**case)}) returned a {type(got).__name__}, not a dict"
        missing, extra = sorted(set(expected) - set(got)), sorted(set(got) - set(expected))
        assert not missing and not extra, (
            f"param_shapes({shown(**case)}): names missing {missing}, unexpected {extra}; "
            f"PyTorch names them {sorted(expected)}")
        for name, shape in expected.items():
            assert tuple(got[name]) == shape, (
                f"param_shapes({shown(**case)})[{name!r}] is {got[name]!r}; PyTorch's is {shape}")


class TextbookRNN(nn.Module):
    """The textbook Elman network in PyTorch: one hidden bias, plus the output layer."""

    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.rnn = nn.RNN(input_size, hidden_size, bias=False, batch_first=True)
        self.bh = nn.Parameter(torch.zeros(hidden_size))
        self.out = nn.Linear(hidden_size, output_size)


def check_textbook_rnn_params(textbook_rnn_params):
    for args in [(50, 128, 10), (3, 4, 2), (1, 1, 1)]:
        expected = pytorch_count(TextbookRNN(*args))
        got = call(textbook_rnn_params, *args)
        assert got == expected, (
            f"textbook_rnn_params({shown(*args)}) returned {got!r}; the network Wxh, Whh, Why, bh, by "
            f"has {expected} parameters (a single hidden bias, unlike PyTorch's two)")


def tagger_modules(vocab_size, embed_dim, hidden_size, num_tags, num_layers=1, bidirectional=False,
                   cell="rnn"):
    directions = 2 if bidirectional else 1
    return nn.ModuleList([
        nn.Embedding(vocab_size, embed_dim),
        RECURRENT[cell](embed_dim, hidden_size, num_layers, bidirectional=bidirectional),
        nn.Linear(hidden_size * directions, num_tags),
    ])


def check_tagger_params(tagger_params):
    for case in [dict(vocab_size=1000, embed_dim=64, hidden_size=128, num_tags=17),
                 dict(vocab_size=50, embed_dim=8, hidden_size=16, num_tags=5, bidirectional=True),
                 dict(vocab_size=30, embed_dim=4, hidden_size=6, num_tags=3, num_layers=2, cell="lstm")]:
        expected = pytorch_count(tagger_modules(**case))
        got = call(tagger_params, **case)
        assert got == expected, (
            f"tagger_params({shown(**case)}) returned {got!r}; Embedding + recurrent layer + Linear "
            f"hold {expected} parameters in PyTorch")


# ---- what `pytest` runs: the same checks on the notebook's own code ----

@pytest.fixture(scope="module")
def notebook():
    from nbloader import load_notebook

    return load_notebook(Path(__file__).with_name("param_count.ipynb"))


@pytest.mark.parametrize("name", ["rnn_params", "param_shapes", "textbook_rnn_params", "tagger_params"])
def test_public_checks(notebook, name):
    from nbloader import function

    globals()[f"check_{name}"](function(notebook, name))


# A failing check says so in short lines (nbgrader validate cuts long ones). nbloader.py ships
# beside this file; only the instructor's own folder lacks it, and there messages stay as written.
try:
    from nbloader import readable_checks  # noqa: E402
except ImportError:
    pass
else:
    readable_checks(globals())
