"""``--engine local|dask``, ``--scheduler`` and ``--workers``: shared by ``analyze``, ``logs`` and ``batch``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated, Any

import typer


class Engine(StrEnum):
    local = "local"
    dask = "dask"


EngineOpt = Annotated[
    Engine,
    typer.Option("--engine", help="local: this machine's cores; dask: a Dask cluster (extra mga\\[dask])"),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option("--scheduler", help="Dask scheduler address (tcp://host:8786); default: a local cluster"),
]
WorkersOpt = Annotated[int | None, typer.Option("--workers", help="worker processes of the local Dask cluster")]


def check_workers(engine: Engine | None, scheduler: str | None, workers: int | None) -> None:
    """``--workers`` sizes the local Dask cluster only: refused (exit 2) where it would do nothing.

    ``engine`` is the engine the run uses (``batch``'s default already resolved).
    """
    if workers is None:
        return
    from mga.console import fail

    if scheduler:
        fail("--workers sizes the local Dask cluster: with --scheduler the scheduler's own workers do the work")
    if engine != Engine.dask:
        fail("--workers needs --engine dask: the local engine starts no worker processes")


def dask_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("distributed") is not None


@contextmanager
def cluster_client(engine: Engine, scheduler: str | None, workers: int | None) -> Iterator[Any]:
    """A Dask client when the Dask engine is chosen (``--scheduler`` implies it), else None.

    A missing extra or an unreachable scheduler ends the command with one line and exit code 2.
    """
    if engine != Engine.dask and not scheduler:
        yield None
        return
    from mga.console import fail
    from mga.dask_engine import EngineUnavailable, dask_client

    try:
        with dask_client(scheduler, workers) as client:
            yield client
    except EngineUnavailable as exc:
        fail(str(exc))


@contextmanager
def log_runner(engine: Engine, scheduler: str | None, workers: int | None) -> Iterator[Any]:
    """The ``haproxy_log.ChunkRunner`` of the chosen engine (None: the local threads)."""
    with cluster_client(engine, scheduler, workers) as client:
        if client is None:
            yield None
        else:
            from mga.dask_engine import DaskChunks

            yield DaskChunks(client)
