"""The parameter and attribute documentation the three estimators share, and
:func:`document`, which appends it to a class docstring."""

from __future__ import annotations

COMMON_PARAMETERS_DOC = """
    optimizer : {"auto", "lstsq", "lbfgs", "newton", "lbfgs_newton", "prox_newton", "owlqn", \
"working_set", "gd", "sgd", "momentum", "nesterov", "adam"}
        ``auto`` (default): exact least squares for the squared error of
        LinearRegression; otherwise Newton when its Hessian is cheap (few parameters) or
        the standardised design is ill-conditioned (from 300 parameters after up to 40
        L-BFGS iterations: ``lbfgs_newton``), else L-BFGS (see
        ``sigmoid_neuron.optim.auto``); with ``l1_ratio > 0`` proximal Newton where it
        would pick Newton or least squares, else proximal Newton on working sets of
        columns for sparse X and OWL-QN for dense X. ``solver_`` records the choice.
        ``prox_newton``/``owlqn``/``working_set``: the L1-capable full-batch solvers (exact zeros;
        converged when the largest minimum-norm subgradient is <= tol); lbfgs, newton and
        lstsq refuse an L1 penalty. ``lstsq``: exact
        (ridge) least squares, LinearRegression only. ``lbfgs``/``newton``: full-batch
        solvers on internally standardised columns (X is not copied), one epoch = one
        iteration, converged when max|grad J| <= tol in those coordinates (Newton then
        takes one polishing step). The others are the notes' update rules, run as written
        for epochs of mini-batches on the original columns.
    learning_rate : float, schedule name, callable ``t -> eta_t`` or None
        Step size of the update rules (ignored by lbfgs/newton). None: the rule's default
        (gd/sgd 0.1, momentum/nesterov 0.01, adam 0.001). A name from
        ``sigmoid_neuron.optim.schedules.SCHEDULES`` ("invscaling", "step", "exponential",
        "cosine", ...) builds that schedule from ``eta0`` and ``schedule_params``; ``t``
        counts updates (mini-batch steps). With the mean objective, learning_rate = n eta
        reproduces the notes' summed-gradient loop with rate eta.
    eta0 : float or None
        Initial rate of a named schedule (None: the rule's default rate).
    schedule_params : dict or None
        Extra keyword arguments of a named schedule, e.g. ``{"power_t": 0.5}``.
    alpha : float >= 0
        L2 penalty: J = weighted mean loss + alpha/2 ||w||^2 (never on the intercept);
        scikit-learn's C = 1 / (alpha * n) (1 / (alpha * sum of weights) with weights).
        With ``l1_ratio`` and ``penalty_factor`` f the penalty is the elastic net
        alpha * (l1_ratio * sum_j f_j |w_j| + (1 - l1_ratio)/2 * sum_j f_j w_j^2)
        (scikit-learn's ElasticNet and glum's convention; for several outputs the sums
        run over every row of coef_).
    l1_ratio : float in [0, 1]
        The L1 share of the penalty: 0 (default) ridge, 1 the lasso. With l1_ratio > 0
        the answer has exact zeros; the update rules then take a proximal
        (soft-thresholding) step after each update, so partial_fit works with it.
    penalty_factor : array-like of shape (n_features,) or None
        One number >= 0 per feature scaling its penalty, L1 and L2 parts alike (glmnet's
        penalty.factor, glum's P1 = P2); 0 leaves a feature unpenalised. None: all 1.
    fit_intercept : bool
        Learn the bias b.
    batch_size : int or None
        Rows per update. None: the full batch (for "sgd": 32 rows).
    max_epochs : int
        Epoch budget (iterations for lbfgs/newton).
    tol : float or None
        Stopping tolerance. Full-batch runs (lbfgs, newton, and the update rules when a
        batch covers every row) converge at max|grad J| <= tol; mini-batch runs (and a
        validation loss) stop after ``n_iter_no_change`` epochs improving by less than tol.
        None disables early stopping: exactly ``max_epochs`` epochs run (the notes' loop).
    n_iter_no_change : int
        Patience of the stopping rule, in epochs.
    validation_fraction : float in (0, 1) or None
        Hold out this fraction of rows (random, from ``random_state``); their loss is
        recorded in ``history_.val_loss`` and drives the stopping rule.
    shuffle : bool
        Reshuffle the rows every epoch (mini-batches only).
    random_state : int, RandomState or None
        Seed of shuffling and of the validation split.
    verbose : bool
        Show a tqdm progress bar on stderr.
    warm_start : bool
        Start ``fit`` from the current ``coef_``/``intercept_``.
    callbacks : list or None
        Objects with hooks ``on_train_begin(state)``, ``on_epoch_end(state) -> bool``
        (True stops) and ``on_train_end(state)``; see ``sigmoid_neuron.training``.
"""

COMMON_ATTRIBUTES_DOC = """
    n_features_in_ : int
    feature_names_in_ : ndarray of str (when X has column names)
    n_iter_ : int
        Epochs (solver iterations) run by the last fit (cumulative over partial_fit).
    solver_ : str
        The solver that ran: what ``optimizer="auto"`` chose ("lstsq", "newton", "lbfgs_newton",
        "lbfgs", "prox_newton", "working_set" or "owlqn"), else ``optimizer`` itself.
    history_ : sigmoid_neuron.training.History
        ``loss`` per epoch (and ``val_loss``, ``learning_rate``).

    Raises
    ------
    sigmoid_neuron.training.DivergenceError (a ValueError) from ``fit`` when the loss
    becomes non-finite or explodes; the last good parameters are kept in ``coef_`` and
    ``intercept_`` and the message suggests a smaller learning rate.
"""


def document(cls: type, attributes: str) -> None:
    """Append the shared parameter and attribute documentation to ``cls.__doc__``."""
    cls.__doc__ = (
        (cls.__doc__ or "").rstrip()
        + "\n"
        + COMMON_PARAMETERS_DOC
        + "\n    Attributes\n    ----------"
        + attributes
        + COMMON_ATTRIBUTES_DOC
    )
