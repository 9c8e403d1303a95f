"""Harm weights: weight each crime by a harm index instead of counting it as one.

We ship no weight values. The two indices analysts use in England and Wales are
published as tables that change between editions, and :doc:`/docs/methods/harm` records
that their individual weights could not be verified here:

- the ONS **Crime Severity Score** (ONS, 2016, "Research outputs: developing a Crime
  Severity Score for England and Wales using data on crimes recorded by the
  police"): a weight per Home Office offence code, from sentencing data;
- the **Cambridge Crime Harm Index** (Sherman, Neyroud & Neyroud, 2016, *Policing*
  10(3), 171-183): days of imprisonment at the sentencing-guideline starting point.

Download the edition you use, load it with :func:`load_harm_table` (recording the
edition), and apply it with :func:`harm_weights`. police.uk open data has only 14
broad categories, so a real harm index needs force data with offence codes; a
table keyed by police.uk crime type is accepted but is the user's own
approximation, and the result says so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.exceptions import SchemaError

__all__ = ["HarmTable", "harm_weights", "load_harm_table"]

logger = logging.getLogger(__name__)

_KEYS = ("offence_code", "crime_type")


@dataclass(frozen=True)
class HarmTable:
    """Harm weights per offence code or police.uk crime type, with their source.

    Attributes
    ----------
    weights : pandas.Series
        Weight per key (index: offence codes or crime types), non-negative.
    key : {"offence_code", "crime_type"}
        What the index holds, and so which column of the crimes it matches.
    name : str
        The index, e.g. "ONS Crime Severity Score".
    edition : str
        Edition or publication date of the table used.
    source : str
        Where the table came from (publisher, title, URL or file name).
    """

    weights: pd.Series
    key: str
    name: str
    edition: str
    source: str

    def __post_init__(self) -> None:
        if self.key not in _KEYS:
            raise ValueError(f"key must be one of {_KEYS}; got {self.key!r}")
        values = pd.to_numeric(self.weights, errors="coerce")
        if values.isna().any() or (values < 0).any() or not np.isfinite(values).all():
            bad = list(self.weights.index[values.isna() | ~(values >= 0)][:5])
            raise SchemaError(
                f"harm table {self.name!r}: weights must be non-negative numbers; "
                f"check the rows for {bad}."
            )
        if self.weights.index.duplicated().any():
            dupes = list(self.weights.index[self.weights.index.duplicated()][:5])
            raise SchemaError(
                f"harm table {self.name!r}: keys {dupes} appear more than once; "
                "keep one weight per key."
            )
        if not self.edition or not self.source:
            raise ValueError(
                "record the table's edition and source (e.g. edition='2016 research "
                "outputs', source='ONS Crime Severity Score data tool')."
            )


def load_harm_table(
    path: str | Path,
    *,
    key_column: str,
    weight_column: str,
    key: str = "offence_code",
    name: str,
    edition: str,
    source: str,
) -> HarmTable:
    """Load a harm-weight table from a CSV file.

    Parameters
    ----------
    path : str or Path
        CSV with one row per offence code (or crime type).
    key_column, weight_column : str
        Column holding the key and the weight.
    key : {"offence_code", "crime_type"}, default "offence_code"
        Whether keys are Home Office offence codes or police.uk crime types.
    name, edition, source : str
        The index's name, the edition used and where it came from; all are carried
        into results so a reader can check them.

    Raises
    ------
    SchemaError
        If a column is missing, a weight is not a non-negative number, or a key
        repeats.

    Examples
    --------
    >>> table = load_harm_table("css_weights.csv", key_column="Offence code",
    ...     weight_column="Weight", name="ONS Crime Severity Score",
    ...     edition="2016", source="ONS data tool")  # doctest: +SKIP
    """
    frame = pd.read_csv(path, dtype={key_column: str})
    missing = [c for c in (key_column, weight_column) if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"{Path(path).name}: column(s) {missing} not found; columns present: "
            f"{list(frame.columns)}. Pass key_column= and weight_column=."
        )
    weights = pd.Series(
        pd.to_numeric(frame[weight_column], errors="coerce").to_numpy(),
        index=frame[key_column].astype(str).str.strip(),
        name="weight",
    )
    return HarmTable(weights, key=key, name=name, edition=edition, source=source)


def harm_weights(
    crimes: gpd.GeoDataFrame, table: HarmTable, *, column: str = "harm"
) -> gpd.GeoDataFrame:
    """Return the crimes with a harm-weight column from ``table``.

    Parameters
    ----------
    crimes : GeoDataFrame
        From :func:`hotspots.read_policeuk` or :func:`hotspots.read_force_extract`.
    table : HarmTable
        From :func:`load_harm_table`.
    column : str, default "harm"
        Name of the new column; pass it to ``count_points(weights=...)``,
        ``kde(weights=...)`` or ``gistar(weights=...)``.

    Returns
    -------
    GeoDataFrame
        A copy with ``column`` added. ``attrs["hotspots"]["harm"]`` records the
        table's name, edition, source and key.

    Raises
    ------
    SchemaError
        If the crimes lack the key column, or hold keys the table has no weight
        for (listed, with counts: add them to the table or drop those crimes).

    Notes
    -----
    Harm weights are heavy-tailed (one homicide outweighs hundreds of assaults), so
    harm-weighted hotspots are unstable: use multi-year windows and show count and
    harm maps side by side (:doc:`/docs/methods/harm`).

    Examples
    --------
    >>> import pandas as pd, geopandas as gpd, shapely
    >>> table = HarmTable(pd.Series({"1": 5475.0, "8N": 1.0}), key="offence_code",
    ...                   name="test weights", edition="test", source="made up")
    >>> crimes = gpd.GeoDataFrame({"offence_code": ["1", "1"] + ["8N"] * 10},
    ...                           geometry=[shapely.Point(0, 0)] * 12, crs=27700)
    >>> float(harm_weights(crimes, table)["harm"].sum())
    10960.0
    """
    if table.key not in crimes.columns:
        raise SchemaError(
            f"the harm table is keyed by {table.key!r}, but the crimes have no such "
            f"column (columns: {list(crimes.columns)}). Offence-code tables need a "
            "force extract read with read_force_extract()."
        )
    keys = crimes[table.key].astype(str).str.strip()
    weights = keys.map(table.weights)
    unknown = keys[weights.isna()].value_counts()
    if len(unknown):
        listing = ", ".join(f"{k!r} ({n})" for k, n in unknown.head(10).items())
        raise SchemaError(
            f"{int(unknown.sum())} crime(s) have a {table.key} with no weight in "
            f"{table.name!r}: {listing}. Add them to the table or drop those crimes."
        )
    out = crimes.copy()
    out[column] = weights.to_numpy(dtype=float)
    out.attrs["hotspots"] = {
        **crimes.attrs.get("hotspots", {}),
        "harm": {
            "name": table.name,
            "edition": table.edition,
            "source": table.source,
            "key": table.key,
        },
    }
    if table.key == "crime_type":
        logger.info(
            "Harm weights by police.uk crime type are an approximation: official "
            "indices weight Home Office offence codes."
        )
    return out
