"""The national dataset's ledger (``_ledger.json``) and :func:`open_national`.

The ledger is the dataset's commit record. For each input file it holds the name
(path inside the archive), size, SHA-256, modification time (``mtime_ns``, a file on
disk) or CRC-32 (``crc32``, a ZIP member), force, month, rows in / kept / set
aside, rows set aside by reason, the parts its batch wrote and the commit number; it
also names the files of Crime-ID hashes (:mod:`hotspots.io._stream_ids`) and the
study area the rows were checked against (``boundary``). It is written last,
atomically, after every part of a batch: whatever is on disk but not named in it
(parts of an interrupted batch) is deleted when the next run opens the dataset, so
an interrupted run resumes without duplicates.

Ledgers of version 1 (before ``mtime_ns``, ``crc32`` and ``boundary``) load as they
are: a missing ``boundary`` means none (the option did not exist), and a file
without ``mtime_ns``/``crc32`` is compared by its SHA-256 once, then the field is
recorded (:func:`compare_file`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from hotspots._atomic import atomic_path
from hotspots.exceptions import InputFileError
from hotspots.io._archive import Source
from hotspots.io._stream_ids import ID_HASH

__all__ = [
    "LEDGER",
    "Ledger",
    "boundary_record",
    "compare_file",
    "ledger_key",
    "note_file",
    "open_national",
]

logger = logging.getLogger(__name__)

#: File name of the ledger inside the dataset folder.
LEDGER = "_ledger.json"
_VERSION = 2  # 2: mtime_ns, crc32 and boundary added
_PART_RE = re.compile(r"force=([^/]+)/year=(\d{4})/[^/]+\.parquet$")


def ledger_key(name: str) -> str:
    """Return a file's name inside its archive: ``YYYY-MM/YYYY-MM-<force>-street.csv``.

    ``name`` is as the archive reader gives it (``folder/...`` or ``file.zip!...``),
    so a folder and its ZIP share keys.
    """
    if "!" in name:
        return name.split("!", 1)[1]
    return name.split("/", 1)[1] if "/" in name else name


def compare_file(entry: dict, src: Source) -> str:
    """Say whether ``src`` is the file the ledger ``entry`` records, cheaply.

    Returns ``"same"`` (size and modification time, or size and a ZIP member's
    CRC-32, as recorded: the bytes are not read), ``"touched"`` (the bytes hash to
    the recorded SHA-256 though the time differs, or a field was not recorded yet;
    the caller records the new values with :func:`note_file`) or ``"changed"``.
    """
    if entry.get("size") != src.size:
        return "changed"
    if src.crc32 is not None and entry.get("crc32") is not None:
        return "same" if entry["crc32"] == src.crc32 else "changed"
    if src.mtime_ns is not None and entry.get("mtime_ns") == src.mtime_ns:
        return "same"
    # The time differs, or the entry lacks the field: a version-1 ledger, or a
    # folder's entry met in its ZIP (or the reverse). Compare the bytes once.
    sha = hashlib.sha256(src.load()).hexdigest()
    return "touched" if sha == entry.get("sha256") else "changed"


def note_file(entry: dict, src: Source) -> None:
    """Record ``src``'s modification time and CRC-32 (those known) in ``entry``."""
    if src.mtime_ns is not None:
        entry["mtime_ns"] = src.mtime_ns
    if src.crc32 is not None:
        entry["crc32"] = src.crc32


def boundary_record(boundary: object, area: object) -> dict | None:
    """Return the ledger's record of a study area: a hash of its WKB and a label.

    ``area`` is ``boundary`` as one shapely geometry in EPSG:27700
    (:func:`~hotspots.io._assemble.as_boundary`); None records no boundary. The
    geometry is normalised first, so the same area gives the same hash however
    its rings were ordered.
    """
    if area is None:
        return None
    import shapely

    wkb = shapely.to_wkb(shapely.normalize(area), byte_order=1)
    if isinstance(boundary, str):
        label = boundary
    else:
        x0, y0, x1, y1 = (round(v) for v in area.bounds)  # type: ignore[attr-defined]
        kind = area.geom_type  # type: ignore[attr-defined]
        label = f"{kind} within x {x0}..{x1}, y {y0}..{y1} (EPSG:27700, m)"
    return {"wkb_sha256": hashlib.sha256(wkb).hexdigest(), "description": label}


@dataclass
class Ledger:
    """Files ingested so far, the commit count and the Crime-ID hash files."""

    out: Path
    files: dict[str, dict] = field(default_factory=dict)
    commits: int = 0
    seen: dict[str, str] = field(default_factory=dict)
    boundary: dict | None = None
    #: How the Crime-ID hashes in ``_seen/`` were computed
    #: (:data:`hotspots.io._stream_ids.ID_HASHES`): a new dataset takes the
    #: current scheme; a ledger without the field used SipHash.
    id_hash: str = ID_HASH

    @classmethod
    def load(cls, out: Path) -> Ledger:
        """Read ``out/_ledger.json`` (empty when new) and delete uncommitted files."""
        path = out / LEDGER
        if not path.exists():
            if out.exists() and any(out.iterdir()) and not (out / "crimes").exists():
                raise InputFileError(
                    f"{out}: this folder is not empty and is not a national dataset "
                    f"(no {LEDGER}). Pass a new or empty folder as out."
                )
            ledger = cls(out)
        else:
            data = json.loads(path.read_text(encoding="utf-8"))
            ledger = cls(out, data["files"], int(data["commits"]), data["seen"])
            # version 1 had no boundary option: its rows were checked without one
            ledger.boundary = data.get("boundary")
            ledger.id_hash = data.get("id_hash", "siphash-2-4")
        ledger._remove_uncommitted()
        return ledger

    def use_boundary(self, record: dict | None) -> None:
        """Record the study area of this run; refuse one the dataset was not made with.

        Raises
        ------
        ValueError
            If the dataset already holds files checked against another boundary
            (or none, or one where this run has none).
        """
        if not (self.files or self.commits):  # a new dataset takes this run's
            self.boundary = record
        elif _key(self.boundary) != _key(record):
            raise ValueError(
                f"{self.out} was ingested with boundary {_label(self.boundary)}; "
                f"this run asks for {_label(record)}. One dataset holds rows checked "
                "under one rule: ingest into a new output folder (a new out) for "
                "this boundary, or pass the dataset's boundary again."
            )

    def parts(self) -> set[str]:
        """Every part named by a committed file."""
        return {p for entry in self.files.values() for p in entry.get("parts", [])}

    def _remove_uncommitted(self) -> None:
        committed = self.parts()
        stray = [
            p
            for sub in ("crimes", "quarantine")
            for p in (self.out / sub).rglob("*")
            if p.is_file() and p.relative_to(self.out).as_posix() not in committed
        ]
        seen = set(self.seen.values())
        folder = self.out / "_seen"
        if folder.is_dir():
            stray += [p for p in folder.iterdir() if p.name not in seen]
        for path in stray:
            path.unlink()
        if stray:
            logger.info(
                "Removed %d file(s) left by an interrupted run; their input files "
                "are read again.",
                len(stray),
            )

    def save(self) -> None:
        """Write the ledger atomically (the commit point)."""
        data = {
            "version": _VERSION,
            "commits": self.commits,
            "seen": self.seen,
            "files": self.files,
            "boundary": self.boundary,
            "id_hash": self.id_hash,
        }
        with atomic_path(self.out / LEDGER) as tmp:
            tmp.write_text(json.dumps(data, sort_keys=True), "utf-8")


def _key(record: dict | None) -> str | None:
    return None if record is None else record["wkb_sha256"]


def _label(record: dict | None) -> str:
    return "none" if record is None else repr(record["description"])


def _partition(path: str) -> ds.Expression:
    match = _PART_RE.search(path)
    if match is None:  # pragma: no cover - every part is written this way
        raise InputFileError(f"{path}: not a part of a national dataset.")
    slug, year = match.groups()
    return (ds.field("force_slug") == slug) & (ds.field("year") == int(year))


def open_national(
    out: str | Path,
    *,
    columns: list[str] | None = None,
    filter: ds.Expression | None = None,
    table: str = "crimes",
) -> ds.Dataset:
    """Open a dataset written by :func:`hotspots.io.ingest_national` for queries.

    Parameters
    ----------
    out : str or Path
        The dataset folder (``out`` of :func:`~hotspots.io.ingest_national`).
    columns : list of str, optional
        Columns to read (any of the crimes columns, ``force_slug``, ``year``). None
        reads all.
    filter : pyarrow.dataset.Expression, optional
        Rows to keep, e.g. ``(ds.field("force_slug") == "leicestershire") &
        (ds.field("year") == 2024)``; filters on ``force_slug`` and ``year`` skip
        whole partitions unread.
    table : {"crimes", "quarantine"}, default "crimes"
        Kept rows, or the rows set aside (with ``reason_code`` and ``reason``).

    Returns
    -------
    pyarrow.dataset.Dataset
        Only the committed parts (named in ``_ledger.json``). Partition fields:
        ``force_slug`` (the archive slug, e.g. ``"leicestershire"``; the ``force``
        column keeps the published name, as in :func:`hotspots.read_policeuk`) and
        ``year`` (int32). ``dataset.to_table()`` reads it into Arrow; a part file
        reads as a GeoDataFrame with :func:`geopandas.read_parquet`.

    Raises
    ------
    InputFileError
        If ``out`` holds no ledger (not a national dataset) or no part yet.

    Examples
    --------
    >>> import pyarrow.dataset as ds
    >>> where = ds.field("year") == 2024
    >>> data = open_national("national", filter=where)  # doctest: +SKIP
    >>> data.to_table(columns=["month", "crime_type", "x", "y"])  # doctest: +SKIP
    """
    out = Path(out)
    if table not in ("crimes", "quarantine"):
        raise ValueError(f"table must be 'crimes' or 'quarantine'; got {table!r}.")
    path = out / LEDGER
    if not path.exists():
        raise InputFileError(
            f"{out}: no {LEDGER}; not a national dataset. Write one with "
            "hotspots.io.ingest_national(archive, out)."
        )
    files = json.loads(path.read_text(encoding="utf-8"))["files"]
    parts = sorted(
        {p for e in files.values() for p in e.get("parts", []) if p.startswith(table)}
    )
    if not parts:
        raise InputFileError(f"{out}: no {table} rows written yet.")
    fmt = ds.ParquetFileFormat()
    paths = [str(out / p) for p in parts]
    schema = pa.unify_schemas(
        [pq.read_schema(p).remove_metadata() for p in paths]
        + [pa.schema([("force_slug", pa.string()), ("year", pa.int32())])]
    )
    if columns is not None:
        missing = [c for c in columns if c not in schema.names]
        if missing:
            raise ValueError(f"columns {missing} not in the dataset: {schema.names}.")
        schema = pa.schema([schema.field(c) for c in columns])
    dataset = ds.FileSystemDataset.from_paths(
        paths,
        schema=schema,
        format=fmt,
        filesystem=pafs.LocalFileSystem(),
        partitions=[_partition(p) for p in parts],
    )
    return dataset if filter is None else dataset.filter(filter)
