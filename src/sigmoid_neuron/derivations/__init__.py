"""The notes' derivations as step lists that check themselves (SymPy only).

>>> from sigmoid_neuron.derivations import by_name
>>> result = by_name("sigmoid_derivative").verify()
>>> result.ok
True

* :mod:`~sigmoid_neuron.derivations.steps`: :class:`Step`, :class:`Derivation`,
  :func:`compare` (symbolic proof, else random-point check, else a counterexample);
* :mod:`~sigmoid_neuron.derivations.catalogue`: the built-in derivations and the notes'
  mistakes (:class:`Erratum`) patched into them;
* :mod:`~sigmoid_neuron.derivations.parser`: a whitelist parser of user input that never
  executes it;
* :mod:`~sigmoid_neuron.derivations.render`: text, LaTeX and Markdown output.

Nothing here imports the numeric parts of the package.
"""

from sigmoid_neuron.derivations.catalogue import all_derivations, by_name, names, value_claims
from sigmoid_neuron.derivations.functions import expand_sigmoid, sigmoid
from sigmoid_neuron.derivations.parser import (
    Claim,
    ExpressionParser,
    Limits,
    ParsedDerivation,
    ParseError,
    parse_derivation,
    parse_expression,
)
from sigmoid_neuron.derivations.render import render, render_errata, summary
from sigmoid_neuron.derivations.steps import (
    POSITIVE,
    PROBABILITY,
    REAL,
    CheckTimeout,
    Counterexample,
    Derivation,
    DerivationResult,
    Domain,
    Erratum,
    Status,
    Step,
    StepResult,
    ValueClaim,
    ValueClaimResult,
    Verdict,
    check_value_claim,
    compare,
    interval,
    make_derivation,
    time_limit,
)

__all__ = [
    "POSITIVE",
    "PROBABILITY",
    "REAL",
    "CheckTimeout",
    "Claim",
    "Counterexample",
    "Derivation",
    "DerivationResult",
    "Domain",
    "Erratum",
    "ExpressionParser",
    "Limits",
    "ParseError",
    "ParsedDerivation",
    "Status",
    "Step",
    "StepResult",
    "ValueClaim",
    "ValueClaimResult",
    "Verdict",
    "all_derivations",
    "by_name",
    "check_value_claim",
    "compare",
    "expand_sigmoid",
    "interval",
    "make_derivation",
    "names",
    "parse_derivation",
    "parse_expression",
    "render",
    "render_errata",
    "sigmoid",
    "summary",
    "time_limit",
    "value_claims",
]
