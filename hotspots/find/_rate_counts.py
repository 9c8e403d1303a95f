"""Crimes per area for :func:`hotspots.find.rates`: point in polygon, or by code.

police.uk gives each crime the LSOA holding its *anonymised* point, so counting the
points in the LSOA polygons gives the same answer as the code when both use the
same LSOA vintage, and works for any areas. Codes differ between vintages: police.uk
files from 2023 carry 2021 LSOA codes, and about 7% of the distinct Leicestershire
codes (12% of rows) are not 2011 codes, so counting 2023-2024 crimes by code into
the shipped 2011 outlines would lose them (:doc:`/docs/methods/rates`).
"""

from __future__ import annotations

import logging
import warnings
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots._validate import check_projected
from hotspots.exceptions import CRSError, HotspotsWarning, SchemaError

__all__ = ["CountBy", "count_in_areas"]

logger = logging.getLogger(__name__)

CountBy = Literal["location", "code"]


def _by_location(crimes: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> np.ndarray:
    """Area position of each crime (-1 if in none); edges go to the first area."""
    check_projected(crimes, "crimes")
    if crimes.crs != areas.crs:
        raise CRSError(
            f"crimes ({crimes.crs}) and areas ({areas.crs}) use different CRSs. "
            "Reproject one with to_crs(), e.g. areas.to_crs(crimes.crs)."
        )
    if not crimes.geometry.geom_type.isin(["Point"]).all():
        raise ValueError(
            "crimes must all be Point geometries; found "
            f"{sorted(crimes.geometry.geom_type.unique())}."
        )
    polygons = areas.geometry.to_numpy()
    point_at, area_at = shapely.STRtree(polygons).query(
        crimes.geometry.to_numpy(), predicate="intersects"
    )
    found = np.full(len(crimes), -1, dtype=np.int64)
    # query returns pairs sorted by point; keep each point's lowest area position
    order = np.lexsort((area_at, point_at))
    point_at, area_at = point_at[order], area_at[order]
    if len(point_at):
        first = np.r_[True, point_at[1:] != point_at[:-1]]
        found[point_at[first]] = area_at[first]
    return found


def _by_code(
    crimes: pd.DataFrame, areas: gpd.GeoDataFrame, id_column: str
) -> np.ndarray:
    if id_column not in crimes.columns:
        raise SchemaError(
            f"count_by='code' needs a {id_column!r} column in crimes (police.uk's "
            f"LSOA code); columns are {list(crimes.columns)}. Use "
            "count_by='location' (point in polygon)."
        )
    position = pd.Series(np.arange(len(areas)), index=areas[id_column].to_numpy())
    return (
        position.reindex(crimes[id_column].to_numpy())
        .fillna(-1)
        .to_numpy(dtype=np.int64)
    )


def count_in_areas(
    crimes: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    id_column: str,
    count_by: CountBy,
) -> tuple[np.ndarray, dict]:
    """Return crimes per area (in ``areas`` order) and what was counted.

    Raises
    ------
    ValueError
        If ``count_by`` is unknown, or no crime falls in (or matches) any area.

    Warns
    -----
    HotspotsWarning
        If some crimes fall in no area (or match no code), with examples and what
        to do.
    """
    if count_by == "location":
        found = _by_location(crimes, areas)
        how = "point in polygon"
    elif count_by == "code":
        found = _by_code(crimes, areas, id_column)
        how = f"{id_column} code"
    else:
        raise ValueError(f"count_by must be 'location' or 'code'; got {count_by!r}")
    inside = found >= 0
    counts = np.bincount(found[inside], minlength=len(areas)).astype(np.int64)
    lost = int((~inside).sum())
    meta = {
        "count_by": count_by,
        "n_crimes": len(crimes),
        "n_counted": int(inside.sum()),
        "n_not_counted": lost,
    }
    if len(crimes) and lost == len(crimes):
        raise ValueError(
            f"none of the {len(crimes):,} crimes was counted in an area by {how}. "
            + (
                "The codes match none of the areas' ids: are they the same LSOA "
                "vintage (police.uk 2023+ uses 2021 codes)? Use count_by='location'."
                if count_by == "code"
                else "Crimes and areas do not overlap: map both to check."
            )
        )
    if lost:
        if count_by == "code":
            codes = crimes.loc[~inside, id_column]
            examples = codes.value_counts(dropna=False).head(3).index.tolist()
            why = (
                f"their {id_column} (e.g. {examples}) is not among the areas' ids. "
                "police.uk files from 2023 use 2021 LSOA codes; 2011 outlines miss "
                "the new and changed ones. Use count_by='location' to count them."
            )
        else:
            why = (
                "they lie outside every area (police.uk places some crimes just "
                "over the force boundary); map them to check."
            )
        warnings.warn(
            f"{lost:,} of {len(crimes):,} crimes are not counted in any area: {why}",
            HotspotsWarning,
            stacklevel=3,
        )
    logger.info(
        "Crimes counted by %s: %d of %d in %d areas.",
        how,
        meta["n_counted"],
        len(crimes),
        len(areas),
    )
    return counts, meta
