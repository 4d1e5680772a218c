"""Render checked derivations as plain text, LaTeX or Markdown.

The text format prints expressions in SymPy's input syntax, so any step can be pasted
into a file for ``sigmoid-neuron check-derivation``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy as sp

from sigmoid_neuron.derivations.steps import (
    Counterexample,
    Derivation,
    DerivationResult,
    Erratum,
    Status,
    StepResult,
    ValueClaimResult,
)

__all__ = [
    "FORMATS",
    "printable",
    "render",
    "render_errata",
    "render_latex",
    "render_markdown",
    "render_text",
    "summary",
]

FORMATS = ("text", "latex", "markdown")

_LATEX_MARKS = {
    Status.GIVEN: "",
    Status.SYMBOLIC: r"\checkmark",
    Status.NUMERIC: r"\approx",
    Status.FAILED: r"\times",
    Status.UNDECIDED: "?",
}


def summary(result: DerivationResult) -> str:
    """One line: how many steps were verified, and how, or where the first failure is."""
    checked = len(result.steps) - 1
    counts = (
        f"{result.count(Status.SYMBOLIC)} symbolically (✓), "
        f"{result.count(Status.NUMERIC)} numerically (≈)"
    )
    if result.ok:
        return f"all {checked} steps verified: {counts}"
    first = result.first_failure
    failed = result.count(Status.FAILED)
    undecided = result.count(Status.UNDECIDED)
    return (
        f"NOT verified: first bad step {first}; {failed} failed (✗), {undecided} undecided (?), "
        f"{counts}"
    )


def _symbols_line(derivation: Derivation) -> str:
    names: set[str] = set()
    for step in derivation.steps:
        for atom in step.expr.atoms(sp.Indexed):
            names.add(str(atom.base.label))
        for symbol in step.expr.free_symbols:
            if not isinstance(symbol, sp.Indexed):
                names.add(str(symbol))
    bound = set()
    for step in derivation.steps:
        for item in step.expr.atoms(sp.Sum):
            bound |= {str(limit[0]) for limit in item.limits}
    for _, value in derivation.definitions:
        names |= {str(symbol) for symbol in value.free_symbols}
    sizes = {str(key) for instance in derivation.instances for key, _ in instance}
    shown = sorted(names - bound - sizes - {str(key) for key, _ in derivation.definitions})
    return ", ".join(f"{name} {derivation.domain_of(name).describe()}" for name in shown)


def _header_lines(derivation: Derivation) -> list[str]:
    lines = [f"source: {derivation.source}", f"symbols: {_symbols_line(derivation)}"]
    if derivation.definitions:
        lines.append(
            "definitions: "
            + "; ".join(
                f"{sp.sstr(key)} = {sp.sstr(value)}" for key, value in derivation.definitions
            )
        )
    if any(derivation.instances):
        lines.append(
            "checked for: "
            + "; ".join(
                ", ".join(f"{key} = {value}" for key, value in instance)
                for instance in derivation.instances
            )
        )
    return lines


def _counterexample(example: Counterexample, index: int) -> str:
    return example.describe(f"step {index - 1}", f"step {index}")


def render_text(result: DerivationResult) -> str:
    """Plain text: one numbered block per step with its mark, rule and verdict."""
    derivation = result.derivation
    lines = [f"{derivation.name}: {derivation.title}", *_header_lines(derivation), ""]
    for item in result.steps:
        prefix = "   " if item.index == 0 else " = "
        lines.append(f"{item.index:>3} {item.status.mark}{prefix}{sp.sstr(item.step.expr)}")
        verdict = "" if item.index == 0 else f"   [{item.verdict.method}]"
        lines.append(f"        {item.step.rule}{verdict}")
        if item.verdict.counterexample is not None:
            lines.append(f"        ✗ {_counterexample(item.verdict.counterexample, item.index)}")
        elif item.status is Status.UNDECIDED:
            lines.append(f"        ? {item.verdict.method}")
    lines += ["", summary(result)]
    return "\n".join(lines) + "\n"


def _latex_text(text: str) -> str:
    replacements = {
        "\\": r"\textbackslash{}",
        "{": r"\{",
        "}": r"\}",
        "&": r"\&",
        "%": r"\%",
        "$": r"\$",
        "#": r"\#",
        "_": r"\_",
        "^": r"\^{}",
        "~": r"\~{}",
    }
    return "".join(replacements.get(char, char) for char in text)


def render_latex(result: DerivationResult) -> str:
    """A LaTeX ``align*`` block (needs amssymb for ``\\checkmark``); comments carry the rest."""
    derivation = result.derivation
    lines = [f"% {derivation.name}: {derivation.title}"]
    lines += [f"% {line}" for line in _header_lines(derivation)]
    lines.append(r"\begin{align*}")
    for item in result.steps:
        relation = "&" if item.index == 0 else "&="
        mark = _LATEX_MARKS[item.status]
        note = rf"{mark}\ \text{{{_latex_text(item.step.rule)}}}"
        end = r" \\" if item.index < len(result.steps) - 1 else ""
        lines.append(f"  {relation} {sp.latex(item.step.expr)} && {note}{end}")
        if item.verdict.counterexample is not None:
            lines.append(f"  % ✗ {_counterexample(item.verdict.counterexample, item.index)}")
    lines.append(r"\end{align*}")
    lines.append(f"% {summary(result)}")
    return "\n".join(lines) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", r"\|")


def _md_math(expr: sp.Basic) -> str:
    return "$" + sp.latex(expr).replace("|", r"\vert ") + "$"


def render_markdown(result: DerivationResult) -> str:
    """A Markdown section: a table of steps (LaTeX math), then the summary."""
    derivation = result.derivation
    lines = [f"### `{derivation.name}`: {_md_cell(derivation.title)}", ""]
    lines += [f"- {_md_cell(line)}" for line in _header_lines(derivation)]
    lines += ["", "| step | check | expression | rule |", "|---:|:---:|---|---|"]
    for item in result.steps:
        check = "" if item.index == 0 else f"{item.status.mark} {item.status.value}"
        lines.append(
            f"| {item.index} | {check} | {_md_math(item.step.expr)} | {_md_cell(item.step.rule)} |"
        )
    lines.append("")
    for item in result.steps:
        if item.verdict.counterexample is not None:
            lines.append(
                f"- **step {item.index} fails** "
                f"{_md_cell(_counterexample(item.verdict.counterexample, item.index))}"
            )
    lines += [f"**{_md_cell(summary(result))}**", ""]
    return "\n".join(lines)


_RENDERERS: dict[str, Callable[[DerivationResult], str]] = {
    "text": render_text,
    "latex": render_latex,
    "markdown": render_markdown,
}


def render(result: DerivationResult, fmt: str = "text") -> str:
    """Render ``result`` in ``fmt``: ``text``, ``latex`` or ``markdown``."""
    try:
        renderer = _RENDERERS[fmt]
    except KeyError:
        raise ValueError(
            f"format: {fmt!r} is unknown; choose one of {', '.join(FORMATS)}"
        ) from None
    return renderer(result)


def _caught_at(result: DerivationResult, erratum: Erratum) -> tuple[bool, str, StepResult | None]:
    first = result.first_failure
    step = next((item for item in result.steps if item.index == first), None)
    caught = first == erratum.fails_at
    where = "not caught" if first is None else f"step {first}"
    return caught, where, step


def render_errata(
    errata: Sequence[tuple[Derivation, Erratum, DerivationResult]],
    values: Sequence[ValueClaimResult],
    fmt: str = "text",
) -> str:
    """The notes' mistakes and what the checker says about each (text or markdown)."""
    if fmt == "markdown":
        lines = [
            "| derivation | where in the notes | written | right | checker |",
            "|---|---|---|---|---|",
        ]
        for derivation, erratum, result in errata:
            caught, where, step = _caught_at(result, erratum)
            detail = f"✗ at {where}" if caught else f"NOT caught as expected ({where})"
            if step is not None and step.verdict.counterexample is not None:
                detail += ": " + _counterexample(step.verdict.counterexample, step.index)
            lines.append(
                "| "
                + " | ".join(
                    _md_cell(cell)
                    for cell in (
                        f"`{derivation.name}`",
                        erratum.location,
                        f"`{erratum.written}`",
                        erratum.right,
                        detail,
                    )
                )
                + " |"
            )
        for value in values:
            verdict = "correct" if value.ok else f"✗ rounds to {value.rounded}"
            lines.append(
                f"| (value) | {_md_cell(value.claim.location)} | `{value.claim.written}` | "
                f"{value.value}... | {verdict} |"
            )
        return "\n".join(lines) + "\n"
    if fmt != "text":
        raise ValueError("format: --errata prints text or markdown")
    lines = []
    for derivation, erratum, result in errata:
        caught, where, step = _caught_at(result, erratum)
        mark = "✗" if caught else "!"
        lines.append(f"{mark} {derivation.name} [{erratum.key}] caught at {where}")
        lines.append(f"    where:   {erratum.location}")
        lines.append(f"    written: {erratum.written}")
        lines.append(f"    right:   {erratum.right}")
        if step is not None and step.verdict.counterexample is not None:
            lines.append(f"    {_counterexample(step.verdict.counterexample, step.index)}")
        if not caught:
            lines.append(f"    ! expected the first failure at step {erratum.fails_at}")
    for value in values:
        mark = "✓" if value.ok else "✗"
        lines.append(
            f"{mark} value {value.claim.location}: written {value.claim.written}, "
            f"exact {value.value}..., rounds to {value.rounded}"
        )
    return "\n".join(lines) + "\n"


def printable(text: str, encoding: str | None) -> str:
    """``text`` with characters the stream's ``encoding`` cannot write replaced by '?'."""
    if not encoding:
        return text
    try:
        return text.encode(encoding, errors="replace").decode(encoding)
    except LookupError:
        return text
