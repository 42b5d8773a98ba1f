"""Public checks for clipping.

Run `pytest` in this folder: it loads your notebook's code and runs these checks, the
same ones as the notebook's test cells. Every expected value comes from PyTorch itself
(torch.nn.utils.clip_grad_norm_, clip_grad_value_, autograd), computed live. The checks call
your functions through the notebook's helpers (clip_and_report, ...), which build
parameters with gradients from plain tensors. Hidden tests try many more cases.
"""
import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn as nn


def call(function, *args, what=None, **kwargs):
    """Call the student's code; a stub gets a message, not a bare NotImplementedError."""
    try:
        return function(*args, **kwargs)
    except NotImplementedError:
        raise AssertionError(f"{what or function.__name__} is not implemented yet: replace "
                             "`raise NotImplementedError()` with your code") from None


def close(got, expected, rtol):
    got, expected = torch.as_tensor(got, dtype=torch.float64), torch.as_tensor(expected, dtype=torch.float64)
    return got.shape == expected.shape and torch.allclose(got, expected, rtol=rtol, atol=0, equal_nan=True)


def gradient_set(seed, shapes, none_at=(), scale=1.0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    values = [torch.randn(s, generator=g, dtype=dtype) for s in shapes]
    grads = [None if i in none_at else scale * torch.randn(s, generator=g, dtype=dtype)
             for i, s in enumerate(shapes)]
    return values, grads


def with_grads(values, grads):
    params = [nn.Parameter(v.clone()) for v in values]
    for p, grad in zip(params, grads):
        p.grad = None if grad is None else grad.clone()
    return params


NORM_CASES = [
    # (values, grads, max_norm, norm_type): the worked example, then random sets
    ([torch.zeros(2), torch.zeros(1)], [torch.tensor([3.0, 4.0]), torch.tensor([12.0])], 5.0, 2.0),
    ([torch.zeros(2), torch.zeros(1)], [torch.tensor([3.0, 4.0]), torch.tensor([12.0])], 5.0, math.inf),
    (*gradient_set(1, [(3, 4), (5,), (2, 2, 2)]), 1.0, 2.0),
    (*gradient_set(2, [(3, 4), (5,), (2, 2, 2)], none_at=(1,)), 1.0, 2.0),
    (*gradient_set(3, [(6,), (4, 3)], scale=0.01), 1.0, 2.0),
    (*gradient_set(4, [(6,), (4, 3)]), 0.5, 1.0),
    (*gradient_set(5, [(6,), (4, 3), (7,)]), 0.5, math.inf),
    (*gradient_set(6, [(6,), (4, 3)], none_at=(0, 1)), 0.5, 2.0),
    (*gradient_set(7, [(8, 8)], dtype=torch.float32), 2.0, 2.0),
]


def check_clip_grad_norm(clip_and_report):
    for index, (values, grads, max_norm, norm_type) in enumerate(NORM_CASES):
        params = with_grads(values, grads)
        expected_norm = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type)
        norm, got_grads = call(clip_and_report, values, grads, max_norm, norm_type, what="clip_grad_norm")
        shown = (f"clip_grad_norm(case {index}: gradients of shapes "
                 f"{[None if g is None else tuple(g.shape) for g in grads]}, max_norm={max_norm}, "
                 f"norm_type={norm_type})")
        assert isinstance(norm, torch.Tensor), f"{shown} returned a {type(norm).__name__}; return a tensor"
        rtol = 1e-5 if values[0].dtype == torch.float32 else 1e-9
        assert close(norm, expected_norm, rtol), (
            f"{shown} returned {float(norm)!r}; PyTorch's total norm before clipping is "
            f"{float(expected_norm)!r}. Is it the norm of ALL gradients together, before clipping?")
        for k, (p, got) in enumerate(zip(params, got_grads)):
            if p.grad is None:
                assert got is None, f"{shown}: parameter {k} had no gradient and must keep none"
                continue
            assert close(got, p.grad, rtol), (
                f"{shown}: the gradient of parameter {k} is {got.flatten()[:4].tolist()}... after clipping; "
                f"PyTorch gives {p.grad.flatten()[:4].tolist()}... (one common factor "
                "min(1, max_norm / (total + 1e-6)) for every gradient)")
    values, grads = gradient_set(8, [(3,), (2, 2)])
    grads[1][0, 0] = float("nan")
    try:
        call(clip_and_report, values, grads, 1.0, 2.0, True, what="clip_grad_norm")
    except RuntimeError:
        pass
    else:
        raise AssertionError("clip_grad_norm(..., error_if_nonfinite=True) with a nan gradient must raise "
                             "RuntimeError, as torch.nn.utils.clip_grad_norm_ does")
    grads[1][0, 0] = float("inf")
    params = with_grads(values, grads)
    expected_norm = torch.nn.utils.clip_grad_norm_(params, 1.0)
    norm, got_grads = call(clip_and_report, values, grads, 1.0, what="clip_grad_norm")
    assert close(norm, expected_norm, 1e-9) and all(close(g, p.grad, 1e-9) for g, p in zip(got_grads, params)), (
        f"clip_grad_norm with an infinite gradient and error_if_nonfinite=False returned {float(norm)}; "
        f"PyTorch returns {float(expected_norm)} and scales by the resulting factor anyway")


def check_clip_grad_value(clip_value_and_report):
    for seed, clip_value, none_at in [(10, 0.5, ()), (11, 1.0, (0,)), (12, 100.0, ())]:
        values, grads = gradient_set(seed, [(4, 3), (5,)], none_at=none_at)
        params = with_grads(values, grads)
        torch.nn.utils.clip_grad_value_(params, clip_value)
        returned, got_grads = call(clip_value_and_report, values, grads, clip_value, what="clip_grad_value")
        assert returned is None, f"clip_grad_value returned {returned!r}; it changes .grad in place and returns None"
        for k, (p, got) in enumerate(zip(params, got_grads)):
            if p.grad is None:
                assert got is None, f"clip_grad_value: parameter {k} had no gradient and must keep none"
            else:
                assert close(got, p.grad, 1e-12), (
                    f"clip_grad_value(clip_value={clip_value}): parameter {k}'s gradient is "
                    f"{got.flatten()[:4].tolist()}...; PyTorch gives {p.grad.flatten()[:4].tolist()}... "
                    "(every entry clamped into [-clip_value, clip_value])")


class LastStateRegressor(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.rnn = nn.RNN(input_size, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, x):
        return self.head(self.rnn(x)[0][:, -1])


def check_train_step(train_and_report):
    g = torch.Generator().manual_seed(20)
    inputs = torch.randn(6, 5, 3, generator=g, dtype=torch.float64)
    targets = 3 * torch.randn(6, 1, generator=g, dtype=torch.float64)
    model = LastStateRegressor(3, 4).double()
    weights = {name: 2 * p.detach().clone() for name, p in model.named_parameters()}
    for max_norm in [0.05, 1e6]:
        model.load_state_dict(weights)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        expected = []
        for _ in range(3):
            optimizer.zero_grad()
            loss = nn.functional.mse_loss(model(inputs), targets)
            loss.backward()
            expected.append((loss.item(), torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm).item()))
            optimizer.step()
        history, after = call(train_and_report, weights, inputs, targets, max_norm, 3, 0.1, what="train_step")
        for step, ((loss, norm), (want_loss, want_norm)) in enumerate(zip(history, expected)):
            # A number will do: a float, or a 0-d tensor such as the norm clip_grad_norm_ returns.
            assert all(isinstance(v, (int, float)) or getattr(v, "ndim", None) == 0 for v in (loss, norm)), (
                f"train_step returned ({type(loss).__name__}, {type(norm).__name__}); return two "
                "numbers: loss.item() and float(norm)")
            loss, norm = float(loss), float(norm)
            assert close(loss, want_loss, 1e-9) and close(norm, want_norm, 1e-9), (
                f"train_step with max_norm={max_norm}, step {step + 1}: returned (loss {loss}, norm {norm}); "
                f"zero, forward, backward, clip, step gives (loss {want_loss}, norm {want_norm} before clipping)")
        for name, p in model.named_parameters():
            assert close(after[name], p.detach(), 1e-9), (
                f"train_step with max_norm={max_norm}: after 3 steps {name} differs from zero, forward, "
                "backward, clip, step in that order; check the order and that gradients are zeroed")


def check_gradient_through_time(gradient_through_time_of):
    for seed, scale, (N, T, D, H) in [(30, 1.0, (3, 7, 4, 5)), (31, 3.0, (2, 12, 3, 6)), (32, 0.3, (1, 1, 2, 3))]:
        g = torch.Generator().manual_seed(seed)
        rnn = nn.RNN(D, H, batch_first=True, dtype=torch.float64)
        weights = {name: scale * torch.randn(p.shape, generator=g, dtype=torch.float64)
                   for name, p in rnn.named_parameters()}
        rnn.load_state_dict(weights)
        x = torch.randn(N, T, D, generator=g, dtype=torch.float64)
        leaf = x.clone().requires_grad_(True)
        rnn(leaf)[0][:, -1].sum().backward()
        expected = leaf.grad.pow(2).sum(dim=(0, 2)).sqrt()
        got = call(gradient_through_time_of, weights, x.clone(), what="gradient_through_time")
        assert isinstance(got, np.ndarray), f"gradient_through_time returned a {type(got).__name__}; return a numpy array"
        assert got.shape == (T,), f"gradient_through_time returned shape {got.shape} for T={T}; expected ({T},)"
        assert close(got, expected, 1e-8), (
            f"gradient_through_time (N={N}, T={T}, D={D}, H={H}) returned {np.round(got, 6).tolist()}; "
            f"autograd gives {np.round(expected.numpy(), 6).tolist()} (entry t: the 2-norm of the whole "
            "gradient tensor d output[:, -1].sum() / d x[:, t], over all N samples and D features together, "
            "not per sample; oldest step first)")


def check_simulate_gradient_flow(simulate_gradient_flow):
    for w_norm, seq_len, kwargs in [(2.0, 10, {}), (3.0, 10, {}), (1.0, 5, {"tanh_derivative": 1.0}),
                                    (0.5, 1, {}), (4.0, 30, {"tanh_derivative": 0.1})]:
        factor = w_norm * kwargs.get("tanh_derivative", 0.4)
        expected = np.array([factor ** (seq_len - 1 - i) for i in range(seq_len)])
        got = call(simulate_gradient_flow, w_norm, seq_len, **kwargs)
        assert isinstance(got, np.ndarray) and got.shape == (seq_len,), (
            f"simulate_gradient_flow({w_norm}, {seq_len}) returned {got!r}; expected a numpy array of length {seq_len}")
        assert close(got, expected, 1e-12), (
            f"simulate_gradient_flow({w_norm}, {seq_len}, {kwargs}) returned {np.round(got, 6).tolist()}; "
            f"expected {np.round(expected, 6).tolist()}: entry i is (w_norm * tanh_derivative) ** (seq_len - 1 - i)")


# ---- what `pytest` runs: the same checks on the notebook's own code ----

@pytest.fixture(scope="module")
def notebook():
    from nbloader import load_notebook

    return load_notebook(Path(__file__).with_name("clipping.ipynb"))


@pytest.mark.parametrize("check, helper", [
    (check_clip_grad_norm, "clip_and_report"), (check_clip_grad_value, "clip_value_and_report"),
    (check_train_step, "train_and_report"), (check_gradient_through_time, "gradient_through_time_of"),
    (check_simulate_gradient_flow, "simulate_gradient_flow")])
def test_public_checks(notebook, check, helper):
    from nbloader import function

    check(function(notebook, helper))


# A failing check says so in short lines (nbgrader validate cuts long ones). nbloader.py ships
# beside this file; only the instructor's own folder lacks it, and there messages stay as written.
try:
    from nbloader import readable_checks  # noqa: E402
except ImportError:
    pass
else:
    readable_checks(globals())
