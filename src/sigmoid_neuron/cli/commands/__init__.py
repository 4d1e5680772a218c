"""One module per subcommand; each exposes ``register(subparsers)``.

``register`` adds its parser and calls ``set_defaults(run=run)`` where
``run(args: argparse.Namespace) -> int`` returns the exit status. Heavy imports
(SymPy, matplotlib, pandas, Dask) happen inside ``run`` so ``--help`` stays fast.
"""
