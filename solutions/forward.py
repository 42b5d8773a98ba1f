"""Assignment 3, forward: a vanilla RNN by hand in numpy, its forward pass and backpropagation
through time, in the CS231n layout: x (N, D), Wx (D, H), Wh (H, H), b (H,)."""
import numpy as np


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """One step of a vanilla RNN: next_h = tanh(x Wx + prev_h Wh + b).

    x (N, D), prev_h (N, H), Wx (D, H), Wh (H, H), b (H,) -> (next_h (N, H), cache), where the
    cache holds whatever rnn_step_backward will need; its format is yours to choose."""
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    # The backward pass needs the inputs and the output: tanh' is 1 - tanh**2, read off next_h.
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache


def rnn_step_backward(dnext_h, cache):
    """Backward through one step: from dnext_h = dL/dnext_h (N, H) and the step's cache, return
    (dx, dprev_h, dWx, dWh, db), each of the shape of what it is the gradient of."""
    x, prev_h, Wx, Wh, next_h = cache
    # Through the tanh first: da = dL/d(pre-activation).
    da = dnext_h * (1.0 - next_h ** 2)
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dWx = x.T @ da
    dWh = prev_h.T @ da
    # b was broadcast over the batch, so its gradient sums over the batch.
    db = da.sum(axis=0)
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    """Run the RNN over a whole sequence: x (N, T, D), h0 (N, H) -> (h (N, T, H), cache).

    h[:, t] is the hidden state after reading x[:, t]; h0 is not part of h."""
    N, T, _ = x.shape
    h = np.zeros((N, T, Wh.shape[0]))
    step_caches = []
    prev_h = h0
    for t in range(T):
        prev_h, step_cache = rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
        h[:, t, :] = prev_h
        step_caches.append(step_cache)
    return h, step_caches


def rnn_backward(dh, cache):
    """Backpropagation through time. dh (N, T, H) is the gradient that reaches each h_t from
    above (through its own output), not through later steps. Returns (dx, dh0, dWx, dWh, db)."""
    step_caches = cache
    N, T, H = dh.shape
    D = step_caches[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx, dWh, db = np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
    dprev_h = np.zeros((N, H))
    for t in reversed(range(T)):
        # h_t reaches the loss twice: through its own output (dh[:, t]) and through h_{t+1}.
        dnext_h = dh[:, t, :] + dprev_h
        dx[:, t, :], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dnext_h, step_caches[t])
        # The same weights act at every step, so their gradients add up over time.
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dh0 = dprev_h
    return dx, dh0, dWx, dWh, db


def from_torch(rnn):
    """(Wx (D, H), Wh (H, H), b (H,)) as float64 numpy arrays, from a one-layer nn.RNN(D, H), so that
    rnn_forward with them computes what the module computes."""
    # PyTorch computes x W_ih^T + b_ih + h W_hh^T + b_hh and stores W_ih as (H, D).
    Wx = rnn.weight_ih_l0.detach().numpy().astype(np.float64).T
    Wh = rnn.weight_hh_l0.detach().numpy().astype(np.float64).T
    # Two bias vectors that always appear as a sum are one bias.
    b = rnn.bias_ih_l0.detach().numpy().astype(np.float64) + rnn.bias_hh_l0.detach().numpy().astype(np.float64)
    return Wx, Wh, b


def affine_forward(h, Wy, by):
    """Scores y_t = h_t Wy + by for every step at once: h (..., H), Wy (H, O), by (O,) -> (..., O)."""
    return h @ Wy + by


def softmax(z, axis=-1):
    """exp(z) / sum(exp(z)) along `axis`, computed without overflow."""
    # Subtracting the max changes nothing mathematically and keeps every exponent <= 0.
    shifted = z - z.max(axis=axis, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=axis, keepdims=True)
