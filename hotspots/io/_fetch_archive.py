"""Fetch a force's months from the police.uk bulk archive (monthly ZIPs of all forces).

data.police.uk/about ("Data Download"): the whole data set is published as one ZIP a
month at ``https://data.police.uk/data/archive/[year]-[month].zip`` (also
``latest.zip``). Each ZIP holds ``YYYY-MM/YYYY-MM-<force>-street.csv`` for every
force and for a run of months up to the one in its name, beside outcomes and
stop-and-search files. How many months a ZIP covers is read from the ZIP itself,
never assumed. A month the ZIP covers but for which it has no file of the force is
a month with no data.

The ZIPs are large (every force), so they are streamed to a temporary file, checked
(a readable central directory, and the CRC of every street file wanted) and kept in
the cache: other forces and months are then read from the cache, not downloaded
again. The street files are copied out byte for byte.
"""

from __future__ import annotations

import json
import logging
import time
import zipfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from hotspots.io._archive import STREET_RE, _is_metadata
from hotspots.io._fetch_cache import (
    Manifest,
    count_rows,
    now_utc,
    sha256_bytes,
    sha256_file,
    street_path,
    write_bytes,
)
from hotspots.io._fetch_http import Client, CorruptDownloadError, FetchError

__all__ = ["ARCHIVE_PATH", "fetch_archive"]

logger = logging.getLogger(__name__)

#: Path of a month's bulk archive under the site (data.police.uk/about).
ARCHIVE_PATH = "data/archive/{name}.zip"
#: Seconds after which a temporary download file is a leftover of a killed run
#: (a live download writes to it every moment).
_STALE_TMP_S = 3600


def _street_members(archive: zipfile.ZipFile) -> dict[tuple[str, str], str]:
    """(month, force slug) -> member name of every street file in the ZIP."""
    found = {}
    for name in archive.namelist():
        match = STREET_RE.search(name)
        if match and not _is_metadata(name):
            found[(match.group(1), match.group(2))] = name
    return found


def _check_zip(path: Path, *, slug: str, months: list[str]) -> None:
    """Raise :class:`CorruptDownloadError` unless ``path`` is a whole ZIP.

    Reads the wanted street files, so their CRC-32 is checked as well.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = _street_members(archive)
            if not members:
                raise CorruptDownloadError(
                    "the file is a ZIP but holds no police.uk street-level files"
                )
            for (month, force), name in members.items():
                if force == slug and month in months:
                    archive.read(name)
    except zipfile.BadZipFile as err:
        raise CorruptDownloadError(
            f"not a complete ZIP ({err}): the download was cut short or damaged"
        ) from err


def _sidecar(path: Path) -> dict[str, Any]:
    """Return what the cache knows of a ZIP: url, sha256, fetched_at."""
    side = path.with_name(path.name + ".json")
    try:
        return json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = {
            "url": f"(put in the cache by hand: {path.name})",
            "sha256": sha256_file(path),
            "fetched_at": None,
        }
        write_bytes(side, (json.dumps(meta, indent=2) + "\n").encode("utf-8"))
        return meta


def _extract(
    path: Path,
    months: list[str],
    *,
    slug: str,
    out: Path,
    manifest: Manifest,
    status: str,
    done: Callable[[str, str], None],
) -> list[str]:
    """Copy the force's files of ``months`` that ``path`` covers; return the rest."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        logger.warning(
            "%s is not a readable ZIP (%s); removed from the cache.", path, err
        )
        path.unlink(missing_ok=True)
        return months
    left = []
    with archive:
        members = _street_members(archive)
        covered = {month for month, _ in members}
        meta = _sidecar(path)
        base = {
            "force": slug,
            "source": "archive",
            "url": meta["url"],
            "archive_sha256": meta["sha256"],
            "fetched_at": meta["fetched_at"],
        }
        for i, month in enumerate(months):
            if month not in covered:
                left.append(month)
                continue
            member = members.get((month, slug))
            if member is None:
                manifest.record(
                    {
                        **base,
                        "month": month,
                        "status": "empty",
                        "path": None,
                        "note": f"{path.name} covers {month} but has no street file "
                        f"of {slug}: police.uk holds no data for it that month.",
                    }
                )
                done(month, "empty")
                continue
            try:
                data = archive.read(member)
            except zipfile.BadZipFile as err:  # a damaged ZIP in the cache
                logger.warning("%s: %s; removed from the cache.", path, err)
                path.unlink(missing_ok=True)
                return left + months[i:]
            write_bytes(out / street_path(month, slug), data)
            manifest.record(
                {
                    **base,
                    "month": month,
                    "status": "file",
                    "path": street_path(month, slug),
                    "archive_member": member,
                    "sha256": sha256_bytes(data),
                    "bytes": len(data),
                    "rows": count_rows(data),
                    "lsoa": "as published",
                }
            )
            done(month, status)
    return left


def fetch_archive(
    months: list[str],
    *,
    slug: str,
    out: Path,
    cache: Path,
    client: Client,
    base_url: str,
    manifest: Manifest,
    progress: bool,
    done: Callable[[str, str], None],
) -> None:
    """Write the force's street file of each month, from cached or fetched ZIPs.

    ``done(month, outcome)`` is called once per month, with outcome ``"fetched"``
    (from a ZIP downloaded now), ``"cached"`` (from a ZIP already in the cache) or
    ``"empty"``. Cached ZIPs are read first, newest first; then the ZIP named after
    the latest month still missing is downloaded, until none is missing.

    Raises
    ------
    FetchError
        A ZIP cannot be downloaded (see :class:`FetchError`), or does not hold the
        month it is named after.
    """
    folder = cache / "archive"
    for tmp in folder.glob(".*.zip.*.tmp"):
        if time.time() - tmp.stat().st_mtime > _STALE_TMP_S:
            logger.info("Removing %s, left by an interrupted download.", tmp)
            tmp.unlink(missing_ok=True)
    remaining = sorted(months)
    for path in sorted(folder.glob("*.zip"), reverse=True):
        if not remaining:
            break
        remaining = _extract(
            path,
            remaining,
            slug=slug,
            out=out,
            manifest=manifest,
            status="cached",
            done=done,
        )
    while remaining:
        name = remaining[-1]
        path = folder / f"{name}.zip"
        url = f"{base_url}/{ARCHIVE_PATH.format(name=name)}"
        if path.exists():
            raise FetchError(
                f"{path} (from {_sidecar(path)['url']}) holds no street files for "
                f"{name}, the month it is named after. Delete it and run again."
            )
        logger.info("Downloading %s (every force; this can take a while).", url)
        fetched_at = now_utc()
        wanted = list(remaining)
        sha256 = client.download(
            url,
            path,
            check=partial(_check_zip, slug=slug, months=wanted),
            progress=progress,
        )
        meta = {"url": url, "sha256": sha256, "fetched_at": fetched_at}
        side = path.with_name(path.name + ".json")
        write_bytes(side, (json.dumps(meta, indent=2) + "\n").encode("utf-8"))
        left = _extract(
            path,
            remaining,
            slug=slug,
            out=out,
            manifest=manifest,
            status="fetched",
            done=done,
        )
        if name in left:
            raise FetchError(
                f"{url} holds no street files for {name}, the month it is named "
                "after; the archive's layout may have changed. Download it by hand "
                "and read it with hotspots.read_policeuk()."
            )
        remaining = left
