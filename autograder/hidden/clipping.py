"""Hidden tests of clipping, compared live with torch.nn.utils and autograd.

Gradients, models and RNNs cannot cross the sandbox wall, so the tests call the notebook's
locked helpers (clip_and_report, train_and_report, ...), which build them from plain
tensors on the student's side. To know what the right answer is, and which known mistake a
wrong one matches, the judge runs the SAME helper cell, read from the instructor's notebook,
around the reference (or around a mutant) in its own process.
"""
import functools
import json
import math
import random

import numpy as np
import torch
import torch.nn as nn

from autograder.course import KIT_ROOT
from autograder.grading.judge import Mismatch, as_float, call, rel_error
from autograder.hidden.registry import EDGE, HiddenTests
from autograder.mutants.catalog import rerun

tests = HiddenTests("clipping")
SEED = 20261124
SETUP_CELLS = ("imports", "helpers")  # the notebook's locked cells that the helpers need, in order


@functools.lru_cache(maxsize=1)
def helper_source():
    notebook = json.loads((KIT_ROOT / "assignments" / "clipping" / "clipping.ipynb").read_text(encoding="utf-8"))
    found = {cell["metadata"]["nbgrader"]["grade_id"]: "".join(cell["source"]) for cell in notebook["cells"]
             if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") in SETUP_CELLS}
    if set(found) != set(SETUP_CELLS):
        raise LookupError(f"the clipping notebook lacks the locked cells {sorted(set(SETUP_CELLS) - set(found))}")
    return "\n\n".join(found[grade_id] for grade_id in SETUP_CELLS)


def world(reference, variant=None):
    """The reference's functions (with a variant's swapped in) plus the notebook's helpers."""
    names = variant.namespace(reference) if variant is not None else rerun(reference)
    with torch.random.fork_rng(devices=[]):  # the imports cell seeds torch: keep the judge's RNG as it was
        exec(compile(helper_source(), "<helpers>", "exec"), names)
    return names


def fail(judge, function_name, helper, args, got, expectation, equal):
    """A wrong answer: say what came back and what was expected, and name a known mistake."""
    message = f"{function_name}: {expectation}."
    for mutant in judge.mutants_of(function_name):
        try:
            if equal(got, world(judge.reference, mutant)[helper](*args)):
                message += f" This is a known mistake: {mutant.says}"
                break
        except Exception:  # a mutant that crashes here is simply not this mistake
            continue
    raise Mismatch(message)


def close(got, expected, tolerance):
    """Same shape, finite entries within `tolerance` relative error, nan and inf in the same places."""
    if got is None or expected is None:
        return got is None and expected is None
    got = np.asarray(torch.as_tensor(got).detach().double().numpy()) if not isinstance(got, np.ndarray) else got
    expected = np.asarray(torch.as_tensor(expected).detach().double().numpy())
    if got.shape != expected.shape:
        return False
    finite = np.isfinite(expected)
    if not np.array_equal(np.isfinite(got), finite) or not np.array_equal(got[~finite], expected[~finite],
                                                                            equal_nan=True):
        return False
    return rel_error(got[finite], expected[finite]) < tolerance


def same_clipping(tolerance):
    def equal(got, expected):
        (got_norm, got_grads), (want_norm, want_grads) = got, expected
        return (close(got_norm, want_norm, tolerance) and len(got_grads) == len(want_grads)
                and all(close(g, w, tolerance) for g, w in zip(got_grads, want_grads)))
    return equal


def random_gradients(rng, dtype, none_rate=0.25, scale=None):
    """Values and gradients of 1-5 tensors of random shapes; some gradients None."""
    generator = torch.Generator().manual_seed(rng.randrange(2**31))
    shapes = [tuple(rng.randint(1, 5) for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(1, 5))]
    scale = scale if scale is not None else 10 ** rng.uniform(-2, 1)
    values = [torch.randn(shape, generator=generator, dtype=dtype) for shape in shapes]
    grads = [None if rng.random() < none_rate else scale * torch.randn(shape, generator=generator, dtype=dtype)
             for shape in shapes]
    return values, grads


def torch_clip(values, grads, max_norm, norm_type):
    torch_side = [nn.Parameter(v.clone()) for v in values]
    for p, g in zip(torch_side, grads):
        p.grad = None if g is None else g.clone()
    total = torch.nn.utils.clip_grad_norm_(torch_side, max_norm, norm_type)
    return total, [p.grad for p in torch_side]


@tests.test("test_clip_grad_norm")
def clip_grad_norm_equals_torch_on_random_parameter_sets(student, judge):
    rng = random.Random(SEED)
    cases = []
    for index in range(40):
        dtype = torch.float64 if index % 4 else torch.float32
        values, grads = random_gradients(rng, dtype)
        cases.append(call(values, grads, 10 ** rng.uniform(-1.5, 1.5), [2.0, 1.0, math.inf, 3.0, 2.0][index % 5]))
    for ((values, grads, max_norm, norm_type), _), got in zip(cases, judge.each("clip_and_report", cases)):
        expected = torch_clip(values, grads, max_norm, norm_type)
        tolerance = 1e-9 if values[0].dtype == torch.float64 else 1e-5
        if not same_clipping(tolerance)(got, expected):
            gradients_match = same_clipping(tolerance)((expected[0], got[1]), expected)
            fail(judge, "clip_grad_norm", "clip_and_report", (values, grads, max_norm, norm_type), got,
                 f"on {len(values)} parameters ({sum(g is None for g in grads)} without .grad), "
                 f"max_norm={max_norm:.4g}, norm_type={norm_type}: it returned the norm {float(got[0]):.6g} "
                 f"(torch.nn.utils.clip_grad_norm_ returns {float(expected[0]):.6g}, the norm before clipping), "
                 f"and the gradients after clipping {'match' if gradients_match else 'differ from'} torch's",
                 same_clipping(tolerance))
        if not isinstance(got[0], torch.Tensor):
            raise AssertionError(f"clip_grad_norm returned a {type(got[0]).__name__}; it must return a tensor")


@tests.test("test_clip_grad_norm")
def clip_grad_norm_below_and_just_past_the_threshold(student, judge):
    rng = random.Random(SEED + 1)
    for max_norm_factor in [1.5, 10.0, 0.999999, 1.000001]:
        values, grads = random_gradients(rng, torch.float64, none_rate=0.0)
        total = float(torch_clip(values, grads, math.inf, 2.0)[0])
        args = (values, grads, total * max_norm_factor, 2.0)
        got, expected = student.clip_and_report(*args), torch_clip(*args)
        if not same_clipping(1e-12)(got, expected):
            fail(judge, "clip_grad_norm", "clip_and_report", args, got,
                 f"with max_norm {max_norm_factor} times the total norm the gradients must be multiplied by "
                 "min(1, max_norm / (total + 1e-6)), exactly as torch.nn.utils.clip_grad_norm_ does",
                 same_clipping(1e-12))


@tests.test("test_clip_grad_norm", weight=EDGE)
def clip_grad_norm_without_any_gradient(student, judge):
    values, _ = random_gradients(random.Random(SEED + 1), torch.float64)
    got = student.clip_and_report(values, [None] * len(values), 1.0)
    if not close(got[0], torch.tensor(0.0), 1e-12) or any(g is not None for g in got[1]):
        raise AssertionError(f"clip_grad_norm on parameters that have no gradient at all returned "
                             f"{got[0]!r}; torch.nn.utils.clip_grad_norm_ returns tensor(0.) and leaves them alone")


def non_finite_gradients():
    rng = random.Random(SEED + 2)
    for bad in [float("nan"), float("inf"), -float("inf")]:
        values, grads = random_gradients(rng, torch.float64, none_rate=0.0)
        grads[-1].view(-1)[0] = bad
        yield bad, values, grads


@tests.test("test_clip_grad_norm", weight=EDGE)
def clip_grad_norm_raises_on_non_finite_gradients_when_asked(student, judge):
    for bad, values, grads in non_finite_gradients():
        try:
            student.clip_and_report(values, grads, 1.0, 2.0, True)
        except RuntimeError:
            continue
        fail(judge, "clip_grad_norm", "clip_and_report", (values, grads, 1.0, 2.0, True), "no error",
             f"a gradient holds {bad} and error_if_nonfinite=True, so it must raise RuntimeError",
             lambda got, mutant_output: True)


@tests.test("test_clip_grad_norm", weight=EDGE)
def clip_grad_norm_of_non_finite_gradients_is_torch_s(student, judge):
    for bad, values, grads in non_finite_gradients():
        for norm_type in [2.0, math.inf]:
            got, expected = student.clip_and_report(values, grads, 1.0, norm_type), torch_clip(values, grads, 1.0,
                                                                                                norm_type)
            if not same_clipping(1e-9)(got, expected):
                fail(judge, "clip_grad_norm", "clip_and_report", (values, grads, 1.0, norm_type), got,
                     f"a gradient holds {bad} (error_if_nonfinite=False, norm_type={norm_type}): torch returns "
                     f"{float(expected[0])} and still multiplies every gradient by the resulting factor",
                     same_clipping(1e-9))


@tests.test("test_clip_grad_value")
def clip_grad_value_equals_torch(student, judge):
    rng = random.Random(SEED + 3)
    cases = [call(*random_gradients(rng, torch.float64), 10 ** rng.uniform(-2, 1)) for _ in range(20)]
    for ((values, grads, clip_value), _), got in zip(cases, judge.each("clip_value_and_report", cases)):
        torch_side = [nn.Parameter(v.clone()) for v in values]
        for p, g in zip(torch_side, grads):
            p.grad = None if g is None else g.clone()
        if any(g is not None for g in grads):  # torch's own clip_grad_value_ fails on an empty list
            torch.nn.utils.clip_grad_value_(torch_side, clip_value)
        if got[0] is not None:
            raise AssertionError(f"clip_grad_value returned {got[0]!r}; it works in place and returns None")
        equal = same_clipping(1e-12)
        if not equal(got, (None, [p.grad for p in torch_side])):
            fail(judge, "clip_grad_value", "clip_value_and_report", (values, grads, clip_value), got,
                 f"with clip_value={clip_value:.4g} the gradients differ from torch.nn.utils.clip_grad_value_'s "
                 "(every entry clamped into [-clip_value, clip_value], None gradients skipped)", equal)


def regression_problem(rng, scale):
    generator = torch.Generator().manual_seed(rng.randrange(2**31))
    input_size, hidden_size = rng.randint(1, 4), rng.randint(2, 6)
    shapes = {"rnn.weight_ih_l0": (hidden_size, input_size), "rnn.weight_hh_l0": (hidden_size, hidden_size),
              "rnn.bias_ih_l0": (hidden_size,), "rnn.bias_hh_l0": (hidden_size,),
              "head.weight": (1, hidden_size), "head.bias": (1,)}
    weights = {name: scale * torch.randn(shape, generator=generator, dtype=torch.float64)
               for name, shape in shapes.items()}
    batch, seq_len = rng.randint(2, 6), rng.randint(2, 7)
    inputs = torch.randn(batch, seq_len, input_size, generator=generator, dtype=torch.float64)
    targets = 4 * torch.randn(batch, 1, generator=generator, dtype=torch.float64)
    return weights, inputs, targets


def same_training(got, expected):
    (got_history, got_weights), (want_history, want_weights) = got, expected
    return (len(got_history) == len(want_history)
            and all(close(float(a), b, 1e-9) and close(float(c), d, 1e-9)
                    for (a, c), (b, d) in zip(got_history, want_history))
            and set(got_weights) == set(want_weights)
            and all(close(got_weights[k], want_weights[k], 1e-9) for k in want_weights))


@tests.test("test_train_step")
def train_step_order_shows_in_the_parameters_after_sgd_steps(student, judge):
    rng = random.Random(SEED + 4)
    reference = world(judge.reference)
    for max_norm, scale in [(0.05, 1.0), (0.5, 2.0), (1e6, 0.5), (0.2, 1.0)]:
        weights, inputs, targets = regression_problem(rng, scale)
        args = (weights, inputs, targets, max_norm, 3, 0.05)
        history, parameters = student.train_and_report(*args)
        # A 0-d tensor or a numpy scalar is a float here: convert, as a reader would.
        floats = [(as_float(loss), as_float(norm)) for loss, norm in history]
        for (loss, norm), (got_loss, got_norm) in zip(floats, history):
            if loss is None or norm is None:
                raise AssertionError(f"train_step returned ({type(got_loss).__name__}, {type(got_norm).__name__}); "
                                     "return two floats: the loss and the norm before clipping")
        got = (floats, parameters)
        expected = reference["train_and_report"](*args)
        if not same_training(got, expected):
            fail(judge, "train_step", "train_and_report", args, got,
                 f"3 steps with max_norm={max_norm} gave (loss, norm) {[(round(a, 6), round(b, 6)) for a, b in got[0]]}"
                 f" and parameters that differ from zero grads, forward, backward, clip, step, which give "
                 f"{[(round(a, 6), round(b, 6)) for a, b in expected[0]]}", same_training)


def random_rnn(rng, scale, dtype=torch.float64):
    generator = torch.Generator().manual_seed(rng.randrange(2**31))
    D, H = rng.randint(1, 5), rng.randint(1, 8)
    shapes = {"weight_ih_l0": (H, D), "weight_hh_l0": (H, H), "bias_ih_l0": (H,), "bias_hh_l0": (H,)}
    weights = {k: scale / math.sqrt(H) * torch.randn(s, generator=generator, dtype=dtype) for k, s in shapes.items()}
    x = torch.randn(rng.randint(1, 4), rng.randint(1, 15), D, generator=generator, dtype=dtype)
    return weights, x


@tests.test("test_gradient_through_time")
def gradient_through_time_equals_autograd(student, judge):
    rng = random.Random(SEED + 5)
    reference = world(judge.reference)
    for scale in [0.3, 1.0, 2.0, 4.0, 1.0, 0.7]:
        weights, x = random_rnn(rng, scale)
        got = student.gradient_through_time_of(weights, x.clone())
        expected = reference["gradient_through_time_of"](weights, x.clone())
        if not isinstance(got, np.ndarray):
            raise AssertionError(f"gradient_through_time returned a {type(got).__name__}; return a numpy array")
        def equal(a, b):
            return close(np.asarray(a, dtype=np.float64), b, 1e-8)
        if not equal(got, expected):
            fail(judge, "gradient_through_time", "gradient_through_time_of", (weights, x.clone()), got,
                 f"for x of shape {tuple(x.shape)} it returned {np.round(got, 6).tolist()}; autograd gives "
                 f"{np.round(expected, 6).tolist()}: entry t is one number, the 2-norm of the whole tensor "
                 "d output[:, -1].sum() / d x[:, t] (all of N and D at once, not a norm per sample), oldest first",
                 equal)


@tests.test("test_simulate_gradient_flow")
def simulate_gradient_flow_on_random_arguments(student, judge):
    rng = random.Random(SEED + 6)
    cases = [((2.0, 10), {}), ((3.0, 10), {}), ((2.5, 1), {}), ((0.0, 3), {})]
    cases += [((rng.uniform(0.1, 4), rng.randint(1, 60)), {"tanh_derivative": rng.uniform(0.05, 1)})
              for _ in range(30)]
    for (args, kwargs), got in zip(cases, judge.each("simulate_gradient_flow", cases)):
        expected = judge.expected("simulate_gradient_flow", *args, **kwargs)
        def equal(a, b):
            return isinstance(a, np.ndarray) and a.shape == b.shape and rel_error(a, b) < 1e-12
        if not equal(got, expected):
            judge.fail("simulate_gradient_flow", args, kwargs, got,
                       f"expected {np.round(expected, 6).tolist()[:8]}...: entry i is "
                       "(w_norm * tanh_derivative) ** (seq_len - 1 - i)", equal)
