"""Public checks for forward.

Run `pytest` in this folder: it loads your notebook's code and runs these checks, the same
ones as the notebook's test cells. Every expected value is computed live by PyTorch: the
forward pass with torch operations or `nn.RNN`, every gradient with autograd, in float64.
Passing them is a good sign, not a guarantee: hidden tests try more shapes, compare with a
numerical gradient, and check that your functions leave their inputs alone.
"""
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn as nn

# (N, T, D, H): a batch of one, a single step, and input sizes that differ from hidden sizes.
SHAPES = [(1, 1, 2, 3), (2, 4, 3, 5), (3, 2, 4, 4), (1, 5, 6, 2)]
GRADIENT_NAMES = ("dx", "dprev_h", "dWx", "dWh", "db")


def call(name, function, *args, **kwargs):
    """Call the student's function; a stub gets a message, not a bare NotImplementedError."""
    try:
        return function(*args, **kwargs)
    except NotImplementedError:
        raise AssertionError(f"{name} is not implemented yet: replace "
                             "`raise NotImplementedError()` with your code") from None


def relative_error(got, expected):
    """The largest |got - expected| / (|got| + |expected|) over all entries (CS231n's measure)."""
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    return float(np.max(np.abs(got - expected) / np.maximum(1e-8, np.abs(got) + np.abs(expected)),
                        initial=0.0))


def assert_close(what, got, expected, tolerance=1e-8, hint=""):
    expected = np.asarray(expected)
    assert isinstance(got, np.ndarray), (
        f"{what} is a {type(got).__name__}; return a numpy array of shape {expected.shape}")
    assert got.shape == expected.shape, f"{what} has shape {got.shape}; expected {expected.shape}. {hint}"
    error = relative_error(got, expected)
    assert error < tolerance, (
        f"{what} is off: relative error {error:.2e} (should be below {tolerance:g}).\n"
        f"got:\n{np.round(got, 6)}\nexpected:\n{np.round(expected, 6)}\n{hint}")


def random_rnn(N, T, D, H, seed):
    """Inputs x (N, T, D), h0 (N, H) and weights Wx (D, H), Wh (H, H), b (H,), all float64."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((N, T, D)), rng.standard_normal((N, H)),
            rng.standard_normal((D, H)) * 0.4, rng.standard_normal((H, H)) * 0.4, rng.standard_normal(H) * 0.5)


def as_leaves(*arrays):
    return [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]


def torch_sequence(x, h0, Wx, Wh, b):
    """All hidden states (N, T, H) by PyTorch operations: h_t = tanh(x_t Wx + h_{t-1} Wh + b)."""
    states = [h0]
    for t in range(x.shape[1]):
        states.append(torch.tanh(torch.addmm(b, x[:, t], Wx) + states[-1].mm(Wh)))
    return torch.stack(states[1:], dim=1)


# ---- one step ----

def check_rnn_step_forward(rnn_step_forward):
    for N, _, D, H in SHAPES:
        x, prev_h, Wx, Wh, b = random_rnn(N, 1, D, H, seed=N + 10 * D + 100 * H)
        result = call("rnn_step_forward", rnn_step_forward, x[:, 0], prev_h, Wx, Wh, b)
        assert isinstance(result, tuple) and len(result) == 2, "rnn_step_forward must return (next_h, cache)"
        expected = torch_sequence(*as_leaves(x[:, :1], prev_h, Wx, Wh, b))[:, 0]
        assert_close(f"next_h for N={N}, D={D}, H={H}", result[0], expected.detach().numpy(),
                     hint="next_h = tanh(x Wx + prev_h Wh + b): x (N, D) times Wx (D, H).")


def check_rnn_step_backward(rnn_step_forward, rnn_step_backward):
    for N, _, D, H in SHAPES:
        x, prev_h, Wx, Wh, b = random_rnn(N, 1, D, H, seed=7 + N + 10 * D + 100 * H)
        dnext_h = np.random.default_rng(H).standard_normal((N, H))
        _, cache = call("rnn_step_forward", rnn_step_forward, x[:, 0], prev_h, Wx, Wh, b)
        grads = call("rnn_step_backward", rnn_step_backward, dnext_h, cache)
        assert isinstance(grads, tuple) and len(grads) == 5, "rnn_step_backward must return (dx, dprev_h, dWx, dWh, db)"
        leaves = as_leaves(x[:, :1], prev_h, Wx, Wh, b)
        next_h = torch_sequence(*leaves)[:, 0]
        next_h.backward(torch.from_numpy(dnext_h))
        for name, got, leaf in zip(GRADIENT_NAMES, grads, leaves):
            expected = leaf.grad[:, 0] if name == "dx" else leaf.grad
            assert_close(f"{name} for N={N}, D={D}, H={H}", got, expected.numpy(),
                         hint="A gradient has the shape of what it is the gradient of. "
                              "Go through the tanh first: da = dnext_h * (1 - next_h**2).")


# ---- a whole sequence ----

def check_rnn_forward(rnn_forward):
    for N, T, D, H in SHAPES:
        x, h0, Wx, Wh, b = random_rnn(N, T, D, H, seed=3 * N + T + 10 * D + 100 * H)
        result = call("rnn_forward", rnn_forward, x, h0, Wx, Wh, b)
        assert isinstance(result, tuple) and len(result) == 2, "rnn_forward must return (h, cache)"
        expected = torch_sequence(*as_leaves(x, h0, Wx, Wh, b)).detach().numpy()
        assert_close(f"h for N={N}, T={T}, D={D}, H={H}", result[0], expected,
                     hint="h[:, t] is the hidden state after reading x[:, t]; each step starts from the last.")


def check_rnn_backward(rnn_forward, rnn_backward):
    names = ("dx", "dh0", "dWx", "dWh", "db")
    for N, T, D, H in SHAPES:
        x, h0, Wx, Wh, b = random_rnn(N, T, D, H, seed=5 * N + T + 10 * D + 100 * H)
        dh = np.random.default_rng(T).standard_normal((N, T, H))
        _, cache = call("rnn_forward", rnn_forward, x, h0, Wx, Wh, b)
        dh_given = dh.copy()
        grads = call("rnn_backward", rnn_backward, dh, cache)
        assert np.array_equal(dh, dh_given), (
            "rnn_backward changed its argument dh in place (`dh[:, t] += ...`?); add into a new array instead")
        assert isinstance(grads, tuple) and len(grads) == 5, "rnn_backward must return (dx, dh0, dWx, dWh, db)"
        leaves = as_leaves(x, h0, Wx, Wh, b)
        torch_sequence(*leaves).backward(torch.from_numpy(dh))
        for name, got, leaf in zip(names, grads, leaves):
            assert_close(f"{name} for N={N}, T={T}, D={D}, H={H}", got, leaf.grad.numpy(),
                         hint="At step t the gradient reaching h_t is dh[:, t] plus what flows back from "
                              "step t + 1; the weights' gradients add up over all steps.")


# ---- the worked example of the notebook ----

def worked_example():
    """N = 1, T = 3, D = 2, H = 3: Wx holds 0.1 ... 0.6 and Wh holds 0.1 ... 0.9 row by row,
    b = 0, h0 = 0, and the inputs are x_1 = (1, 0), x_2 = (0, 1), x_3 = (1, -1)."""
    x = np.array([[[1.0, 0.0], [0.0, 1.0], [1.0, -1.0]]])
    h0 = np.zeros((1, 3))
    Wx = np.arange(1, 7).reshape(2, 3) / 10
    Wh = np.arange(1, 10).reshape(3, 3) / 10
    b = np.zeros(3)
    return x, h0, Wx, Wh, b


def check_worked_example(rnn_forward, rnn_backward):
    """The three steps of the notebook, and the gradients of L = sum(h_3)."""
    x, h0, Wx, Wh, b = worked_example()
    leaves = as_leaves(x, h0, Wx, Wh, b)
    expected_h = torch_sequence(*leaves)
    expected_h[:, -1].sum().backward()
    h, cache = call("rnn_forward", rnn_forward, x, h0, Wx, Wh, b)
    assert_close("h of the worked example", h, expected_h.detach().numpy())
    for t in range(3):
        assert_close(f"h_{t + 1} of the worked example", h[:, t], expected_h[:, t].detach().numpy())
    dh = np.zeros((1, 3, 3))
    dh[:, -1] = 1.0  # L = h_3[0] + h_3[1] + h_3[2]: only the last state feeds the loss
    grads = call("rnn_backward", rnn_backward, dh, cache)
    for name, got, leaf in zip(("dx", "dh0", "dWx", "dWh", "db"), grads, leaves):
        assert_close(f"{name} of the worked example", got, leaf.grad.numpy(),
                     hint="Only h_3 feeds the loss, yet every step gets a gradient through dprev_h.")


# ---- PyTorch's nn.RNN ----

def torch_rnn(weight_ih, weight_hh, bias_ih, bias_hh):
    """The checks' own nn.RNN with these weights (PyTorch's layout), to compare against."""
    hidden_size, input_size = weight_ih.shape
    module = nn.RNN(input_size, hidden_size, batch_first=True).to(torch.from_numpy(weight_ih).dtype)
    with torch.no_grad():
        for parameter, value in zip(module.parameters(), [weight_ih, weight_hh, bias_ih, bias_hh]):
            parameter.copy_(torch.from_numpy(value))
    return module


def check_from_torch(from_torch, rnn_from_arrays):
    """from_torch's weights, run through the recurrence (by PyTorch operations here, so that only
    from_torch is tested), must reproduce nn.RNN's output."""
    for D, H, dtype in [(2, 3, np.float64), (5, 4, np.float32), (3, 3, np.float32)]:
        rng = np.random.default_rng(D * H)
        weights = [rng.uniform(-0.5, 0.5, shape).astype(dtype) for shape in [(H, D), (H, H), (H,), (H,)]]
        # Inputs the module's dtype holds exactly, so that only the arithmetic differs.
        x = rng.standard_normal((2, 4, D)).astype(dtype)
        h0 = rng.standard_normal((2, H)).astype(dtype)
        Wx, Wh, b = call("from_torch", from_torch, rnn_from_arrays(*weights))
        for name, value, shape in [("Wx", Wx, (D, H)), ("Wh", Wh, (H, H)), ("b", b, (H,))]:
            assert isinstance(value, np.ndarray), f"from_torch returned {name} as a {type(value).__name__}; " \
                "return numpy arrays (`tensor.detach().numpy()`)"
            assert value.shape == shape, (
                f"{name} has shape {value.shape}; in this notebook's layout it is {shape} "
                f"(nn.RNN({D}, {H}) stores weight_ih_l0 as (H, D) = {(H, D)})")
        with torch.no_grad():
            output, _ = torch_rnn(*weights)(torch.from_numpy(x), torch.from_numpy(h0)[None])
            yours = torch_sequence(*[torch.from_numpy(np.asarray(a, dtype=np.float64))
                                     for a in (x, h0, Wx, Wh, b)])
        error = float(np.max(np.abs(yours.numpy() - output.double().numpy())))
        assert error < 1e-6, (
            f"the recurrence with from_torch's weights differs from nn.RNN({D}, {H}) ({np.dtype(dtype).name}) by "
            f"{error:.2e} (should be below 1e-6). nn.RNN adds two biases, b_ih and b_hh.")


# ---- the output layer ----

def check_affine_forward(affine_forward):
    rng = np.random.default_rng(2)
    for shape, num_outputs in [((2, 5, 4), 3), ((3, 4), 6), ((1, 1, 2), 1)]:
        h, Wy, by = rng.standard_normal(shape), rng.standard_normal((shape[-1], num_outputs)), rng.standard_normal(num_outputs)
        # nn.Linear's weight is (out, in): Wy is its transpose.
        expected = torch.nn.functional.linear(torch.from_numpy(h), torch.from_numpy(Wy.T), torch.from_numpy(by))
        got = call("affine_forward", affine_forward, h, Wy, by)
        assert_close(f"affine_forward on h of shape {shape}", got, expected.numpy(),
                     hint="y_t = h_t Wy + by for every step: the result keeps h's leading dimensions.")


def check_softmax(softmax):
    rng = np.random.default_rng(3)
    z = rng.standard_normal((2, 3, 4)) * 3
    z_given = z.copy()
    for axis in (-1, 0, 1):
        expected = torch.softmax(torch.from_numpy(z_given), dim=axis).numpy()
        got = call("softmax", softmax, z, axis=axis)
        assert np.array_equal(z, z_given), "softmax changed its input z in place (`z -= ...`?); shift a copy"
        assert_close(f"softmax(z, axis={axis}) for z of shape {z.shape}", got, expected,
                     hint="The probabilities sum to one along `axis`.")
    assert_close("softmax(z) with the default axis", call("softmax", softmax, z),
                 torch.softmax(torch.from_numpy(z), dim=-1).numpy(), hint="The default axis is the last one.")
    large = np.array([[1e4, 0.0, -1e4], [1e4, 1e4 - 1.0, 3.0]])
    with np.errstate(over="ignore", invalid="ignore"):
        got = call("softmax", softmax, large)
    assert np.all(np.isfinite(got)), (
        f"softmax of logits near 1e4 gave {got}: exp(1e4) overflows. Subtract the largest logit first.")
    assert_close("softmax of logits near 1e4", got, torch.softmax(torch.from_numpy(large), dim=-1).numpy())


# ---- what `pytest` runs: the same checks on the notebook's own code ----

@pytest.fixture(scope="module")
def notebook():
    from nbloader import load_notebook

    return load_notebook(Path(__file__).with_name("forward.ipynb"))


CHECKS = {
    "rnn_step_forward": ["rnn_step_forward"],
    "rnn_step_backward": ["rnn_step_forward", "rnn_step_backward"],
    "rnn_forward": ["rnn_forward"],
    "rnn_backward": ["rnn_forward", "rnn_backward"],
    "worked_example": ["rnn_forward", "rnn_backward"],
    "from_torch": ["from_torch", "rnn_from_arrays"],
    "affine_forward": ["affine_forward"],
    "softmax": ["softmax"],
}


@pytest.mark.parametrize("check", list(CHECKS))
def test_public_checks(notebook, check):
    from nbloader import function

    globals()[f"check_{check}"](*[function(notebook, name) for name in CHECKS[check]])


# A failing check says so in short lines (nbgrader validate cuts long ones). nbloader.py ships
# beside this file; only the instructor's own folder lacks it, and there messages stay as written.
try:
    from nbloader import readable_checks  # noqa: E402
except ImportError:
    pass
else:
    readable_checks(globals())
