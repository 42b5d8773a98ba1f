"""Real mistakes in clipping and in the training step, and correct versions written other ways."""
from autograder.mutants.catalog import Catalog

catalog = Catalog("clipping")
NORM = ("test_clip_grad_norm",)


# ---- mutants: each one mistake students really make ----

@catalog.mutant("clip_grad_norm", says="the norm must be the GLOBAL norm of all gradients together, with "
                                       "one common factor; this clips each parameter by its own norm.", cells=NORM)
def per_parameter_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    import torch

    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    with torch.no_grad():
        norms = [torch.linalg.vector_norm(g, float(norm_type)) for g in grads]
        total_norm = torch.linalg.vector_norm(torch.stack(norms), float(norm_type))
        if error_if_nonfinite and not torch.isfinite(total_norm):
            raise RuntimeError("non-finite norm")
        for g, norm in zip(grads, norms):
            g.mul_(torch.clamp(max_norm / (norm + 1e-6), max=1.0))
    return total_norm


@catalog.mutant("clip_grad_norm", says="this clamps each gradient entry into [-max_norm, max_norm] "
                                       "(clipping by value), which changes the direction; norm clipping "
                                       "scales every gradient by one factor.", cells=NORM)
def value_clipping_for_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    import torch

    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    with torch.no_grad():
        total_norm = torch.linalg.vector_norm(
            torch.stack([torch.linalg.vector_norm(g, float(norm_type)) for g in grads]), float(norm_type))
        if error_if_nonfinite and not torch.isfinite(total_norm):
            raise RuntimeError("non-finite norm")
        for g in grads:
            g.clamp_(-max_norm, max_norm)
    return total_norm


@catalog.mutant("clip_grad_norm", says="it must return the norm BEFORE clipping (what you log to spot "
                                       "explosions); this returns the norm after clipping.", cells=NORM)
def returns_clipped_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    import torch

    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    with torch.no_grad():
        total_norm = torch.linalg.vector_norm(
            torch.stack([torch.linalg.vector_norm(g, float(norm_type)) for g in grads]), float(norm_type))
        if error_if_nonfinite and not torch.isfinite(total_norm):
            raise RuntimeError("non-finite norm")
        coef = torch.clamp(max_norm / (total_norm + 1e-6), max=1.0)
        for g in grads:
            g.mul_(coef)
    return total_norm * coef


@catalog.mutant("clip_grad_norm", says="the factor is max_norm / (total + 1e-6): without the 1e-6 the "
                                       "result differs from PyTorch (and a zero norm divides by zero).", cells=NORM)
def no_epsilon(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    import torch

    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    with torch.no_grad():
        total_norm = torch.linalg.vector_norm(
            torch.stack([torch.linalg.vector_norm(g, float(norm_type)) for g in grads]), float(norm_type))
        if error_if_nonfinite and not torch.isfinite(total_norm):
            raise RuntimeError("non-finite norm")
        coef = torch.clamp(max_norm / total_norm, max=1.0)
        for g in grads:
            g.mul_(coef)
    return total_norm


@catalog.mutant("clip_grad_norm", says="the factor is clamped at 1: gradients whose norm is already below "
                                       "max_norm must not be scaled UP, and this always scales.", cells=NORM)
def always_scales(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    import torch

    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    with torch.no_grad():
        total_norm = torch.linalg.vector_norm(
            torch.stack([torch.linalg.vector_norm(g, float(norm_type)) for g in grads]), float(norm_type))
        if error_if_nonfinite and not torch.isfinite(total_norm):
            raise RuntimeError("non-finite norm")
        for g in grads:
            g.mul_(max_norm / (total_norm + 1e-6))
    return total_norm


@catalog.mutant("clip_grad_norm", says="for norm_type=inf the norm is the largest |entry|; the power "
                                       "formula (sum |g|**p) ** (1/p) breaks down at p = inf.", cells=NORM)
def inf_norm_by_power_formula(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    import torch

    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    p = float(norm_type)
    with torch.no_grad():
        total_norm = sum(g.abs().pow(p).sum() for g in grads) ** (1.0 / p)
        if error_if_nonfinite and not torch.isfinite(total_norm):
            raise RuntimeError("non-finite norm")
        coef = torch.clamp(max_norm / (total_norm + 1e-6), max=1.0)
        for g in grads:
            g.mul_(coef)
    return total_norm


@catalog.mutant("clip_grad_norm", says="with error_if_nonfinite=True a nan or infinite total norm must "
                                       "raise RuntimeError; this ignores the flag.", cells=NORM)
def nonfinite_not_checked(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    import torch

    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    with torch.no_grad():
        total_norm = torch.linalg.vector_norm(
            torch.stack([torch.linalg.vector_norm(g, float(norm_type)) for g in grads]), float(norm_type))
        coef = torch.clamp(max_norm / (total_norm + 1e-6), max=1.0)
        for g in grads:
            g.mul_(coef)
    return total_norm


@catalog.mutant("clip_grad_value", says="clip_grad_value clamps into [-clip_value, clip_value]; this only "
                                        "caps the positive side.", cells=("test_clip_grad_value",))
def upper_bound_only(parameters, clip_value):
    for p in parameters:
        if p.grad is not None:
            p.grad.data.clamp_(max=clip_value)


@catalog.mutant("train_step", says="clipping comes AFTER backward: before it there is no gradient of this "
                                   "step to clip, and the step uses the unclipped one.", cells=("test_train_step",))
def clip_before_backward(model, loss_fn, inputs, targets, optimizer, max_norm):
    optimizer.zero_grad()
    total_norm = clip_grad_norm(model.parameters(), max_norm)  # noqa: F821
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss.item(), float(total_norm)


@catalog.mutant("train_step", says="clipping must come BEFORE optimizer.step(): clipped after the step, "
                                   "the parameters have already moved with the unclipped gradient.",
                cells=("test_train_step",))
def clip_after_step(model, loss_fn, inputs, targets, optimizer, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    total_norm = clip_grad_norm(model.parameters(), max_norm)  # noqa: F821
    return loss.item(), float(total_norm)


@catalog.mutant("train_step", says="the gradients are never zeroed: backward() ADDS to .grad, so every "
                                   "step uses the sum of all gradients so far.", cells=("test_train_step",))
def never_zero_grad(model, loss_fn, inputs, targets, optimizer, max_norm):
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    total_norm = clip_grad_norm(model.parameters(), max_norm)  # noqa: F821
    optimizer.step()
    return loss.item(), float(total_norm)


@catalog.mutant("gradient_through_time", says="the quantity is d output[:, -1].sum() / d x[:, t], the LAST "
                                              "output only; this differentiates the sum of all outputs.",
                cells=("test_gradient_through_time",))
def all_outputs_summed(rnn, x):
    import torch

    x = x.detach().clone().requires_grad_(True)
    output, _ = rnn(x)
    (dx,) = torch.autograd.grad(output.sum(), x)
    return torch.linalg.vector_norm(dx, dim=(0, 2)).detach().numpy()


@catalog.mutant("simulate_gradient_flow", says="step i is seq_len - 1 - i steps from the last one (the last "
                                               "entry is 1); this uses seq_len - i.",
                cells=("test_simulate_gradient_flow",))
def exponent_off_by_one(w_norm, seq_len, tanh_derivative=0.4):
    import numpy as np

    return (w_norm * tanh_derivative) ** np.arange(seq_len, 0, -1, dtype=np.float64)


# ---- alternatives: correct, and written differently from the reference ----

@catalog.alternative("flatten_everything", replaces="clip_grad_norm")
def clip_grad_norm_by_concatenation(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    import torch

    params = [parameters] if torch.is_tensor(parameters) else list(parameters)
    with_grad = [p for p in params if p.grad is not None]
    if len(with_grad) == 0:
        return torch.tensor(0.0)
    flat = torch.cat([p.grad.detach().reshape(-1) for p in with_grad])
    total = torch.linalg.vector_norm(flat, ord=norm_type)
    if error_if_nonfinite and (torch.isnan(total) or torch.isinf(total)):
        raise RuntimeError("cannot clip a non-finite gradient norm")
    scale = (max_norm / (total + 1e-6)).clamp(max=1.0)
    for p in with_grad:
        p.grad.detach().mul_(scale)
    return total


@catalog.alternative("flatten_everything", replaces="train_step")
def train_step_with_library_clipping(model, loss_fn, inputs, targets, optimizer, max_norm):
    import torch

    model.zero_grad(set_to_none=False)
    prediction = model(inputs)
    loss = loss_fn(prediction, targets)
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return float(loss), norm.item()


@catalog.alternative("flatten_everything", replaces="gradient_through_time")
def gradient_through_time_by_backward(rnn, x):
    leaf = x.detach().clone()
    leaf.requires_grad = True
    states, _ = rnn(leaf)
    states[:, -1].sum().backward()
    return leaf.grad.square().sum(dim=2).sum(dim=0).sqrt().numpy()


@catalog.alternative("flatten_everything", replaces="simulate_gradient_flow")
def simulate_gradient_flow_by_list(w_norm, seq_len, tanh_derivative=0.4):
    import numpy as np

    factor = w_norm * tanh_derivative
    return np.array([factor ** (seq_len - 1 - i) for i in range(seq_len)], dtype=float)


@catalog.alternative("by_hand", replaces="clip_grad_norm")
def clip_grad_norm_by_hand(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    import math

    import torch

    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    with torch.no_grad():
        if math.isinf(norm_type):
            total = torch.stack([g.abs().max() for g in grads]).max()
        else:
            total = torch.stack([g.abs().pow(norm_type).sum() for g in grads]).sum().pow(1.0 / norm_type)
        if error_if_nonfinite and not bool(torch.isfinite(total)):
            raise RuntimeError(f"total norm {total.item()} is not finite")
        factor = torch.minimum(max_norm / (total + 1e-6), torch.ones_like(total))
        for g in grads:
            g.copy_(g * factor)
    return total


@catalog.alternative("by_hand", replaces="clip_grad_value")
def clip_grad_value_with_where(parameters, clip_value):
    import torch

    for p in [parameters] if torch.is_tensor(parameters) else parameters:
        if p.grad is None:
            continue
        limit = torch.full_like(p.grad, clip_value)
        p.grad = torch.where(p.grad > limit, limit, torch.where(p.grad < -limit, -limit, p.grad))


@catalog.alternative("by_hand", replaces="simulate_gradient_flow")
def simulate_gradient_flow_by_cumprod(w_norm, seq_len, tanh_derivative=0.4):
    import numpy as np

    factors = np.full(seq_len, w_norm * tanh_derivative)
    factors[0] = 1.0
    return np.cumprod(factors)[::-1].copy()
