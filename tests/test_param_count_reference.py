"""The param_count reference agrees with PyTorch, not with the seed documents' figures."""
import itertools

import pytest
import torch.nn as nn

from solutions import param_count as ref

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
GRID = list(itertools.product(CELLS, [1, 3], [1, 2, 4], [False, True], [False, True]))


def build(cell, input_size, hidden_size, num_layers, bidirectional, bias):
    return CELLS[cell](input_size, hidden_size, num_layers, bias=bias, bidirectional=bidirectional)


@pytest.mark.parametrize("cell, input_size, num_layers, bidirectional, bias", GRID)
def test_rnn_params_and_shapes_equal_pytorch(cell, input_size, num_layers, bidirectional, bias):
    module = build(cell, input_size, 5, num_layers, bidirectional, bias)
    args = (input_size, 5, num_layers, bidirectional, bias, cell)
    assert ref.rnn_params(*args) == sum(p.numel() for p in module.parameters())
    assert ref.param_shapes(*args) == {n: tuple(p.shape) for n, p in module.named_parameters()}


def test_the_seed_documents_figures_are_wrong_and_pytorch_is_right():
    assert ref.rnn_params(10, 20, num_layers=2) == sum(p.numel() for p in nn.RNN(10, 20, 2).parameters()) == 1480
    assert ref.rnn_params(100, 128) == sum(p.numel() for p in nn.RNN(100, 128).parameters()) == 29440


def test_textbook_network_has_one_hidden_bias():
    # Wxh, Whh, Why, bh, by for 50 -> 128 -> 10, as the contract states.
    assert ref.textbook_rnn_params(50, 128, 10) == 50 * 128 + 128 * 128 + 128 * 10 + 128 + 10 == 24202


@pytest.mark.parametrize("cell, bidirectional", list(itertools.product(CELLS, [False, True])))
def test_tagger_params_equal_the_pytorch_modules(cell, bidirectional):
    parts = [nn.Embedding(100, 8), CELLS[cell](8, 6, 2, bidirectional=bidirectional),
             nn.Linear(6 * (1 + bidirectional), 17)]
    expected = sum(p.numel() for part in parts for p in part.parameters())
    assert ref.tagger_params(100, 8, 6, 17, 2, bidirectional, cell) == expected
