"""Reader for the NIST StRD linear least-squares files in ``tests/data/nist``.

Each ``.dat`` file is the original NIST/ITL Statistical Reference Dataset: a header that
states the model, the line ranges of the certified values and of the data, the number of
observations, and the certified estimates ``B0, B1, ...`` with their standard deviations and
the residual standard deviation; then the data, one observation a line (``y`` first).

The header is parsed rather than trusted to fixed line numbers, and every count it states
(observations, data lines, parameters) is checked against what the file holds, so a
truncated or mangled copy fails loudly instead of giving a quietly different problem.

The design matrix is built for the certified model *without* the constant column: ``B0`` is
the intercept and ``B1..Bp`` line up with the columns of ``X``.  Two model forms occur in
the linear category:

* as many predictor columns as non-constant parameters (Norris, Longley): ``X`` is the data;
* one predictor and a polynomial of degree ``p`` (Pontius, Wampler1-5): ``X = [x, ..., x**p]``.

This module is a test helper, not a test: pytest imports it by its directory (``tests/`` is
not a package and pytest's default ``prepend`` import mode puts this directory on
``sys.path``), so tests here use ``from nist import load_nist``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import numpy as np

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "nist"

#: The data sets of the NIST StRD "Linear Least Squares Regression" category vendored here,
#: in NIST's order of difficulty (lower, average, higher).
DATASETS: tuple[str, ...] = (
    "Norris",
    "Pontius",
    "Longley",
    "Wampler1",
    "Wampler2",
    "Wampler3",
    "Wampler4",
    "Wampler5",
)

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_LINES = re.compile(r"(Certified Values|Data)\s*\(lines\s+(\d+)\s+to\s+(\d+)\)")
_OBSERVATIONS = re.compile(r"^\s*(\d+)\s+Observations\s*$", re.MULTILINE)
_PARAMETER = re.compile(rf"^\s*B(\d+)\s+({_NUMBER})\s+({_NUMBER})\s*$")
_RESIDUAL_SD = re.compile(rf"^\s*Standard Deviation\s+({_NUMBER})\s*$")


class NistDataset(NamedTuple):
    """One NIST StRD linear-regression problem, unpackable as a 5-tuple.

    ``X`` is ``(n, p)`` without the constant column; ``certified_coefs`` and
    ``certified_sd`` are ``(p + 1,)`` with the intercept ``B0`` first.
    """

    X: np.ndarray
    y: np.ndarray
    certified_coefs: np.ndarray
    certified_sd: np.ndarray
    certified_residual_sd: float


class NistText(NamedTuple):
    """The same problem as the decimal strings the file holds, for exact arithmetic."""

    x_rows: list[list[str]]
    y: list[str]
    degree: int | None
    certified_coefs: list[str]
    certified_sd: list[str]
    certified_residual_sd: str


def dataset_path(name: str) -> Path:
    """Path of the vendored ``<name>.dat`` file."""
    return DATA_DIR / f"{name}.dat"


def _line_range(header: str, what: str) -> tuple[int, int]:
    """1-based inclusive line range the header gives for ``what`` ("Certified Values"/"Data")."""
    for match in _LINES.finditer(header):
        if match.group(1) == what:
            return int(match.group(2)), int(match.group(3))
    raise ValueError(f"header states no line range for {what!r}")


def read_nist_text(name: str) -> NistText:
    """Parse ``<name>.dat`` into decimal strings, checking every count the header states.

    Raises ``ValueError`` when the file disagrees with its own header (number of
    observations, data lines, parameters, columns).
    """
    lines = dataset_path(name).read_text(encoding="ascii").splitlines()
    header = "\n".join(lines[:60])
    if lines[0] != "NIST/ITL StRD" or lines[1].split()[:3] != ["Dataset", "Name:", name]:
        raise ValueError(f"{name}: not a NIST/ITL StRD file for this data set")
    if "Linear Least Squares Regression" not in header:
        raise ValueError(f"{name}: not in the linear least-squares category")

    cert_first, cert_last = _line_range(header, "Certified Values")
    data_first, data_last = _line_range(header, "Data")
    observations = _OBSERVATIONS.search(header)
    if observations is None:
        raise ValueError(f"{name}: header states no number of observations")
    n = int(observations.group(1))
    # Nothing but blank lines may follow the data (Norris.dat ends in one of spaces).
    while lines and not lines[-1].strip():
        lines.pop()
    if data_last - data_first + 1 != n or len(lines) != data_last:
        raise ValueError(
            f"{name}: header says {n} observations on lines {data_first}-{data_last}, "
            f"file has {len(lines)} non-blank-terminated lines"
        )

    coefs: list[str] = []
    sds: list[str] = []
    residual_sd: str | None = None
    for line in lines[cert_first - 1 : cert_last]:
        parameter = _PARAMETER.match(line)
        if parameter is not None:
            if int(parameter.group(1)) != len(coefs):
                raise ValueError(f"{name}: parameters out of order at {line!r}")
            coefs.append(parameter.group(2))
            sds.append(parameter.group(3))
        elif (sd := _RESIDUAL_SD.match(line)) is not None:
            residual_sd = sd.group(1)
    if not coefs or residual_sd is None:
        raise ValueError(f"{name}: certified values not found on lines {cert_first}-{cert_last}")

    # The column header ("Data:  y  x" / "Data:  y  x1 ... x6") sits just above the data.
    columns = lines[data_first - 2].split()
    if columns[:2] != ["Data:", "y"]:
        raise ValueError(f"{name}: unexpected data header {lines[data_first - 2]!r}")
    rows = [line.split() for line in lines[data_first - 1 : data_last]]
    if any(len(row) != len(columns) - 1 for row in rows):
        raise ValueError(f"{name}: a data line does not have {len(columns) - 1} fields")

    n_predictors = len(columns) - 2
    n_slopes = len(coefs) - 1
    if n_predictors == n_slopes:
        degree = None
    elif n_predictors == 1:
        degree = n_slopes
    else:
        raise ValueError(f"{name}: {n_predictors} predictors cannot give {n_slopes} slopes")
    return NistText(
        x_rows=[row[1:] for row in rows],
        y=[row[0] for row in rows],
        degree=degree,
        certified_coefs=coefs,
        certified_sd=sds,
        certified_residual_sd=residual_sd,
    )


def load_nist(name: str) -> NistDataset:
    """Load ``<name>.dat`` as float64 arrays, ``X`` built for the certified model form."""
    text = read_nist_text(name)
    x = np.array(text.x_rows, dtype=np.float64)
    if text.degree is not None:
        # Powers of the single predictor from the float64 x.  For these files every power
        # is the correctly rounded value of the exact one (integers below 2**53), which
        # the suite's exact-arithmetic integrity test relies on for its comparisons.
        x = x[:, :1] ** np.arange(1, text.degree + 1)
    return NistDataset(
        X=x,
        y=np.array(text.y, dtype=np.float64),
        certified_coefs=np.array(text.certified_coefs, dtype=np.float64),
        certified_sd=np.array(text.certified_sd, dtype=np.float64),
        certified_residual_sd=float(text.certified_residual_sd),
    )
