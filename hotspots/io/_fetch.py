"""Fetch real police.uk street-level crime for any force and months, cached, resumable.

:func:`fetch_policeuk` writes the bulk-archive layout that
:func:`hotspots.read_policeuk` reads (``YYYY-MM/YYYY-MM-<force>-street.csv``) and a
``manifest.json`` of what was fetched, when, from where and with which checksum.
The bulk archive (:mod:`hotspots.io._fetch_archive`) and the API
(:mod:`hotspots.io._fetch_api`) are the two sources; HTTP, the rate limit and the
retries live in :mod:`hotspots.io._fetch_http`; the manifest and the cache in
:mod:`hotspots.io._fetch_cache`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import shapely
from tqdm.auto import tqdm

from hotspots.io._fetch_api import api_area, fetch_api
from hotspots.io._fetch_archive import fetch_archive
from hotspots.io._fetch_cache import (
    CACHE_DIRNAME,
    Manifest,
    month_list,
    sha256_bytes,
)
from hotspots.io._fetch_http import Client, FetchError
from hotspots.io._forces import resolve_force

__all__ = ["DEFAULT_BASE_URL", "FetchError", "FetchResult", "fetch_policeuk"]

logger = logging.getLogger(__name__)

#: Where police.uk serves the bulk archive (``/data/archive/``) and the API (``/api/``).
DEFAULT_BASE_URL = "https://data.police.uk"
_SOURCES = ("archive", "api")
_NO_LSOA = (
    "API rows carry no LSOA code or name (the API does not give them): join crimes "
    "to areas by point in polygon."
)


@dataclass(frozen=True)
class FetchResult:
    """What :func:`fetch_policeuk` did, month by month.

    Attributes
    ----------
    force, source : str
        The force's slug and ``"archive"`` or ``"api"``.
    start, end : str
        First and last month asked for, ``YYYY-MM``.
    out, manifest, cache : Path
        The output folder, its ``manifest.json`` and the cache folder used.
    months_fetched : tuple of str
        Months whose file was downloaded by this call.
    months_cached : tuple of str
        Months with data that needed no download: already in ``out`` as recorded in
        the manifest, or rebuilt from the cache.
    months_empty : tuple of str
        Months for which police.uk holds no data for the force (no file written).
    files : tuple of Path
        The street files of the months asked for, in month order.
    rows : int
        Data rows in ``files`` (header excluded), as recorded in the manifest.
    requests : int
        HTTP requests sent by this call (retries included); 0 when nothing was
        missing.
    bytes_downloaded : int
        Bytes of files streamed to disk by this call (archive ZIPs).
    notes : tuple of str
        Caveats of the source, e.g. that API rows lack LSOA codes.
    """

    force: str
    source: str
    start: str
    end: str
    out: Path
    manifest: Path
    cache: Path
    months_fetched: tuple[str, ...]
    months_cached: tuple[str, ...]
    months_empty: tuple[str, ...]
    files: tuple[Path, ...]
    rows: int
    requests: int
    bytes_downloaded: int
    notes: tuple[str, ...] = ()

    def __str__(self) -> str:
        empty = f" ({', '.join(self.months_empty)})" if self.months_empty else ""
        lines = [
            f"police.uk {self.source}: {self.force}, {self.start} to {self.end}",
            f"  months: {len(self.months_fetched)} fetched, {len(self.months_cached)} "
            f"already here or cached, {len(self.months_empty)} with no data{empty}",
            f"  rows: {self.rows:,} in {len(self.files)} file(s) under {self.out}",
            f"  downloads: {self.requests} request(s), "
            f"{self.bytes_downloaded / 1e6:,.1f} MB of files",
            f"  manifest: {self.manifest}",
        ]
        return "\n".join(lines + [f"  note: {n}" for n in self.notes])


def _check_options(source: str, retries: int, timeout: float) -> None:
    if source not in _SOURCES:
        raise ValueError(f"source must be one of {list(_SOURCES)}; got {source!r}")
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries must be an integer >= 0; got {retries!r}")
    if not timeout > 0:
        raise ValueError(f"timeout must be > 0 seconds; got {timeout!r}")


def fetch_policeuk(
    force: str,
    *,
    start: str,
    end: str,
    out: str | Path,
    source: Literal["archive", "api"] = "archive",
    area: Any = None,
    base_url: str | None = None,
    cache: str | Path | None = None,
    retries: int = 4,
    timeout: float = 60.0,
    progress: bool = True,
) -> FetchResult:
    """Download police.uk street-level crime of one force and months into a folder.

    Writes ``out/YYYY-MM/YYYY-MM-<force>-street.csv`` (the bulk-archive layout
    :func:`hotspots.read_policeuk` reads) and ``out/manifest.json``. A re-run
    downloads only what is missing; an interrupted run leaves no partial file and
    resumes where it stopped.

    Parameters
    ----------
    force : str
        The force by slug, published name or area name (``"leicestershire"``,
        ``"Leicestershire Police"``), as :func:`hotspots.io.resolve_force` reads it.
    start, end : str
        First and last month, ``"YYYY-MM"``, inclusive. ``end`` may not be before
        ``start`` nor after the current month.
    out : str or Path
        Output folder (created if needed).
    source : {"archive", "api"}, default "archive"
        ``"archive"``: the force's files from the monthly bulk-archive ZIPs of
        every force, byte for byte (large downloads, kept in the cache for other
        forces and months). ``"api"``: the street-level crimes API queried with the
        force's outline, converted to the same CSV layout (no LSOA columns).
    area : GeoDataFrame, GeoSeries, shapely geometry or str, optional
        ``source="api"`` only: the area to query instead of the force's shipped
        outline (required for British Transport Police and PSNI, which have none).
        A bare shapely geometry must be in EPSG:27700; text is a boundary file or a
        force name.
    base_url : str, optional
        Site serving ``/data/archive/YYYY-MM.zip`` and ``/api/``. None means
        ``https://data.police.uk``; pass a mirror, or a local test server.
    cache : str or Path, optional
        Cache folder (archive ZIPs by name; API answers by force and month). None
        means ``out/.cache`` (logged, and in ``result.cache``).
    retries : int, default 4
        Further attempts after a timeout, a dropped connection, HTTP 429 or 5xx, or
        a corrupt download, with exponential backoff and jitter (``Retry-After``
        honoured).
    timeout : float, default 60
        Seconds to wait for a connection or for the next bytes of an answer.
    progress : bool, default True
        Show a progress bar over months (and bytes of a ZIP being downloaded).

    Returns
    -------
    FetchResult
        Months fetched, already present or cached, and empty; the files, their row
        count, the requests sent and the manifest's path.

    Raises
    ------
    FetchError
        No network (a refused connection or an unknown host: the message names the
        URL and says to fetch on a machine with internet access or to copy the
        police.uk files into ``out`` by hand); HTTP 4xx other than 429 (e.g. 404: a
        month not yet published); still failing after ``retries``; a ZIP without the
        month it is named after. Months completed before the error stay recorded.
    ValueError
        An unknown force, a bad month or range, an unknown ``source``, ``area``
        with the archive, or an API fetch for a force without a shipped outline and
        no ``area``.

    Warns
    -----
    HotspotsWarning
        When the API returns a crime category hotspots does not know.

    Notes
    -----
    Verified in the police.uk documentation (see References):

    - Bulk archive: ``https://data.police.uk/data/archive/[year]-[month].zip``, the
      complete data of every force, as CSVs (data.police.uk/about). A ZIP covers a
      run of months up to its name; the fetcher reads the months covered from the
      ZIP, takes the force's file of each, and records a month the ZIP covers
      without a file of the force as empty. It downloads the ZIP named after the
      latest month still missing, then older ones while months remain.
    - API: ``/api/crimes-street/all-crime?date=YYYY-MM&poly=lat,lng:lat,lng:...``;
      over 10,000 crimes in the area gives HTTP 503, on which the area is cut into
      quadrants and asked again, crimes de-duplicated by ``id``; GET requests over
      4,094 characters give 400, so longer ones are POSTed
      (data.police.uk/docs/method/crime-street/). Rate limit 15 requests per
      second, bursts of 30, HTTP 429 beyond (data.police.uk/docs/api-call-limits/):
      the client keeps under it with a token bucket. ``poly`` is one ring, so
      crimes in holes of the area (an estuary, another force's enclave) come
      back too: they are dropped and counted in the manifest
      (``dropped_in_area_holes``).
    - API fields to CSV columns: ``persistent_id`` to Crime ID (``id`` "only
      relates to the API"), ``month``, ``location.longitude``/``latitude``,
      ``location.street.name`` to Location, ``category`` to Crime type (slugs
      named as the API's ``crime-categories`` lists them; ``violent-crime`` is
      "Violence and sexual offences"), ``outcome_status.category`` to Last outcome
      category, ``context``. Reported by and Falls within are the force asked for,
      or British Transport Police where ``location_type`` is "BTP"
      (data.police.uk/docs/method/crimes-at-location/). LSOA columns stay blank.

    Not verified: the slug-to-name list was read from copies of the
    ``crime-categories`` answer in public code, not from police.uk; that POST
    takes the same form fields as GET. Stop-and-search and outcomes files are out
    of scope. Each month is downloaded whole into a temporary file, checked (a ZIP
    with a central directory and intact CRCs of the files wanted; a JSON list)
    and renamed, and the manifest is saved after each month.

    On a machine with no network the first request fails at once (not retried):
    ``FetchError`` names the URL and says to fetch where there is internet access,
    or to copy the police.uk files into ``out`` by hand. Nothing partial is left;
    months already fetched and the cache are kept.

    References
    ----------
    - data.police.uk, "About": https://data.police.uk/about/
    - data.police.uk API, "Street-level crimes":
      https://data.police.uk/docs/method/crime-street/
    - data.police.uk API, "API call limits":
      https://data.police.uk/docs/api-call-limits/
    - data.police.uk API, "Crimes at a location":
      https://data.police.uk/docs/method/crimes-at-location/

    Examples
    --------
    >>> import hotspots
    >>> result = hotspots.fetch_policeuk(  # doctest: +SKIP
    ...     "leicestershire", start="2024-01", end="2024-12", out="data/raw/policeuk"
    ... )
    >>> print(result)  # doctest: +SKIP
    >>> crimes = hotspots.read_policeuk(result.out).crimes  # doctest: +SKIP
    """
    slug = resolve_force(force)
    _check_options(source, retries, timeout)
    months = month_list(start, end)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"out must be a folder; {out} is a file. Pass a folder path.")
    cache_dir = Path(cache) if cache is not None else out / CACHE_DIRNAME
    if cache is None:
        logger.info("Cache: %s (pass cache= to share one between folders).", cache_dir)
    base = (base_url or DEFAULT_BASE_URL).rstrip("/")
    notes: tuple[str, ...] = ()
    polygons: list[shapely.Polygon] = []
    area_label, area_sha = "", None
    if source == "api":
        polygons, area_label = api_area(slug, area)
        area_sha = sha256_bytes(shapely.to_wkb(shapely.MultiPolygon(polygons)))
        notes = (_NO_LSOA,)
        logger.info(
            "API area: %s, %d polygon(s). %s", area_label, len(polygons), _NO_LSOA
        )
    elif area is not None:
        raise ValueError(
            "area= applies to source='api' only: the archive holds whole forces. "
            "Keep a study area when reading: read_policeuk(out, boundary=area)."
        )

    manifest = Manifest.load(out)
    outcome: dict[str, str] = {}
    for month in months:
        if manifest.is_done(slug, month, source, area_sha):
            entry = manifest.get(slug, month) or {}
            outcome[month] = "empty" if entry.get("status") == "empty" else "cached"
    todo = [m for m in months if m not in outcome]
    logger.info(
        "%s %s..%s from the %s: %d month(s) to fetch, %d already in %s.",
        slug,
        months[0],
        months[-1],
        source,
        len(todo),
        len(outcome),
        out,
    )
    with (
        Client(retries=retries, timeout=timeout, out=out) as client,
        tqdm(
            total=len(months),
            initial=len(outcome),
            desc=f"police.uk {source} {slug}",
            unit="month",
            disable=not progress,
        ) as bar,
    ):

        def _done(month: str, status: str) -> None:
            outcome[month] = status
            bar.update(1)

        if todo and source == "archive":
            fetch_archive(
                todo,
                slug=slug,
                out=out,
                cache=cache_dir,
                client=client,
                base_url=base,
                manifest=manifest,
                progress=progress,
                done=_done,
            )
        elif todo:
            fetch_api(
                todo,
                slug=slug,
                out=out,
                cache=cache_dir,
                client=client,
                base_url=base,
                manifest=manifest,
                polygons=polygons,
                area_label=area_label,
                area_sha256=str(area_sha),
                done=_done,
            )
    if not manifest.path.is_file():
        manifest.save()  # nothing was fetched: still say so on disk
    return _result(slug, source, months, outcome, manifest, cache_dir, client, notes)


def _result(slug, source, months, outcome, manifest, cache_dir, client, notes):
    files, rows = [], 0
    for month in months:
        entry = manifest.get(slug, month) or {}
        if entry.get("status") == "file":
            files.append(manifest.path.parent / entry["path"])
            rows += int(entry.get("rows") or 0)
    result = FetchResult(
        force=slug,
        source=source,
        start=months[0],
        end=months[-1],
        out=manifest.path.parent,
        manifest=manifest.path,
        cache=cache_dir,
        months_fetched=tuple(m for m in months if outcome.get(m) == "fetched"),
        months_cached=tuple(m for m in months if outcome.get(m) == "cached"),
        months_empty=tuple(m for m in months if outcome.get(m) == "empty"),
        files=tuple(files),
        rows=rows,
        requests=client.requests,
        bytes_downloaded=client.bytes,
        notes=notes,
    )
    logger.info("%s", result)
    return result
