"""Real mistakes in counting parameters, and correct counts written other ways."""
from autograder.mutants.catalog import Catalog

catalog = Catalog("param_count")


# ---- mutants: each one mistake students really make ----

@catalog.mutant("rnn_params", says="each gate block has two bias vectors in PyTorch (`b_ih` and `b_hh`); "
                                   "this counts only one.")
def one_bias(input_size, hidden_size, num_layers=1, bidirectional=False, bias=True, cell="rnn"):
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    num_directions = 2 if bidirectional else 1
    total = 0
    for layer in range(num_layers):
        layer_input = input_size if layer == 0 else hidden_size * num_directions
        b = gates * hidden_size if bias else 0
        total += num_directions * (gates * hidden_size * (layer_input + hidden_size) + b)
    return total


@catalog.mutant("rnn_params", says="layers above the first read both directions' outputs, "
                                   "`hidden_size * num_directions` wide; this uses `hidden_size`.")
def upper_layers_ignore_directions(input_size, hidden_size, num_layers=1, bidirectional=False, bias=True,
                                   cell="rnn"):
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    num_directions = 2 if bidirectional else 1
    total = 0
    for layer in range(num_layers):
        layer_input = input_size if layer == 0 else hidden_size
        b = 2 * gates * hidden_size if bias else 0
        total += num_directions * (gates * hidden_size * (layer_input + hidden_size) + b)
    return total


@catalog.mutant("rnn_params", says="a bidirectional layer has a second, `_reverse` set of parameters; "
                                   "this counts one direction only.")
def no_reverse_parameters(input_size, hidden_size, num_layers=1, bidirectional=False, bias=True, cell="rnn"):
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    num_directions = 2 if bidirectional else 1
    total = 0
    for layer in range(num_layers):
        layer_input = input_size if layer == 0 else hidden_size * num_directions
        b = 2 * gates * hidden_size if bias else 0
        total += gates * hidden_size * (layer_input + hidden_size) + b
    return total


@catalog.mutant("rnn_params", says="an LSTM has four gates (input, forget, cell, output); this uses three.")
def lstm_three_gates(input_size, hidden_size, num_layers=1, bidirectional=False, bias=True, cell="rnn"):
    gates = {"rnn": 1, "lstm": 3, "gru": 3}[cell]
    num_directions = 2 if bidirectional else 1
    total = 0
    for layer in range(num_layers):
        layer_input = input_size if layer == 0 else hidden_size * num_directions
        b = 2 * gates * hidden_size if bias else 0
        total += num_directions * (gates * hidden_size * (layer_input + hidden_size) + b)
    return total


@catalog.mutant("rnn_params", says="the layer loop is off by one: the first layer reads `input_size`, "
                                   "but this treats every layer as an upper layer.")
def layers_off_by_one(input_size, hidden_size, num_layers=1, bidirectional=False, bias=True, cell="rnn"):
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    num_directions = 2 if bidirectional else 1
    total = 0
    for layer in range(1, num_layers + 1):
        layer_input = input_size if layer == 0 else hidden_size * num_directions
        b = 2 * gates * hidden_size if bias else 0
        total += num_directions * (gates * hidden_size * (layer_input + hidden_size) + b)
    return total


@catalog.mutant("rnn_params", says="with `bias=False` there are no bias vectors; this still counts them.")
def bias_flag_ignored(input_size, hidden_size, num_layers=1, bidirectional=False, bias=True, cell="rnn"):
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    num_directions = 2 if bidirectional else 1
    total = 0
    for layer in range(num_layers):
        layer_input = input_size if layer == 0 else hidden_size * num_directions
        total += num_directions * gates * hidden_size * (layer_input + hidden_size + 2)
    return total


@catalog.mutant("param_shapes", says="PyTorch stores `weight_ih` as (gates * hidden_size, input_size), "
                                     "out-features first; these shapes are transposed.")
def shapes_transposed(input_size, hidden_size, num_layers=1, bidirectional=False, bias=True, cell="rnn"):
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    num_directions = 2 if bidirectional else 1
    shapes = {}
    for layer in range(num_layers):
        layer_input = input_size if layer == 0 else hidden_size * num_directions
        for direction in range(num_directions):
            suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
            shapes[f"weight_ih{suffix}"] = (layer_input, gates * hidden_size)
            shapes[f"weight_hh{suffix}"] = (hidden_size, gates * hidden_size)
            if bias:
                shapes[f"bias_ih{suffix}"] = (gates * hidden_size,)
                shapes[f"bias_hh{suffix}"] = (gates * hidden_size,)
    return shapes


@catalog.mutant("param_shapes", says="the backward direction's parameters are named with a `_reverse` "
                                     "suffix; without it they overwrite the forward ones.")
def shapes_without_reverse_suffix(input_size, hidden_size, num_layers=1, bidirectional=False, bias=True,
                                  cell="rnn"):
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    num_directions = 2 if bidirectional else 1
    shapes = {}
    for layer in range(num_layers):
        layer_input = input_size if layer == 0 else hidden_size * num_directions
        for _direction in range(num_directions):
            suffix = f"_l{layer}"
            shapes[f"weight_ih{suffix}"] = (gates * hidden_size, layer_input)
            shapes[f"weight_hh{suffix}"] = (gates * hidden_size, hidden_size)
            if bias:
                shapes[f"bias_ih{suffix}"] = (gates * hidden_size,)
                shapes[f"bias_hh{suffix}"] = (gates * hidden_size,)
    return shapes


@catalog.mutant("textbook_rnn_params", says="the textbook network has a single hidden bias `bh`; "
                                            "two biases is PyTorch's convention, not the textbook's.")
def textbook_two_biases(input_size, hidden_size, output_size):
    return input_size * hidden_size + hidden_size * hidden_size + hidden_size * output_size \
        + 2 * hidden_size + output_size


@catalog.mutant("tagger_params", says="a bidirectional layer outputs both directions side by side, so the "
                                      "Linear layer takes `hidden_size * num_directions` inputs.")
def linear_ignores_directions(vocab_size, embed_dim, hidden_size, num_tags, num_layers=1,
                              bidirectional=False, cell="rnn"):
    embedding = vocab_size * embed_dim
    recurrent = rnn_params(embed_dim, hidden_size, num_layers, bidirectional, True, cell)  # noqa: F821
    linear = hidden_size * num_tags + num_tags
    return embedding + recurrent + linear


@catalog.mutant("tagger_params", says="the recurrent layer's cell type (`cell`) must be passed on to "
                                      "`rnn_params`; this always counts a plain RNN.")
def tagger_forgets_cell(vocab_size, embed_dim, hidden_size, num_tags, num_layers=1,
                        bidirectional=False, cell="rnn"):
    num_directions = 2 if bidirectional else 1
    embedding = vocab_size * embed_dim
    recurrent = rnn_params(embed_dim, hidden_size, num_layers, bidirectional)  # noqa: F821
    linear = hidden_size * num_directions * num_tags + num_tags
    return embedding + recurrent + linear


# ---- alternatives: correct, and written differently from the reference ----

@catalog.alternative("sum_of_shapes", replaces="rnn_params")
def rnn_params_from_shapes(input_size, hidden_size, num_layers=1, bidirectional=False, bias=True, cell="rnn"):
    import math

    # Self-contained: param_shapes comes later in the notebook, and a cell may only use what
    # earlier cells defined (nbgrader runs the notebook top to bottom).
    rows = {"rnn": 1, "lstm": 4, "gru": 3}[cell] * hidden_size
    directions = 2 if bidirectional else 1
    shapes = []
    for layer in range(num_layers):
        width = input_size if layer == 0 else directions * hidden_size
        shapes += directions * [(rows, width), (rows, hidden_size)] + directions * bias * [(rows,), (rows,)]
    return sum(math.prod(shape) for shape in shapes)


@catalog.alternative("sum_of_shapes", replaces="tagger_params")
def tagger_params_by_parts(vocab_size, embed_dim, hidden_size, num_tags, num_layers=1,
                           bidirectional=False, cell="rnn"):
    width = hidden_size * (1 + bidirectional)
    return (vocab_size * embed_dim + (width + 1) * num_tags
            + rnn_params(embed_dim, hidden_size, num_layers=num_layers,  # noqa: F821
                         bidirectional=bidirectional, cell=cell))


@catalog.alternative("closed_form", replaces="rnn_params")
def rnn_params_closed_form(input_size, hidden_size, num_layers=1, bidirectional=False, bias=True,
                           cell="rnn"):
    G = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    d = 2 if bidirectional else 1
    H = hidden_size
    first = G * H * (input_size + H + 2 * bias)
    upper = G * H * (d * H + H + 2 * bias)
    return d * (first + (num_layers - 1) * upper)


@catalog.alternative("closed_form", replaces="param_shapes")
def param_shapes_comprehension(input_size, hidden_size, num_layers=1, bidirectional=False, bias=True,
                               cell="rnn"):
    G = {"rnn": 1, "lstm": 4, "gru": 3}[cell] * hidden_size
    d = 2 if bidirectional else 1
    names = []
    for layer in range(num_layers):
        width = input_size if layer == 0 else d * hidden_size
        for suffix in [""] + ["_reverse"] * (d - 1):
            names += [(f"weight_ih_l{layer}{suffix}", (G, width)), (f"weight_hh_l{layer}{suffix}", (G, hidden_size))]
            names += [(f"bias_{kind}_l{layer}{suffix}", (G,)) for kind in ("ih", "hh") if bias]
    return dict(names)


@catalog.alternative("closed_form", replaces="textbook_rnn_params")
def textbook_by_matrices(input_size, hidden_size, output_size):
    matrices = [(input_size, hidden_size), (hidden_size, hidden_size), (hidden_size, output_size)]
    return sum(rows * cols for rows, cols in matrices) + hidden_size + output_size


@catalog.alternative("ask_pytorch", replaces="rnn_params")
def rnn_params_by_building_the_module(input_size, hidden_size, num_layers=1, bidirectional=False, bias=True,
                                      cell="rnn"):
    import torch.nn as nn

    module = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell](
        input_size, hidden_size, num_layers, bias=bias, bidirectional=bidirectional)
    return sum(p.numel() for p in module.parameters())
