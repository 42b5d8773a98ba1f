"""Real mistakes in a hand-written RNN forward pass and BPTT, and correct versions written other ways.

A mutant replaces one or more functions of solutions/forward.py; the others stay the
reference's, so a mutant of a backward function works on the reference's cache (the
tuple `(x, prev_h, Wx, Wh, next_h)` per step, a list of those per sequence).
"""
from autograder.mutants.catalog import Catalog

catalog = Catalog("forward")


# ---- mutants of the forward pass ----

@catalog.mutant("rnn_step_forward", cells=("test_rnn_step_forward",),
                says="the step has no nonlinearity: next_h must be `tanh(x Wx + prev_h Wh + b)`, "
                     "not the affine map alone.")
def missing_tanh(x, prev_h, Wx, Wh, b):
    next_h = x @ Wx + prev_h @ Wh + b
    return next_h, (x, prev_h, Wx, Wh, next_h)


@catalog.mutant("rnn_forward", cells=("test_rnn_forward",),
                says="every time step of `h` holds the last hidden state: the loop writes each new state "
                     "into the same buffer in place (`next_h[...] = ...`) and keeps references to it, so "
                     "all the stored states are one array. Store a new array (or a copy) per step.")
def outputs_aliased(x, h0, Wx, Wh, b):
    import numpy as np

    N, T, _ = x.shape
    state = h0.copy()
    states, step_caches = [], []
    for t in range(T):
        new_h, step_cache = rnn_step_forward(x[:, t, :], state, Wx, Wh, b)  # noqa: F821
        state[...] = new_h
        states.append(state)
        step_caches.append(step_cache)
    return np.stack(states, axis=1), step_caches


@catalog.mutant("rnn_forward", cells=("test_rnn_forward",),
                says="the loop over time stops one step early (`range(T - 1)`): the last input is never "
                     "read and h[:, -1] stays zero.")
def forward_loop_off_by_one(x, h0, Wx, Wh, b):
    import numpy as np

    N, T, _ = x.shape
    h = np.zeros((N, T, Wh.shape[0]))
    step_caches = []
    prev_h = h0
    for t in range(T - 1):
        prev_h, step_cache = rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)  # noqa: F821
        h[:, t, :] = prev_h
        step_caches.append(step_cache)
    return h, step_caches


OVERFLOW = ("tanh is written with exponentials, which overflow: np.exp of a pre-activation past about 355 "
            "(710 for np.exp(a)) is inf, and inf / inf is nan, where tanh is simply +-1. Use `np.tanh`, which "
            "saturates.")


@catalog.mutant("rnn_step_forward", cells=("test_rnn_step_forward", "test_rnn_forward"), says=OVERFLOW)
def tanh_from_exp_2a(x, prev_h, Wx, Wh, b):
    import numpy as np

    a = x @ Wx + prev_h @ Wh + b
    next_h = (np.exp(2 * a) - 1) / (np.exp(2 * a) + 1)
    return next_h, (x, prev_h, Wx, Wh, next_h)


@catalog.mutant("rnn_step_forward", cells=("test_rnn_step_forward", "test_rnn_forward"), says=OVERFLOW)
def tanh_from_exp_a_and_minus_a(x, prev_h, Wx, Wh, b):
    import numpy as np

    a = x @ Wx + prev_h @ Wh + b
    next_h = (np.exp(a) - np.exp(-a)) / (np.exp(a) + np.exp(-a))
    return next_h, (x, prev_h, Wx, Wh, next_h)


# ---- mutants of the backward pass ----

@catalog.mutant("rnn_step_forward", cells=("test_rnn_step_backward",),
                says="the tanh derivative is taken at the pre-activation: d tanh(a)/da = 1 - tanh(a)**2 "
                     "= 1 - next_h**2, not 1 - a**2.")
def tanh_derivative_on_preactivation(x, prev_h, Wx, Wh, b):
    import numpy as np

    a = x @ Wx + prev_h @ Wh + b
    return np.tanh(a), (x, prev_h, Wx, Wh, a)


@catalog.mutant("rnn_step_backward", cells=("test_rnn_step_backward",),
                says="the tanh derivative is taken at the pre-activation: d tanh(a)/da = 1 - tanh(a)**2 "
                     "= 1 - next_h**2, not 1 - a**2.")
def tanh_derivative_on_preactivation(dnext_h, cache):  # noqa: F811 (the same mutant, its second function)
    x, prev_h, Wx, Wh, a = cache
    da = dnext_h * (1.0 - a ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)


@catalog.mutant("rnn_step_backward", cells=("test_rnn_step_backward",),
                says="`dWh` is built from the wrong hidden state: Wh multiplies prev_h, so "
                     "dWh = prev_h.T @ da, not next_h.T @ da.")
def dWh_with_next_h(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1.0 - next_h ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, next_h.T @ da, da.sum(axis=0)


@catalog.mutant("rnn_step_backward", cells=("test_rnn_step_backward",),
                says="the weight gradient is transposed: for a = x Wx the gradient is dWx = x.T @ da, "
                     "shape (D, H) like Wx; `da.T @ x` is (H, D).")
def dWx_transposed(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1.0 - next_h ** 2)
    return da @ Wx.T, da @ Wh.T, da.T @ x, prev_h.T @ da, da.sum(axis=0)


@catalog.mutant("rnn_backward", cells=("test_rnn_backward",),
                says="the gradient from later steps is dropped: at step t the upstream gradient is "
                     "`dh[:, t] + dprev_h`, where dprev_h came back from step t + 1. Is `dprev_h` added?")
def dprev_h_not_added(dh, cache):
    import numpy as np

    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx, dWh, db = np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
    dprev_h = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t, :], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :], cache[t])  # noqa: F821
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dWx, dWh, db


@catalog.mutant("rnn_backward", cells=("test_rnn_backward",),
                says="`dh0` is returned as zeros: the initial state gets the gradient that flows out of "
                     "the first step, dprev_h after the loop.")
def dh0_zeros(dh, cache):
    import numpy as np

    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx, dWh, db = np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
    dprev_h = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t, :], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dprev_h, cache[t])  # noqa: F821
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, np.zeros((N, H)), dWx, dWh, db


@catalog.mutant("rnn_backward", cells=("test_rnn_backward",),
                says="the backward loop stops one step early (`range(T - 1, 0, -1)`): the first step is "
                     "never backpropagated, so dx[:, 0] stays zero and dh0 is wrong.")
def backward_loop_off_by_one(dh, cache):
    import numpy as np

    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx, dWh, db = np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
    dprev_h = np.zeros((N, H))
    for t in range(T - 1, 0, -1):
        dx[:, t, :], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dprev_h, cache[t])  # noqa: F821
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dWx, dWh, db


@catalog.mutant("rnn_backward", cells=("test_rnn_backward",),
                says="the weights' gradients are overwritten at each step (`dWx = ...`) instead of summed "
                     "(`dWx += ...`): the same weights act at every step, so every step contributes.")
def weight_gradients_not_accumulated(dh, cache):
    import numpy as np

    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dprev_h = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t, :], dprev_h, dWx, dWh, db = rnn_step_backward(dh[:, t, :] + dprev_h, cache[t])  # noqa: F821
    return dx, dprev_h, dWx, dWh, db


@catalog.mutant("rnn_backward", cells=("test_rnn_backward",),
                says="`rnn_backward` changes its argument `dh` in place (`dh[:, t] += dprev_h`): the caller's "
                     "gradient array is corrupted. Add into a new array instead.")
def backward_mutates_dh(dh, cache):
    import numpy as np

    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx, dWh, db = np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
    dprev_h = np.zeros((N, H))
    for t in reversed(range(T)):
        dh[:, t, :] += dprev_h
        dx[:, t, :], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :], cache[t])  # noqa: F821
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dWx, dWh, db


@catalog.mutant("rnn_backward", cells=("test_rnn_backward",),
                says="`rnn_backward` empties its cache (`cache.pop()`): a second backward pass with the same "
                     "cache fails. Read the cache, do not consume it.")
def backward_pops_cache(dh, cache):
    import numpy as np

    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx, dWh, db = np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
    dprev_h = np.zeros((N, H))
    for t in reversed(range(T)):
        step_cache = cache.pop()
        dx[:, t, :], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dprev_h, step_cache)  # noqa: F821
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dWx, dWh, db


# ---- mutants of the conversion from PyTorch ----

@catalog.mutant("from_torch", cells=("test_from_torch",),
                says="nn.RNN has two bias vectors, `bias_ih_l0` and `bias_hh_l0`, and adds both; "
                     "this keeps only one of them.")
def from_torch_one_bias(rnn):
    import numpy as np

    Wx = rnn.weight_ih_l0.detach().numpy().astype(np.float64).T
    Wh = rnn.weight_hh_l0.detach().numpy().astype(np.float64).T
    return Wx, Wh, rnn.bias_ih_l0.detach().numpy().astype(np.float64)


@catalog.mutant("from_torch", cells=("test_from_torch",),
                says="the weights are not transposed: PyTorch stores weight_ih_l0 as (H, D) and computes "
                     "x W_ih^T, while this notebook's Wx is (D, H) and computes x Wx, so Wx = W_ih.T.")
def from_torch_not_transposed(rnn):
    import numpy as np

    Wx = rnn.weight_ih_l0.detach().numpy().astype(np.float64)
    Wh = rnn.weight_hh_l0.detach().numpy().astype(np.float64)
    b = (rnn.bias_ih_l0 + rnn.bias_hh_l0).detach().numpy().astype(np.float64)
    return Wx, Wh, b


# ---- mutants of the output layer ----

@catalog.mutant("affine_forward", cells=("test_affine_forward",),
                says="the scores are flattened to (N*T, O) and never reshaped back: y keeps h's leading "
                     "dimensions, (N, T, O) for h of shape (N, T, H).")
def affine_forward_flattened(h, Wy, by):
    return h.reshape(-1, h.shape[-1]) @ Wy + by


@catalog.mutant("softmax", cells=("test_softmax",),
                says="this softmax overflows: exp(1e4) is inf and inf / inf is nan. Subtract the largest "
                     "logit along `axis` first; the result is the same and every exponent is <= 0.")
def naive_softmax(z, axis=-1):
    import numpy as np

    exp = np.exp(z)
    return exp / exp.sum(axis=axis, keepdims=True)


@catalog.mutant("softmax", cells=("test_softmax",),
                says="the probabilities are normalised over the whole array, not along `axis`: use "
                     "`sum(axis=axis, keepdims=True)` (and the max along the same axis).")
def softmax_ignores_axis(z, axis=-1):
    import numpy as np

    exp = np.exp(z - z.max())
    return exp / exp.sum()


@catalog.mutant("softmax", cells=("test_softmax",),
                says="`softmax` changes its input in place (`z -= z.max(...)`): the caller's logits are "
                     "shifted. Compute `z - z.max(...)` into a new array.")
def softmax_shifts_in_place(z, axis=-1):
    import numpy as np

    z -= z.max(axis=axis, keepdims=True)
    exp = np.exp(z)
    return exp / exp.sum(axis=axis, keepdims=True)


# ---- alternatives: correct, and written differently from the reference ----
# "einsum_dict_cache": einsum everywhere, caches as dicts, BPTT written out without the step function.

@catalog.alternative("einsum_dict_cache", replaces="rnn_step_forward")
def step_forward_einsum(x, prev_h, Wx, Wh, b):
    import numpy as np

    pre = np.einsum("nd,dh->nh", x, Wx) + np.einsum("nk,kh->nh", prev_h, Wh) + b[None, :]
    out = np.tanh(pre)
    return out, {"x": x.copy(), "h_prev": prev_h.copy(), "Wx": Wx.copy(), "Wh": Wh.copy(), "h": out}


@catalog.alternative("einsum_dict_cache", replaces="rnn_step_backward")
def step_backward_einsum(dnext_h, cache):
    import numpy as np

    dpre = (1.0 - np.square(cache["h"])) * dnext_h
    return (np.einsum("nh,dh->nd", dpre, cache["Wx"]), np.einsum("nh,kh->nk", dpre, cache["Wh"]),
            np.einsum("nd,nh->dh", cache["x"], dpre), np.einsum("nk,nh->kh", cache["h_prev"], dpre),
            np.einsum("nh->h", dpre))


@catalog.alternative("einsum_dict_cache", replaces="rnn_forward")
def forward_einsum(x, h0, Wx, Wh, b):
    import numpy as np

    states = [h0]
    for x_t in np.moveaxis(x, 1, 0):
        states.append(np.tanh(np.einsum("nd,dh->nh", x_t, Wx) + np.einsum("nk,kh->nh", states[-1], Wh) + b))
    h = np.stack(states[1:], axis=1)
    return h, {"x": x.copy(), "h0": h0.copy(), "h": h, "Wx": Wx.copy(), "Wh": Wh.copy()}


@catalog.alternative("einsum_dict_cache", replaces="rnn_backward")
def backward_einsum(dh, cache):
    import numpy as np

    x, h, Wx, Wh = cache["x"], cache["h"], cache["Wx"], cache["Wh"]
    h_prev = np.concatenate([cache["h0"][:, None, :], h[:, :-1, :]], axis=1)  # the state each step read
    dpre = np.zeros_like(h)
    carry = np.zeros_like(cache["h0"])
    for t in range(h.shape[1] - 1, -1, -1):
        dpre[:, t] = (dh[:, t] + carry) * (1.0 - h[:, t] ** 2)
        carry = np.einsum("nh,kh->nk", dpre[:, t], Wh)
    # With every step's dpre known, the shared weights' gradients are one contraction over (n, t).
    return (np.einsum("nth,dh->ntd", dpre, Wx), carry, np.einsum("ntd,nth->dh", x, dpre),
            np.einsum("ntk,nth->kh", h_prev, dpre), dpre.sum(axis=(0, 1)))


@catalog.alternative("einsum_dict_cache", replaces="from_torch")
def from_torch_state_dict(rnn):
    import numpy as np

    state = {name: value.detach().cpu().double().numpy() for name, value in rnn.state_dict().items()}
    return (np.ascontiguousarray(state["weight_ih_l0"].T), np.ascontiguousarray(state["weight_hh_l0"].T),
            state["bias_ih_l0"] + state["bias_hh_l0"])


@catalog.alternative("einsum_dict_cache", replaces="affine_forward")
def affine_tensordot(h, Wy, by):
    import numpy as np

    return np.tensordot(h, Wy, axes=([-1], [0])) + by


@catalog.alternative("einsum_dict_cache", replaces="softmax")
def softmax_log_sum_exp(z, axis=-1):
    import numpy as np

    top = np.max(z, axis=axis, keepdims=True)
    log_norm = top + np.log(np.sum(np.exp(z - top), axis=axis, keepdims=True))
    return np.exp(z - log_norm)


# "object_cache": the caches are objects of the student's own, a namedtuple per step and a class
# per sequence (both cross the sandbox wall as handles), and backward undoes the forward step by
# step with explicit transposes.

@catalog.alternative("object_cache", replaces="rnn_step_forward")
def step_forward_object_cache(x, prev_h, Wx, Wh, b):
    from collections import namedtuple

    import numpy as np

    StepCache = namedtuple("StepCache", "x prev_h Wx Wh next_h")
    a = np.dot(x, Wx) + np.dot(prev_h, Wh) + b
    next_h = np.tanh(a)
    return next_h, StepCache(x=x, prev_h=prev_h, Wx=Wx, Wh=Wh, next_h=next_h)


@catalog.alternative("object_cache", replaces="rnn_step_backward")
def step_backward_object_cache(dnext_h, cache):
    import numpy as np

    da = dnext_h - dnext_h * cache.next_h * cache.next_h
    return (np.dot(da, cache.Wx.T), np.dot(da, cache.Wh.T), np.dot(cache.x.T, da), np.dot(cache.prev_h.T, da),
            np.sum(da, axis=0))


@catalog.alternative("object_cache", replaces="rnn_forward")
def forward_object_cache(x, h0, Wx, Wh, b):
    import numpy as np

    class SequenceCache:
        def __init__(self):
            self.steps = []

    N, T, D = x.shape
    cache = SequenceCache()
    h = np.empty((N, T, h0.shape[1]))
    for t in range(T):
        h[:, t], step = rnn_step_forward(x[:, t], h0 if t == 0 else h[:, t - 1], Wx, Wh, b)  # noqa: F821
        cache.steps.append(step)
    return h, cache


@catalog.alternative("object_cache", replaces="rnn_backward")
def backward_object_cache(dh, cache):
    N, T, H = dh.shape
    totals = None
    dx_steps = [None] * T
    dh_next = 0.0 * dh[:, 0]
    for t in range(T - 1, -1, -1):
        dx_t, dh_next, *weight_grads = rnn_step_backward(dh[:, t] + dh_next, cache.steps[t])  # noqa: F821
        dx_steps[t] = dx_t
        totals = weight_grads if totals is None else [a + g for a, g in zip(totals, weight_grads)]
    import numpy as np

    return (np.stack(dx_steps, axis=1), dh_next, *totals)


@catalog.alternative("object_cache", replaces="from_torch")
def from_torch_named_parameters(rnn):
    import torch

    p = dict(rnn.named_parameters())
    with torch.no_grad():
        b = p["bias_ih_l0"].double() + p["bias_hh_l0"].double()
        return p["weight_ih_l0"].double().t().numpy().copy(), p["weight_hh_l0"].double().t().numpy().copy(), \
            b.numpy().copy()


@catalog.alternative("object_cache", replaces="softmax")
def softmax_by_moving_axis(z, axis=-1):
    import numpy as np

    moved = np.moveaxis(z, axis, -1)
    e = np.exp(moved - moved.max(axis=-1)[..., None])
    return np.moveaxis(e / e.sum(axis=-1)[..., None], -1, axis)


# "torch_autograd": the numbers come from PyTorch in float64 and the gradients from autograd. The
# cache keeps the graph in an object of its own, which stays inside the sandbox as a handle (a
# plain dict of tensors would cross the wall as data and lose the graph on the way).

@catalog.alternative("torch_autograd", replaces="rnn_step_forward")
def step_forward_autograd(x, prev_h, Wx, Wh, b):
    import types

    import torch

    leaves = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, prev_h, Wx, Wh, b)]
    out = torch.tanh(leaves[0] @ leaves[2] + leaves[1] @ leaves[3] + leaves[4])
    return out.detach().numpy().copy(), types.SimpleNamespace(graph=(out, leaves))


@catalog.alternative("torch_autograd", replaces="rnn_step_backward")
def step_backward_autograd(dnext_h, cache):
    import torch

    out, leaves = cache.graph
    grads = torch.autograd.grad(out, leaves, grad_outputs=torch.as_tensor(dnext_h, dtype=torch.float64),
                                retain_graph=True)
    return tuple(g.numpy().copy() for g in grads)


@catalog.alternative("torch_autograd", replaces="rnn_forward")
def forward_autograd(x, h0, Wx, Wh, b):
    import types

    import torch

    leaves = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, h0, Wx, Wh, b)]
    tx, th, tWx, tWh, tb = leaves
    states = []
    for t in range(x.shape[1]):
        th = torch.tanh(tx[:, t] @ tWx + th @ tWh + tb)
        states.append(th)
    h = torch.stack(states, dim=1)
    return h.detach().numpy().copy(), types.SimpleNamespace(graph=(h, leaves))


@catalog.alternative("torch_autograd", replaces="rnn_backward")
def backward_autograd(dh, cache):
    import torch

    h, leaves = cache.graph
    grads = torch.autograd.grad(h, leaves, grad_outputs=torch.as_tensor(dh, dtype=torch.float64), retain_graph=True)
    return tuple(g.numpy().copy() for g in grads)
