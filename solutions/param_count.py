"""Assignment 1, param_count: how many parameters does a recurrent network hold?"""


def rnn_params(input_size, hidden_size, num_layers=1, bidirectional=False, bias=True, cell="rnn"):
    """Number of parameters of nn.RNN / nn.LSTM / nn.GRU built with these arguments."""
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    num_directions = 2 if bidirectional else 1
    total = 0
    for layer in range(num_layers):
        # Layers above the first read the concatenated outputs of both directions.
        layer_input = input_size if layer == 0 else hidden_size * num_directions
        W_ih = gates * hidden_size * layer_input
        W_hh = gates * hidden_size * hidden_size
        # PyTorch keeps two bias vectors, b_ih and b_hh, where the maths needs one.
        b = 2 * gates * hidden_size if bias else 0
        total += num_directions * (W_ih + W_hh + b)
    return total


def param_shapes(input_size, hidden_size, num_layers=1, bidirectional=False, bias=True, cell="rnn"):
    """{name: shape} exactly as module.named_parameters() reports them."""
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    num_directions = 2 if bidirectional else 1
    shapes = {}
    for layer in range(num_layers):
        layer_input = input_size if layer == 0 else hidden_size * num_directions
        for direction in range(num_directions):
            suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
            shapes[f"weight_ih{suffix}"] = (gates * hidden_size, layer_input)
            shapes[f"weight_hh{suffix}"] = (gates * hidden_size, hidden_size)
            if bias:
                shapes[f"bias_ih{suffix}"] = (gates * hidden_size,)
                shapes[f"bias_hh{suffix}"] = (gates * hidden_size,)
    return shapes


def textbook_rnn_params(input_size, hidden_size, output_size):
    """The Elman network of the textbooks: Wxh, Whh, Why, bh, by (a single hidden bias)."""
    Wxh = input_size * hidden_size
    Whh = hidden_size * hidden_size
    Why = hidden_size * output_size
    bh, by = hidden_size, output_size
    return Wxh + Whh + Why + bh + by


def tagger_params(vocab_size, embed_dim, hidden_size, num_tags, num_layers=1,
                  bidirectional=False, cell="rnn"):
    """nn.Embedding + recurrent layer + nn.Linear(hidden_size * num_directions, num_tags)."""
    num_directions = 2 if bidirectional else 1
    embedding = vocab_size * embed_dim
    recurrent = rnn_params(embed_dim, hidden_size, num_layers, bidirectional, True, cell)
    linear = hidden_size * num_directions * num_tags + num_tags
    return embedding + recurrent + linear
