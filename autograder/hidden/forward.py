"""Hidden tests of forward: the student's RNN against the reference on seeded random shapes
(a batch of one, a single step, input sizes unlike hidden sizes), against a centered numerical
gradient of the student's own forward pass, against a live nn.RNN, and for side effects.

A cache is the student's own business: it only ever goes back to the student's backward.
Over the sandbox wall it is plain data (a tuple of arrays) or a handle to an object that
stays in the sandbox; both can be passed back.
"""

import numpy as np
import torch
import torch.nn as nn

from autograder.grading.judge import Mismatch, call, rel_error
from autograder.grading.remote import RemoteObject
from autograder.hidden.registry import EDGE, RULE, HiddenTests
from autograder.mutants.catalog import rerun

tests = HiddenTests("forward")
SEED = 20261103
TOLERANCE = 1e-8  # relative error allowed against the reference
NUMERICAL_TOLERANCE = 1e-6  # against centered differences with step EPS, in float64
EPS = 1e-5
# (N, T, D, H)
# A general shape first (its failure diagnoses best), then the edges: one sample, one step, D != H.
SIZES = [(4, 3, 6, 4), (2, 4, 3, 3), (1, 1, 1, 1), (1, 1, 4, 3), (1, 6, 2, 5), (3, 1, 5, 2)]
STEP_GRADIENTS = ("dx", "dprev_h", "dWx", "dWh", "db")
SEQUENCE_GRADIENTS = ("dx", "dh0", "dWx", "dWh", "db")


# ---- inputs ----

def draw(rng, N, T, D, H):
    """x (N, T, D), h0 (N, H), Wx (D, H), Wh (H, H), b (H,): scaled so tanh is neither flat nor linear."""
    return (rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(scale=D ** -0.5, size=(D, H)),
            rng.normal(scale=H ** -0.5, size=(H, H)), rng.normal(scale=0.3, size=H))


def shown(N=None, T=None, D=None, H=None):
    return ", ".join(f"{k}={v}" for k, v in dict(N=N, T=T, D=D, H=H).items() if v is not None)


# ---- comparing, and naming a known mistake ----

def problem_with(got, expected, labels, tolerance=TOLERANCE):
    """None when the tuple `got` matches `expected` entry by entry; else what is wrong, in words."""
    if not isinstance(got, (tuple, list)) or len(got) != len(expected):
        return f"returned {type(got).__name__}; expected a tuple ({', '.join(labels)})"
    for label, value, wanted in zip(labels, got, expected):
        if not isinstance(value, np.ndarray):
            return f"{label} is a {type(value).__name__}; expected a numpy array"
        if value.shape != wanted.shape:
            return f"{label} has shape {value.shape}; expected {wanted.shape}"
        if not np.all(np.isfinite(value)):
            return f"{label} holds nan or inf"
        error = rel_error(value, wanted)
        if not error < tolerance:
            return f"{label} is off by a relative error of {error:.1e} (allowed: {tolerance:g})"
    return None


def tuple_or_nothing(value):
    """A student's result as a tuple to splice into another, or a marker that fails the comparison."""
    return tuple(value) if isinstance(value, (tuple, list)) else (f"a {type(value).__name__}, not a tuple",)


def matches(labels, tolerance=TOLERANCE):
    return lambda got, output: problem_with(got, output, labels, tolerance) is None


def known_mistake(judge, functions, run, got, equal):
    """The words of the first mutant touching `functions` whose `run(namespace)` gives `got`."""
    seen = set()
    for name in functions:
        for mutant in judge.mutants_of(name):
            if mutant.name in seen:
                continue
            seen.add(mutant.name)
            try:
                with np.errstate(all="ignore"):  # a mutant may overflow: that is its mistake, not news
                    output = run(mutant.namespace(judge.reference))
                if equal(got, output):
                    return mutant.says
            except Exception:
                continue
    return None


def fail(judge, call, problem, functions=(), run=None, got=None, equal=None):
    """Raise what the student reads: the call, what is wrong, and the known mistake if one fits."""
    message = f"{call}: {problem}."
    mistake = known_mistake(judge, functions, run, got, equal) if run else None
    if mistake:
        message += f" This is a known mistake: {mistake}"
    raise Mismatch(message)


def check(judge, call, got, functions, run, labels, tolerance=TOLERANCE):
    """Compare `got` with run(reference namespace); fail with a diagnosis on a mismatch."""
    expected = run(rerun(judge.reference))
    problem = problem_with(got, expected, labels, tolerance)
    if problem:
        fail(judge, call, problem, functions, run, got, matches(labels, tolerance))


# ---- side effects: over the wall or, under vanilla nbgrader, in the kernel ----

def defensive_copy(value):
    """A copy of plain data; anything else (a namedtuple, an object of the student's) as it is."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if type(value) in (list, tuple):
        return type(value)(defensive_copy(item) for item in value)
    if type(value) is dict:
        return {key: defensive_copy(item) for key, item in value.items()}
    return value


def ask(function, *args, **kwargs):
    """Call the student's function on copies, so that (in the kernel) it cannot spoil the judge's inputs."""
    return function(*[defensive_copy(arg) for arg in args], **kwargs)


def call_seeing_args(function, *args):
    """(result, the arguments as the call left them)."""
    if isinstance(function, RemoteObject):
        value, (args_after, _) = function.call_with_args(*args)
        return value, list(args_after)
    args_after = [defensive_copy(arg) for arg in args]
    return function(*args_after), args_after


def unchanged(before, after):
    if isinstance(before, np.ndarray):
        return isinstance(after, np.ndarray) and before.shape == after.shape and np.array_equal(before, after)
    if isinstance(before, (list, tuple)):
        return (isinstance(after, (list, tuple)) and len(before) == len(after)
                and all(unchanged(b, a) for b, a in zip(before, after)))
    if isinstance(before, dict):
        return isinstance(after, dict) and before.keys() == after.keys() and all(
            unchanged(before[k], after[k]) for k in before)
    return True


def assert_inputs_unchanged(judge, call, names, before, after, functions, replay):
    """Fail if an argument came back changed; `replay(namespace)` makes the same call in a variant
    and returns its arguments as that call left them, to name a known mistake."""
    for index, (name, old, new) in enumerate(zip(names, before, after)):
        if not unchanged(old, new):
            fail(judge, call, f"it changed its argument `{name}` in place; a function must leave its inputs "
                              "as it found them", functions, lambda ns, index=index: replay(ns)[index], new,
                 unchanged)


def replaying(function, args):
    """A replay for assert_inputs_unchanged: call `function` of the namespace on copies of `args`."""
    def replay(namespace):
        copies = [defensive_copy(arg) for arg in args]
        namespace[function](*copies)
        return copies
    return replay


def numerical_gradients(judge, forward, arrays, upstream):
    """Centered differences of sum(forward(*arrays)[0] * upstream) with respect to each array,
    entry by entry. The student's forward runs on every nudged input in one batch."""
    nudged = []
    for index, array in enumerate(arrays):
        for position in np.ndindex(array.shape):
            for step in (EPS, -EPS):
                moved = [a.copy() for a in arrays]
                moved[index][position] += step
                nudged.append(call(*moved))
    losses = (float(np.sum(np.asarray(output[0]) * upstream)) for output in judge.each(forward, nudged))
    grads = []
    for array in arrays:
        grad = np.zeros_like(array)
        for position in np.ndindex(grad.shape):
            grad[position] = (next(losses) - next(losses)) / (2 * EPS)
        grads.append(grad)
    return tuple(grads)


# ---- one step ----

def step_call(N, D, H):
    return f"rnn_step_forward(x, prev_h, Wx, Wh, b) with {shown(N=N, D=D, H=H)}"


@tests.test("test_rnn_step_forward")
def step_forward_matches_reference_on_random_shapes(student, judge):
    rng = np.random.default_rng(SEED)
    for N, _, D, H in SIZES:
        x, prev_h, Wx, Wh, b = draw(rng, N, 1, D, H)
        x = x[:, 0]
        result = ask(student.rnn_step_forward, x, prev_h, Wx, Wh, b)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            fail(judge, step_call(N, D, H), "expected a pair (next_h, cache)")
        check(judge, step_call(N, D, H), (result[0],), ["rnn_step_forward"],
              lambda ns, args=(x, prev_h, Wx, Wh, b): (ns["rnn_step_forward"](*args)[0],), ["next_h"])


@tests.test("test_rnn_step_forward", weight=RULE)
def step_forward_leaves_its_inputs_unchanged(student, judge):
    args = draw(np.random.default_rng(SEED + 1), 3, 1, 4, 5)
    args = (args[0][:, 0], *args[1:])
    _, after = call_seeing_args(student.rnn_step_forward, *args)
    assert_inputs_unchanged(judge, "rnn_step_forward(x, prev_h, Wx, Wh, b)", ["x", "prev_h", "Wx", "Wh", "b"],
                            args, after, ["rnn_step_forward"], replaying("rnn_step_forward", args))


def saturated_match(labels):
    """Equal up to rounding, nan where nan: how an overflowing variant is recognised."""
    def equal(got, output):
        return len(got) == len(output) and all(
            isinstance(g, np.ndarray) and g.shape == o.shape and np.allclose(g, o, rtol=1e-8, atol=0, equal_nan=True)
            for g, o in zip(got, output))
    return equal


def check_saturated(judge, call, got, functions, run, labels):
    """`check` at pre-activations in the hundreds, where tanh is +-1 and exp overflows."""
    problem = problem_with(got, run(rerun(judge.reference)), labels)
    if problem:
        fail(judge, call, f"{problem} at pre-activations in the hundreds, where tanh is +-1", functions, run, got,
             saturated_match(labels))


def first_of_pair(result):
    return (result[0],) if isinstance(result, (tuple, list)) and len(result) == 2 else (result,)


@tests.test("test_rnn_step_forward", weight=EDGE)
def step_forward_saturates_at_large_pre_activations(student, judge):
    rng = np.random.default_rng(SEED + 15)
    for N, D, H in [(3, 4, 5), (2, 3, 2)]:
        x, prev_h, Wx, Wh, b = draw(rng, N, 1, D, H)
        args = (x[:, 0] * 1000, prev_h, Wx, Wh, b)
        check_saturated(judge, step_call(N, D, H), first_of_pair(ask(student.rnn_step_forward, *args)),
                        ["rnn_step_forward"], lambda ns, args=args: (ns["rnn_step_forward"](*args)[0],), ["next_h"])


def step_backward_call(N, D, H):
    return f"rnn_step_backward(dnext_h, cache) after rnn_step_forward with {shown(N=N, D=D, H=H)}"


@tests.test("test_rnn_step_backward")
def step_backward_matches_reference_on_random_shapes(student, judge):
    rng = np.random.default_rng(SEED + 2)
    for N, _, D, H in SIZES:
        x, prev_h, Wx, Wh, b = draw(rng, N, 1, D, H)
        x = x[:, 0]
        dnext_h = rng.normal(size=(N, H))
        next_h, cache = ask(student.rnn_step_forward, x, prev_h, Wx, Wh, b)
        got = ask(student.rnn_step_backward, dnext_h, cache)

        def run(ns, dnext_h=dnext_h, args=(x, prev_h, Wx, Wh, b)):
            next_h, cache = ns["rnn_step_forward"](*args)
            return (next_h, *ns["rnn_step_backward"](dnext_h, cache))
        # next_h rides along: when the forward is wrong, that is what the student should hear first.
        check(judge, step_backward_call(N, D, H), (next_h, *tuple_or_nothing(got)),
              ["rnn_step_backward", "rnn_step_forward"], run, ("next_h (from rnn_step_forward)", *STEP_GRADIENTS))


@tests.test("test_rnn_step_backward")
def step_backward_is_the_gradient_of_your_step_forward(student, judge):
    rng = np.random.default_rng(SEED + 3)
    for N, _, D, H in [(2, 1, 3, 4), (1, 1, 2, 2)]:
        x, prev_h, Wx, Wh, b = draw(rng, N, 1, D, H)
        inputs = [x[:, 0], prev_h, Wx, Wh, b]
        dnext_h = rng.normal(size=(N, H))
        _, cache = ask(student.rnn_step_forward, *inputs)
        got = ask(student.rnn_step_backward, dnext_h, cache)
        numerical = numerical_gradients(judge, "rnn_step_forward", inputs, dnext_h)
        problem = problem_with(got, numerical, STEP_GRADIENTS, NUMERICAL_TOLERANCE)
        if problem:
            fail(judge, step_backward_call(N, D, H), f"compared with a centered numerical gradient of your own "
                 f"rnn_step_forward, {problem}: your backward is not the derivative of your forward")


def step_backward_setup():
    rng = np.random.default_rng(SEED + 4)
    x, prev_h, Wx, Wh, b = draw(rng, 3, 1, 4, 5)
    return (x[:, 0], prev_h, Wx, Wh, b), rng.normal(size=(3, 5))


@tests.test("test_rnn_step_backward", weight=RULE)
def step_backward_leaves_its_inputs_unchanged(student, judge):
    args, dnext_h = step_backward_setup()
    _, cache = ask(student.rnn_step_forward, *args)
    _, after = call_seeing_args(student.rnn_step_backward, dnext_h, cache)

    def replay(ns):
        copies = [dnext_h.copy(), ns["rnn_step_forward"](*args)[1]]
        ns["rnn_step_backward"](*copies)
        return copies
    assert_inputs_unchanged(judge, "rnn_step_backward(dnext_h, cache)", ["dnext_h"], [dnext_h], after,
                            ["rnn_step_backward"], replay)
    if not unchanged(cache, after[1]):
        fail(judge, "rnn_step_backward(dnext_h, cache)", "it changed the cache it was given, so a second "
             "backward pass with the same cache would go wrong")


@tests.test("test_rnn_step_backward", weight=RULE)
def step_backward_gives_the_same_gradients_twice(student, judge):
    args, dnext_h = step_backward_setup()
    _, cache = ask(student.rnn_step_forward, *args)
    first = ask(student.rnn_step_backward, dnext_h, cache)
    second = ask(student.rnn_step_backward, dnext_h, cache)
    problem = problem_with(second, first, STEP_GRADIENTS, 1e-12)
    if problem:
        fail(judge, "rnn_step_backward(dnext_h, cache) called twice with the same cache",
             f"the second call differs from the first: {problem}")


# ---- a whole sequence ----

def forward_call(N, T, D, H):
    return f"rnn_forward(x, h0, Wx, Wh, b) with {shown(N, T, D, H)}"


@tests.test("test_rnn_forward")
def rnn_forward_matches_reference_on_random_shapes(student, judge):
    rng = np.random.default_rng(SEED + 5)
    for N, T, D, H in SIZES:
        args = draw(rng, N, T, D, H)
        result = ask(student.rnn_forward, *args)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            fail(judge, forward_call(N, T, D, H), "expected a pair (h, cache)")
        check(judge, forward_call(N, T, D, H), (result[0],), ["rnn_step_forward", "rnn_forward"],
              lambda ns, args=args: (ns["rnn_forward"](*args)[0],), ["h"])


@tests.test("test_rnn_forward", weight=RULE)
def rnn_forward_leaves_its_inputs_unchanged(student, judge):
    args = draw(np.random.default_rng(SEED + 6), 2, 4, 3, 5)
    _, after = call_seeing_args(student.rnn_forward, *args)
    assert_inputs_unchanged(judge, "rnn_forward(x, h0, Wx, Wh, b)", ["x", "h0", "Wx", "Wh", "b"], args, after,
                            ["rnn_step_forward", "rnn_forward"], replaying("rnn_forward", args))


@tests.test("test_rnn_forward", weight=EDGE)
def rnn_forward_saturates_at_large_inputs(student, judge):
    rng = np.random.default_rng(SEED + 16)
    for N, T, D, H in [(2, 5, 3, 4), (1, 3, 2, 2)]:
        x, h0, Wx, Wh, b = draw(rng, N, T, D, H)
        args = (x * 1000, h0, Wx, Wh, b)
        check_saturated(judge, forward_call(N, T, D, H), first_of_pair(ask(student.rnn_forward, *args)),
                        ["rnn_step_forward", "rnn_forward"], lambda ns, args=args: (ns["rnn_forward"](*args)[0],),
                        ["h"])


def backward_call(N, T, D, H):
    return f"rnn_backward(dh, cache) after rnn_forward with {shown(N, T, D, H)}"


# The function under test first: its mutants are the likelier diagnosis when two agree.
BACKWARD_FUNCTIONS = ["rnn_backward", "rnn_step_backward", "rnn_forward", "rnn_step_forward"]


@tests.test("test_rnn_backward")
def rnn_backward_matches_reference_on_random_shapes(student, judge):
    rng = np.random.default_rng(SEED + 7)
    for N, T, D, H in SIZES:
        args = draw(rng, N, T, D, H)
        dh = rng.normal(size=(N, T, H))
        h, cache = ask(student.rnn_forward, *args)
        got = ask(student.rnn_backward, dh, cache)

        def run(ns, args=args, dh=dh):
            h, cache = ns["rnn_forward"](*args)
            return (h, *ns["rnn_backward"](dh.copy(), cache))
        check(judge, backward_call(N, T, D, H), (h, *tuple_or_nothing(got)), BACKWARD_FUNCTIONS, run,
              ("h (from rnn_forward)", *SEQUENCE_GRADIENTS))


@tests.test("test_rnn_backward")
def rnn_backward_is_the_gradient_of_your_rnn_forward(student, judge):
    rng = np.random.default_rng(SEED + 8)
    for N, T, D, H in [(2, 3, 3, 2), (1, 2, 1, 3)]:
        inputs = list(draw(rng, N, T, D, H))
        dh = rng.normal(size=(N, T, H))
        _, cache = ask(student.rnn_forward, *inputs)
        got = ask(student.rnn_backward, dh, cache)
        numerical = numerical_gradients(judge, "rnn_forward", inputs, dh)
        problem = problem_with(got, numerical, SEQUENCE_GRADIENTS, NUMERICAL_TOLERANCE)
        if problem:
            fail(judge, backward_call(N, T, D, H), f"compared with a centered numerical gradient of your own "
                 f"rnn_forward, {problem}: your backward is not the derivative of your forward")


@tests.test("test_rnn_backward", weight=EDGE)
def rnn_backward_on_a_long_sequence(student, judge):
    """T = 400: a loop, not a recursion (Python stops at 1,000 frames), and no step lost on the way."""
    rng = np.random.default_rng(SEED + 17)
    N, T, D, H = 2, 400, 3, 4
    args = draw(rng, N, T, D, H)
    dh = rng.normal(size=(N, T, H))
    h, cache = ask(student.rnn_forward, *args)
    got = ask(student.rnn_backward, dh, cache)

    def run(ns):
        h, cache = ns["rnn_forward"](*args)
        return (h, *ns["rnn_backward"](dh.copy(), cache))
    check(judge, backward_call(N, T, D, H), (h, *tuple_or_nothing(got)), BACKWARD_FUNCTIONS, run,
          ("h (from rnn_forward)", *SEQUENCE_GRADIENTS))


def backward_setup():
    rng = np.random.default_rng(SEED + 9)
    return draw(rng, 2, 3, 4, 3), rng.normal(size=(2, 3, 3))


@tests.test("test_rnn_backward", weight=RULE)
def rnn_backward_leaves_its_inputs_unchanged(student, judge):
    args, dh = backward_setup()
    _, cache = ask(student.rnn_forward, *args)
    _, after = call_seeing_args(student.rnn_backward, dh, cache)
    if not unchanged(cache, after[1]):
        def run(ns):
            step_caches = ns["rnn_forward"](*args)[1]
            kept = defensive_copy(step_caches)
            ns["rnn_backward"](dh.copy(), step_caches)
            return unchanged(kept, step_caches)
        fail(judge, "rnn_backward(dh, cache)", "it changed the cache it was given, so a second backward pass "
             "with the same cache would go wrong", ["rnn_backward"], run, False, lambda got, output: got == output)

    def replay(ns):
        copies = [dh.copy(), ns["rnn_forward"](*args)[1]]
        ns["rnn_backward"](*copies)
        return copies
    assert_inputs_unchanged(judge, "rnn_backward(dh, cache)", ["dh"], [dh], after, BACKWARD_FUNCTIONS, replay)


@tests.test("test_rnn_backward", weight=RULE)
def rnn_backward_gives_the_same_gradients_twice(student, judge):
    args, dh = backward_setup()
    _, cache = ask(student.rnn_forward, *args)
    first = ask(student.rnn_backward, dh, cache)
    second = ask(student.rnn_backward, dh, cache)
    problem = problem_with(second, first, SEQUENCE_GRADIENTS, 1e-12)
    if problem:
        fail(judge, "rnn_backward(dh, cache) called twice with the same cache",
             f"the second call differs from the first: {problem}")


# ---- the worked example ----

@tests.test("test_worked_example")
def worked_example_with_every_state_in_the_loss(student, judge):
    """The notebook's three steps, now with L = the sum of all three states, and a batch of two."""
    Wh = np.linspace(0.1, 0.9, 9).reshape(3, 3)
    Wx = Wh[:2].copy()
    steps = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, -1.0]])
    x = np.stack([steps, steps[::-1]])
    args = (x, np.zeros((2, 3)), Wx, Wh, np.zeros(3))
    dh = np.ones((2, 3, 3))
    h, cache = ask(student.rnn_forward, *args)
    got = ask(student.rnn_backward, dh, cache)

    def run(ns):
        h, cache = ns["rnn_forward"](*args)
        return (h, *ns["rnn_backward"](dh.copy(), cache))
    check(judge, "rnn_forward then rnn_backward on the worked example, every state in the loss",
          (h, *tuple_or_nothing(got)), BACKWARD_FUNCTIONS, run, ("h (from rnn_forward)", *SEQUENCE_GRADIENTS))


# ---- PyTorch's nn.RNN ----

def judge_rnn(weights):
    """The judge's own nn.RNN with these (PyTorch-layout) weights."""
    weight_ih = torch.from_numpy(weights[0])
    module = nn.RNN(weight_ih.shape[1], weight_ih.shape[0], batch_first=True).to(weight_ih.dtype)
    with torch.no_grad():
        for name, value in zip(["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"], weights):
            getattr(module, name).copy_(torch.from_numpy(value))
    return module


@tests.test("test_from_torch")
def from_torch_then_rnn_forward_matches_nn_rnn(student, judge):
    rng = np.random.default_rng(SEED + 10)
    for (D, H), dtype in zip([(1, 1), (4, 3), (2, 6), (5, 5), (3, 7), (6, 2)], [np.float64, np.float32] * 3):
        bound = H ** -0.5
        weights = [rng.uniform(-bound, bound, size).astype(dtype) for size in [(H, D), (H, H), (H,), (H,)]]
        x, h0 = rng.normal(size=(3, 4, D)).astype(dtype), rng.normal(size=(3, H)).astype(dtype)
        module = judge_rnn(weights)
        with torch.no_grad():
            output = module(torch.from_numpy(x), torch.from_numpy(h0)[None])[0].double().numpy()
        call = f"from_torch(nn.RNN({D}, {H}) in {np.dtype(dtype).name})"
        rnn = student.rnn_from_arrays(*weights)
        built = np.asarray(rnn(torch.from_numpy(x), torch.from_numpy(h0)[None])[0].detach(), dtype=np.float64)
        if built.shape != output.shape or not np.allclose(built, output, rtol=0, atol=1e-12):
            fail(judge, call, "the locked helper rnn_from_arrays no longer builds the nn.RNN it is given; "
                              "restore its cell")
        got = student.from_torch(rnn)
        shapes = [(D, H), (H, H), (H,)]
        problem = problem_with(got, [np.zeros(s) for s in shapes], ["Wx", "Wh", "b"], tolerance=np.inf)

        def run(ns, module=module):
            return ns["from_torch"](module)
        if problem:
            fail(judge, call, problem, ["from_torch"], run, got, matches(["Wx", "Wh", "b"], 1e-6))
        # The reference's rnn_forward: this cell grades from_torch alone.
        h = judge.expected("rnn_forward", x.astype(np.float64), h0.astype(np.float64), *got)[0]
        error = float(np.max(np.abs(h - output)))
        if not error < 1e-6:
            fail(judge, call, f"rnn_forward with these weights differs from the module's output by {error:.1e} "
                              "(allowed: 1e-6)", ["from_torch"], run, got, matches(["Wx", "Wh", "b"], 1e-6))


# ---- the output layer ----

@tests.test("test_affine_forward")
def affine_forward_matches_reference_on_any_leading_shape(student, judge):
    rng = np.random.default_rng(SEED + 11)
    for leading, H, outputs in [((1, 1), 1, 1), ((3, 5), 4, 2), ((2,), 3, 6), ((), 5, 3), ((1, 7), 2, 9)]:
        h, Wy, by = rng.normal(size=(*leading, H)), rng.normal(size=(H, outputs)), rng.normal(size=outputs)
        got = ask(student.affine_forward, h, Wy, by)
        check(judge, f"affine_forward(h of shape {h.shape}, Wy {Wy.shape}, by {by.shape})", (got,),
              ["affine_forward"], lambda ns, h=h, Wy=Wy, by=by: (ns["affine_forward"](h, Wy, by),), ["y"])


def logits(rng):
    for shape in [(1, 1), (2, 5), (3, 4, 6), (1, 1, 3)]:
        for axis in range(-1, len(shape)):
            yield rng.normal(scale=4.0, size=shape), axis


@tests.test("test_softmax")
def softmax_matches_reference_on_random_logits_and_axes(student, judge):
    rng = np.random.default_rng(SEED + 12)
    for z, axis in logits(rng):
        got = ask(student.softmax, z, axis=axis)
        check(judge, f"softmax(z of shape {z.shape}, axis={axis})", (got,), ["softmax"],
              lambda ns, z=z, axis=axis: (ns["softmax"](z, axis=axis),), ["probabilities"])
    z = rng.normal(size=(4, 3))
    check(judge, f"softmax(z of shape {z.shape}) with the default axis", (ask(student.softmax, z),), ["softmax"],
          lambda ns: (ns["softmax"](z),), ["probabilities"])


@tests.test("test_softmax")
def softmax_is_stable_at_logits_of_1e4(student, judge):
    rng = np.random.default_rng(SEED + 13)
    for scale, shape, axis in [(1e4, (3, 5), -1), (1e4, (2, 3, 4), 1), (3e4, (1, 6), -1)]:
        z = rng.normal(scale=scale, size=shape)
        got = ask(student.softmax, z, axis=axis)
        torch_probabilities = torch.softmax(torch.from_numpy(z), dim=axis).numpy()

        def run(ns, z=z, axis=axis):
            with np.errstate(all="ignore"):
                return (ns["softmax"](z, axis=axis),)
        problem = problem_with((got,), (torch_probabilities,), ["probabilities"])
        if problem:
            fail(judge, f"softmax(z of shape {z.shape} with logits around {scale:g}, axis={axis})", problem,
                 ["softmax"], run, (got,), lambda g, o: np.array_equal(g[0], o[0], equal_nan=True))


@tests.test("test_softmax", weight=RULE)
def softmax_leaves_its_logits_unchanged(student, judge):
    z = np.random.default_rng(SEED + 14).normal(size=(3, 4))
    _, after = call_seeing_args(student.softmax, z, 0)
    assert_inputs_unchanged(judge, "softmax(z, 0)", ["z", "axis"], [z, 0], after, ["softmax"],
                            replaying("softmax", [z, 0]))
