"""The fetcher's record on disk: months asked for, the manifest, and the cache.

``<out>/manifest.json`` says, per force and month, what was fetched, from where,
when, with what checksum and how many rows, or that the month holds no data. A
month is done when its entry matches the source asked for and its file still has
the recorded sha256; a re-run skips it. The cache (``<out>/.cache`` unless
``cache=`` says otherwise) keeps what was downloaded, keyed by source, force and
month (API) or by archive name (bulk archive), so a deleted or edited output file
is rebuilt without the network.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging
from pathlib import Path
from typing import Any

from hotspots._atomic import atomic_path
from hotspots._version import __version__
from hotspots.io._assemble import normalise_months

__all__ = [
    "CACHE_DIRNAME",
    "MANIFEST_NAME",
    "Manifest",
    "count_rows",
    "month_list",
    "now_utc",
    "sha256_bytes",
    "sha256_file",
    "street_path",
    "write_bytes",
]

logger = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
CACHE_DIRNAME = ".cache"
_FORMAT = 1


def now_utc() -> str:
    """Return the time now, UTC, ISO 8601 to the second (``2025-01-31T12:00:00Z``)."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def month_list(start: str, end: str, *, today: dt.date | None = None) -> list[str]:
    """Return every month from ``start`` to ``end`` (``YYYY-MM``, inclusive).

    Raises
    ------
    ValueError
        If a month is not ``YYYY-MM``, ``end`` is before ``start``, or ``end`` is
        after the current month (UTC).
    """
    first, last = normalise_months(start, end)
    if first is None or last is None:
        raise ValueError("start and end are required months 'YYYY-MM', e.g. '2024-01'.")
    today = today or dt.datetime.now(dt.UTC).date()
    now = f"{today.year:04d}-{today.month:02d}"
    if last > now:
        raise ValueError(
            f"end ({last}) is in the future (this month is {now}); police.uk publishes "
            "each month some weeks after it ends. Choose an end month that has passed."
        )
    year, month = int(first[:4]), int(first[5:])
    months = []
    while (text := f"{year:04d}-{month:02d}") <= last:
        months.append(text)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def street_path(month: str, slug: str) -> str:
    """Return a street file's path in the archive layout.

    ``YYYY-MM/YYYY-MM-<slug>-street.csv``.
    """
    return f"{month}/{month}-{slug}-street.csv"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def count_rows(data: bytes) -> int:
    """Count the data rows of a CSV (no header; quoted line breaks stay in a row)."""
    text = data.decode("utf-8-sig", errors="replace")
    return max(sum(1 for row in csv.reader(io.StringIO(text)) if row) - 1, 0)


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file (never half a file)."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


class Manifest:
    """``<out>/manifest.json``: one entry per force and month, saved after each month.

    Entry fields: ``force``, ``month``, ``source`` (``archive`` or ``api``),
    ``status`` (``file`` or ``empty``), ``path`` (relative to ``out``; None when
    empty), ``url``, ``fetched_at`` (UTC, when the bytes were downloaded),
    ``written_at``, ``sha256``, ``bytes``, ``rows``, ``lsoa`` and source details
    (``archive_member`` and ``archive_sha256``; ``area`` and ``area_sha256``).
    """

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path, self.data = path, data

    @classmethod
    def load(cls, out: Path) -> Manifest:
        path = out / MANIFEST_NAME
        data: dict[str, Any] = {}
        if path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as err:
                logger.warning(
                    "%s cannot be read (%s); starting a new one. Months are fetched "
                    "again unless the cache holds them.",
                    path,
                    err,
                )
                data = {}
        if not isinstance(data.get("entries"), dict):
            data = {}
        data.setdefault("entries", {})
        return cls(path, data)

    @staticmethod
    def key(slug: str, month: str) -> str:
        return f"{slug}/{month}"

    def get(self, slug: str, month: str) -> dict[str, Any] | None:
        return self.data["entries"].get(self.key(slug, month))

    def is_done(
        self, slug: str, month: str, source: str, area_sha256: str | None
    ) -> bool:
        """Return True if the month came from ``source`` and its file is intact."""
        entry = self.get(slug, month)
        if not entry or entry.get("source") != source:
            return False
        if area_sha256 is not None and entry.get("area_sha256") != area_sha256:
            return False
        if entry.get("status") == "empty":
            return True
        file = self.path.parent / str(entry.get("path"))
        return file.is_file() and sha256_file(file) == entry.get("sha256")

    def record(self, entry: dict[str, Any]) -> None:
        """Add or replace the entry of ``entry["force"]``/``entry["month"]``; save."""
        entry = {"written_at": now_utc(), "hotspots_version": __version__, **entry}
        self.data["entries"][self.key(entry["force"], entry["month"])] = entry
        self.save()

    def save(self) -> None:
        self.data.update(
            format=_FORMAT,
            generator=f"hotspots {__version__} (hotspots.fetch_policeuk)",
            layout="police.uk bulk archive: YYYY-MM/YYYY-MM-<force>-street.csv",
        )
        self.data["entries"] = dict(sorted(self.data["entries"].items()))
        text = json.dumps(self.data, indent=2, ensure_ascii=False) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(self.path, text.encode("utf-8"))
