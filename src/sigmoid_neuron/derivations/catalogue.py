"""The derivations of the course notes, step by step, and the notes' own mistakes.

Every derivation is built from SymPy objects only. Steps are kept in the unevaluated
form the notes write them in (``UnevaluatedExpr``, ``evaluate=False``, unevaluated
``Derivative`` / ``Sum``); the checker evaluates them (``doit``) before comparing.

The notes are ``shared/seeds/000_5e8543a9bc1c14a3.txt`` ("seed 000", Differentiation of
the sigmoid activation and cross-entropy loss) and ``002_c96d548af70d4e49.txt``
("seed 002", Sigmoid neuron and cross-entropy).
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from sigmoid_neuron.derivations.functions import sigmoid
from sigmoid_neuron.derivations.steps import (
    PROBABILITY,
    REAL,
    Derivation,
    Erratum,
    Step,
    ValueClaim,
    make_derivation,
)

__all__ = ["all_derivations", "by_name", "names", "value_claims"]

SEED_000 = "seed 000 (Differentiation of the Sigmoid activation and crossentropy loss)"
SEED_002 = "seed 002 (Sigmoid Neuron and Cross-Entropy)"

_U = sp.UnevaluatedExpr


def _neg(expr: sp.Expr) -> sp.Expr:
    """−(expr) without distributing the minus sign (kept for display)."""
    return sp.Mul(-1, expr, evaluate=False)


def _frac(numerator: sp.Expr, denominator: sp.Expr) -> sp.Expr:
    """numerator / denominator without cancelling (kept for display)."""
    return sp.Mul(numerator, sp.Pow(denominator, -1, evaluate=False), evaluate=False)


def _index(name: str) -> sp.Symbol:
    return sp.Symbol(name, integer=True, positive=True)


# --------------------------------------------------------------------------- seed 000


def _sigmoid_derivative() -> Derivation:
    x = REAL.symbol("x")
    e = sp.exp(-x)
    v = 1 + e
    g = 1 / v
    notes_v = 1 - e
    return make_derivation(
        "sigmoid_derivative",
        "Derivative of the sigmoid: g'(x) = g(x)(1 - g(x))",
        f"{SEED_000}, 'Derivative of Sigmoid Function'",
        [
            (sp.Derivative(g, x), "differentiate g(x) = 1/(1 + e^(-x))"),
            (
                (_U(0) * v - _U(1) * (-e)) / v**2,
                "quotient rule (u/v)' = (v u' - u v')/v^2 with u = 1, v = 1 + e^(-x)",
            ),
            (e / v**2, "simplify the numerator"),
            (_U(g) * _U(e / v), "split the fraction"),
            (_U(g) * _U(sp.Add(1, e, -1, evaluate=False) / v), "add and subtract 1"),
            (_U(g) * (_U(_frac(v, v)) - g), "split the numerator"),
            (_U(g) * (1 - g), "(1 + e^(-x))/(1 + e^(-x)) = 1"),
            (sigmoid(x) * (1 - sigmoid(x)), "g(x) = 1/(1 + e^(-x))"),
        ],
        domains={"x": REAL},
        errata=[
            Erratum(
                key="quotient-rule-denominator",
                location=f"{SEED_000}, 'Derivative of Sigmoid Function', first attempt, lines 2-3",
                written="((0)(1 - e^{-x}) - 1(-e^{-x}))/(1 - e^{-x})^2 = e^{-x}/(1 - e^{-x})^2",
                right="v = 1 + e^{-x}: ((0)(1 + e^{-x}) - 1(-e^{-x}))/(1 + e^{-x})^2 "
                "= e^{-x}/(1 + e^{-x})^2",
                start=1,
                stop=3,
                steps=(
                    Step(
                        (_U(0) * notes_v - _U(1) * (-e)) / notes_v**2,
                        "quotient rule, as in the notes (v written 1 - e^(-x))",
                    ),
                    Step(e / notes_v**2, "simplify the numerator"),
                ),
                fails_at=1,
            ),
            Erratum(
                key="dropped-minus-one",
                location=f"{SEED_000}, 'Derivative of Sigmoid Function', second attempt, line 4",
                written="1/(1 + e^{-x}) . (1 + e^{-x})/(1 + e^{-x})",
                right="1/(1 + e^{-x}) . ((1 + e^{-x})/(1 + e^{-x}) - 1/(1 + e^{-x})): "
                "the -1 of the numerator cannot be dropped",
                start=5,
                stop=6,
                steps=(Step(_U(g) * _U(_frac(v, v)), "split the numerator, as in the notes"),),
                fails_at=5,
            ),
            Erratum(
                key="missing-parentheses",
                location=f"{SEED_000}, 'Derivative of Sigmoid Function', second attempt, line 5",
                written="1/(1 + e^{-x}) . 1 - 1/(1 + e^{-x})",
                right="1/(1 + e^{-x}) . (1 - 1/(1 + e^{-x})); as printed it equals 0",
                start=6,
                stop=7,
                steps=(Step(_U(g) * _U(1) - g, "as printed in the notes (no parentheses)"),),
                fails_at=6,
            ),
        ],
    )


def _binary_cross_entropy_derivative() -> Derivation:
    t = PROBABILITY.symbol("t")
    yhat = PROBABILITY.symbol("yhat")
    d = sp.Derivative
    return make_derivation(
        "binary_cross_entropy_derivative",
        "Binary cross-entropy E_b = -[t ln(yhat) + (1 - t) ln(1 - yhat)] w.r.t. yhat",
        f"{SEED_000}, 'Derivative of Cross-Entropy Function'",
        [
            (
                d(_neg(t * sp.log(yhat) + (1 - t) * sp.log(1 - yhat)), yhat),
                "differentiate E_b w.r.t. yhat (t is a constant)",
            ),
            (
                _neg(d(t * sp.log(yhat), yhat) + d((1 - t) * sp.log(1 - yhat), yhat)),
                "sum rule",
            ),
            (
                _neg(
                    t * d(sp.log(yhat), yhat)
                    + sp.log(yhat) * d(t, yhat)
                    + (1 - t) * d(sp.log(1 - yhat), yhat)
                    + sp.log(1 - yhat) * d(1 - t, yhat)
                ),
                "product rule on both terms",
            ),
            (
                _neg(
                    t / yhat
                    + sp.log(yhat) * _U(0)
                    - (1 - t) / (1 - yhat)
                    + sp.log(1 - yhat) * _U(0)
                ),
                "d ln(yhat) = 1/yhat, d ln(1 - yhat) = -1/(1 - yhat), dt = 0",
            ),
            (_neg(t / yhat - (1 - t) / (1 - yhat)), "drop the zero terms"),
            (-t / yhat + (1 - t) / (1 - yhat), "distribute the minus sign"),
            ((yhat - t) / (yhat * (1 - yhat)), "common denominator"),
        ],
        domains={"t": PROBABILITY, "yhat": PROBABILITY},
        errata=[
            Erratum(
                key="final-sign-flip",
                location=f"{SEED_000}, 'Derivative of Cross-Entropy Function', last line",
                written="-(t/yhat - (1 - t)/(1 - yhat)) = (t/yhat + (1 - t)/(1 - yhat))",
                right="-t/yhat + (1 - t)/(1 - yhat) = (yhat - t)/(yhat (1 - yhat))",
                start=5,
                stop=6,
                steps=(Step(t / yhat + (1 - t) / (1 - yhat), "as in the notes"),),
                fails_at=5,
            )
        ],
    )


def _linear_regression_gradient() -> Derivation:
    theta = REAL.indexed("theta")
    x = REAL.indexed("x")
    y = REAL.indexed("y")
    i, k, m, n, j = (_index(name) for name in "ikmnj")
    h = sp.Sum(theta[k] * x[i, k], (k, 1, n))
    r = h - y[i]
    d = sp.Derivative
    steps = [
        (
            d(sp.Sum(r**2, (i, 1, m)) / (2 * m), theta[j]),
            "J(theta) = 1/(2m) sum_i (h_theta(x^(i)) - y^(i))^2 with h_theta(x^(i)) = "
            "sum_k theta_k x_k^(i); differentiate w.r.t. theta_j",
        ),
        (
            sp.Sum(d(r**2, theta[j]), (i, 1, m)) / (2 * m),
            "1/(2m) is a constant; the derivative of a sum is the sum of the derivatives",
        ),
        (
            sp.Sum(2 * r * d(h, theta[j]), (i, 1, m)) / (2 * m),
            "chain rule: d(stuff)^2 = 2 stuff d(stuff)",
        ),
        (
            sp.Sum(2 * r * d(theta[j] * x[i, j], theta[j]), (i, 1, m)) / (2 * m),
            "only the k = j term of h_theta depends on theta_j",
        ),
        (sp.Sum(2 * r * x[i, j], (i, 1, m)) / (2 * m), "d(theta_j x_j)/d theta_j = x_j"),
        (sp.Sum(r * x[i, j], (i, 1, m)) / m, "the 2s cancel"),
    ]
    return make_derivation(
        "linear_regression_gradient",
        "Gradient of the half-MSE cost of linear regression w.r.t. theta_j",
        f"{SEED_000}, 'Partial Derivative of cost function for linear regression'",
        steps,
        domains={"theta": REAL, "x": REAL, "y": REAL},
        instances=[{m: 3, n: 2, j: 1}, {m: 2, n: 3, j: 3}],
        errata=[
            Erratum(
                key="differentiates-by-theta-i",
                location=f"{SEED_000}, 'Partial Derivative of cost function for linear "
                "regression', d h_theta / d theta",
                written="d/d theta_i h_theta = d/d theta_i theta_j^T x_j",
                right="d h_theta(x^(i)) / d theta_j = d(theta_j x_j^(i)) / d theta_j "
                "= x_j^(i) (the derivative must be taken w.r.t. theta_j, the kept term)",
                start=3,
                stop=4,
                steps=(
                    Step(
                        sp.Sum(2 * r * d(theta[j] * x[i, j], theta[i]), (i, 1, m)) / (2 * m),
                        "as in the notes: w.r.t. theta_i, keeping theta_j x_j",
                    ),
                ),
                fails_at=3,
            )
        ],
    )


def _logistic_cost_simplification() -> Derivation:
    y = PROBABILITY.indexed("y")
    z = REAL.indexed("z")
    i, m = _index("i"), _index("m")
    zi, yi = z[i], y[i]
    s = 1 / (1 + sp.exp(-zi))
    lg = sp.log(1 + sp.exp(-zi))

    def cost(term: sp.Expr, sign: int = -1) -> sp.Expr:
        total = sp.Sum(term, (i, 1, m))
        return _neg(total) / m if sign < 0 else total / m

    return make_derivation(
        "logistic_cost_simplification",
        "Logistic-regression cost simplified to (1/m) sum [log(1 + e^(-z)) + (1 - y) z]",
        f"{SEED_000}, 'Partial Derivative of Cost Function for Logistic Regression', step 1",
        [
            (
                cost(yi * sp.log(sigmoid(zi)) + (1 - yi) * sp.log(1 - sigmoid(zi))),
                "J(theta) with h_theta(x^(i)) = sigmoid(z_i), z_i = theta^T x^(i)",
            ),
            (
                cost(yi * sp.log(s) + (1 - yi) * sp.log(1 - s)),
                "replace h_theta(x^(i)) with the sigmoid",
            ),
            (
                cost(yi * sp.log(s) + (1 - yi) * sp.log(sp.exp(-zi) / (1 + sp.exp(-zi)))),
                "convert the right term to a single rational expression",
            ),
            (
                cost(
                    yi * (sp.log(1, evaluate=False) - lg)
                    + (1 - yi) * sp.log(sp.exp(-zi) / (1 + sp.exp(-zi)))
                ),
                "log(a/b) = log(a) - log(b) on the left term",
            ),
            (
                cost(-yi * lg + (1 - yi) * sp.log(sp.exp(-zi) / (1 + sp.exp(-zi)))),
                "log(1) = 0",
            ),
            (
                cost(-yi * lg + (1 - yi) * sp.log(sp.exp(-zi), evaluate=False) - (1 - yi) * lg),
                "log(a/b) = log(a) - log(b) on the right term",
            ),
            (
                cost(-yi * lg - (1 - yi) * zi - (1 - yi) * lg),
                "log(e^a) = a (z is real): (1 - y) log(e^(-z)) = -(1 - y) z",
            ),
            (
                cost(yi * lg + (1 - yi) * zi + (1 - yi) * lg, sign=1),
                "move the minus sign inside the sum",
            ),
            (cost(lg + (1 - yi) * zi, sign=1), "combine the first and third terms"),
        ],
        domains={"y": PROBABILITY, "z": REAL},
        instances=[{m: 3}],
    )


def _logistic_regression_gradient() -> Derivation:
    theta = REAL.indexed("theta")
    x = REAL.indexed("x")
    y = PROBABILITY.indexed("y")
    i, k, m, n, j = (_index(name) for name in "ikmnj")
    z = sp.Sum(theta[k] * x[i, k], (k, 1, n))
    yi, xij = y[i], x[i, j]
    ez = sp.exp(-z)
    d = sp.Derivative

    def mean(term: sp.Expr) -> sp.Expr:
        return sp.Sum(term, (i, 1, m)) / m

    return make_derivation(
        "logistic_regression_gradient",
        "Gradient of the logistic-regression cost: (1/m) sum (h - y) x_j",
        f"{SEED_000}, 'Partial Derivative of Cost Function for Logistic Regression', step 2",
        [
            (
                d(
                    _neg(
                        sp.Sum(
                            yi * sp.log(sigmoid(z)) + (1 - yi) * sp.log(1 - sigmoid(z)), (i, 1, m)
                        )
                    )
                    / m,
                    theta[j],
                ),
                "dJ/d theta_j for J as defined, z_i = theta^T x^(i) = sum_k theta_k x_k^(i)",
            ),
            (
                d(mean(sp.log(1 + ez) + (1 - yi) * z), theta[j]),
                "the simplified cost (derivation logistic_cost_simplification)",
            ),
            (
                mean(-_frac(ez * xij, 1 + ez) + (1 - yi) * xij),
                "d log(1 + e^(-z)) = e^(-z) (-x_j)/(1 + e^(-z)), dz/d theta_j = x_j",
            ),
            (mean(_U(-ez / (1 + ez) + 1 - yi) * xij), "factor out x_j^(i)"),
            (mean(_U(1 / (1 + ez) - yi) * xij), "combine the first two terms"),
            (mean((sigmoid(z) - yi) * xij), "substitute h_theta(x^(i)) for the sigmoid"),
        ],
        domains={"theta": REAL, "x": REAL, "y": PROBABILITY},
        instances=[{m: 2, n: 2, j: 1}],
    )


# --------------------------------------------------------------------------- seed 002


def _kl_divergence() -> Derivation:
    p = PROBABILITY.indexed("p")
    q = PROBABILITY.indexed("q")
    i, big_k = _index("i"), _index("K")
    pi, qi = p[i], q[i]

    def total(term: sp.Expr) -> sp.Expr:
        return sp.Sum(term, (i, 1, big_k))

    cross = _neg(total(pi * sp.log(qi)))
    return make_derivation(
        "kl_divergence",
        "KL(p || q) = cross-entropy H(p, q) - entropy H(p)",
        f"{SEED_002}, KLD(y || yhat)",
        [
            (total(pi * sp.log(pi / qi)), "KL(p || q) = sum_i p_i log(p_i / q_i)"),
            (total(pi * sp.log(pi) - pi * sp.log(qi)), "log(a/b) = log(a) - log(b)"),
            (
                sp.Add(cross, total(pi * sp.log(pi)), evaluate=False),
                "split the sum: -sum_i p_i log q_i + sum_i p_i log p_i = H(p, q) - H(p), "
                "as in the notes",
            ),
        ],
        domains={"p": PROBABILITY, "q": PROBABILITY},
        instances=[{big_k: 2}, {big_k: 3}],
    )


def _two_class_cross_entropy() -> Derivation:
    y = PROBABILITY.indexed("y")
    yt = PROBABILITY.indexed("ytilde")
    i = sp.Symbol("i", integer=True, nonnegative=True)
    return make_derivation(
        "binary_cross_entropy_two_class",
        "Two-class cross-entropy -sum y_i log(ytilde_i) as -[(1 - y) log(1 - yhat) + y log yhat]",
        f"{SEED_002}, 'Using Cross-Entropy with Sigmoid Neuron'",
        [
            (
                _neg(sp.Sum(y[i] * sp.log(yt[i]), (i, 0, 1))),
                "L = -sum_{i in {0,1}} y_i log ytilde_i",
            ),
            (_neg(y[0] * sp.log(yt[0]) + y[1] * sp.log(yt[1])), "write out the two terms"),
            (
                _neg(y[0] * sp.log(1 - yt[1]) + y[1] * sp.log(yt[1])),
                "ytilde_0 = 1 - ytilde_1 (the two predicted probabilities sum to 1)",
            ),
            (
                _neg((1 - y[1]) * sp.log(1 - yt[1]) + y[1] * sp.log(yt[1])),
                "y_0 = 1 - y_1; with y = y_1, yhat = ytilde_1 this is "
                "-[(1 - y) log(1 - yhat) + y log yhat]",
            ),
        ],
        domains={"y": PROBABILITY, "ytilde": PROBABILITY},
        definitions={yt[0]: 1 - yt[1], y[0]: 1 - y[1]},
    )


def _bce_wrt_prediction() -> Derivation:
    y = PROBABILITY.symbol("y")
    yhat = PROBABILITY.symbol("yhat")
    return make_derivation(
        "bce_wrt_prediction",
        "dL/d yhat for L = -[(1 - y) log(1 - yhat) + y log yhat]",
        f"{SEED_002}, 'Computing partial derivatives with cross-entropy loss'",
        [
            (
                sp.Derivative(_neg((1 - y) * sp.log(1 - yhat)) - y * sp.log(yhat), yhat),
                "differentiate -(1 - y) log(1 - yhat) - y log yhat w.r.t. yhat",
            ),
            (
                (1 - y) / (1 - yhat) - y / yhat,
                "(-)(-1)(1 - y)/(1 - yhat) - y/yhat: d log(1 - yhat) = -1/(1 - yhat)",
            ),
            ((yhat - y) / ((1 - yhat) * yhat), "common denominator"),
        ],
        domains={"y": PROBABILITY, "yhat": PROBABILITY},
        errata=[
            Erratum(
                key="garbled-numerator",
                location=f"{SEED_002}, 'Computing partial derivatives with cross-entropy "
                "loss', dL/d yhat, middle line",
                written="(d/d yhat (1 - yhat)) / ((1 - yhat) yhat)",
                right="((1 - y) yhat - y (1 - yhat)) / ((1 - yhat) yhat) "
                "= (yhat - y)/((1 - yhat) yhat)",
                start=2,
                stop=2,
                steps=(
                    Step(
                        _frac(sp.Derivative(1 - yhat, yhat), (1 - yhat) * yhat),
                        "as printed in the notes",
                    ),
                ),
                fails_at=2,
            )
        ],
    )


def _sigmoid_wrt_weight() -> Derivation:
    w, x, b = (REAL.symbol(name) for name in "wxb")
    yhat = PROBABILITY.symbol("yhat")
    z = w * x + b
    e = sp.exp(-z)
    return make_derivation(
        "sigmoid_wrt_weight",
        "d yhat / dw = yhat (1 - yhat) x for yhat = sigmoid(wx + b)",
        f"{SEED_002}, 'Computing partial derivatives with cross-entropy loss', d yhat/dw",
        [
            (sp.Derivative(1 / (1 + e), w), "differentiate yhat = 1/(1 + e^(-(wx + b)))"),
            (
                -sp.Derivative(e, w) / (1 + e) ** 2,
                "d(1/u) = -u'/u^2 with u = 1 + e^(-(wx + b))",
            ),
            (
                -_U(e) * sp.Derivative(-z, w) / (1 + e) ** 2,
                "chain rule: d e^v = e^v dv",
            ),
            (
                _U(1 / (1 + e)) * _U(e / (1 + e)) * x,
                "d(-(wx + b))/dw = -x and (-1)(-x) = x; split the square",
            ),
            (yhat * (1 - yhat) * x, "1/(1 + e^(-z)) = yhat and e^(-z)/(1 + e^(-z)) = 1 - yhat"),
        ],
        domains={"w": REAL, "x": REAL, "b": REAL},
        definitions={yhat: sigmoid(z)},
    )


def _neuron_gradient(loss: str, wrt: str) -> Derivation:
    w, x, b = (REAL.symbol(name) for name in "wxb")
    y = PROBABILITY.symbol("y")
    yhat = PROBABILITY.symbol("yhat")
    var = w if wrt == "w" else b
    dz = x if wrt == "w" else sp.Integer(1)
    dyhat_text = (
        "yhat (1 - yhat) x (derivation sigmoid_wrt_weight)"
        if wrt == "w"
        else "yhat (1 - yhat) (as in sigmoid_wrt_weight, with dz/db = 1)"
    )
    dyhat = yhat * (1 - yhat) * dz
    if loss == "squared_error":
        value = (yhat - y) ** 2 / 2
        loss_text = "L = (yhat - y)^2 / 2"
        steps = [
            (sp.Derivative(value, var), f"{loss_text}, yhat = sigmoid(wx + b); d/d{wrt}"),
            (
                (yhat - y) * sp.Derivative(yhat, var),
                f"chain rule: dL/d{wrt} = dL/d yhat . d yhat/d{wrt}",
            ),
            ((yhat - y) * dyhat, f"d yhat/d{wrt} = {dyhat_text}"),
        ]
        title = f"Sigmoid neuron, squared error: dL/d{wrt} = (yhat - y) yhat (1 - yhat)"
        source = f"{SEED_002}, code: grad_{wrt} with the squared-error loss"
    else:
        value = _neg((1 - y) * sp.log(1 - yhat) + y * sp.log(yhat))
        loss_text = "L = -[(1 - y) log(1 - yhat) + y log yhat]"
        steps = [
            (sp.Derivative(value, var), f"{loss_text}, yhat = sigmoid(wx + b); d/d{wrt}"),
            (
                sp.Mul(_U((yhat - y) / ((1 - yhat) * yhat)), _U(dyhat), evaluate=False),
                f"chain rule dL/d yhat . d yhat/d{wrt}: (yhat - y)/(yhat (1 - yhat)) "
                f"(bce_wrt_prediction) times {dyhat_text}",
            ),
            ((yhat - y) * dz, "cancel yhat (1 - yhat)"),
        ]
        title = f"Sigmoid neuron, cross-entropy: dL/d{wrt} = (yhat - y)"
        source = f"{SEED_002}, 'Computing partial derivatives with cross-entropy loss'"
    if wrt == "w":
        title += " x"
    return make_derivation(
        f"neuron_{loss}_gradient_{wrt}",
        title,
        source,
        steps,
        domains={"w": REAL, "x": REAL, "b": REAL, "y": PROBABILITY},
        definitions={yhat: sigmoid(w * x + b)},
    )


# --------------------------------------------------------------------------- registry


@cache
def all_derivations() -> tuple[Derivation, ...]:
    """Every built-in derivation, in the order of the notes."""
    return (
        _sigmoid_derivative(),
        _binary_cross_entropy_derivative(),
        _linear_regression_gradient(),
        _logistic_cost_simplification(),
        _logistic_regression_gradient(),
        _kl_divergence(),
        _two_class_cross_entropy(),
        _bce_wrt_prediction(),
        _sigmoid_wrt_weight(),
        _neuron_gradient("squared_error", "w"),
        _neuron_gradient("squared_error", "b"),
        _neuron_gradient("cross_entropy", "w"),
        _neuron_gradient("cross_entropy", "b"),
    )


def names() -> list[str]:
    """Names of the built-in derivations."""
    return [derivation.name for derivation in all_derivations()]


def by_name(name: str) -> Derivation:
    """The built-in derivation called ``name`` (``-`` and ``_`` are interchangeable).

    Raises ``KeyError`` (whose message lists the valid names) for an unknown name.
    """
    wanted = name.strip().replace("-", "_")
    for derivation in all_derivations():
        if derivation.name == wanted:
            return derivation
    raise KeyError(f"unknown derivation {name!r}; choose one of: {', '.join(names())}")


@cache
def value_claims() -> tuple[ValueClaim, ...]:
    """The numbers the notes print, with the number of decimals printed."""
    where = f"{SEED_000}, 'Derivative of Sigmoid Function', examples"
    return tuple(
        ValueClaim(sigmoid(sp.Rational(arg)), written, 4, f"{where}: g({arg})")
        for arg, written in (("-5.5", "0.0040"), ("6.5", "0.9984"), ("0.4", "0.5986"))
    )
