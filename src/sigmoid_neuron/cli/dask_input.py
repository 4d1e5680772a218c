"""``train --dask``: the command line's side of training on a Dask cluster.

:func:`add_dask_arguments` adds ``--dask`` and ``--scheduler ADDRESS``;
:func:`dask_client` starts (or connects to) the cluster for the duration of a block;
:func:`load_dask_training_data` reads DATA, one file, a directory or a glob of
Parquet/CSV files, as Dask arrays with one block of rows per file
(:func:`sigmoid_neuron.io.dask_tables.read_xy_blocks`). With ``--scheduler`` the
workers must see DATA at the same path.

The file sets themselves are :mod:`sigmoid_neuron.io.table_files` and the scaler fitted
over the blocks is :func:`sigmoid_neuron.distributed.scaler.dask_standard_scaler`
(both importable from here too). Nothing here imports Dask until ``--dask`` is used.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sigmoid_neuron.io.table_files import check_table_files, table_files
from sigmoid_neuron.io.table_header import MAX_COLUMNS

if TYPE_CHECKING:
    from sigmoid_neuron.distributed.scaler import dask_standard_scaler

__all__ = [
    "CONNECT_TIMEOUT_S",
    "add_dask_arguments",
    "check_table_files",
    "dask_client",
    "dask_standard_scaler",
    "load_dask_training_data",
    "table_files",
    "uses_dask",
]

#: Seconds to wait for ``--scheduler`` before giving up.
CONNECT_TIMEOUT_S = 10.0


def add_dask_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--dask`` and ``--scheduler ADDRESS`` to ``parser``."""
    parser.add_argument(
        "--dask",
        action="store_true",
        help="train on a Dask cluster (a local one unless --scheduler is given); DATA may "
        "then be a directory or a glob of .parquet/.csv files, one block of rows per file",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (implies "
        "--dask; its workers must see DATA at the same path)",
    )


def uses_dask(args: argparse.Namespace) -> bool:
    """Whether the arguments ask for Dask: ``--dask`` or ``--scheduler``."""
    return bool(getattr(args, "dask", False) or getattr(args, "scheduler", None))


@contextmanager
def dask_client(args: argparse.Namespace) -> Iterator[Any]:
    """The ``distributed.Client`` to train with, current (the default) inside the block.

    ``--scheduler ADDRESS`` connects to that scheduler (``OSError`` naming the address if
    it cannot within :data:`CONNECT_TIMEOUT_S` seconds); otherwise ``--dask`` starts a
    ``LocalCluster`` of worker processes (one per core, memory shared equally) that is
    shut down at the end (``OSError`` if it cannot start).
    Without either, yields None and does nothing.
    """
    if not uses_dask(args):
        yield None
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise ValueError(
            f"--dask needs Dask: install it with `pip install sigmoid-neuron[dask]` ({exc})"
        ) from None
    address = getattr(args, "scheduler", None)
    if address:
        try:
            client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=True)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise OSError(
                f"--scheduler {address!r}: cannot connect ({reason}); check the address "
                "(tcp://HOST:PORT) and that the scheduler is running, or drop --scheduler "
                "to start a local cluster"
            ) from None
        with client:
            yield client
        return
    try:  # worker processes, one per core; the dashboard on any free port; no log noise
        cluster = LocalCluster(
            processes=True, dashboard_address=":0", silence_logs=logging.CRITICAL
        )
    except (RuntimeError, OSError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise OSError(
            f"--dask: could not start a local Dask cluster ({reason}); pass --scheduler "
            "ADDRESS to use a running one"
        ) from None
    with cluster, Client(cluster, set_as_default=True) as client:
        yield client


def load_dask_training_data(
    args: argparse.Namespace, target: str, features: list[str] | None
) -> tuple[Any, Any, list[str]]:
    """``(X, y, feature_names)`` of DATA (``args.data``) as Dask arrays, one block per file
    (:func:`sigmoid_neuron.io.dask_tables.read_xy_blocks`): class labels for
    ``args.model == "logistic"``, else numbers; at most ``args.max_columns`` columns.
    Run it inside :func:`dask_client`."""
    from sigmoid_neuron.io.dask_tables import read_xy_blocks

    return read_xy_blocks(
        args.data,
        target,
        features,
        numeric_target=getattr(args, "model", None) != "logistic",
        max_columns=getattr(args, "max_columns", MAX_COLUMNS),
    )


def __getattr__(name: str) -> Any:
    """``dask_standard_scaler`` by its old path, imported (with Dask) on first use."""
    if name == "dask_standard_scaler":
        from sigmoid_neuron.distributed.scaler import dask_standard_scaler

        return dask_standard_scaler
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
