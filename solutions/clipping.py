"""Assignment 4, clipping: exploding and vanishing gradients, measured and tamed."""
import numpy as np
import torch


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scale every gradient by one common factor so that their global norm is at most max_norm.

    The semantics of torch.nn.utils.clip_grad_norm_: parameters whose .grad is None are skipped,
    the gradients change in place, and the norm BEFORE clipping is returned."""
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    norm_type = float(norm_type)
    with torch.no_grad():
        # The global norm is the norm of the per-tensor norms (true for every p, inf included).
        norms = torch.stack([torch.linalg.vector_norm(g, norm_type) for g in grads])
        total_norm = torch.linalg.vector_norm(norms, norm_type)
        if error_if_nonfinite and not torch.isfinite(total_norm):
            raise RuntimeError(f"the total norm of order {norm_type} of the gradients is non-finite "
                               f"({total_norm.item()}), so it cannot be clipped")
        # 1e-6 keeps the division finite for a zero norm; the clamp means we never scale UP.
        clip_coef = torch.clamp(max_norm / (total_norm + 1e-6), max=1.0)
        for g in grads:
            g.mul_(clip_coef)
    return total_norm


def clip_grad_value(parameters, clip_value):
    """Clamp every gradient entry into [-clip_value, clip_value], in place."""
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    with torch.no_grad():
        for p in parameters:
            if p.grad is not None:
                p.grad.clamp_(min=-clip_value, max=clip_value)


def train_step(model, loss_fn, inputs, targets, optimizer, max_norm):
    """One training step in the only right order; returns (loss, gradient norm before clipping)."""
    optimizer.zero_grad()  # otherwise backward() adds this step's gradients to the last step's
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    total_norm = clip_grad_norm(model.parameters(), max_norm)  # after backward, before step
    optimizer.step()
    return loss.item(), float(total_norm)


def gradient_through_time(rnn, x):
    """Entry t: the norm of d(output[:, -1].sum()) / d x[:, t], by autograd (oldest step first)."""
    x = x.detach().clone().requires_grad_(True)
    output, _ = rnn(x)
    # autograd.grad leaves the rnn's own .grad fields alone, unlike backward().
    (dx,) = torch.autograd.grad(output[:, -1].sum(), x)
    return torch.linalg.vector_norm(dx, dim=(0, 2)).detach().numpy()


def simulate_gradient_flow(w_norm, seq_len, tanh_derivative=0.4):
    """Entry i: the factor (w_norm * tanh_derivative) ** (seq_len - 1 - i) that reaches step i."""
    # Step i is seq_len - 1 - i steps away from the last one; each step multiplies by the factor.
    steps_back = np.arange(seq_len - 1, -1, -1, dtype=np.float64)
    return (w_norm * tanh_derivative) ** steps_back
