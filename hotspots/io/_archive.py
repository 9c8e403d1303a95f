"""List the street-level files of a police.uk download: one CSV, a folder, or a ZIP.

The bulk archive holds ``YYYY-MM/YYYY-MM-<force>-street.csv`` for each month and
force, beside ``-outcomes.csv`` and ``-stop-and-search.csv`` files. Only the street
files are read; every other CSV is listed as skipped with its reason, and a file
that looks like a street file but is named otherwise (``... -street (1).csv``, a
spreadsheet's re-save) is listed too, and warned about, instead of vanishing.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hotspots.exceptions import HotspotsWarning, InputFileError
from hotspots.io._result import SkippedFile

__all__ = ["STREET_RE", "Source", "open_sources", "warn_unexpected_names"]

# `YYYY-MM/YYYY-MM-<force>-street.csv` inside a bulk archive (folder or ZIP).
STREET_RE = re.compile(r"(?:^|/)(\d{4}-\d{2})-([a-z0-9-]+)-street\.csv(?:\.gz)?$")
_STREETISH_RE = re.compile(r"street[^/]*\.csv(?:\.gz)?$", re.IGNORECASE)
_CSV_RE = re.compile(r"\.csv(?:\.gz)?$", re.IGNORECASE)
_LAYOUT = "YYYY-MM-<force>-street.csv"
_N_NAMED = 5


@dataclass(frozen=True)
class Source:
    """One street-level file to read.

    ``name`` is shown in messages and the ``source`` column; ``month`` and ``slug``
    come from the file name (None for a lone CSV named otherwise); ``load`` returns
    the file's bytes; ``size`` is their number (uncompressed, for a ZIP member).
    ``mtime_ns`` (a file on disk: its modification time, ns) and ``crc32`` (a ZIP
    member: the CRC-32 of its bytes, from the ZIP's directory) let
    :func:`hotspots.io.ingest_national` notice a changed file without reading it.
    """

    name: str
    month: str | None
    slug: str | None
    load: Callable[[], bytes]
    size: int | None = None
    mtime_ns: int | None = None
    crc32: int | None = None
    path: Path | None = None  # a file on disk (mapped where it lies when plain)


def _is_metadata(name: str) -> bool:
    """Return True for the ``__MACOSX/`` and ``._name`` copies macOS adds to ZIPs."""
    return name.startswith("__MACOSX/") or name.rsplit("/", 1)[-1].startswith("._")


def _classify(name: str) -> SkippedFile | None:
    """Return why ``name`` (a path inside the archive) is skipped, or None to read."""
    if STREET_RE.search(name):
        return None
    if _is_metadata(name):
        return SkippedFile(name, "not_street", "macOS metadata, not data")
    base = name.rsplit("/", 1)[-1]
    if _STREETISH_RE.search(base):
        return SkippedFile(
            name,
            "unexpected_name",
            f"looks like a street-level file but is not named '{_LAYOUT}'",
        )
    return SkippedFile(name, "not_street", "not a street-level crime file")


@contextmanager
def open_sources(path: Path) -> Iterator[tuple[list[Source], list[SkippedFile]]]:
    """Yield the street-level files under ``path`` and the CSV files skipped.

    A ZIP stays open (read in memory, never unpacked) until the block ends.

    Raises
    ------
    InputFileError
        If ``path`` does not exist, or a folder/ZIP holds no street-level file.
    """
    if path.is_dir():
        yield _from_folder(path)
        return
    if not path.exists():
        raise InputFileError(f"{path}: no such file or folder. Check the path.")
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            yield _from_zip(path, archive)
        return
    match = STREET_RE.search(path.name)
    month, slug = match.groups() if match else (None, None)
    stat = path.stat()
    yield (
        [
            Source(
                path.name,
                month,
                slug,
                path.read_bytes,
                stat.st_size,
                stat.st_mtime_ns,
                path=path,
            )
        ],
        [],
    )


def _none_found(where: str, found: list[str], skipped: list[SkippedFile]) -> str:
    odd = [s.source for s in skipped if s.kind == "unexpected_name"]
    named = (
        f" These look like street files but are named otherwise: {odd[:_N_NAMED]}; "
        f"rename them '{_LAYOUT}' or pass one file's path."
        if odd
        else ""
    )
    return (
        f"{where} no police.uk street-level files ('YYYY-MM/{_LAYOUT}'). Found: "
        f"{found[:10]}.{named}"
    )


def _from_folder(path: Path) -> tuple[list[Source], list[SkippedFile]]:
    files = sorted(p for p in path.rglob("*") if p.is_file())
    sources, skipped = [], []
    for file in files:
        rel = file.relative_to(path).as_posix()
        if not _CSV_RE.search(rel) and not STREET_RE.search(rel):
            continue  # not a CSV: README, licence, images
        why = _classify(rel)
        if why is not None:
            skipped.append(why._replace(source=f"{path.name}/{rel}"))
            continue
        month, slug = STREET_RE.search(rel).groups()  # type: ignore[union-attr]
        stat = file.stat()
        name = f"{path.name}/{rel}"
        sources.append(
            Source(
                name,
                month,
                slug,
                file.read_bytes,
                stat.st_size,
                stat.st_mtime_ns,
                path=file,
            )
        )
    if not sources:
        listing = sorted(p.name for p in path.iterdir())
        raise InputFileError(
            _none_found(f"{path}: this folder holds", listing, skipped)
            + " Pass a single CSV path to read one file."
        )
    return sources, skipped


def _from_zip(
    path: Path, archive: zipfile.ZipFile
) -> tuple[list[Source], list[SkippedFile]]:
    members = sorted(m for m in archive.namelist() if not m.endswith("/"))
    sources, skipped = [], []
    for member in members:
        if not _CSV_RE.search(member) and not STREET_RE.search(member):
            continue
        why = _classify(member)
        if why is not None:
            skipped.append(why._replace(source=f"{path.name}!{member}"))
            continue
        month, slug = STREET_RE.search(member).groups()  # type: ignore[union-attr]
        info = archive.getinfo(member)
        sources.append(
            Source(
                f"{path.name}!{member}",
                month,
                slug,
                lambda m=member: archive.read(m),  # type: ignore[misc]
                info.file_size,
                crc32=info.CRC,
            )
        )
    if not sources:
        raise InputFileError(
            _none_found(f"{path.name}: the ZIP holds", members, skipped)
            + " Download the 'street' files from police.uk, or extract a CSV and "
            "pass its path."
        )
    return sources, skipped


def warn_unexpected_names(skipped: list[SkippedFile], *, stacklevel: int) -> None:
    """Warn once about street-like files that were not read because of their name."""
    odd = [s.source for s in skipped if s.kind == "unexpected_name"]
    if not odd:
        return
    more = f" and {len(odd) - _N_NAMED} more" if len(odd) > _N_NAMED else ""
    warnings.warn(
        f"{len(odd)} file(s) look like police.uk street-level files but are not "
        f"named '{_LAYOUT}', so they were not read: {odd[:_N_NAMED]}{more}. A "
        "browser adds ' (1)' to repeated downloads and a spreadsheet may re-save "
        "under a new name. Rename them, or read one on its own with "
        "read_policeuk('<file>.csv'); all are listed in result.skipped_files.",
        HotspotsWarning,
        stacklevel=stacklevel + 1,
    )
