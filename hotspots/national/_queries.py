"""Queries over the national dataset, computed by pyarrow rather than in pandas.

The dataset is the folder :func:`hotspots.io.ingest_national` writes, opened with
:func:`hotspots.io.open_national` (the parts committed in its ledger, partitioned by
``force_slug`` and ``year``), with the columns ``month``, ``crime_type``,
``lsoa_code``, ``x`` and ``y`` (British National Grid metres) among others. Each
query scans only the columns it needs, with the crime types, months and years pushed
down as filters, and aggregates batch by batch with ``Table.group_by``; only the
aggregated rows reach pandas.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["crimes_filter", "monthly_counts", "open_crimes"]

logger = logging.getLogger(__name__)

_KEYS = ("force", "month", "lsoa_code", "crime_type", "cell")
#: Names of the cell columns.
_CELL_COLUMNS = ("cell_x", "cell_y")
#: Dataset field behind a key: ``force`` is the force's slug (the partition value).
_FIELD = {"force": "force_slug"}


def open_crimes(out: str | Path):
    """Open the national dataset's crimes (committed parts only) for a query.

    :func:`hotspots.io.open_national`, whose partition fields are ``force_slug``
    and ``year``.

    Raises
    ------
    InputFileError
        If ``out`` is not a national dataset, or has no crimes yet (run
        ``hotspots ingest --national`` first).
    """
    from hotspots.io import open_national

    return open_national(out)


def _is_text(kind) -> bool:
    """Say whether an Arrow type is text (``month`` stored as ``YYYY-MM``)."""
    import pyarrow as pa

    return bool(
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_string_view(kind)
    )


def _month_scalar(value: str, kind):
    import pyarrow as pa

    if _is_text(kind):
        return pa.scalar(value, kind)
    import datetime as dt

    first = dt.date(int(value[:4]), int(value[5:7]), 1)
    return pa.scalar(first, pa.date32()).cast(kind)


def crimes_filter(
    dataset,
    *,
    definition: str | Iterable[str] | None = "serious_violence",
    start: str | None = None,
    end: str | None = None,
    forces: Sequence[str] | None = None,
):
    """Return a pyarrow filter expression for crime types, months and forces.

    Parameters
    ----------
    dataset : pyarrow.dataset.Dataset
        From :func:`open_crimes` (its ``month`` type decides how months compare:
        ``YYYY-MM`` text, or a date/timestamp of the month's first day).
    definition : str, iterable of str or None, default "serious_violence"
        A name in :data:`hotspots.DEFINITIONS`, police.uk crime types, or None
        for every type.
    start, end : str, optional
        First and last month, ``"YYYY-MM"``, both included.
    forces : sequence of str, optional
        Force slugs (partition values) to keep.

    Returns
    -------
    pyarrow.compute.Expression or None
    """
    import pyarrow.dataset as ds

    from hotspots.io._assemble import normalise_months
    from hotspots.io._definitions import resolve_crime_types

    expr = None

    def both(e):
        return e if expr is None else expr & e

    types = resolve_crime_types(definition)  # type: ignore[arg-type]
    if types is not None:
        expr = both(ds.field("crime_type").isin(list(types)))
    start, end = normalise_months(start, end)
    kind = dataset.schema.field("month").type
    if start is not None:
        expr = both(ds.field("month") >= _month_scalar(start, kind))
        expr = both(ds.field("year") >= int(start[:4]))
    if end is not None:
        if _is_text(kind):
            expr = both(ds.field("month") <= _month_scalar(end, kind))
        else:
            last = np.datetime64(end, "M") + np.timedelta64(1, "M")
            expr = both(ds.field("month") < _month_scalar(str(last), kind))
        expr = both(ds.field("year") <= int(end[:4]))
    if forces is not None:
        expr = both(ds.field("force_slug").isin(list(forces)))
    return expr


def _scan(out, columns, definition, start, end, forces=None, progress=False):
    from tqdm.auto import tqdm

    dataset = open_crimes(out)
    expr = crimes_filter(
        dataset, definition=definition, start=start, end=end, forces=forces
    )
    scanner = dataset.scanner(columns=list(columns), filter=expr)
    return tqdm(
        scanner.to_batches(), desc="Scanning", unit=" batches", disable=not progress
    )


def _with_keys(batch, by: Sequence[str], cell_size: float | None):
    """Return the batch's grouping columns as a table (cells and months computed)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns: dict[str, Any] = {}
    for key in by:
        if key == "cell":
            size = pa.scalar(float(cell_size))  # type: ignore[arg-type]
            for name, axis in zip(_CELL_COLUMNS, ("x", "y"), strict=True):
                corner = pc.multiply(pc.floor(pc.divide(batch[axis], size)), size)
                columns[name] = pc.cast(corner, pa.int64())
        elif key == "month" and not _is_text(batch["month"].type):
            columns["month"] = pc.strftime(batch["month"], format="%Y-%m")
        else:
            values = batch[_FIELD.get(key, key)]
            if pa.types.is_dictionary(values.type):
                values = values.dictionary_decode()
            columns[key] = values
    return pa.table(columns)


def _group_counts(batches, by: Sequence[str], cell_size: float | None):
    """Count rows per key combination, aggregating batch by batch."""
    import pyarrow as pa

    keys = [k for key in by for k in (_CELL_COLUMNS if key == "cell" else (key,))]
    partial = []
    for batch in batches:
        if batch.num_rows == 0:
            continue
        table = _with_keys(batch, by, cell_size)
        if "cell" in by:
            ok = pa.compute.is_valid(table["cell_x"])
            table = table.filter(
                pa.compute.and_(ok, pa.compute.is_valid(table["cell_y"]))
            )
        partial.append(table.group_by(keys).aggregate([([], "count_all")]))
    if not partial:
        import pandas as pd

        return pd.DataFrame({**{k: [] for k in keys}, "n": np.array([], np.int64)})
    combined = (
        pa.concat_tables(partial).group_by(keys).aggregate([("count_all", "sum")])
    )
    frame = combined.to_pandas().rename(columns={"count_all_sum": "n"})
    frame = frame[[*keys, "n"]].sort_values(keys, kind="stable")
    return frame.reset_index(drop=True)


def _check_by(by: Sequence[str] | str, cell_size: float | None) -> tuple[str, ...]:
    by = (by,) if isinstance(by, str) else tuple(by)
    bad = [k for k in by if k not in _KEYS]
    if bad or not by:
        raise ValueError(f"by must name some of {list(_KEYS)}; got {list(by)}")
    if "cell" in by and not (cell_size and cell_size > 0):
        raise ValueError("by='cell' needs cell_size= in metres, e.g. cell_size=250.")
    return by


def monthly_counts(
    out: str | Path,
    *,
    by: Sequence[str] | str = ("force", "month"),
    definition: str | Iterable[str] | None = "serious_violence",
    start: str | None = None,
    end: str | None = None,
    cell_size: float | None = None,
    progress: bool = True,
):
    """Return crime counts by force, month, LSOA or cell from the national dataset.

    Parameters
    ----------
    out : str or Path
        The folder written by :func:`hotspots.io.ingest_national`.
    by : sequence of str, default ("force", "month")
        Any of ``"force"`` (the force's slug, e.g. ``"leicestershire"``),
        ``"month"``, ``"lsoa_code"``, ``"crime_type"`` and ``"cell"`` (square
        cells of ``cell_size`` metres on the British National Grid, named by
        their south-west corner ``cell_x``, ``cell_y``).
    definition : str, iterable of str or None, default "serious_violence"
        Which crimes to count (:data:`hotspots.DEFINITIONS` or crime types);
        None counts all.
    start, end : str, optional
        First and last month ``"YYYY-MM"`` (both included); None = all months.
    cell_size : float, optional
        Metres; needed with ``by`` including ``"cell"``.
    progress : bool, default True
        Show a progress bar over the batches scanned.

    Returns
    -------
    pandas.DataFrame
        One row per key combination that has crimes: the keys (``month`` as
        ``YYYY-MM`` text; ``cell_x``, ``cell_y`` integer metres) and ``n``, sorted
        by the keys.

    Raises
    ------
    InputFileError
        If ``out`` is not a national dataset.
    ValueError
        If ``by``, the definition or the months are not valid.

    Notes
    -----
    Rows are read in Arrow batches with only the needed columns; each batch is
    grouped and only the partial counts are kept, so memory grows with the number
    of groups, not rows.

    Examples
    --------
    >>> counts = monthly_counts("national", start="2024-01")  # doctest: +SKIP
    >>> by_lsoa = monthly_counts("national", by=("lsoa_code",))  # doctest: +SKIP
    """
    by = _check_by(by, cell_size)
    columns = {"x", "y"} if "cell" in by else set()
    columns |= {_FIELD.get(k, k) for k in by if k != "cell"}
    batches = _scan(out, sorted(columns), definition, start, end, progress=progress)
    frame = _group_counts(batches, by, cell_size)
    logger.info(
        "Counted %s crimes (%s) in %d groups by %s.",
        f"{int(frame['n'].sum()):,}",
        definition,
        len(frame),
        ", ".join(by),
    )
    return frame
