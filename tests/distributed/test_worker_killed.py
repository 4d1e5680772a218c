"""A Dask worker killed (SIGKILL) in the middle of a fit: the cluster recomputes the
lost blocks from their files and the fit ends on the same coefficients, bit for bit, as
the same fit without the fault (the oracle), and close to the fit in memory.

The kill lands between two passes and training goes on once the scheduler has removed
the dead worker (as when a worker dies during a pass). A worker killed just before a
pass, *before* the scheduler notices, is not covered: ``DaskData``'s broadcast of the
parameters (``client.scatter(..., broadcast=True)``) then raises ``CommClosedError`` or
retries the dead worker without end (seen while writing this test; see
docs/robustness.md).

A dedicated ``LocalCluster`` (2 worker processes under nannies, which restart a killed
worker), so the session cluster of the other tests is never disturbed. The data come in
as ``train --dask`` reads them (``load_dask_training_data``: one block per file, read on
the workers), so a lost block is read again from its file.
"""

from __future__ import annotations

import argparse
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")

from sigmoid_neuron.cli.dask_input import load_dask_training_data  # noqa: E402
from sigmoid_neuron.estimators import LogisticRegression  # noqa: E402
from sigmoid_neuron.training import Callback, TrainerState  # noqa: E402

pytestmark = pytest.mark.slow

FEATURES = ["a", "b", "c", "d"]
PARAMS: dict[str, Any] = {"optimizer": "lbfgs", "alpha": 0.01, "tol": 1e-10}


@pytest.fixture(scope="module")
def cluster() -> Iterator[distributed.Client]:
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            memory_limit="1GiB",
        ) as local,
        distributed.Client(local, set_as_default=False) as client,
    ):
        client.wait_for_workers(2)
        yield client


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    """Six CSV files of 400 rows (six blocks), and all their rows in one frame."""
    directory = tmp_path_factory.mktemp("blocks")
    rng = np.random.default_rng(21)
    X = rng.normal(size=(2400, 4))
    y = (X @ [1.0, -1.0, 0.5, 2.0] + 0.2 + rng.normal(size=2400) > 0).astype(int)
    frame = pd.DataFrame(X, columns=FEATURES).assign(y=y)
    for i in range(6):
        frame.iloc[400 * i : 400 * (i + 1)].to_csv(directory / f"part-{i}.csv", index=False)
    return directory, frame


class KillWorker(Callback):
    """SIGKILL the worker holding the most data at the end of epoch ``epoch``; with
    ``noticed``, wait until the scheduler has removed it before training goes on."""

    def __init__(self, client: distributed.Client, epoch: int, noticed: bool = True) -> None:
        self.client, self.epoch, self.noticed = client, epoch, noticed
        self.killed: int | None = None

    def on_epoch_end(self, state: TrainerState) -> bool | None:
        if state.epoch == self.epoch and self.killed is None:
            pids = self.client.run(os.getpid)
            held = self.client.has_what()
            address = max(pids, key=lambda a: len(held.get(a, ())))
            assert held.get(address), "no worker holds data: the kill would prove nothing"
            self.killed = int(pids[address])
            os.kill(self.killed, signal.SIGKILL)
            deadline = time.monotonic() + 60
            while self.noticed and address in self.client.nthreads():
                assert time.monotonic() < deadline, "the scheduler never noticed the death"
                time.sleep(0.02)
        return None


def _fit(
    client: distributed.Client, directory: Path, callbacks: list[Any] | None = None
) -> LogisticRegression:
    args = argparse.Namespace(data=str(directory), model="logistic", dask=True)
    with client.as_current():
        X, y, names = load_dask_training_data(args, "y", None)
        assert names == FEATURES and X.numblocks[0] == 6
        return LogisticRegression(**PARAMS, callbacks=callbacks).fit(X, y)


def test_a_worker_killed_mid_fit_gives_the_same_coefficients(
    cluster: distributed.Client, files: tuple[Path, pd.DataFrame]
) -> None:
    directory, frame = files
    clean = _fit(cluster, directory)
    assert clean.n_iter_ >= 4  # the kill below lands mid-fit
    before = set(cluster.run(os.getpid).values())
    killer = KillWorker(cluster, epoch=2)
    faulty = _fit(cluster, directory, [killer])
    assert killer.killed is not None and killer.killed in before
    cluster.wait_for_workers(2, timeout=60)
    after = set(cluster.run(os.getpid).values())
    assert killer.killed not in after  # the worker really died (its nanny started another)
    np.testing.assert_array_equal(faulty.coef_, clean.coef_)
    np.testing.assert_array_equal(faulty.intercept_, clean.intercept_)
    assert faulty.n_iter_ == clean.n_iter_
    in_memory = LogisticRegression(**PARAMS).fit(frame[FEATURES].to_numpy(), frame["y"])
    np.testing.assert_allclose(faulty.coef_, in_memory.coef_, rtol=1e-7)
    np.testing.assert_allclose(faulty.intercept_, in_memory.intercept_, rtol=1e-7, atol=1e-10)
