"""A real two-process Dask cluster for the distributed tests.

``dask_cluster`` starts one ``distributed.LocalCluster`` (2 worker processes, 1 thread
each) per test session. Its ``Client`` is not the global default: the function-scoped
``client`` fixture makes it the current client for one test only, so tests elsewhere
in the suite keep Dask's local schedulers.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="session")
def dask_cluster() -> Iterator[distributed.Client]:
    """The session cluster: 2 worker processes with 1 thread each; its (non-default) client."""
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            memory_limit="2GiB",
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        client.wait_for_workers(2)
        yield client


@pytest.fixture
def client(dask_cluster: distributed.Client) -> Iterator[distributed.Client]:
    """The session cluster's client, current (what ``dask.compute`` uses) for one test."""
    with dask_cluster.as_current():
        yield dask_cluster
