"""Every figure a notebook's text quotes is what its own code computes: the kit recomputes them
here (with the reference solution and PyTorch itself) and finds them in the text."""
import contextlib
import io
import json
import math
import re

import matplotlib
import numpy as np
import torch
import torch.nn as nn

from autograder.course import KIT_ROOT


def notebook(name):
    return json.loads((KIT_ROOT / "assignments" / name / f"{name}.ipynb").read_text(encoding="utf-8"))


def text_of(name, grade_id):
    """The markdown of one cell, its lines joined by single spaces."""
    for cell in notebook(name)["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return " ".join("".join(cell["source"]).split())
    raise LookupError(f"{name} has no cell {grade_id}")


def assert_quoted(text, *phrases):
    for phrase in phrases:
        assert phrase in text, f"the notebook should say {phrase!r}; it says:\n{text}"


def clipped(grads, max_norm, norm_type=2.0):
    parameters = [nn.Parameter(torch.zeros(len(g), dtype=torch.float64)) for g in grads]
    for p, g in zip(parameters, grads):
        p.grad = torch.tensor(g, dtype=torch.float64)
    total = torch.nn.utils.clip_grad_norm_(parameters, max_norm, norm_type)
    return float(total), [[round(v, 4) for v in p.grad.tolist()] for p in parameters]


def test_clipping_worked_examples_are_pytorch_s():
    total, grads = clipped([[3.0, 4.0], [12.0]], 5.0)
    total_inf, grads_inf = clipped([[3.0, 4.0], [12.0]], 5.0, math.inf)
    assert_quoted(text_of("clipping", "norm_clipping"), f"= {total:g}$", f"${grads[0]}$ and ${grads[1]}$",
                  f"returns {total:g}", f"the norm is {total_inf:g}", f"${grads_inf[0]}$ and ${grads_inf[1]}$")
    by_value = torch.tensor([3.0, 4.0]).clamp(-2, 2).tolist()
    _, by_norm = clipped([[3.0, 4.0]], 2.0)
    assert_quoted(text_of("clipping", "value_clipping"), f"becomes ${[round(v) for v in by_value]}$",
                  f"would give ${by_norm[0]}$")


def test_clipping_power_law_figures():
    from solutions.clipping import simulate_gradient_flow

    assert_quoted(text_of("clipping", "simulate"),
                  f"$0.8^9 \\approx {simulate_gradient_flow(2, 10)[0]:.3f}$",
                  f"$1.2^9 \\approx {simulate_gradient_flow(3, 10)[0]:.2f}$",
                  f"$0.8^{{49}} \\approx {simulate_gradient_flow(2, 50)[0] * 1e5:.1f} \\cdot 10^{{-5}}$",
                  f"$1.2^{{49}} \\approx {simulate_gradient_flow(3, 50)[0]:,.0f}$".replace(",", "{,}"))


def test_clipping_regimes_are_what_the_plot_cell_measures():
    """Runs the notebook's plot cell (reference solution, no display) and reads what it prints."""
    from solutions import clipping

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    source = next("".join(c["source"]) for c in notebook("clipping")["cells"]
                  if "gradient_through_time(rnn, x)" in "".join(c["source"]) and "semilogy" in "".join(c["source"]))
    names = {"torch": torch, "nn": nn, "np": np, **{k: getattr(clipping, k) for k in
                                                    ("gradient_through_time", "simulate_gradient_flow")}}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), torch.random.fork_rng(devices=[]):
        exec(compile(source, "<clipping plot cell>", "exec"), names)
    plt.close("all")
    lines = re.findall(r"scale ([\d.]+): the gradient changes by x([\d.]+) per step \(([\de.+-]+) at the first "
                       r"step, ([\d.]+) at the last\); mean tanh derivative ([\d.]+)", printed.getvalue())
    measured = {scale: (factor, float(first), float(last), derivative)
                for scale, factor, first, last, derivative in lines}
    assert set(measured) == {"0.5", "1.0", "1.5", "3.0"}, printed.getvalue()
    factor = {scale: values[0] for scale, values in measured.items()}
    text = text_of("clipping", "regimes")
    assert_quoted(text, f"about {factor['0.5']} for scale 0.5, {factor['1.0']} for 1.0, {factor['1.5']} for 1.5 and "
                        f"{factor['3.0']} for 3.0", f"nearly flat ({factor['1.5']} per step)",
                  f"growth per step is {factor['3.0']}, not 3", f"about {measured['0.5'][3]} at scale 0.5",
                  f"drops to about {measured['3.0'][3]},",
                  f"about $10^{{{round(math.log10(measured['0.5'][1]))}}}$ after 60 steps")
    orders = round(math.log10(measured["3.0"][1] / measured["3.0"][2]))
    assert_quoted(text, f"{['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight'][orders]} "
                        "orders of magnitude")


def reference_gap_in_points(seed):
    """The graded training run of pos_tagger, with the reference: accuracy minus the filtering optimum."""
    import random

    import solutions.pos_tagger as reference
    from autograder.hidden import pos_tagger as hidden

    train, test, word2id, tag2id, optimum = hidden.corpus()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the sandbox runs it
    try:
        with torch.random.fork_rng(devices=[]):
            random.seed(seed)  # the notebook's seed_everything
            np.random.seed(seed)
            torch.manual_seed(seed)
            model = reference.RNNTagger(len(word2id), len(tag2id), **hidden.MODEL)
            reference.train_tagger(model, train, word2id, tag2id, **hidden.TRAINING)
            predicted = reference.predict(model, [[w for w, _ in s] for s in test], word2id, tag2id)
    finally:
        torch.set_num_threads(threads)
    right = sum(p == t for tags, s in zip(predicted, test) for p, (_, t) in zip(tags, s))
    return 100 * (right / sum(len(s) for s in test) - optimum)


def test_pos_tagger_quotes_the_measured_distance_to_the_optimum():
    text = " ".join(" ".join("".join(c["source"]).split()) for c in notebook("pos_tagger")["cells"]
                    if c["cell_type"] == "markdown")
    low, high = map(float, re.search(r"lands ([\d.]+) to ([\d.]+) points below it, over seeds 0 to 4", text).groups())
    docs = (KIT_ROOT / "docs" / "pos_tagger.md").read_text(encoding="utf-8")
    row = re.search(r"\| reference \(`nn.RNN`\) \| 0, 1, 2, 3, 4 \| ([-\d., ]+) \|", docs).group(1)
    measured = [float(v) for v in row.split(",")]
    assert (low, high) == (round(-max(measured), 1), round(-min(measured), 1)), (
        f"the notebook quotes {low} to {high} points; docs/pos_tagger.md measured {measured}")
    gap = reference_gap_in_points(0)
    assert abs(gap - measured[0]) < 0.1 and low - 0.05 <= -gap <= high + 0.05, (
        f"the graded run (seed 0) of the reference lands {gap:+.2f} points from the optimum; "
        f"docs/pos_tagger.md says {measured[0]:+.2f}, the notebook {low} to {high} below")


def vector(values):
    """A row as the notebooks print it: (0.0997,\\ 0.1974,\\ 0.2913)."""
    values = values.detach().tolist() if isinstance(values, torch.Tensor) else values
    return "(" + ",\\ ".join(f"{v:.4f}" for v in values) + ")"


def test_forward_worked_example_is_autograd_s():
    Wx = (torch.arange(1, 7, dtype=torch.float64).reshape(2, 3) / 10).requires_grad_(True)
    Wh = (torch.arange(1, 10, dtype=torch.float64).reshape(3, 3) / 10).requires_grad_(True)
    b = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    h0 = torch.zeros(1, 3, dtype=torch.float64, requires_grad=True)
    xs = [torch.tensor([[1.0, 0.0]], dtype=torch.float64, requires_grad=True),
          torch.tensor([[0.0, 1.0]], dtype=torch.float64, requires_grad=True),
          torch.tensor([[1.0, -1.0]], dtype=torch.float64, requires_grad=True)]
    pre, states, h = [], [], h0
    for x in xs:
        a = x @ Wx + h @ Wh + b
        h = torch.tanh(a)
        for value in (a, h):
            value.retain_grad()
        pre.append(a)
        states.append(h)
    states[-1].sum().backward()

    assert_quoted(text_of("forward", "step_forward"), f"$h_1 = \\tanh(a_1) = {vector(states[0][0])}$")
    forward_rows = [f"| {t + 1} | ${vector(xs[t][0])}$ | ${vector(pre[t][0])}$ | ${vector(states[t][0])}$ |"
                    for t in range(3)]
    assert_quoted(text_of("forward", "sequence_forward"), *forward_rows)
    backward_rows = [f"| {t + 1} | ${vector(states[t].grad[0])}$ | ${vector(pre[t].grad[0])}$ | "
                     f"${vector(xs[t].grad[0])}$ |" for t in reversed(range(3))]
    assert_quoted(text_of("forward", "bptt"), *backward_rows, f"= {vector(h0.grad[0])}$, `db`",
                  f"= {vector(b.grad)}$, `dWh`", f"first row is ${vector(Wh.grad[0])}$")


def latex(n):
    """12800 as the notebooks typeset it inside $...$: 12{,}800."""
    return f"{n:,}".replace(",", "{,}")


def test_param_count_figures_are_pytorch_s():
    from solutions.param_count import textbook_rnn_params

    def sizes(rnn, layer=0):
        return [p.numel() for name, p in rnn.named_parameters() if name.endswith(f"_l{layer}")]

    small, big, stacked = nn.RNN(10, 20), nn.RNN(100, 128), nn.RNN(10, 20, num_layers=2)
    ih, hh, b1, b2 = sizes(small)
    assert_quoted(text_of("param_count", "elman"), f"${ih} + {hh} + {b1 + b2} = {ih + hh + b1 + b2}$")
    ih, hh, b1, b2 = sizes(big)
    assert_quoted(text_of("param_count", "elman"),
                  f"${latex(ih)} + {latex(hh)} + {b1 + b2} = {latex(sum(p.numel() for p in big.parameters()))}$")
    assert_quoted(text_of("param_count", "gates_layers"), f"= {sum(sizes(stacked, 1))}$",
                  f"**{sum(p.numel() for p in stacked.parameters()):,}** in all")
    assert_quoted(text_of("param_count", "textbook"), f"= {latex(textbook_rnn_params(50, 128, 10))}$")


def test_memory_figures_are_what_pytorch_and_the_reference_give():
    from solutions.memory import format_bytes, max_seq_len, training_state_bytes

    one = nn.RNN(256, 256, batch_first=True)
    two = nn.RNN(256, 256, num_layers=2, bidirectional=True, batch_first=True)
    with torch.no_grad():
        x = torch.zeros(32, 100, 256)
        (output, h_n), (output2, h_n2) = one(x), two(x)
    nbytes = [t.element_size() * t.numel() for t in (output, h_n, output2, h_n2)]
    assert_quoted(text_of("memory", "bptt"), f"= {latex(output.numel())}$ numbers",
                  f"$= {latex(nbytes[0])}$ bytes in float32")
    assert_quoted(text_of("memory", "outputs"), f"= {latex(nbytes[0])}$ bytes", f"= {latex(nbytes[1])}$ bytes",
                  f"$(32, 100, 512)$: {nbytes[2]:,} bytes", f"$(4, 32, 256)$: {nbytes[3]:,} bytes")
    params = sum(p.numel() for p in nn.RNN(100, 128).parameters())
    state = training_state_bytes(params, "adam")
    assert_quoted(text_of("memory", "training_state"), f"has {params:,} parameters",
                  f"= {latex(state)}$ bytes of training state ({format_bytes(state)})")
    assert_quoted(text_of("memory", "inverse"), f"$T = {latex(max_seq_len(2 ** 30, 32, 256))}$",
                  f"$T = {latex(max_seq_len(2 ** 30, 32, 256, num_layers=2, bidirectional=True))}$",
                  f"gives $T = {latex(max_seq_len(10 ** 9, 32, 256))}$")
    floppy = 1440 * 1024
    assert_quoted(text_of("memory", "units"), f"$3{{,}}276{{,}}800 / 10^6 = {nbytes[0] / 1e6:g}$ MB",
                  f"$3{{,}}276{{,}}800 / 2^{{20}} = {nbytes[0] / 2 ** 20:g}$ MiB",
                  f"really held {floppy:,} bytes ({format_bytes(floppy)[:-4]} MiB, "
                  f"{format_bytes(floppy, binary=False)[:-3]} MB)",
                  f'`format_bytes(3276800)` is `"{format_bytes(3276800)}"`',
                  f'`format_bytes(3276800, binary=False)` is `"{format_bytes(3276800, binary=False)}"`')
