"""The reference of `forward` is proved against PyTorch: autograd for every gradient, nn.RNN for
the forward pass, torch.softmax for the output layer, and centered numerical gradients."""
import numpy as np
import pytest
import torch
import torch.nn as nn

from solutions import forward as ref

SHAPES = [(1, 1, 1, 1), (1, 1, 3, 2), (2, 3, 4, 5), (3, 5, 2, 4), (4, 2, 6, 6)]  # (N, T, D, H)


def params(N, T, D, H, seed):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(scale=0.5, size=(D, H)),
            rng.normal(scale=0.5, size=(H, H)), rng.normal(size=H))


def torch_rnn(x, h0, Wx, Wh, b):
    """The same recurrence written with torch ops, to differentiate with autograd."""
    h, states = h0, []
    for t in range(x.shape[1]):
        h = torch.tanh(x[:, t] @ Wx + h @ Wh + b)
        states.append(h)
    return torch.stack(states, dim=1)


def leaves(*arrays):
    return [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]


def max_rel_error(got, expected):
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    return float(np.max(np.abs(got - expected) / np.maximum(1e-8, np.abs(got) + np.abs(expected))))


def numerical_gradient(f, array, eps=1e-5):
    """Centered differences of the scalar f() with respect to each entry of `array`, in place."""
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        saved = array[index]
        array[index] = saved + eps
        plus = f()
        array[index] = saved - eps
        minus = f()
        array[index] = saved
        grad[index] = (plus - minus) / (2 * eps)
    return grad


@pytest.mark.parametrize("N, T, D, H", SHAPES)
def test_step_forward_and_backward_equal_autograd(N, T, D, H):
    x, h0, Wx, Wh, b = params(N, T, D, H, seed=N * 100 + D)
    dnext_h = np.random.default_rng(1).normal(size=(N, H))
    next_h, cache = ref.rnn_step_forward(x[:, 0], h0, Wx, Wh, b)
    tx, th0, tWx, tWh, tb = leaves(x[:, 0], h0, Wx, Wh, b)
    expected = torch.tanh(tx @ tWx + th0 @ tWh + tb)
    (expected * torch.from_numpy(dnext_h)).sum().backward()
    assert max_rel_error(next_h, expected.detach().numpy()) < 1e-12
    grads = ref.rnn_step_backward(dnext_h, cache)
    for name, got, leaf in zip(["dx", "dprev_h", "dWx", "dWh", "db"], grads, [tx, th0, tWx, tWh, tb]):
        assert got.shape == leaf.shape, f"{name}: shape {got.shape}, expected {tuple(leaf.shape)}"
        assert max_rel_error(got, leaf.grad.numpy()) < 1e-10, f"{name} differs from autograd"


@pytest.mark.parametrize("N, T, D, H", SHAPES)
def test_sequence_forward_and_backward_equal_autograd(N, T, D, H):
    x, h0, Wx, Wh, b = params(N, T, D, H, seed=7 + T)
    dh = np.random.default_rng(2).normal(size=(N, T, H))
    h, cache = ref.rnn_forward(x, h0, Wx, Wh, b)
    tensors = leaves(x, h0, Wx, Wh, b)
    expected = torch_rnn(*tensors)
    (expected * torch.from_numpy(dh)).sum().backward()
    assert max_rel_error(h, expected.detach().numpy()) < 1e-12
    grads = ref.rnn_backward(dh, cache)
    for name, got, leaf in zip(["dx", "dh0", "dWx", "dWh", "db"], grads, tensors):
        assert got.shape == leaf.shape, f"{name}: shape {got.shape}, expected {tuple(leaf.shape)}"
        assert max_rel_error(got, leaf.grad.numpy()) < 1e-10, f"{name} differs from autograd"


def test_backward_equals_centered_numerical_gradient():
    x, h0, Wx, Wh, b = params(2, 4, 3, 5, seed=11)
    dh = np.random.default_rng(3).normal(size=(2, 4, 5))
    _, cache = ref.rnn_forward(x, h0, Wx, Wh, b)
    grads = ref.rnn_backward(dh, cache)

    def loss():
        return float(np.sum(ref.rnn_forward(x, h0, Wx, Wh, b)[0] * dh))

    for name, got, array in zip(["dx", "dh0", "dWx", "dWh", "db"], grads, [x, h0, Wx, Wh, b]):
        assert max_rel_error(got, numerical_gradient(loss, array)) < 1e-7, f"{name} vs numerical gradient"


def test_backward_leaves_its_inputs_alone_and_can_run_twice():
    x, h0, Wx, Wh, b = params(2, 3, 4, 5, seed=5)
    dh = np.random.default_rng(4).normal(size=(2, 3, 5))
    dh_before = dh.copy()
    _, cache = ref.rnn_forward(x, h0, Wx, Wh, b)
    first, second = ref.rnn_backward(dh, cache), ref.rnn_backward(dh, cache)
    assert np.array_equal(dh, dh_before)
    assert all(np.array_equal(a, c) for a, c in zip(first, second))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("D, H", [(1, 1), (3, 5), (6, 2)])
def test_from_torch_then_rnn_forward_equals_nn_rnn(dtype, D, H):
    torch.manual_seed(D * 10 + H)
    rnn = nn.RNN(D, H, batch_first=True).to(dtype)
    x = torch.randn(3, 4, D, dtype=dtype)
    h0 = torch.randn(1, 3, H, dtype=dtype)
    with torch.no_grad():
        output, h_n = rnn(x, h0)
    Wx, Wh, b = ref.from_torch(rnn)
    assert (Wx.shape, Wh.shape, b.shape) == ((D, H), (H, H), (H,))
    assert Wx.dtype == Wh.dtype == b.dtype == np.float64
    h, _ = ref.rnn_forward(x.double().numpy(), h0[0].double().numpy(), Wx, Wh, b)
    assert np.max(np.abs(h - output.double().numpy())) < 1e-6
    assert np.max(np.abs(h[:, -1] - h_n[0].double().numpy())) < 1e-6


def test_affine_forward_equals_nn_linear():
    torch.manual_seed(0)
    linear = nn.Linear(5, 3).double()
    h = np.random.default_rng(6).normal(size=(2, 4, 5))
    Wy, by = linear.weight.detach().numpy().T, linear.bias.detach().numpy()
    with torch.no_grad():
        expected = linear(torch.from_numpy(h)).numpy()
    assert max_rel_error(ref.affine_forward(h, Wy, by), expected) < 1e-12
    assert max_rel_error(ref.affine_forward(h[:, 0], Wy, by), expected[:, 0]) < 1e-12


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_equals_torch_and_stays_finite_at_large_logits(axis):
    z = np.random.default_rng(8).normal(scale=3.0, size=(3, 4, 5))
    expected = torch.softmax(torch.from_numpy(z), dim=axis).numpy()
    assert max_rel_error(ref.softmax(z, axis=axis), expected) < 1e-12
    large = np.array([[1e4, 0.0, -1e4], [1e4, 1e4 - 1.0, 3.0]])
    with np.errstate(over="raise", invalid="raise"):  # an overflow raises here instead of warning
        probs = ref.softmax(large)
    assert np.allclose(probs, torch.softmax(torch.from_numpy(large), dim=-1).numpy(), rtol=0, atol=1e-15)
