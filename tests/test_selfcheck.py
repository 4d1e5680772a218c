"""The package-wide gradient check (`sigmoid_neuron.selfcheck`): it covers every derivative
and catches wrong ones."""

from __future__ import annotations

import numpy as np
import pytest

from sigmoid_neuron import functional
from sigmoid_neuron.objective import LOSSES, BinaryCrossEntropy
from sigmoid_neuron.selfcheck import GradCheck, format_table, gradient_check_table


@pytest.fixture(scope="module")
def table() -> list[GradCheck]:
    return gradient_check_table(points=2)


def test_everything_is_covered_and_passes(table: list[GradCheck]) -> None:
    names = [row.name for row in table]
    assert len(names) == len(set(names))
    for derivative in (
        "sigmoid_derivative",
        "squared_error_derivative",
        "binary_cross_entropy_derivative",
        "binary_cross_entropy_with_logits_derivative",
    ):
        assert any(derivative in n for n in names), derivative
    for loss in LOSSES:
        assert f"links: {loss} dl/dz" in names
        assert f"links: {loss} d2l/dz2" in names
        for variant in ("intercept", "no intercept"):
            for extra in ("", ", weights + alpha"):
                for what in ("gradient", "Hessian"):
                    assert f"objective: {loss} ({variant}{extra}) {what}" in names
    failing = [(r.name, r.error) for r in table if not r.ok]
    assert failing == []
    assert all(r.points == 2 for r in table)
    assert max(r.error for r in table) < 1e-4


def test_catches_the_notes_wrong_sigmoid_derivative(monkeypatch: pytest.MonkeyPatch) -> None:
    # the notes' first step: e^-x / (1 - e^-x)^2 (a sign typo in the denominator)
    def wrong(z):  # type: ignore[no-untyped-def]
        z = np.asarray(z, dtype=float)
        return np.exp(-z) / (1.0 - np.exp(-z)) ** 2

    monkeypatch.setattr(functional, "sigmoid_derivative", wrong)
    rows = {r.name: r for r in gradient_check_table(points=1)}
    bad = rows["functional: sigmoid_derivative = d sigmoid/dz"]
    assert not bad.ok and bad.error > 0.1
    assert sum(not r.ok for r in rows.values()) == 1


def test_catches_the_notes_wrong_cross_entropy_sign(monkeypatch: pytest.MonkeyPatch) -> None:
    # seed 000's last line: t/y_hat + (1-t)/(1-y_hat) instead of -(t/y_hat - (1-t)/(1-y_hat))
    def wrong(y_true, y_prob):  # type: ignore[no-untyped-def]
        return y_true / y_prob + (1 - y_true) / (1 - y_prob)

    monkeypatch.setattr(functional, "binary_cross_entropy_derivative", wrong)
    rows = {r.name: r for r in gradient_check_table(points=1)}
    assert not rows["functional: binary_cross_entropy_derivative"].ok


def test_catches_a_wrong_loss_gradient_in_links_and_objective(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = BinaryCrossEntropy.loss_gradient

    def doubled(self, y, z):  # type: ignore[no-untyped-def]
        values, g = original(self, y, z)
        return values, 2.0 * g

    monkeypatch.setattr(BinaryCrossEntropy, "loss_gradient", doubled)
    rows = gradient_check_table(points=1)
    failed = {r.name for r in rows if not r.ok}
    assert "links: cross_entropy dl/dz" in failed
    assert "objective: cross_entropy (intercept) gradient" in failed
    assert "objective: cross_entropy (no intercept, weights + alpha) gradient" in failed
    assert not any("squared_error" in name for name in failed)


def test_format_table(table: list[GradCheck]) -> None:
    text = format_table(table)
    lines = text.splitlines()
    assert lines[0].split()[:1] == ["derivative"] and lines[0].rstrip().endswith("ok")
    assert len([ln for ln in lines if ln.endswith(" yes")]) == len(table)
    assert f"{len(table)} derivatives checked, all within tolerance" in text
    failing = [GradCheck("x", 1.0, 1e-4, 1)]
    assert "1 FAILED" in format_table(failing) and format_table(failing).count(" NO") == 1


def test_validates_arguments() -> None:
    with pytest.raises(ValueError, match="points"):
        gradient_check_table(points=0)
    with pytest.raises(ValueError, match="tolerance"):
        gradient_check_table(tolerance=0)
