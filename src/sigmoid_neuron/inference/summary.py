"""The coefficient table as text, laid out as statsmodels prints its summaries."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sigmoid_neuron.inference.covariance import Inference

WIDTH = 78

KIND_TEXT = {
    "nonrobust": "classical (inverse Hessian of the summed objective)",
    "HC0": "robust (HC0 sandwich)",
    "cluster": "cluster-robust (CRV1)",
}


@dataclass
class InferenceSummary:
    """What ``summary`` returns: ``str()`` (and the notebook ``repr``) is the text table;
    ``table`` is the :meth:`coef_table` DataFrame, ``inference`` the numbers behind it."""

    title: str
    table: pd.DataFrame
    inference: Inference
    header: list[tuple[str, str]] = field(default_factory=list)
    confidence_level: float = 0.95

    def __str__(self) -> str:
        return format_summary(self)

    def __repr__(self) -> str:
        return format_summary(self)


def _number(value: float, width: int) -> str:
    if np.isinf(value):
        text = "inf" if value > 0 else "-inf"
    elif value == 0 or 1e-4 <= abs(value) < 1e6:
        text = f"{value:.4f}"
    else:
        text = f"{value:.3e}"
    return text.rjust(width)


def _header_lines(pairs: list[tuple[str, str]]) -> list[str]:
    """Two columns of ``name: value`` pairs, as statsmodels' summary header."""
    half = WIDTH // 2
    cells = [f"{k}:".ljust(17) + v.rjust(half - 19) for k, v in pairs]
    return [
        (cells[i] + "  " + (cells[i + 1] if i + 1 < len(cells) else "")).rstrip()
        for i in range(0, len(cells), 2)
    ]


def format_summary(summary: InferenceSummary) -> str:
    """The text: title, header, one line per coefficient (grouped by class/target when there
    are several), and the warnings, between rules of ``=``."""
    inf, table = summary.inference, summary.table
    level = summary.confidence_level
    lo, hi = f"[{(1 - level) / 2:.3g}", f"{(1 + level) / 2:.3g}]"
    stat = inf.statistic
    labels = [str(v[-1]) if isinstance(v, tuple) else str(v) for v in table.index]
    name_w = max(12, min(30, max((len(s) for s in labels), default=0) + 1))
    cols = ["coef", "std err", stat, f"P>|{stat}|", lo, hi]
    head = " " * name_w + "".join(c.rjust(11) for c in cols)
    width = max(WIDTH, len(head))
    lines = ["=" * width, summary.title.center(width).rstrip(), "=" * width]
    lines += _header_lines(summary.header)
    groups: list[tuple[str | None, pd.DataFrame]]
    if isinstance(table.index, pd.MultiIndex):
        level_name = str(table.index.names[0])
        first = table.index.get_level_values(0)
        groups = [(f"{level_name} = {g}", table[first == g]) for g in dict.fromkeys(first.tolist())]
    else:
        groups = [(None, table)]
    for title, part in groups:
        lines += ["=" * width if title is None else "-" * width]
        if title is not None:
            lines.append(title)
        lines += [head, "-" * width]
        for key, row in part.iterrows():
            name = str(key[-1]) if isinstance(key, tuple) else str(key)
            if len(name) > name_w - 1:
                name = name[: name_w - 2] + "~"
            values = [row["coef"], row["se"], row[stat], row["p_value"], row["ci_lower"]]
            values.append(row["ci_upper"])
            p = row["p_value"]
            cells = [_number(v, 11) for v in values]
            cells[3] = (f"{p:.3f}" if p >= 0.001 else "0.000").rjust(11)
            lines.append(name.ljust(name_w) + "".join(cells))
    lines.append("=" * width)
    for i, text in enumerate(inf.messages, 1):
        lines += textwrap.wrap(f"[{i}] {text}", width, subsequent_indent="    ")
    if inf.messages:
        lines.append("=" * width)
    return "\n".join(lines)


def header(inference: Inference, model: str, target: str, alpha: float) -> list[tuple[str, str]]:
    """The header pairs: model, target, rows and weight, covariance, penalty, fit."""
    pairs = [
        ("Model", model),
        ("Target", target),
        ("Rows", f"{inference.n_rows:,}"),
        ("Sum of weights", f"{inference.total_weight:,.6g}"),
        ("Covariance", inference.kind),
        ("Distribution", "t" if inference.statistic == "t" else "normal"),
        ("Penalty alpha", f"{alpha:g}"),
        ("Sum of losses", f"{inference.loss_sum:.6g}"),
    ]
    if inference.df is not None:
        pairs.append(("Df (t)", f"{inference.df:g}"))
    if inference.n_clusters is not None:
        pairs.append(("Clusters", f"{inference.n_clusters:,}"))
    return pairs
