"""Police force areas of England and Wales, and rows lying far outside their force.

police.uk snaps each crime to an anonymous map point, and forces record some crimes
outside their own area (a few hundred kilometres away, now and then). Such rows are
real records, so the readers keep them, but a grid drawn over every point would
stretch to cover them: :func:`outside_force_area` measures how far each row lies
outside the area of the force in its ``force`` (``Falls within``) column, and the
readers report rows more than :data:`FAR_OUTSIDE_KM` outside.
"""

from __future__ import annotations

import gzip
import json
import logging
import threading
from functools import cache
from importlib import resources

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.exceptions import CRSError
from hotspots.io._forces import force_record, lookup_force, resolve_force
from hotspots.io._schema import BNG

__all__ = [
    "FAR_OUTSIDE_KM",
    "far_outside_by_force",
    "far_outside_table",
    "force_area",
    "force_polygon",
    "outside_force_area",
    "outside_metres",
]

logger = logging.getLogger(__name__)

#: Rows lying more than this many kilometres outside their force's area are
#: reported by the readers (kept, not set aside).
FAR_OUTSIDE_KM = 5.0
_FILE = "force_areas.geojson.gz"
_M_PER_KM = 1000.0
#: GEOS builds a prepared outline's index on first use: one thread at a time.
_GEOS_LOCK = threading.Lock()
_AREAS_LOCK = threading.Lock()  # the outlines are read and built once


def _areas() -> gpd.GeoDataFrame:
    """Return the shipped outlines, read once (threads asking meanwhile wait)."""
    with _AREAS_LOCK:
        return _read_areas()


@cache
def _features() -> dict[str, dict]:
    """Return the shipped features by slug, geometry still GeoJSON (read once).

    json, not geopandas.read_file: GDAL's start-up made the first read 0.11 s.
    """
    data = resources.files("hotspots.data").joinpath(_FILE).read_bytes()
    features = json.loads(gzip.decompress(data))["features"]
    return {f["properties"]["slug"]: f for f in features}


@cache
def _outline(slug: str) -> shapely.Geometry:
    """Return one force's outline (built when first asked for; under the lock).

    A reader of one force's file builds one, not 43: 22 ms less with the GIL held.
    """
    return shapely.from_geojson(json.dumps(_features()[slug]["geometry"]))


@cache
def _read_areas() -> gpd.GeoDataFrame:
    features = _features()
    geometry = [_outline(slug) for slug in features]
    properties = pd.DataFrame([f["properties"] for f in features.values()])
    areas = gpd.GeoDataFrame(properties, geometry=geometry, crs=BNG)
    return areas.set_index("slug", drop=False)


def _has_outline(slug: str) -> bool:
    with _AREAS_LOCK:
        return slug in _features()


def _slug_outline(slug: str) -> shapely.Geometry:
    with _AREAS_LOCK:  # the first thread to ask builds it; the others wait
        return _outline(slug)


def _no_outline_error(slug: str) -> ValueError:
    rec = force_record(slug)
    if not rec["has_area"]:
        why = (
            f"{rec['name']} polices a network (the railways), not an area, so it "
            "has no force area"
        )
    else:
        why = (
            f"{rec['name']} has a force area, but hotspots ships no outline for it "
            "(only the 43 police force areas of England and Wales)"
        )
    return ValueError(
        f"force_area: {why}. Pass your own study area instead: "
        "boundary=hotspots.read_boundary('area.geojson')."
    )


def force_polygon(force: str) -> shapely.Geometry:
    """Return the outline of a force's area as one shapely geometry (EPSG:27700).

    A helper for the other layers: ``force_polygon("leicestershire")``. Raises
    ``ValueError`` as :func:`force_area` does.
    """
    slug = resolve_force(force)
    areas = _areas()
    if slug not in areas.index:
        raise _no_outline_error(slug)
    return areas.loc[slug, "geometry"]


def force_area(force: str) -> gpd.GeoDataFrame:
    """Return the area of a police force of England and Wales, in British National Grid.

    Parameters
    ----------
    force : str
        The force by slug, published name or area name (see
        :func:`hotspots.io.resolve_force`), e.g. ``"leicestershire"``.

    Returns
    -------
    geopandas.GeoDataFrame
        One row in EPSG:27700 (metres): ``slug``, ``name`` (as police.uk writes
        it), ``area_name`` (Home Office police force area name) and ``geometry``.

    Raises
    ------
    ValueError
        If ``force`` is not a police.uk force (the message lists the closest
        names), or is British Transport Police (no area) or the Police Service of
        Northern Ireland (no outline shipped).

    Notes
    -----
    The outlines are the 2011 LSOAs of each force (ONS super-generalised clipped
    boundaries) dissolved by force and snapped to whole metres: good for maps and
    for telling whether a point lies in or near a force, not for measuring areas.
    Source and derivation: ``hotspots/data/README.md``.

    Examples
    --------
    >>> import shapely
    >>> area = force_area("Leicestershire Police")
    >>> area.geometry.iloc[0].contains(shapely.Point(458_600, 304_500))  # Leicester
    True
    """
    slug = resolve_force(force)
    areas = _areas()
    if slug not in areas.index:
        raise _no_outline_error(slug)
    return areas.loc[[slug], ["slug", "name", "area_name", "geometry"]].reset_index(
        drop=True
    )


def _codes(forces: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Codes per row and the texts they stand for, as ``forces.astype(str)``.

    A categorical (as the readers return) is read from its codes, without making
    one Python string per row.
    """
    if isinstance(forces.dtype, pd.CategoricalDtype):
        codes = forces.cat.codes.to_numpy()  # -1 (missing) takes the last: "nan"
        return codes, [str(v) for v in forces.cat.categories] + ["nan"]
    codes, values = pd.factorize(forces.astype(str), use_na_sentinel=False)
    return codes, list(values)


def _slugs(forces: pd.Series) -> pd.Series:
    """Slug per row (None where the force text names no police.uk force)."""
    codes, values = _codes(forces)
    slugs = np.array([lookup_force(v) for v in values], dtype=object)
    return pd.Series(slugs[codes], index=forces.index, dtype=object)


def outside_force_area(
    crimes: gpd.GeoDataFrame, *, km: float = FAR_OUTSIDE_KM
) -> pd.Series:
    """Return how far each crime lies outside the area of its own force, in metres.

    Parameters
    ----------
    crimes : geopandas.GeoDataFrame
        Crimes with a ``force`` column (police.uk ``Falls within``, or any name,
        slug or area name :func:`hotspots.io.resolve_force` accepts) and point
        geometries, as :func:`hotspots.read_policeuk` returns them.
    km : float, default :data:`FAR_OUTSIDE_KM`
        Threshold, kilometres, for the count logged and recorded in the result's
        ``attrs["hotspots"]`` (``km`` and ``n_far``).

    Returns
    -------
    pandas.Series
        Float metres, aligned with ``crimes``: 0 inside the area, the distance to
        its edge outside, NaN where the force has no shipped area (British
        Transport Police, Police Service of Northern Ireland, unknown names) or the
        point is empty.

    Raises
    ------
    ValueError
        If ``crimes`` has no ``force`` column or ``km`` is negative.
    CRSError
        If ``crimes`` has no CRS.

    Examples
    --------
    >>> from hotspots.demo import load_real_sample
    >>> crimes = load_real_sample().crimes
    >>> metres = outside_force_area(crimes)
    >>> bool((metres > 5_000).sum() > 0)
    True
    """
    if "force" not in crimes.columns:
        raise ValueError(
            "outside_force_area: crimes have no 'force' column; columns present: "
            f"{list(crimes.columns)}. Read them with hotspots.read_policeuk()."
        )
    if not km >= 0:
        raise ValueError(f"km must be >= 0; got {km}")
    if crimes.crs is None:
        raise CRSError(
            "crimes have no CRS. Set it first, e.g. crimes.set_crs(27700) (British "
            "National Grid) or crimes.set_crs(4326) (longitude/latitude)."
        )
    geoms = np.asarray(crimes.geometry.to_crs(BNG).values, dtype=object)
    usable = shapely.get_type_id(geoms) == shapely.GeometryType.POINT
    usable &= ~shapely.is_empty(geoms)
    x, y = np.full(len(geoms), np.nan), np.full(len(geoms), np.nan)
    x[usable], y[usable] = shapely.get_x(geoms[usable]), shapely.get_y(geoms[usable])
    located = np.isfinite(x) & np.isfinite(y)
    out = np.full(len(crimes), np.nan)
    slugs = _slugs(crimes["force"]).to_numpy()
    for slug in pd.unique(slugs[located]):
        if slug is None or not _has_outline(slug):
            continue
        rows = located & (slugs == slug)
        with _GEOS_LOCK:
            out[rows] = _slug_distance(slug, x[rows], y[rows])
    result = pd.Series(out, index=crimes.index, name="outside_force_area_m")
    n_far = int((result > km * _M_PER_KM).sum())
    result.attrs["hotspots"] = {"km": km, "n_far": n_far}
    if n_far:
        logger.info(
            "%s located row(s) lie more than %g km outside their force area.",
            f"{n_far:,}",
            km,
        )
    return result


#: Side, metres, of the squares of :func:`_interior` (a force area is 20-100 km across).
_INTERIOR_M = 2_000.0


@cache
def _interior(slug: str) -> tuple[float, float, np.ndarray]:
    """Squares of :data:`_INTERIOR_M` lying wholly in a force's area (x0, y0, mask).

    A point in one of them is in the area, so most points need no test against
    the outline's thousands of vertices. Call under :data:`_GEOS_LOCK`.
    """
    area = _slug_outline(slug)
    x0, y0, x1, y1 = area.bounds
    cols = int(np.ceil((x1 - x0) / _INTERIOR_M))
    rows = int(np.ceil((y1 - y0) / _INTERIOR_M))
    gx, gy = np.meshgrid(
        x0 + _INTERIOR_M * np.arange(cols), y0 + _INTERIOR_M * np.arange(rows)
    )
    shapely.prepare(area)
    boxes = shapely.box(gx, gy, gx + _INTERIOR_M, gy + _INTERIOR_M)
    return x0, y0, shapely.covers(area, boxes)


def _slug_distance(slug: str, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """:func:`_distance` to a force's area, skipping points in wholly inside squares."""
    x0, y0, inside = _interior(slug)
    col = np.floor((x - x0) / _INTERIOR_M)
    row = np.floor((y - y0) / _INTERIOR_M)
    valid = (col >= 0) & (row >= 0) & (col < inside.shape[1]) & (row < inside.shape[0])
    sure = np.zeros(len(x), dtype=bool)
    sure[valid] = inside[row[valid].astype(np.intp), col[valid].astype(np.intp)]
    dist = np.zeros(len(x))
    rest = ~sure
    if rest.any():
        dist[rest] = _distance(_slug_outline(slug), x[rest], y[rest])
    return dist


def _distance(area, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Metres from each point to ``area`` (0 inside), checking containment first."""
    shapely.prepare(area)
    inside = shapely.contains_xy(area, x, y)
    dist = np.zeros(len(x))
    if (~inside).any():
        dist[~inside] = shapely.distance(area, shapely.points(x[~inside], y[~inside]))
    return dist


def outside_metres(
    codes: np.ndarray, values: list[str], x: np.ndarray, y: np.ndarray
) -> np.ndarray:
    """:func:`outside_force_area` on arrays: force codes into ``values``, metres.

    For the readers, which have each row's force text as dictionary codes and its
    British National Grid coordinates before any GeoDataFrame exists. Safe to call
    from several threads (the outlines are used under one lock).
    """
    out = np.full(len(x), np.nan)
    located = np.isfinite(x) & np.isfinite(y)
    by_slug: dict[str, list[int]] = {}
    for i, value in enumerate(values):
        slug = lookup_force(value)
        if slug is not None and _has_outline(slug):
            by_slug.setdefault(slug, []).append(i)
    for slug, which in by_slug.items():
        rows = located & np.isin(codes, which)
        if rows.any():
            with _GEOS_LOCK:
                out[rows] = _slug_distance(slug, x[rows], y[rows])
    return out


def far_outside_by_force(
    crimes: gpd.GeoDataFrame, *, km: float = FAR_OUTSIDE_KM
) -> pd.DataFrame:
    """Count rows more than ``km`` outside their force's area, per force as written.

    Returns one row per distinct ``force`` value: ``force``, ``slug`` (None when
    unknown), ``has_outline``, ``far_outside_area`` (count; 0 where no outline) and
    ``furthest_km`` (NaN when none is far).
    """
    if len(crimes) == 0 or "force" not in crimes.columns:
        return pd.DataFrame(columns=_FAR_COLUMNS)
    metres = outside_force_area(crimes, km=km).to_numpy()
    codes, values = _codes(crimes["force"])
    return far_outside_table(codes, values, metres, km=km)


_FAR_COLUMNS = ["force", "slug", "has_outline", "far_outside_area", "furthest_km"]


def far_outside_table(
    codes: np.ndarray,
    values: list[str],
    metres: np.ndarray,
    *,
    km: float = FAR_OUTSIDE_KM,
    log: bool = False,
) -> pd.DataFrame:
    """:func:`far_outside_by_force` from force codes (-1: the last value) and metres.

    ``log=True`` logs the count as :func:`outside_force_area` does.
    """
    if not len(metres):
        return pd.DataFrame(columns=_FAR_COLUMNS)
    codes = np.where(codes < 0, len(values) - 1, codes)  # missing: "nan"
    far = metres > km * _M_PER_KM
    if log and far.any():
        logger.info(
            "%s located row(s) lie more than %g km outside their force area.",
            f"{int(far.sum()):,}",
            km,
        )
    n_far = np.bincount(codes[far], minlength=len(values))
    furthest = pd.Series(metres[far]).groupby(codes[far]).max()
    texts: dict[str, list[int]] = {}  # one row per text, as groupby on the texts
    for code in np.flatnonzero(np.bincount(codes, minlength=len(values))):
        texts.setdefault(str(values[code]), []).append(int(code))
    rows = []
    for force in sorted(texts):
        slug = lookup_force(force)
        n = int(n_far[texts[force]].sum())
        top = [furthest[c] for c in texts[force] if c in furthest.index]
        outline = slug is not None and _has_outline(slug)
        rows.append((force, slug, outline, n, max(top) / _M_PER_KM if n else np.nan))
    return pd.DataFrame(rows, columns=_FAR_COLUMNS)
