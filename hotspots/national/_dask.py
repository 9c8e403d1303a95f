"""Where the work runs: in this process (the default) or on a Dask cluster.

Every national verb that splits its work (per force, per tile) hands a list of
independent tasks to :func:`map_tasks`. Without a client the tasks run one after the
other here, with a progress bar; with a ``distributed.Client``, a scheduler address
(``"tcp://scheduler:8786"``) or ``local_cluster=True`` they are submitted to Dask and
collected in order, so the result does not depend on where it was computed.
``dask`` and ``distributed`` are imported only on the Dask path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

__all__ = ["ClientLike", "RunInfo", "dask_client", "map_tasks"]

logger = logging.getLogger(__name__)

#: A ``distributed.Client``, a scheduler address such as ``"tcp://host:8786"``, or None.
ClientLike = Any
#: What ran where: ``path`` ("in-process" or "dask"), ``n_tasks``, ``dashboard``,
#: ``workers`` (recorded in ``attrs["hotspots"]`` of the results).
RunInfo = dict[str, Any]


@contextmanager
def dask_client(
    client: ClientLike = None, local_cluster: bool | Mapping[str, Any] = False
) -> Iterator[Any]:
    """Yield a Dask client (or None for in-process), closing what it opened.

    Parameters
    ----------
    client : distributed.Client, str or None
        An existing client (left open), or a scheduler address (a client is
        opened and closed here). None runs in-process unless ``local_cluster``.
    local_cluster : bool or mapping, default False
        True starts a ``distributed.LocalCluster`` with Dask's defaults (one worker
        process per core group); a mapping is passed to ``LocalCluster`` (e.g.
        ``{"n_workers": 2, "processes": False}``). The cluster is closed after.

    Raises
    ------
    ValueError
        If both ``client`` and ``local_cluster`` are given.
    """
    if client is None and not local_cluster:
        yield None
        return
    if client is not None and local_cluster:
        raise ValueError(
            "pass either client= (a Client or an address such as "
            "'tcp://scheduler:8786') or local_cluster=True, not both."
        )
    from distributed import Client, LocalCluster

    cluster = None
    own = not isinstance(client, Client)
    if isinstance(client, str):
        client = Client(client)
    elif client is None:
        options = dict(local_cluster) if isinstance(local_cluster, Mapping) else {}
        cluster = LocalCluster(**options)
        client = Client(cluster)
    elif not isinstance(client, Client):
        raise TypeError(
            "client must be a distributed.Client or a scheduler address string such "
            f"as 'tcp://scheduler:8786'; got {type(client).__name__}."
        )
    try:
        yield client
    finally:
        if own:
            client.close()
        if cluster is not None:
            cluster.close()


def _describe(client: Any) -> RunInfo:
    workers = len(client.scheduler_info().get("workers", {}))
    dashboard = getattr(client, "dashboard_link", None)
    return {"path": "dask", "workers": workers, "dashboard": dashboard}


def map_tasks(
    fn: Callable[..., Any],
    items: Sequence[Any],
    *,
    client: Any = None,
    progress: bool = True,
    desc: str = "Tasks",
    common: Mapping[str, Any] | None = None,
) -> tuple[list[Any], RunInfo]:
    """Run ``fn(item, **common)`` for each item; return the results in order.

    Parameters
    ----------
    fn : callable
        A module-level function (it is pickled on the Dask path).
    items : sequence
        One task per item.
    client : distributed.Client or None
        From :func:`dask_client`; None runs the tasks here, one after the other.
    progress : bool, default True
        Show a tqdm progress bar as tasks finish.
    desc : str
        Label of the progress bar and the log line.
    common : mapping, optional
        Keyword arguments shared by every task (scattered once on Dask).

    Returns
    -------
    list, dict
        The results in the order of ``items``, and what ran where (``path``,
        ``n_tasks``, ``workers``, ``dashboard``), also logged at INFO.
    """
    from tqdm.auto import tqdm

    common = dict(common or {})
    clash = _RESERVED & set(common)
    if clash:  # Client.map's own keywords
        raise ValueError(f"task keywords {sorted(clash)} clash with Client.map's")
    if client is None:
        info: RunInfo = {"path": "in-process", "workers": 1, "dashboard": None}
        info["n_tasks"] = len(items)
        logger.info("%s: %d tasks in this process (no Dask).", desc, len(items))
        bar = tqdm(items, desc=desc, disable=not progress)
        return [fn(item, **common) for item in bar], info
    from distributed import as_completed

    info = {**_describe(client), "n_tasks": len(items)}
    logger.info(
        "%s: %d tasks on Dask (%d workers; dashboard %s).",
        desc,
        len(items),
        info["workers"],
        info["dashboard"] or "none",
    )
    shared = {
        key: client.scatter(value, broadcast=True) if _is_large(value) else value
        for key, value in common.items()
    }
    # Items holding arrays (a tile's points) go to the workers as data, not as
    # part of the task graph.
    inputs = client.scatter(list(items)) if any(map(_holds_arrays, items)) else items
    futures = client.map(fn, list(inputs), pure=False, **shared)
    with tqdm(total=len(futures), desc=desc, disable=not progress) as bar:
        for _ in as_completed(futures):
            bar.update()
    results = client.gather(futures)
    return list(results), info


#: Keywords of ``Client.map`` itself, which task keywords must not use.
_RESERVED = {
    "func",
    "key",
    "workers",
    "retries",
    "resources",
    "priority",
    "allow_other_workers",
    "fifo_timeout",
    "actor",
    "actors",
    "pure",
    "batch_size",
}


def _holds_arrays(item: Any) -> bool:
    parts = item if isinstance(item, tuple) else (item,)
    return any(getattr(part, "nbytes", 0) for part in parts)


def _is_large(value: Any) -> bool:
    """Arrays and frames are scattered once rather than sent with every task."""
    nbytes = getattr(value, "nbytes", None)
    return isinstance(nbytes, int) and nbytes > 100_000
