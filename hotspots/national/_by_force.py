"""One hotspot run per force over the national dataset, in-process or on Dask."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from hotspots.national._dask import ClientLike, dask_client, map_tasks
from hotspots.national._queries import crimes_filter, open_crimes
from hotspots.national._ship import rebuild, strip

__all__ = ["FUNCS", "force_crimes", "forces_in", "run_by_force"]

logger = logging.getLogger(__name__)

#: Named hotspot runs: the verb of :mod:`hotspots.find` each name calls.
FUNCS = {"gistar": "gistar", "kde": "kde", "grid": "count_points"}
_READ = ("force_slug", "force", "month", "crime_type", "lsoa_code", "x", "y")


def forces_in(out: str | Path) -> list[str]:
    """Return the force slugs of the national dataset's committed parts, sorted."""
    import pyarrow.dataset as ds

    slugs = {
        ds.get_partition_keys(fragment.partition_expression).get("force_slug")
        for fragment in open_crimes(out).get_fragments()
    }
    return sorted(str(s) for s in slugs if s is not None)


def force_crimes(
    out: str | Path,
    force: str,
    *,
    definition: str | Iterable[str] | None = "serious_violence",
    start: str | None = None,
    end: str | None = None,
):
    """Return one force's crimes as points (EPSG:27700) from the national dataset.

    Only the columns ``force_slug``, ``force`` (the published name), ``month``,
    ``crime_type``, ``lsoa_code`` and the coordinates are read, with crime types,
    months and the force pushed down as filters.
    """
    import geopandas as gpd

    dataset = open_crimes(out)
    expr = crimes_filter(
        dataset, definition=definition, start=start, end=end, forces=[force]
    )
    names = set(dataset.schema.names)
    columns = [c for c in _READ if c in names]
    table = dataset.to_table(columns=columns, filter=expr)
    frame = table.to_pandas()
    points = gpd.points_from_xy(frame.pop("x"), frame.pop("y"), crs="EPSG:27700")
    return gpd.GeoDataFrame(frame, geometry=points)


def _resolve(func: str | Callable[..., Any]) -> Callable[..., Any]:
    if callable(func):
        return func
    if func not in FUNCS:
        raise ValueError(
            f"func must be one of {sorted(FUNCS)} or a function of a GeoDataFrame of "
            f"points; got {func!r}"
        )
    import hotspots.find

    return getattr(hotspots.find, FUNCS[func])


def _force_task(force: str, **common: Any):
    """Read one force and run the hotspot function on it (None if no crimes)."""
    func = _resolve(common.pop("verb"))
    crimes = force_crimes(
        common.pop("out"),
        force,
        definition=common.pop("definition"),
        start=common.pop("start"),
        end=common.pop("end"),
    )
    if len(crimes) == 0:
        return None
    result = func(crimes, **common["kwargs"])
    return strip(result) if common.get("ship") else result


def run_by_force(
    out: str | Path,
    func: str | Callable[..., Any] = "gistar",
    *,
    forces: Iterable[str] | None = None,
    definition: str | Iterable[str] | None = "serious_violence",
    start: str | None = None,
    end: str | None = None,
    client: ClientLike = None,
    local_cluster: bool | Mapping[str, Any] = False,
    progress: bool = True,
    **kwargs: Any,
) -> dict[str, Any]:
    """Run a hotspot analysis for every force of the national dataset.

    Parameters
    ----------
    out : str or Path
        The folder written by :func:`hotspots.io.ingest_national`.
    func : {"gistar", "kde", "grid"} or callable, default "gistar"
        :func:`hotspots.gistar`, :func:`hotspots.kde` or
        :func:`hotspots.count_points` (``"grid"``), or any function taking a
        GeoDataFrame of points (EPSG:27700, columns ``force_slug``, ``force``,
        ``month``, ``crime_type``, ``lsoa_code``) and the keywords below. On Dask
        it must be importable or picklable by the workers.
    forces : iterable of str, optional
        Force slugs; None = every force in the dataset.
    definition : str, iterable of str or None, default "serious_violence"
        Which crimes (:data:`hotspots.DEFINITIONS` or crime types); None = all.
    start, end : str, optional
        First and last month ``"YYYY-MM"`` (both included).
    client : distributed.Client or str, optional
        Run one task per force on this Dask cluster (a client, or a scheduler
        address such as ``"tcp://scheduler:8786"``). The workers read the dataset
        themselves, so ``out`` must be a path they can see.
    local_cluster : bool or mapping, default False
        True starts a ``distributed.LocalCluster`` for this call (a mapping: its
        arguments) and closes it after.
    progress : bool, default True
        Progress bar over forces.
    **kwargs
        Passed to ``func`` (e.g. ``cell_size=250``, ``neighbours="queen"``,
        ``bandwidth=400``; ``progress=False`` is added for Gi*).

    Returns
    -------
    dict
        Force slug -> the function's result (for the named runs a GeoDataFrame of
        cells), in slug order. Forces with no crimes selected are left out (logged).
        Each frame's ``attrs["hotspots"]`` gains ``force`` and ``run`` (``path``,
        ``n_tasks``, ``dashboard``).

    Raises
    ------
    ValueError
        If ``func`` is unknown or a force is not in the dataset.
    InputFileError
        If ``out`` is not a national dataset.

    Examples
    --------
    >>> cells = run_by_force("national", "gistar", cell_size=250)  # doctest: +SKIP
    >>> cells = run_by_force(
    ...     "national", "kde", bandwidth=400, local_cluster=True
    ... )  # doctest: +SKIP
    >>> cells = run_by_force(
    ...     "national", "grid", cell_size=250, client="tcp://scheduler:8786"
    ... )  # doctest: +SKIP
    """
    _resolve(func)  # fail early, before any worker starts
    available = forces_in(out)
    chosen = available if forces is None else list(forces)
    missing = sorted(set(chosen) - set(available))
    if missing:
        raise ValueError(
            f"forces {missing} are not in the dataset; it holds {available}."
        )
    if func == "gistar":
        kwargs.setdefault("progress", False)
    common = {
        "out": str(out),
        "verb": func,
        "definition": definition,
        "start": start,
        "end": end,
        "kwargs": kwargs,
    }
    with dask_client(client, local_cluster) as dask:
        # on Dask, grid cells travel back without their polygons (rebuilt here)
        results, info = map_tasks(
            _force_task,
            chosen,
            client=dask,
            progress=progress,
            desc="Forces",
            common={**common, "ship": dask is not None},
        )
    results = [rebuild(r) for r in results]
    output: dict[str, Any] = {}
    empty = []
    for force, result in zip(chosen, results, strict=True):
        if result is None:
            empty.append(force)
            continue
        attrs = getattr(result, "attrs", None)
        if isinstance(attrs, dict):
            attrs["hotspots"] = {
                **attrs.get("hotspots", {}),
                "force": force,
                "run": info,
            }
        output[force] = result
    if empty:
        logger.info("No crimes selected in %d forces, left out: %s.", len(empty), empty)
    logger.info("Ran %s for %d forces (%s).", func, len(output), info["path"])
    return output
