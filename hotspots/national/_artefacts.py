"""Recording artefacts in the national dataset: the quality layer's rule, per force.

police.uk piles crimes reported at a police station, a hospital or a prison on the
map point of that building. :func:`hotspots.quality.check_data` flags such points on
a set of crimes in pandas; the national dataset is too big for that, so here the
inputs of the same rule are aggregated in pyarrow, batch by batch: per map point
(exact ``x``, ``y`` rounded to 0.1 m, as :func:`hotspots.quality.map_points` does)
its crimes per cell and police.uk label, its crimes per month and per outcome. Each
force's points are then judged by :func:`hotspots.quality.judge_points`, the rule,
words and down-weight that ``check_data`` applies to that force's selected rows.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["PointScan", "flag_points", "scan_points"]

logger = logging.getLogger(__name__)

#: A map point: the force's slug and its coordinates rounded to 0.1 m.
POINT_KEYS = ["force_slug", "x", "y"]
_OPTIONAL = ("location", "last_outcome_category")
#: Combine the partial counts after this many batches (bounds the memory).
_COMBINE_EVERY = 32


@dataclass(frozen=True)
class PointScan:
    """Counts per map point of the crimes selected from the national dataset.

    Attributes
    ----------
    cells : pandas.DataFrame
        ``force_slug``, ``x``, ``y`` (the point, metres, 0.1 m), ``cell_x``,
        ``cell_y`` (south-west corner of its cell, integer metres), ``location``
        (police.uk label, "" when none) and ``n`` (crimes).
    months : pandas.DataFrame
        ``force_slug``, ``x``, ``y``, ``month`` (``YYYY-MM``) and ``n``.
    outcomes : pandas.DataFrame or None
        ``force_slug``, ``x``, ``y``, ``last_outcome_category`` and ``n``; None when
        the dataset has no outcomes.
    """

    cells: pd.DataFrame
    months: pd.DataFrame
    outcomes: pd.DataFrame | None


def _text(column, pa, pc):
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    return pc.fill_null(column.cast(pa.string()), "")


def _batch_tables(batch, cell_size: float, names: set[str]) -> dict:
    """One batch's keyed columns, as three tables to count."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from hotspots.national._queries import _is_text

    x = batch["x"].to_numpy(zero_copy_only=False).astype(float)
    y = batch["y"].to_numpy(zero_copy_only=False).astype(float)
    ok = pa.array(np.isfinite(x) & np.isfinite(y))
    key = {
        "force_slug": _text(batch["force_slug"], pa, pc),
        "x": pa.array(np.round(x, 1)),
        "y": pa.array(np.round(y, 1)),
    }
    month = batch["month"]
    month = month if _is_text(month.type) else pc.strftime(month, format="%Y-%m")
    cells = {
        **key,
        "cell_x": pa.array(np.floor(x / cell_size) * cell_size).cast(pa.int64(), False),
        "cell_y": pa.array(np.floor(y / cell_size) * cell_size).cast(pa.int64(), False),
        "location": (
            _text(batch["location"], pa, pc)
            if "location" in names
            else pa.nulls(len(x), pa.string()).fill_null("")
        ),
    }
    tables = {
        "cells": pa.table(cells).filter(ok),
        "months": pa.table({**key, "month": month}).filter(ok),
    }
    if "last_outcome_category" in names:
        outcome = _text(batch["last_outcome_category"], pa, pc)
        tables["outcomes"] = pa.table({**key, "last_outcome_category": outcome}).filter(
            ok
        )
    return tables


def _named(table, old: str):
    """Rename the aggregate column ``old`` to ``n`` (keys keep their names)."""
    return table.rename_columns(["n" if c == old else c for c in table.column_names])


def _combine(tables: list, keys: list[str]):
    import pyarrow as pa

    table = pa.concat_tables(tables).group_by(keys).aggregate([("n", "sum")])
    return _named(table, "n_sum").select([*keys, "n"])


def scan_points(
    out: str | Path,
    *,
    cell_size: float,
    definition: str | Iterable[str] | None = "serious_violence",
    start: str | None = None,
    end: str | None = None,
    forces: Sequence[str] | None = None,
    progress: bool = True,
) -> PointScan:
    """Count the selected crimes per map point, cell, label, month and outcome.

    Parameters
    ----------
    out : str or Path
        The folder written by :func:`hotspots.io.ingest_national`.
    cell_size : float
        Metres: side of the square cells (British National Grid).
    definition, start, end, forces, progress
        As :func:`hotspots.national.monthly_counts`.

    Returns
    -------
    PointScan
        Only the aggregated rows reach pandas.

    Raises
    ------
    InputFileError
        If ``out`` is not a national dataset.
    """
    from hotspots.national._queries import _scan, open_crimes

    names = set(open_crimes(out).schema.names)
    columns = ["force_slug", "month", "x", "y", *(c for c in _OPTIONAL if c in names)]
    keys = {
        "cells": [*POINT_KEYS, "cell_x", "cell_y", "location"],
        "months": [*POINT_KEYS, "month"],
        "outcomes": [*POINT_KEYS, "last_outcome_category"],
    }
    partial: dict[str, list] = {k: [] for k in keys}
    for i, batch in enumerate(
        _scan(out, columns, definition, start, end, forces, progress=progress), 1
    ):
        if batch.num_rows == 0:
            continue
        for name, table in _batch_tables(batch, float(cell_size), names).items():
            counted = table.group_by(keys[name]).aggregate([([], "count_all")])
            partial[name].append(
                _named(counted, "count_all").select([*keys[name], "n"])
            )
        if i % _COMBINE_EVERY == 0:
            partial = {
                k: [_combine(v, keys[k])] if v else [] for k, v in partial.items()
            }
    frames: dict[str, pd.DataFrame | None] = {}
    for name, key in keys.items():
        if partial[name]:
            frames[name] = _combine(partial[name], key).to_pandas()
        elif name == "outcomes" and "last_outcome_category" not in names:
            frames[name] = None
        else:
            frames[name] = pd.DataFrame({k: [] for k in [*key, "n"]})
    return PointScan(frames["cells"], frames["months"], frames["outcomes"])  # type: ignore[arg-type]


def _force_points(cells: pd.DataFrame, months: pd.DataFrame) -> pd.DataFrame:
    """One force's map points: ``x``, ``y``, ``n``, ``n_months``, ``location``.

    ``location`` is the commonest label (ties alphabetical), as
    :func:`hotspots.quality.map_points` chooses it.
    """
    labels = cells.groupby(["x", "y", "location"], sort=False)["n"].sum().reset_index()
    top = labels.sort_values(
        ["x", "y", "n", "location"], ascending=[True, True, False, True]
    ).drop_duplicates(["x", "y"])
    points = (
        labels.groupby(["x", "y"])["n"]
        .sum()
        .to_frame()
        .join(months.groupby(["x", "y"])["month"].nunique().rename("n_months"))
        .join(top.set_index(["x", "y"])["location"])
        .reset_index()
    )
    points["n_months"] = points["n_months"].fillna(0).astype(np.int64)
    return points


def _judge(points: pd.DataFrame, outcomes, n_months: int) -> pd.DataFrame:
    """Flag a force's map points with the quality layer's rule (check_data's)."""
    from hotspots.quality import judge_points

    judged = judge_points(points, n_months=n_months, outcomes=outcomes)
    judged.attrs = {}  # pandas.concat keeps attrs only when all frames agree
    return judged


def flag_points(scan: PointScan) -> pd.DataFrame:
    """Judge every force's map points by the quality layer's rule.

    Each force is judged alone, on its own selected crimes, exactly as
    :func:`hotspots.quality.check_data` judges them (its default thresholds): the
    months with data are the force's, and a point is compared with the force's
    other points within 500 m.

    Parameters
    ----------
    scan : PointScan
        From :func:`scan_points`.

    Returns
    -------
    pandas.DataFrame
        One row per map point: ``force_slug``, ``x``, ``y``, ``n``, ``n_months``,
        ``location`` (commonest label), ``single_point``, ``reporting_location``,
        ``custody_signature``, ``flag`` (check_data's words; "" when not flagged)
        and ``weight`` (the down-weight to the neighbourhood baseline; 1 when not
        flagged). ``attrs["n_months"]`` maps each force to its months with data.
    """
    columns = [
        "force_slug", "x", "y", "n", "n_months", "location", "single_point",
        "reporting_location", "custody_signature", "flag", "weight",
    ]  # fmt: skip
    frames, months_by_force = [], {}
    outcomes = scan.outcomes
    by_outcome = (
        dict(tuple(outcomes.groupby("force_slug", sort=False)))
        if outcomes is not None
        else {}
    )
    by_month = dict(tuple(scan.months.groupby("force_slug", sort=False)))
    for force, cells in scan.cells.groupby("force_slug", sort=True):
        months = by_month.get(force, scan.months.iloc[:0])
        n_months = max(int(months["month"].nunique()), 1)
        months_by_force[str(force)] = n_months
        points = _judge(_force_points(cells, months), by_outcome.get(force), n_months)
        frames.append(points.assign(force_slug=force)[columns])
    table = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame({c: [] for c in columns})
    )
    table.attrs["n_months"] = months_by_force
    flagged = table["flag"] != ""
    logger.info(
        "Map points judged per force by the data-quality rule: %d of %d flagged as "
        "likely recording artefacts (%s crimes).",
        int(flagged.sum()),
        len(table),
        f"{int(table.loc[flagged, 'n'].sum()):,}",
    )
    return table
