"""Every built-in derivation verifies; broken copies and the notes' mistakes are caught.

Mutants are confirmed to be wrong by an independent oracle (SymPy ``lambdify`` with
plain floats), then the checker must report the first failure at the mutated step.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
import sympy as sp

from sigmoid_neuron.derivations import (
    Derivation,
    ExpressionParser,
    Status,
    Step,
    all_derivations,
    by_name,
    check_value_claim,
    names,
    render,
    sigmoid,
    value_claims,
)

DERIVATIONS = all_derivations()
ERRATA = [(d, e) for d in DERIVATIONS for e in d.errata]


#: The notes' derivations, in the notes' order (read off the notes, not off the code).
EXPECTED_NAMES = [
    "sigmoid_derivative",
    "binary_cross_entropy_derivative",
    "linear_regression_gradient",
    "logistic_cost_simplification",
    "logistic_regression_gradient",
    "kl_divergence",
    "binary_cross_entropy_two_class",
    "bce_wrt_prediction",
    "sigmoid_wrt_weight",
    "neuron_squared_error_gradient_w",
    "neuron_squared_error_gradient_b",
    "neuron_cross_entropy_gradient_w",
    "neuron_cross_entropy_gradient_b",
    "logistic_regression_hessian",
]

#: Points where both sides must be evaluated before "no difference" means agreement.
MIN_AGREEING_POINTS = 5


def _oracle_prepare(derivation: Derivation, expr: sp.Basic, instance: dict) -> sp.Basic:
    definitions = dict(derivation.definitions)
    for _ in range(3):
        expr = expr.xreplace(definitions)
    expr = expr.xreplace({k: sp.Integer(v) for k, v in instance.items()}).doit()
    expr = expr.xreplace(definitions).doit()
    # sigma(z) written out here, not through the package's own rewrite rule
    expr = expr.replace(sigmoid, lambda z: 1 / (1 + sp.exp(-z)))
    return expr.rewrite(sp.exp)


def _oracle_compare(derivation: Derivation, a: sp.Basic, b: sp.Basic) -> tuple[bool, int]:
    """(a and b differ at some random point, points where both were evaluated).

    Floats and ``lambdify``: no code shared with the checker.
    """
    rng = random.Random(1)
    evaluated = 0
    for instance in [dict(item) for item in derivation.instances]:
        pa = _oracle_prepare(derivation, a, instance)
        pb = _oracle_prepare(derivation, b, instance)
        variables = sorted(
            (pa.free_symbols | pb.free_symbols | pa.atoms(sp.Indexed) | pb.atoms(sp.Indexed))
            - {item.base.label for item in pa.atoms(sp.Indexed) | pb.atoms(sp.Indexed)},
            key=str,
        )
        dummies = [sp.Dummy() for _ in variables]
        mapping = dict(zip(variables, dummies, strict=True))
        fa = sp.lambdify(dummies, pa.xreplace(mapping), "math")
        fb = sp.lambdify(dummies, pb.xreplace(mapping), "math")
        for _ in range(20):
            point = []
            for v in variables:
                name = str(v.base.label) if isinstance(v, sp.Indexed) else str(v)
                domain = derivation.domain_of(name)
                point.append(rng.uniform(max(domain.low, -2) + 0.05, min(domain.high, 2) - 0.05))
            try:
                va, vb = fa(*point), fb(*point)
            except (ValueError, ZeroDivisionError, OverflowError):
                continue
            evaluated += 1
            if abs(va - vb) > 1e-6 * max(1.0, abs(va), abs(vb)):
                return True, evaluated
    return False, evaluated


def _oracle_differs(derivation: Derivation, a: sp.Basic, b: sp.Basic) -> bool:
    """True when a and b differ at some random point."""
    return _oracle_compare(derivation, a, b)[0]


def _oracle_agrees(derivation: Derivation, a: sp.Basic, b: sp.Basic) -> bool:
    """True when a and b agree at every random point, and enough points were evaluated."""
    differs, evaluated = _oracle_compare(derivation, a, b)
    return not differs and evaluated >= MIN_AGREEING_POINTS


def _drop_sign_candidates(expr: sp.Basic) -> Iterator[sp.Basic]:
    """Negate one term of each sum in turn ('a dropped sign'); finally the whole step."""
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Add) and len(node.args) >= 2:
            first, *rest = node.args
            yield expr.xreplace({node: sp.Add(-first, *rest, evaluate=False)})
    yield sp.Mul(-1, expr, evaluate=False)


def _swap_candidates(expr: sp.Basic) -> Iterator[sp.Basic]:
    """Swap two symbols (or two indexed arrays); else turn a fraction upside down."""
    symbols = sorted(
        (s for s in expr.free_symbols if isinstance(s, sp.Symbol) and not s.is_integer),
        key=str,
    )
    bases = sorted(expr.atoms(sp.IndexedBase), key=str)
    for group in (symbols, bases):
        for i, first in enumerate(group):
            for second in group[i + 1 :]:
                yield expr.xreplace({first: second, second: first})
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Pow) and node.exp.is_negative and node.exp.is_Number:
            yield expr.xreplace({node: node.base})
    for node in sp.preorder_traversal(expr):  # a - b written b - a
        if isinstance(node, sp.Add) and len(node.args) == 2:
            a, b = node.args
            if b.could_extract_minus_sign():
                yield expr.xreplace({node: sp.Add(-b, -a, evaluate=False)})
            elif a.could_extract_minus_sign():
                yield expr.xreplace({node: sp.Add(-a, -b, evaluate=False)})


MUTATIONS = {"dropped sign": _drop_sign_candidates, "swapped term": _swap_candidates}


def _mutant(derivation: Derivation, index: int, kind: str) -> sp.Basic:
    original = derivation.steps[index].expr
    for candidate in MUTATIONS[kind](original):
        if candidate != original and _oracle_differs(derivation, original, candidate):
            return candidate
    raise AssertionError(f"no {kind} mutant of step {index} of {derivation.name} changes it")


@pytest.mark.parametrize("derivation", DERIVATIONS, ids=lambda d: d.name)
def test_builtin_derivation_verifies(derivation: Derivation) -> None:
    result = derivation.verify()
    assert result.ok, render(result)
    assert result.steps[0].status is Status.GIVEN
    assert all(item.status in (Status.SYMBOLIC, Status.NUMERIC) for item in result.steps[1:])
    assert len(derivation.steps) >= 3


@pytest.mark.parametrize("derivation", DERIVATIONS, ids=lambda d: d.name)
def test_first_and_last_step_agree_by_oracle(derivation: Derivation) -> None:
    """An independent check of the whole chain: start and result are equal."""
    first, last = derivation.steps[0].expr, derivation.steps[-1].expr
    assert _oracle_agrees(derivation, first, last)


@pytest.mark.parametrize("kind", sorted(MUTATIONS))
@pytest.mark.parametrize("derivation", DERIVATIONS, ids=lambda d: d.name)
def test_broken_copies_are_caught_at_the_broken_step(derivation: Derivation, kind: str) -> None:
    for index in range(1, len(derivation.steps)):
        step = derivation.steps[index]
        broken = derivation.with_step(index, Step(_mutant(derivation, index, kind), step.rule))
        result = broken.verify(stop_on_failure=True)
        assert result.first_failure == index, (kind, index, render(result))
        failed = result.steps[index]
        assert failed.status is Status.FAILED
        assert failed.verdict.counterexample is not None


@pytest.mark.parametrize(
    ("derivation", "erratum"), ERRATA, ids=[f"{d.name}:{e.key}" for d, e in ERRATA]
)
def test_notes_mistake_is_caught_at_the_right_step(derivation: Derivation, erratum) -> None:
    notes = derivation.with_erratum(erratum)
    result = notes.verify()
    assert result.first_failure == erratum.fails_at, render(result)
    failed = result.steps[erratum.fails_at]
    assert failed.status is Status.FAILED
    example = failed.verdict.counterexample
    assert example is not None
    assert float(example.previous) != pytest.approx(float(example.current), rel=1e-6)
    # the oracle agrees that the notes' line differs from the correct one before it
    assert _oracle_differs(
        derivation, notes.steps[erratum.fails_at - 1].expr, notes.steps[erratum.fails_at].expr
    )


def test_the_notes_mistakes_named_in_the_brief_are_in_the_catalogue() -> None:
    keys = {(d.name, e.key) for d, e in ERRATA}
    assert ("sigmoid_derivative", "quotient-rule-denominator") in keys  # (1 - e^-x)
    assert ("sigmoid_derivative", "dropped-minus-one") in keys  # (1+e-1) -> (1+e)
    assert ("binary_cross_entropy_derivative", "final-sign-flip") in keys
    assert len(ERRATA) >= 6


def test_notes_sigmoid_values_are_truncated_not_rounded() -> None:
    results = [check_value_claim(claim) for claim in value_claims()]
    assert [r.claim.written for r in results] == ["0.0040", "0.9984", "0.5986"]
    assert [r.rounded for r in results] == ["0.0041", "0.9985", "0.5987"]
    assert not any(r.ok for r in results)


def test_lookup_by_name() -> None:
    assert names() == EXPECTED_NAMES
    assert [d.name for d in DERIVATIONS] == EXPECTED_NAMES
    for name in EXPECTED_NAMES:
        assert by_name(name).name == name
    assert by_name("sigmoid-derivative") is by_name("sigmoid_derivative")
    assert by_name(" neuron-cross-entropy-gradient-w ").name == "neuron_cross_entropy_gradient_w"
    with pytest.raises(KeyError, match="sigmoid_derivative"):
        by_name("nope")


@pytest.mark.parametrize("derivation", DERIVATIONS, ids=lambda d: d.name)
def test_text_output_parses_back_to_the_same_steps(derivation: Derivation) -> None:
    """What ``derive`` prints is valid ``check-derivation`` input (and means the same)."""
    parser = ExpressionParser(domains=dict(derivation.domains))
    for step in derivation.steps:
        parsed = parser.parse(sp.sstr(step.expr))
        by_name_map = {str(s): s for s in step.expr.atoms(sp.Symbol)}
        by_name_map.update({str(b.label): b for b in step.expr.atoms(sp.IndexedBase)})
        renamed = parsed.xreplace(
            {s: by_name_map[str(s)] for s in parsed.atoms(sp.Symbol) if str(s) in by_name_map}
        )
        renamed = renamed.xreplace(
            {
                b: by_name_map[str(b.label)]
                for b in renamed.atoms(sp.IndexedBase)
                if str(b.label) in by_name_map
            }
        )
        assert _oracle_agrees(derivation, step.expr, renamed), sp.sstr(step.expr)


@pytest.mark.parametrize("fmt", ["text", "latex", "markdown"])
def test_render_formats(fmt: str) -> None:
    result = by_name("binary_cross_entropy_derivative").verify()
    out = render(result, fmt)
    assert "all 6 steps verified" in out
    if fmt == "latex":
        assert r"\begin{align*}" in out and r"\checkmark" in out
    elif fmt == "markdown":
        assert "| step | check | expression | rule |" in out and "✓" in out
    else:
        assert " ✓ = " in out
    with pytest.raises(ValueError, match="format"):
        render(result, "html")
