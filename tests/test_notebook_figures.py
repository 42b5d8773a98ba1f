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
