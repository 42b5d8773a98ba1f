"""The clipping reference agrees with torch.nn.utils and autograd, bit for bit where it can."""
import math
import random

import numpy as np
import pytest
import torch
import torch.nn as nn

from solutions import clipping


def parameter_sets(seed, count=60):
    """Random parameter sets: 1-5 tensors, some without .grad, float32 and float64."""
    rng = random.Random(seed)
    generator = torch.Generator().manual_seed(seed)
    for index in range(count):
        dtype = torch.float64 if index % 2 else torch.float32
        shapes = [tuple(rng.randint(1, 4) for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(1, 5))]
        grads = [None if rng.random() < 0.3 else 10 ** rng.uniform(-3, 2) * torch.randn(s, generator=generator,
                                                                                        dtype=dtype)
                 for s in shapes]
        yield [torch.randn(s, dtype=dtype) for s in shapes], grads


def twins(values, grads):
    """Two identical lists of parameters: one for torch, one for the reference."""
    def build():
        params = [nn.Parameter(v.clone()) for v in values]
        for p, g in zip(params, grads):
            p.grad = None if g is None else g.clone()
        return params
    return build(), build()


def assert_same_grads(ours, theirs):
    for p, q in zip(ours, theirs):
        assert (p.grad is None) == (q.grad is None)
        if p.grad is not None:
            torch.testing.assert_close(p.grad, q.grad, rtol=0, atol=0, equal_nan=True)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
def test_clip_grad_norm_equals_torch_on_random_parameter_sets(norm_type):
    rng = random.Random(1)
    for values, grads in parameter_sets(int(norm_type) if norm_type != math.inf else 99):
        max_norm = 10 ** rng.uniform(-2, 2)
        ours, theirs = twins(values, grads)
        got = clipping.clip_grad_norm(ours, max_norm, norm_type)
        expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
        torch.testing.assert_close(got, expected, rtol=0, atol=0)
        assert_same_grads(ours, theirs)


def test_clip_grad_norm_accepts_a_generator_and_a_single_tensor():
    model = nn.Linear(4, 3)
    model(torch.randn(5, 4)).sum().backward()
    twin = nn.Linear(4, 3)
    twin.load_state_dict(model.state_dict())
    for p, q in zip(model.parameters(), twin.parameters()):
        q.grad = p.grad.clone()
    assert torch.equal(clipping.clip_grad_norm(model.parameters(), 0.1),
                       torch.nn.utils.clip_grad_norm_(twin.parameters(), 0.1))
    assert_same_grads(list(model.parameters()), list(twin.parameters()))
    single, other = nn.Parameter(torch.ones(3)), nn.Parameter(torch.ones(3))
    single.grad, other.grad = torch.full((3,), 5.0), torch.full((3,), 5.0)
    assert torch.equal(clipping.clip_grad_norm(single, 1.0), torch.nn.utils.clip_grad_norm_(other, 1.0))
    assert torch.equal(single.grad, other.grad)


def test_clip_grad_norm_without_any_gradient_returns_zero_like_torch():
    ours, theirs = twins([torch.ones(2), torch.ones(3)], [None, None])
    assert torch.equal(clipping.clip_grad_norm(ours, 1.0), torch.nn.utils.clip_grad_norm_(theirs, 1.0))


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
@pytest.mark.parametrize("norm_type", [2.0, math.inf])
def test_clip_grad_norm_non_finite_like_torch(bad, norm_type):
    values = [torch.zeros(3, dtype=torch.float64), torch.zeros(2, dtype=torch.float64)]
    grads = [torch.tensor([1.0, 2.0, bad], dtype=torch.float64), torch.tensor([0.5, -3.0], dtype=torch.float64)]
    ours, theirs = twins(values, grads)
    with pytest.raises(RuntimeError):
        torch.nn.utils.clip_grad_norm_(theirs, 1.0, norm_type, error_if_nonfinite=True)
    with pytest.raises(RuntimeError):
        clipping.clip_grad_norm(ours, 1.0, norm_type, error_if_nonfinite=True)
    ours, theirs = twins(values, grads)
    torch.testing.assert_close(clipping.clip_grad_norm(ours, 1.0, norm_type),
                               torch.nn.utils.clip_grad_norm_(theirs, 1.0, norm_type), equal_nan=True)
    assert_same_grads(ours, theirs)


def test_clip_grad_value_equals_torch():
    rng = random.Random(2)
    for values, grads in parameter_sets(5, count=30):
        clip_value = 10 ** rng.uniform(-2, 1)
        ours, theirs = twins(values, grads)
        assert clipping.clip_grad_value(ours, clip_value) is None
        if any(g is not None for g in grads):  # torch 2.13's clip_grad_value_ crashes on no gradients
            torch.nn.utils.clip_grad_value_(theirs, clip_value)
        assert_same_grads(ours, theirs)


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(3, 5, batch_first=True)
        self.out = nn.Linear(5, 1)

    def forward(self, x):
        return self.out(self.rnn(x)[0][:, -1])


@pytest.mark.parametrize("max_norm", [0.01, 0.3, 1e9])
def test_train_step_equals_zero_forward_backward_clip_step(max_norm):
    torch.manual_seed(0)
    ours, theirs = Regressor(), Regressor()
    theirs.load_state_dict(ours.state_dict())
    x, y = torch.randn(8, 6, 3), 5 * torch.randn(8, 1)
    opt_ours = torch.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    opt_theirs = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    for _ in range(4):
        loss, norm = clipping.train_step(ours, nn.MSELoss(), x, y, opt_ours, max_norm)
        opt_theirs.zero_grad()
        expected_loss = nn.MSELoss()(theirs(x), y)
        expected_loss.backward()
        expected_norm = torch.nn.utils.clip_grad_norm_(theirs.parameters(), max_norm)
        opt_theirs.step()
        assert type(loss) is float and type(norm) is float
        assert loss == expected_loss.item() and norm == expected_norm.item()
    for p, q in zip(ours.parameters(), theirs.parameters()):
        assert torch.equal(p, q)


@pytest.mark.parametrize("scale", [0.3, 1.0, 3.0])
def test_gradient_through_time_equals_autograd_step_by_step(scale):
    # Independent of the reference's one-pass autograd.grad: one Jacobian-vector product per step.
    torch.manual_seed(1)
    rnn = nn.RNN(4, 6, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_hh_l0.mul_(scale)
    x = torch.randn(3, 9, 4, dtype=torch.float64)
    got = clipping.gradient_through_time(rnn, x)
    expected = []
    for t in range(x.shape[1]):
        def last_output(x_t, t=t):
            xs = x.clone()
            xs[:, t] = x_t
            return rnn(xs)[0][:, -1].sum()
        (grad,) = torch.autograd.functional.jacobian(last_output, x[:, t].clone()),
        expected.append(grad.norm().item())
    assert isinstance(got, np.ndarray) and got.shape == (9,)
    np.testing.assert_allclose(got, expected, rtol=1e-10)
    assert all(p.grad is None for p in rnn.parameters()), "the RNN's own gradients must be left alone"


def test_gradient_through_time_does_not_touch_x():
    rnn, x = nn.RNN(2, 3, batch_first=True), torch.randn(2, 4, 2)
    before = x.clone()
    clipping.gradient_through_time(rnn, x)
    assert torch.equal(x, before) and not x.requires_grad and x.grad is None


def test_simulate_gradient_flow_is_the_power_law_oldest_first():
    for w_norm, seq_len, d in [(2.0, 10, 0.4), (3.0, 10, 0.4), (1.7, 1, 0.3), (0.9, 25, 1.0)]:
        got = clipping.simulate_gradient_flow(w_norm, seq_len, d)
        expected = [math.pow(w_norm * d, seq_len - 1 - i) for i in range(seq_len)]
        np.testing.assert_allclose(got, expected, rtol=1e-13)
        assert got[-1] == 1.0
    # The threshold of the two regimes: w * d == 1 keeps every entry at 1.
    assert np.all(clipping.simulate_gradient_flow(2.5, 7) == 1.0)
    assert clipping.simulate_gradient_flow(2.0, 10, 0.4)[0] < 0.14 < 5 < clipping.simulate_gradient_flow(3.0, 10)[0]
