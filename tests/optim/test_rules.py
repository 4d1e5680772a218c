"""Update rules against independent transcriptions of their published formulas.

Every oracle here is written out by hand, scalar by scalar, from the source it cites
(the notes, PyTorch's documented algorithms, Sutskever et al. 2013, Kingma & Ba 2015);
none of it calls the code under test.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
import scipy.linalg

from sigmoid_neuron.objective import BinaryCrossEntropy, SigmoidHalfSquaredError, make_objective
from sigmoid_neuron.optim import (
    RULES,
    AdamState,
    ChainState,
    GDState,
    MomentumState,
    adam,
    chain,
    clip_by_global_norm,
    cosine_decay,
    exponential_decay,
    gd,
    inverse_scaling,
    momentum,
    nesterov,
    state_from_dict,
    state_to_dict,
)

N_STEPS = 7


def grad_sequence(seed: int = 0, size: int = 3) -> list[list[float]]:
    """A fixed, irregular gradient sequence (signs and scales vary)."""
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(N_STEPS, size)) * np.array([1.0, 1e-3, 50.0])).tolist()


def run_rule(rule, params0, grads):
    """Apply ``rule`` to the given gradient sequence; return the parameter trajectory."""
    params = np.array(params0, dtype=float)
    state = rule.init(params)
    out = []
    for g in grads:
        step, state = rule.update(np.array(g), state, params)
        params = params + step
        out.append(params.copy())
    return np.array(out)


P0 = [0.3, -1.2, 2.0]


# ------------------------------------------------------------------ transcriptions


def gd_reference(p0, grads, eta_of_t):
    """w_{t+1} = w_t - eta_t * g_t (the notes' update), t = 0, 1, ..."""
    p = list(p0)
    out = []
    for t, g in enumerate(grads):
        p = [pi - eta_of_t(t) * gi for pi, gi in zip(p, g, strict=True)]
        out.append(p)
    return np.array(out)


def torch_sgd_reference(p0, grads, lr, mu, nesterov_flag):
    """torch.optim.SGD's documented algorithm (dampening tau = 0, no weight decay):

    if t > 1: b_t = mu b_{t-1} + (1 - tau) g_t  else: b_t = g_t
    if nesterov: g_t = g_t + mu b_t  else: g_t = b_t
    theta_t = theta_{t-1} - gamma g_t
    """
    p = list(p0)
    b: list[float] = []
    out = []
    for t, g in enumerate(grads, start=1):
        b = list(g) if t == 1 else [mu * bi + gi for bi, gi in zip(b, g, strict=True)]
        d = [gi + mu * bi for gi, bi in zip(g, b, strict=True)] if nesterov_flag else b
        p = [pi - lr * di for pi, di in zip(p, d, strict=True)]
        out.append(p)
    return np.array(out)


def classical_momentum_reference(p0, grads, lr, mu):
    """The other convention (Sutskever et al. 2013, eq. 1-2 at fixed gradients):
    v_{t+1} = mu v_t - eps g_t;  theta_{t+1} = theta_t + v_{t+1}."""
    p = list(p0)
    v = [0.0] * len(p)
    out = []
    for g in grads:
        v = [mu * vi - lr * gi for vi, gi in zip(v, g, strict=True)]
        p = [pi + vi for pi, vi in zip(p, v, strict=True)]
        out.append(p)
    return np.array(out)


def adam_algorithm1_reference(p0, grads, alpha, b1, b2, eps):
    """Kingma & Ba (2015), Algorithm 1, line by line."""
    theta = list(p0)
    m = [0.0] * len(theta)
    v = [0.0] * len(theta)
    out = []
    for t, g in enumerate(grads, start=1):
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g, strict=True)]
        v = [b2 * vi + (1 - b2) * gi * gi for vi, gi in zip(v, g, strict=True)]
        m_hat = [mi / (1 - b1**t) for mi in m]
        v_hat = [vi / (1 - b2**t) for vi in v]
        theta = [
            th - alpha * mh / (math.sqrt(vh) + eps)
            for th, mh, vh in zip(theta, m_hat, v_hat, strict=True)
        ]
        out.append(theta)
    return np.array(out)


def adam_torch_reference(p0, grads, lr, b1, b2, eps):
    """torch.optim.Adam as implemented (single-tensor path):
    denom = sqrt(v) / sqrt(1 - b2^t) + eps; step_size = lr / (1 - b1^t);
    param -= step_size * m / denom."""
    p = list(p0)
    m = [0.0] * len(p)
    v = [0.0] * len(p)
    out = []
    for t, g in enumerate(grads, start=1):
        m = [mi + (gi - mi) * (1 - b1) for mi, gi in zip(m, g, strict=True)]  # lerp_
        v = [b2 * vi + (1 - b2) * gi * gi for vi, gi in zip(v, g, strict=True)]
        bc1, bc2 = 1 - b1**t, 1 - b2**t
        step_size = lr / bc1
        denom = [math.sqrt(vi) / math.sqrt(bc2) + eps for vi in v]
        p = [pi - step_size * mi / di for pi, mi, di in zip(p, m, denom, strict=True)]
        out.append(p)
    return np.array(out)


# ------------------------------------------------------------------ tests: formulas


@pytest.mark.parametrize("eta", [0.1, 0.7])
def test_gd_matches_notes_update(eta):
    grads = grad_sequence(1)
    np.testing.assert_allclose(
        run_rule(gd(eta), P0, grads), gd_reference(P0, grads, lambda t: eta), rtol=1e-14
    )


def test_gd_follows_schedule_from_step_zero():
    grads = grad_sequence(2)
    sched = inverse_scaling(0.5, power_t=0.5)  # eta_t = 0.5 / sqrt(t + 1)
    expected = gd_reference(P0, grads, lambda t: 0.5 / math.sqrt(t + 1))
    np.testing.assert_allclose(run_rule(gd(sched), P0, grads), expected, rtol=1e-14)


@pytest.mark.parametrize(("lr", "beta"), [(0.01, 0.9), (0.3, 0.5), (0.05, 0.0)])
def test_momentum_matches_pytorch_sgd(lr, beta):
    grads = grad_sequence(3)
    expected = torch_sgd_reference(P0, grads, lr, beta, nesterov_flag=False)
    np.testing.assert_allclose(run_rule(momentum(lr, beta), P0, grads), expected, rtol=1e-13)


def test_momentum_equals_classical_convention_at_constant_rate():
    grads = grad_sequence(4)
    expected = classical_momentum_reference(P0, grads, 0.02, 0.8)
    np.testing.assert_allclose(run_rule(momentum(0.02, 0.8), P0, grads), expected, rtol=1e-12)


@pytest.mark.parametrize(("lr", "beta"), [(0.01, 0.9), (0.3, 0.5)])
def test_nesterov_matches_pytorch_sgd(lr, beta):
    grads = grad_sequence(5)
    expected = torch_sgd_reference(P0, grads, lr, beta, nesterov_flag=True)
    np.testing.assert_allclose(run_rule(nesterov(lr, beta), P0, grads), expected, rtol=1e-13)


def test_nesterov_iterates_are_sutskever_lookahead_points():
    """Sutskever et al. (2013) NAG: v <- mu v - eps grad f(theta + mu v); theta <- theta + v.

    PyTorch's form tracks the look-ahead point phi = theta + mu v of that recursion.
    """
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([1.0, -1.0])

    def grad_f(x):
        return [A[0, 0] * x[0] + A[0, 1] * x[1] - b[0], A[1, 0] * x[0] + A[1, 1] * x[1] - b[1]]

    lr, mu = 0.1, 0.7
    theta, v = [2.0, -3.0], [0.0, 0.0]
    lookahead = []
    for _ in range(12):
        g = grad_f([theta[0] + mu * v[0], theta[1] + mu * v[1]])
        v = [mu * v[i] - lr * g[i] for i in range(2)]
        theta = [theta[i] + v[i] for i in range(2)]
        lookahead.append([theta[i] + mu * v[i] for i in range(2)])

    rule = nesterov(lr, mu)
    params = np.array([2.0, -3.0])
    state = rule.init(params)
    ours = []
    for _ in range(12):
        step, state = rule.update(A @ params - b, state, params)
        params = params + step
        ours.append(params.copy())
    np.testing.assert_allclose(ours, lookahead, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    ("lr", "b1", "b2", "eps"), [(0.001, 0.9, 0.999, 1e-8), (0.1, 0.5, 0.9, 1e-3)]
)
def test_adam_matches_kingma_ba_algorithm_1(lr, b1, b2, eps):
    grads = grad_sequence(6)
    expected = adam_algorithm1_reference(P0, grads, lr, b1, b2, eps)
    np.testing.assert_allclose(run_rule(adam(lr, b1, b2, eps), P0, grads), expected, rtol=1e-13)


def test_adam_matches_pytorch_implementation_order():
    grads = grad_sequence(7)
    expected = adam_torch_reference(P0, grads, 0.01, 0.9, 0.999, 1e-8)
    np.testing.assert_allclose(run_rule(adam(0.01), P0, grads), expected, rtol=1e-12)


def test_adam_first_step_is_minus_lr_times_sign():
    """Bias correction makes the first step -lr g / (|g| + eps) (Kingma & Ba, sec. 2.1)."""
    g = np.array([4.0, -0.25, 1e-3])
    rule = adam(0.01, eps=1e-8)
    step, _ = rule.update(g, rule.init(np.zeros(3)), np.zeros(3))
    np.testing.assert_allclose(step, -0.01 * g / (np.abs(g) + 1e-8), rtol=1e-14)


# ------------------------------------------------------------------ tests: minimising


def quadratic():
    """f(x) = x^T A x / 2 - b^T x with A SPD, eigenvalues 1..10; SciPy solves A x = b."""
    rng = np.random.default_rng(42)
    Q, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    A = Q @ np.diag(np.linspace(1.0, 10.0, 5)) @ Q.T
    b = rng.normal(size=5)
    return A, b, scipy.linalg.solve(A, b, assume_a="pos")


@pytest.mark.parametrize(
    "rule",
    [
        gd(0.15),
        momentum(0.05, 0.6),
        nesterov(0.05, 0.6),
        adam(exponential_decay(0.1, 0.5, 300)),
        chain(clip_by_global_norm(1.0), adam(cosine_decay(0.1, 1500, 0.0))),
    ],
    ids=["gd", "momentum", "nesterov", "adam", "clip+adam"],
)
def test_rules_minimise_a_strictly_convex_quadratic(rule):
    A, b, x_star = quadratic()
    x = np.zeros(5)
    state = rule.init(x)
    for _ in range(1500):
        step, state = rule.update(A @ x - b, state, x)
        x = x + step
    np.testing.assert_allclose(x, x_star, atol=1e-9)


# the notes' toy problem: two points, w = b = -2, summed gradients
NOTES_X = [0.5, 2.5]
NOTES_Y = [0.2, 0.9]


def notes_loop(eta: float, epochs: int, loss: str) -> tuple[float, float]:
    """The notes' ``do_gradient_descent``, transcribed with ``math``.

    The notes' grad functions: squared error (fx - y) fx (1 - fx) [x], cross-entropy
    (fx - y) [x]; the gradients are summed over the data, then w -= eta dw.
    """

    def f(w, b, x):
        return 1.0 / (1.0 + math.exp(-(w * x + b)))

    w, b = -2.0, -2.0
    for _ in range(epochs):
        dw, db = 0.0, 0.0
        for x, y in zip(NOTES_X, NOTES_Y, strict=True):
            fx = f(w, b, x)
            delta = (fx - y) * fx * (1 - fx) if loss == "sq" else (fx - y)
            dw += delta * x
            db += delta
        w = w - eta * dw
        b = b - eta * db
    return w, b


@pytest.mark.parametrize(
    ("loss", "cls"), [("sq", SigmoidHalfSquaredError), ("ce", BinaryCrossEntropy)]
)
@pytest.mark.parametrize("eta", [1.0, 0.3])
def test_gd_on_mean_objective_equals_notes_summed_loop(loss, cls, eta):
    """gd with rate eta on the mean objective == the notes' summed-gradient loop at eta / n."""
    n = len(NOTES_X)
    obj = make_objective(np.array(NOTES_X)[:, None], np.array(NOTES_Y), cls())
    rule = gd(eta)
    theta = np.array([-2.0, -2.0])
    state = rule.init(theta)
    epochs = 300
    for _ in range(epochs):
        _, g = obj.loss_gradient(theta)
        step, state = rule.update(g, state, theta)
        theta = theta + step
    w, b = notes_loop(eta / n, epochs, loss)
    np.testing.assert_allclose(theta, [w, b], rtol=1e-11)
    # and the run actually moved toward the targets
    assert obj.loss(theta) < obj.loss(np.array([-2.0, -2.0]))


# ------------------------------------------------------------------ tests: dtypes, warnings


@pytest.mark.parametrize("name", sorted(RULES))
def test_float32_is_preserved(name):
    rule = RULES[name]()
    p = np.array([1.0, -2.0, 0.5], dtype=np.float32)
    state = rule.init(p)
    for _ in range(3):
        step, state = rule.update(np.array([0.1, -0.2, 3.0], dtype=np.float32), state, p)
        assert step.dtype == np.float32
        p = p + step
    assert p.dtype == np.float32
    for value in vars(state).values():
        if isinstance(value, np.ndarray):
            assert value.dtype == np.float32


def test_adam_huge_gradient_raises_no_warning():
    rule = adam(0.1)
    p = np.zeros(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        step, _ = rule.update(np.array([1e200, -1.0]), rule.init(p), p)
    assert np.all(np.isfinite(step))
    assert step[1] == pytest.approx(0.1, rel=1e-6)  # the ordinary coordinate is unaffected


def test_clip_by_global_norm_hand_values():
    clip = clip_by_global_norm(1.0)
    g, _ = clip.update(np.array([3.0, 4.0]), clip.init(np.zeros(2)), np.zeros(2))
    np.testing.assert_allclose(g, [0.6, 0.8], rtol=1e-15)
    g, _ = clip.update(np.array([0.3, 0.4]), clip.init(np.zeros(2)), np.zeros(2))
    np.testing.assert_array_equal(g, [0.3, 0.4])  # under the limit: untouched
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g, _ = clip.update(np.array([3e300, 4e300]), clip.init(np.zeros(2)), np.zeros(2))
    np.testing.assert_allclose(g, [0.6, 0.8], rtol=1e-14)


def test_chain_feeds_each_output_to_the_next():
    """chain(clip(2), gd(0.5)) on g = [6, 8] (norm 10): step = -0.5 * [1.2, 1.6]."""
    rule = chain(clip_by_global_norm(2.0), gd(0.5))
    p = np.zeros(2)
    step, state = rule.update(np.array([6.0, 8.0]), rule.init(p), p)
    np.testing.assert_allclose(step, [-0.6, -0.8], rtol=1e-15)
    assert isinstance(state, ChainState)
    assert state.states[1].count == 1


# ------------------------------------------------------------------ tests: state


def advanced_states():
    """Each rule's state after a few updates, in float64 and float32."""
    cases = []
    for name in sorted(RULES):
        for dtype in (np.float64, np.float32):
            cases.append((name, RULES[name](), dtype))
    cases.append(("chain", chain(clip_by_global_norm(0.5), adam(0.01)), np.float64))
    return cases


@pytest.mark.parametrize(("name", "rule", "dtype"), advanced_states())
def test_state_round_trips_exactly_through_json(name, rule, dtype):
    rng = np.random.default_rng(0)
    p = rng.normal(size=(4,)).astype(dtype)
    state = rule.init(p)
    for _ in range(5):
        step, state = rule.update(rng.normal(size=4).astype(dtype) * 1e3, state, p)
        p = p + step
    text = json.dumps(state_to_dict(state))
    restored = state_from_dict(name, json.loads(text))
    assert type(restored) is type(state)

    def leaves(s):
        if isinstance(s, ChainState):
            return [x for sub in s.states for x in leaves(sub)]
        return list(vars(s).values())

    for a, b in zip(leaves(state), leaves(restored), strict=True):
        if isinstance(a, np.ndarray):
            assert a.dtype == b.dtype
            np.testing.assert_array_equal(a, b)
        else:
            assert a == b and type(a) is type(b)
    # continuing from either state gives bit-identical steps
    g = rng.normal(size=4).astype(dtype)
    s1, _ = rule.update(g, state, p)
    s2, _ = rule.update(g, restored, p)
    np.testing.assert_array_equal(s1, s2)


def test_state_to_dict_is_plain_json_values():
    rule = adam(0.01)
    p = np.arange(3.0)
    _, state = rule.update(np.ones(3), rule.init(p), p)
    d = state_to_dict(state)
    assert d["count"] == 1 and isinstance(d["count"], int)
    assert d["mu"] == pytest.approx([0.1, 0.1, 0.1])  # (1 - b1) g
    assert all(isinstance(v, (int, float, str, list)) for v in d.values())


def test_state_from_dict_refuses_other_rules_state():
    rule = momentum()
    d = state_to_dict(rule.init(np.zeros(2)))
    assert isinstance(state_from_dict("nesterov", d), MomentumState)  # same state shape
    with pytest.raises(ValueError, match="adam"):
        state_from_dict("adam", d)
    with pytest.raises(ValueError, match="rule_name"):
        state_from_dict("rmsprop", d)
    with pytest.raises(ValueError, match="missing"):
        state_from_dict("momentum", {"type": "momentum", "count": 0})
    assert isinstance(state_from_dict("sgd", {"type": "gd", "count": 3}), GDState)
    with pytest.raises(ValueError, match="count"):
        state_from_dict("gd", {"type": "gd", "count": -1})


def test_rules_table():
    assert RULES["sgd"] is RULES["gd"] is gd
    assert RULES["momentum"] is momentum
    assert RULES["nesterov"] is nesterov
    assert RULES["adam"] is adam
    assert isinstance(adam().init(np.zeros(2)), AdamState)


# ------------------------------------------------------------------ tests: validation


@pytest.mark.parametrize(
    ("factory", "kwargs", "argument"),
    [
        (gd, {"learning_rate": 0.0}, "learning_rate"),
        (gd, {"learning_rate": -0.1}, "learning_rate"),
        (gd, {"learning_rate": math.nan}, "learning_rate"),
        (gd, {"learning_rate": math.inf}, "learning_rate"),
        (momentum, {"beta": 1.0}, "beta"),
        (momentum, {"beta": -0.1}, "beta"),
        (nesterov, {"beta": 1.5}, "beta"),
        (nesterov, {"learning_rate": 0}, "learning_rate"),
        (adam, {"b1": 1.0}, "b1"),
        (adam, {"b2": -0.5}, "b2"),
        (adam, {"eps": 0.0}, "eps"),
        (adam, {"eps": -1e-8}, "eps"),
        (adam, {"learning_rate": -1e-3}, "learning_rate"),
        (clip_by_global_norm, {"max_norm": 0.0}, "max_norm"),
    ],
)
def test_bad_hyper_parameters_raise_value_error_naming_them(factory, kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        factory(**kwargs)


def test_wrong_types_raise_type_error():
    with pytest.raises(TypeError, match="learning_rate"):
        gd("0.1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="chain argument 1"):
        chain(gd(), "adam")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one"):
        chain()


def test_grad_shape_mismatch_is_a_value_error():
    rule = adam()
    state = rule.init(np.zeros(3))
    with pytest.raises(ValueError, match="grad has shape"):
        rule.update(np.zeros(4), state, np.zeros(3))


def test_bad_schedule_value_is_reported():
    rule = gd(lambda t: -1.0)
    with pytest.raises(ValueError, match="schedule returned"):
        rule.update(np.ones(2), rule.init(np.zeros(2)), np.zeros(2))
