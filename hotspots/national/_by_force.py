"""One hotspot run per force over the national dataset, in-process or on Dask."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from hotspots.national._dask import ClientLike, dask_client, map_tasks
from hotspots.national._queries import crimes_filter, open_crimes
from hotspots.national._ship import rebuild, strip
from hotspots.quality import ARTEFACT_ACTIONS, ArtefactAction

__all__ = ["FUNCS", "force_crimes", "forces_in", "run_by_force"]

logger = logging.getLogger(__name__)

#: Named hotspot runs: the verb of :mod:`hotspots.find` each name calls.
FUNCS = {"gistar": "gistar", "kde": "kde", "grid": "count_points"}
_READ = (
    "force_slug", "force", "month", "crime_type", "lsoa_code", "lsoa_name",
    "location", "last_outcome_category", "x", "y",
)  # fmt: skip


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
    ``crime_type``, ``lsoa_code``, ``lsoa_name``, ``location``,
    ``last_outcome_category`` (those the dataset has; the last three are what the
    data-quality checks read) and the coordinates are read, with crime types,
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


def _takes(func: Callable[..., Any], name: str) -> bool:
    """Say whether ``func`` takes the keyword ``name``."""
    import inspect

    try:
        parameters = inspect.signature(func).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return False
    return name in parameters


def _artefacts(crimes, action: ArtefactAction, func, kwargs: dict, force: str):
    """Apply the artefact rule to one force's crimes, or leave it to ``func``.

    A function that takes ``artefacts=`` (e.g. :func:`hotspots.find_hotspots`) is
    given it; otherwise the crimes at flagged map points are handled here with
    :func:`hotspots.quality.handle_artefacts` on :func:`hotspots.quality.check_data`
    of the force's crimes.
    """
    if _takes(func, "artefacts"):
        kwargs = {"artefacts": action, **kwargs}
        return crimes, kwargs, {"artefacts": kwargs["artefacts"], "applied_by": "func"}
    if action == "off":
        return crimes, kwargs, {"artefacts": "off"}
    from hotspots.quality import check_data, handle_artefacts

    # the map-point checks only: without `force`, no force-area lookup
    report = check_data(crimes.drop(columns=["force"], errors="ignore"))
    used, weight, record = handle_artefacts(
        crimes, report, action, verb=f"run_by_force ({force})"
    )
    if weight is not None:
        if kwargs.get("weights"):
            used = used.assign(_weight=used[kwargs["weights"]] * used[weight])
            weight = "_weight"
        kwargs = {**kwargs, "weights": weight}
    return used, kwargs, {**record, "applied_by": "run_by_force"}


def _within_reach(crimes, force: str):
    """Leave out crimes more than ``FAR_OUTSIDE_KM`` outside the force's own area.

    A few police.uk points lie far from their force (geocoding slips; the readers
    report them in ``far_outside``); a grid or surface over every point would span
    the country: 2.1M cells of Gi* for real Derbyshire 2023-24. Returns the crimes
    kept and how many were left out (0 for a force with no shipped outline).
    """
    import numpy as np

    from hotspots.io._areas import FAR_OUTSIDE_KM, outside_metres

    x, y = crimes.geometry.x.to_numpy(), crimes.geometry.y.to_numpy()
    metres = outside_metres(np.zeros(len(crimes), dtype=np.int64), [force], x, y)
    far = metres > FAR_OUTSIDE_KM * 1000  # NaN (no outline): kept
    return crimes[~far], int(far.sum())


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
    crimes, n_far = _within_reach(crimes, force)
    if len(crimes) == 0:
        return None
    crimes, kwargs, record = _artefacts(
        crimes, common["artefacts"], func, common["kwargs"], force
    )
    record = {**record, "n_far_outside": n_far}
    result = func(crimes, **kwargs)
    attrs = getattr(result, "attrs", None)
    if isinstance(attrs, dict):
        attrs["hotspots"] = {**attrs.get("hotspots", {}), **record}
    return strip(result) if common.get("ship") else result


def run_by_force(
    out: str | Path,
    func: str | Callable[..., Any] = "gistar",
    *,
    forces: Iterable[str] | None = None,
    definition: str | Iterable[str] | None = "serious_violence",
    start: str | None = None,
    end: str | None = None,
    artefacts: ArtefactAction = "exclude",
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
    artefacts : {"exclude", "downweight", "flag", "off"}, default "exclude"
        What to do with crimes at map points the data-quality checks flag as likely
        recording artefacts (police stations, hospitals, prisons, ...), judged on
        each force's selected crimes (:func:`hotspots.quality.check_data`), as in
        :func:`top_cells` and :func:`hotspots.select_places`. A ``func`` that takes
        ``artefacts=`` (e.g. :func:`hotspots.find_hotspots`) is passed it; for the
        others the crimes are handled before ``func`` runs
        (:func:`hotspots.quality.handle_artefacts`): "exclude" leaves them out,
        "downweight" passes ``weights=`` (the point's down-weight, times your
        ``weights`` column if given), "flag" keeps them and records them, "off"
        skips the checks.
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
        Each frame's ``attrs["hotspots"]`` gains ``force``, ``run`` (``path``,
        ``n_tasks``, ``dashboard``) and what the artefact rule did: ``artefacts``,
        ``applied_by`` ("func" or "run_by_force"), ``n_flagged_points``,
        ``n_artefact_crimes`` and ``flagged_points``, and ``n_far_outside``: the
        crimes left out because they lie more than
        :data:`hotspots.io.FAR_OUTSIDE_KM` (5 km) outside the force's own area
        (geocoding slips; a grid over them would span the country).

    Raises
    ------
    ValueError
        If ``func`` is unknown, a force is not in the dataset, ``artefacts`` is
        unknown, or "downweight" is asked of a function that takes no ``weights=``.

    Warns
    -----
    HotspotsWarning
        Per force, when crimes at flagged points are left out or weighted down
        (:func:`hotspots.quality.handle_artefacts`); on Dask, in the worker's log.
        Once, naming the forces, when crimes far outside their force's area were
        left out.
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
    verb = _resolve(func)  # fail early, before any worker starts
    if artefacts not in ARTEFACT_ACTIONS:
        raise ValueError(
            f"artefacts must be one of {ARTEFACT_ACTIONS}; got {artefacts!r}"
        )
    if (
        artefacts == "downweight"
        and not _takes(verb, "artefacts")
        and not _takes(verb, "weights")
    ):
        raise ValueError(
            "artefacts='downweight' passes weights= to func, which takes none; use "
            "artefacts='exclude' or a function with a weights= keyword."
        )
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
        "artefacts": artefacts,
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
    _warn_far(output)
    logger.info(
        "Ran %s for %d forces (%s), artefacts=%r.",
        func,
        len(output),
        info["path"],
        artefacts,
    )
    return output


def _warn_far(output: dict[str, Any]) -> None:
    """Warn once, naming the forces, if crimes far outside their area were left out."""
    far = {
        force: result.attrs["hotspots"].get("n_far_outside", 0)
        for force, result in output.items()
        if isinstance(getattr(result, "attrs", None), dict)
        and "hotspots" in result.attrs
    }
    far = {force: n for force, n in far.items() if n}
    if far:
        import warnings

        from hotspots.exceptions import HotspotsWarning
        from hotspots.io._areas import FAR_OUTSIDE_KM

        listed = ", ".join(f"{force} {n:,}" for force, n in far.items())
        warnings.warn(
            f"run_by_force left out {sum(far.values()):,} crimes lying more than "
            f"{FAR_OUTSIDE_KM:g} km outside their own force's area ({listed}): a grid "
            "over them would span the country. Each result counts them in "
            "attrs['hotspots']['n_far_outside']; hotspots.io.far_outside_by_force "
            "lists such rows.",
            HotspotsWarning,
            stacklevel=3,
        )
