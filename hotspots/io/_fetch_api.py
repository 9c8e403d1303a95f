"""Fetch a force's months from the police.uk API, one polygon query at a time.

The street-level crimes method (data.police.uk/docs/method/crime-street/) returns
the crimes of a month inside a custom area: ``/api/crimes-street/all-crime`` with
``date=YYYY-MM`` and ``poly=lat,lng:lat,lng:...`` ("the first and last coordinates
need not be the same"). "If a custom area contains more than 10,000 crimes, the API
will return a 503 status code": the area is then cut into the four quadrants of its
bounding box and each piece is asked for in turn, recursively, and the pieces'
crimes are merged and de-duplicated by the API ``id`` (a crime on a cut line comes
back from both sides). "The API will return a 400 status code in response to a GET
request longer than 4094 characters ... consider using POST instead": longer
queries are sent as a POST form with the same fields.

The area is the force's outline as shipped (:func:`hotspots.io.force_area`, 2011
LSOAs dissolved), one query per part, or the ``area`` given; ``poly`` holds one
ring, so crimes in the area's holes come back and are dropped (and counted) here.
The API does not say which force recorded a crime: rows are written under the
force asked for, except ``location_type`` "BTP" rows, which British Transport
Police recorded (data.police.uk/docs/method/crimes-at-location/). Crimes of a
neighbouring force within the generalised outline come back too, and the force's
own crimes just outside it do not: the bulk archive is the per-force record.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import requests
import shapely

from hotspots.exceptions import HotspotsWarning
from hotspots.io._areas import force_polygon
from hotspots.io._assemble import as_boundary
from hotspots.io._boundary import read_boundary
from hotspots.io._fetch_cache import (
    Manifest,
    count_rows,
    now_utc,
    sha256_bytes,
    street_path,
    write_bytes,
)
from hotspots.io._fetch_http import Client, CorruptDownloadError, FetchError
from hotspots.io._forces import force_record, lookup_force
from hotspots.io._schema import BNG, POLICEUK_COLUMNS, WGS84

__all__ = ["CATEGORY_NAMES", "api_area", "fetch_api"]

logger = logging.getLogger(__name__)

_CRIMES_PATH = "api/crimes-street/all-crime"
#: data.police.uk/docs/method/crime-street/: GET requests longer than this get 400.
_MAX_GET_CHARS = 4094
#: Cut an area into quadrants at most this many times before giving up.
_MAX_SPLIT_DEPTH = 10
_DECIMALS = 6  # ~0.1 m; police.uk publishes six decimals
_BTP = "British Transport Police"

#: API category slug -> the crime type written in street CSVs, as the API's
#: ``crime-categories`` method lists them (url, name); "violent-crime" is named
#: "Violence and sexual offences". Unknown slugs are written as they come and the
#: reader sets those rows aside as ``unknown_crime_type``.
CATEGORY_NAMES = {
    "anti-social-behaviour": "Anti-social behaviour",
    "bicycle-theft": "Bicycle theft",
    "burglary": "Burglary",
    "criminal-damage-arson": "Criminal damage and arson",
    "drugs": "Drugs",
    "other-crime": "Other crime",
    "other-theft": "Other theft",
    "possession-of-weapons": "Possession of weapons",
    "public-order": "Public order",
    "robbery": "Robbery",
    "shoplifting": "Shoplifting",
    "theft-from-the-person": "Theft from the person",
    "vehicle-crime": "Vehicle crime",
    "violent-crime": "Violence and sexual offences",
}


def api_area(slug: str, area: Any) -> tuple[list[shapely.Polygon], str]:
    """Return the polygons (WGS84 lon/lat) to query and a description of them.

    ``area`` None means the force's shipped outline; a GeoDataFrame/GeoSeries is
    reprojected to WGS84; a bare shapely geometry must be in EPSG:27700 (as for the
    readers' ``boundary=``); text names a boundary file or a force.
    """
    if area is None:
        try:
            bng = force_polygon(slug)
        except ValueError as err:
            raise ValueError(
                f"{err} For the API source pass area= (a polygon of the study area), "
                "or use source='archive'."
            ) from err
        label = f"force outline of {slug} (hotspots.io.force_area)"
    elif isinstance(area, gpd.GeoDataFrame | gpd.GeoSeries):
        if area.crs is None:
            as_boundary(area)  # raises the readers' CRSError with its advice
        wgs = area.to_crs(WGS84).geometry.union_all()
        return _polygons(wgs), "area given (GeoDataFrame/GeoSeries)"
    elif isinstance(area, str):
        if lookup_force(area) is not None and not Path(area).exists():
            return api_area(lookup_force(area) or slug, None)
        bng = read_boundary(area).geometry.union_all()
        label = f"area read from {area}"
    else:
        bng = as_boundary(area)
        label = "area given (shapely geometry, EPSG:27700)"
    wgs = gpd.GeoSeries([bng], crs=BNG).to_crs(WGS84).iloc[0]
    return _polygons(wgs), label


def _polygons(geometry: shapely.Geometry) -> list[shapely.Polygon]:
    parts = [
        p
        for p in shapely.get_parts(geometry)
        if p.geom_type == "Polygon" and not p.is_empty and p.area > 0
    ]
    if not parts:
        raise ValueError(
            f"the API area holds no polygon (found {geometry.geom_type}). Pass an area."
        )
    return parts


def _poly_text(polygon: shapely.Polygon) -> str | None:
    """``lat,lng:lat,lng:...`` of the exterior ring (None if it rounds to a line)."""
    points: list[str] = []
    for lon, lat in polygon.exterior.coords[:-1]:
        point = f"{lat:.{_DECIMALS}f},{lon:.{_DECIMALS}f}"
        if not points or points[-1] != point:
            points.append(point)
    if len(points) > 1 and points[0] == points[-1]:
        points.pop()
    return ":".join(points) if len(set(points)) >= 3 else None


def _quadrants(polygon: shapely.Polygon) -> list[shapely.Polygon]:
    minx, miny, maxx, maxy = polygon.bounds
    midx, midy = (minx + maxx) / 2, (miny + maxy) / 2
    boxes = [
        shapely.box(minx, miny, midx, midy),
        shapely.box(midx, miny, maxx, midy),
        shapely.box(minx, midy, midx, maxy),
        shapely.box(midx, midy, maxx, maxy),
    ]
    pieces = []
    for box in boxes:
        for part in shapely.get_parts(polygon.intersection(box)):
            if part.geom_type == "Polygon" and part.area > 0:
                pieces.append(part)
    return pieces


class _Query:
    """The crimes of one month inside a list of polygons, split while over the cap."""

    def __init__(self, client: Client, base_url: str, month: str) -> None:
        self.client, self.month = client, month
        self.url = f"{base_url}/{_CRIMES_PATH}"
        self.requests = 0
        self.in_holes = 0
        self.crimes: dict[str, dict[str, Any]] = {}

    def run(self, polygons: list[shapely.Polygon]) -> list[dict[str, Any]]:
        """Return the crimes in ``polygons``, sorted by API id.

        ``poly`` carries one ring, so the API also returns crimes in the holes of
        an area (an estuary, another force's enclave): those are dropped here and
        counted in ``in_holes``.
        """
        for polygon in polygons:
            self._ask(polygon, depth=0)
        crimes = [self.crimes[k] for k in sorted(self.crimes, key=_sort_key)]
        kept = _outside_holes(crimes, polygons)
        self.in_holes = len(crimes) - len(kept)
        return kept

    def _ask(self, polygon: shapely.Polygon, depth: int) -> None:
        poly = _poly_text(polygon)
        if poly is None:
            return  # a sliver narrower than 0.1 m: its edges are queried by neighbours
        fields = {"date": self.month, "poly": poly}
        get_url = requests.Request("GET", self.url, params=fields).prepare().url
        method = "GET" if len(get_url or "") <= _MAX_GET_CHARS else "POST"
        self.requests += 1
        found = self.client.call(
            method,
            self.url,
            params=fields if method == "GET" else None,
            data=fields if method == "POST" else None,
            pass_statuses=(503,),
            handle=_crimes_or_none,
        )
        if found is not None:
            for crime in found:
                self.crimes[_crime_key(crime)] = crime
            return
        if depth >= _MAX_SPLIT_DEPTH:
            raise FetchError(
                f"{self.url} ({self.month}): a piece of the area {polygon.bounds} "
                f"(lon/lat) still holds more than the API's 10,000 crimes after "
                f"{depth} cuts (HTTP 503). Use source='archive' for this force."
            )
        logger.debug(
            "%s: over the cap at depth %d; cutting in four.", self.month, depth
        )
        for piece in _quadrants(polygon):
            self._ask(piece, depth + 1)


def _outside_holes(
    crimes: list[dict[str, Any]], polygons: list[shapely.Polygon]
) -> list[dict[str, Any]]:
    """Drop crimes lying inside a hole of the area (and in no part of it)."""
    holes = [shapely.Polygon(ring) for p in polygons for ring in p.interiors]
    if not holes or not crimes:
        return crimes
    hole, area = shapely.union_all(holes), shapely.union_all(polygons)
    points = shapely.points(
        [float((c.get("location") or {}).get("longitude") or "nan") for c in crimes],
        [float((c.get("location") or {}).get("latitude") or "nan") for c in crimes],
    )
    drop = shapely.contains(hole, points) & ~shapely.covers(area, points)
    return [c for c, d in zip(crimes, drop, strict=True) if not d]


def _crimes_or_none(response: Any) -> list[dict[str, Any]] | None:
    """Return the crimes of a 200 response; None for 503 (over the 10,000 cap)."""
    if response.status_code == 503:
        return None
    try:
        crimes = response.json()
    except ValueError as err:
        raise CorruptDownloadError(f"the answer is not complete JSON ({err})") from err
    if not isinstance(crimes, list):
        raise CorruptDownloadError(
            f"expected a JSON list of crimes, got {type(crimes).__name__}"
        )
    return crimes


def _crime_key(crime: dict[str, Any]) -> str:
    if crime.get("id") is not None:
        return str(crime["id"])
    return json.dumps(crime, sort_keys=True)


def _sort_key(key: str) -> tuple[int, str]:
    return (0, f"{int(key):020d}") if key.isdigit() else (1, key)


def crimes_to_csv(crimes: list[dict[str, Any]], force_name: str) -> bytes:
    """Write API crimes as a police.uk street CSV (the bulk archive's 12 columns)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(POLICEUK_COLUMNS)
    unknown: set[str] = set()
    for crime in crimes:
        location = crime.get("location") or {}
        street = location.get("street") or {}
        outcome = crime.get("outcome_status") or {}
        slug = str(crime.get("category") or "")
        if slug not in CATEGORY_NAMES:
            unknown.add(slug)
        force = _BTP if crime.get("location_type") == "BTP" else force_name
        writer.writerow(
            [
                crime.get("persistent_id") or "",
                crime.get("month") or "",
                force,
                force,
                location.get("longitude") or "",
                location.get("latitude") or "",
                street.get("name") or "",
                "",  # LSOA code: the API has none
                "",  # LSOA name
                CATEGORY_NAMES.get(slug, slug),
                outcome.get("category") or "",
                crime.get("context") or "",
            ]
        )
    if unknown:
        warnings.warn(
            f"police.uk API crime categories {sorted(unknown)} are not known to "
            "hotspots; they are written as they came and read_policeuk() sets those "
            "rows aside as unknown_crime_type. Check data.police.uk's crime-categories "
            "list and report it.",
            HotspotsWarning,
            stacklevel=3,
        )
    return buffer.getvalue().encode("utf-8")


def fetch_api(
    months: list[str],
    *,
    slug: str,
    out: Path,
    cache: Path,
    client: Client,
    base_url: str,
    manifest: Manifest,
    polygons: list[shapely.Polygon],
    area_label: str,
    area_sha256: str,
    done: Callable[[str, str], None],
) -> None:
    """Write the force's street file of each month from the API (or its cache).

    ``done(month, outcome)`` is called once per month: ``"fetched"``,
    ``"cached"`` (rebuilt from ``<cache>/api/<force>/<month>.json``) or
    ``"empty"`` (the API returned no crime in the area).
    """
    force_name = str(force_record(slug)["name"])
    for month in months:
        path = cache / "api" / slug / f"{month}.json"
        saved = _load(path, area_sha256)
        status = "cached"
        if saved is None:
            fetched_at = now_utc()
            query = _Query(client, base_url, month)
            crimes = query.run(polygons)
            saved = {
                "url": query.url,
                "month": month,
                "area": area_label,
                "area_sha256": area_sha256,
                "fetched_at": fetched_at,
                "requests": query.requests,
                "in_holes": query.in_holes,
                "crimes": crimes,
            }
            write_bytes(path, json.dumps(saved).encode("utf-8"))
            status = "fetched"
            if query.in_holes:
                logger.info(
                    "%s: %d crime(s) in holes of the area (another force's ground) "
                    "left out; counted in the manifest.",
                    month,
                    query.in_holes,
                )
        entry = {
            "force": slug,
            "month": month,
            "source": "api",
            "url": saved["url"],
            "fetched_at": saved["fetched_at"],
            "requests": saved["requests"],
            "area": saved["area"],
            "area_sha256": area_sha256,
            "dropped_in_area_holes": saved.get("in_holes", 0),
        }
        if not saved["crimes"]:
            manifest.record(
                {**entry, "status": "empty", "path": None, "note": "no crimes returned"}
            )
            done(month, "empty")
            continue
        data = crimes_to_csv(saved["crimes"], force_name)
        write_bytes(out / street_path(month, slug), data)
        manifest.record(
            {
                **entry,
                "status": "file",
                "path": street_path(month, slug),
                "sha256": sha256_bytes(data),
                "bytes": len(data),
                "rows": count_rows(data),
                "lsoa": "missing: the API gives no LSOA code or name",
            }
        )
        done(month, status)


def _load(path: Path, area_sha256: str) -> dict[str, Any] | None:
    """Return the cached crimes of a month for this area, or None."""
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(saved, dict) or saved.get("area_sha256") != area_sha256:
        return None
    return saved
