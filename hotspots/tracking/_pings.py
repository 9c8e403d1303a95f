"""Location pings of patrol units: the checked, sorted result of reading an export.

:class:`Pings` holds the kept pings in buckets (whole units, sorted by unit then
time, on disk for large exports) plus every row set aside with its reason, so that
``rows_read == rows_kept + len(quarantine)``. Build one with
:func:`read_pings` (a CSV export, streamed) or
:meth:`Pings.from_frame` (a frame in memory).
"""

from __future__ import annotations

import logging
import tempfile
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from hotspots.tracking._pings_frame import MAX_SPEED, check_frame, warn_set_aside
from hotspots.tracking._pings_rules import PING_REASONS
from hotspots.tracking._pings_store import BucketStats, bucket_frame, read_bucket

__all__ = ["PING_REASONS", "Pings", "read_pings"]

logger = logging.getLogger(__name__)


class Pings:
    """Checked location pings of patrol units, sorted by unit then time.

    Build with ``read_pings`` (a CSV export, streamed) or :meth:`from_frame`.

    Attributes
    ----------
    rows_read : int
        Data rows in the input (header and blank lines excluded).
    rows_kept : int
        Pings kept; ``len(pings)`` is the same number.
    quarantine : pandas.DataFrame
        One row per row set aside: ``source`` (file name, or ``"frame"``), ``row``
        (1-based data row in that source), ``reason_code`` (a key of
        :data:`PING_REASONS`), ``reason`` (human text with detail), ``raw`` (the
        row's fields as read, joined by commas; blank for duplicates and spikes,
        whose reason names the unit, time and place). Invariant:
        ``rows_read == rows_kept + len(quarantine)``.
    units : list of str
        Sorted ids of the units with at least one kept ping.
    start, end : pandas.Timestamp or None
        First and last kept ping (UTC); None when no ping was kept.
    rules : dict
        Settings used: ``timezone``, ``max_speed`` (m/s), ``coordinates``
        (``"lonlat"`` or ``"bng"``), ``columns`` (the column map), ``chunk_rows``,
        ``buckets``, ``naive_times`` (rows read as local time) and others.
    """

    def __init__(
        self,
        *,
        buckets: list,
        unit_names: np.ndarray,
        rows_read: int,
        quarantine: pd.DataFrame,
        rules: dict,
        tmpdir: tempfile.TemporaryDirectory | None = None,
        stats: BucketStats | None = None,
    ) -> None:
        self._buckets = buckets  # pyarrow Tables in memory or paths of IPC files
        self._unit_names = np.asarray(unit_names, dtype=object)
        self._tmpdir = tmpdir  # removed when this object is garbage-collected
        self.rows_read = int(rows_read)
        self.quarantine = quarantine.reset_index(drop=True)
        self.rules = dict(rules)
        if stats is None:
            stats = BucketStats(len(self._unit_names))
            for table in self._tables():
                stats.add(table)
        self.rows_kept = stats.kept
        self.units: list[str] = [str(u) for u in self._unit_names[stats.present]]
        self.start = None if stats.lo is None else pd.Timestamp(stats.lo, tz="UTC")
        self.end = None if stats.hi is None else pd.Timestamp(stats.hi, tz="UTC")
        if self.rows_read != self.rows_kept + len(self.quarantine):
            raise AssertionError(  # pragma: no cover - a bug, not a user error
                f"rows do not add up: {self.rows_read} read, {self.rows_kept} kept, "
                f"{len(self.quarantine)} set aside"
            )

    # -- construction ---------------------------------------------------------

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        timezone: str = "Europe/London",
        max_speed: float = MAX_SPEED,
        boundary=None,
    ) -> Pings:
        """Check pings held in a frame, with the same rules as ``read_pings``.

        Parameters
        ----------
        frame : pandas.DataFrame
            Columns ``unit`` (any id; blank or missing is set aside), ``time``
            (tz-aware datetimes; naive datetimes, read as local ``timezone``
            times; int64 nanoseconds since the epoch, UTC; or ISO 8601 text),
            ``x``, ``y`` (metres, EPSG:27700) or else ``longitude``, ``latitude``
            (WGS84 degrees), and optional ``officers`` (whole number, default 1).
        timezone : str, default "Europe/London"
            Zone of naive times.
        max_speed : float, default 70.0
            Metres per second; see ``read_pings`` for the spike rule.
        boundary : shapely geometry in EPSG:27700, optional
            Pings outside are set aside as ``outside_boundary``.

        Returns
        -------
        Pings
            Quarantine rows have ``source="frame"`` and ``row`` = 1-based position.

        Raises
        ------
        SchemaError
            A required column is missing (the message lists the columns present).

        Warns
        -----
        HotspotsWarning
            When rows are set aside, with counts by reason.
        """
        parts = check_frame(
            frame,
            timezone=timezone,
            max_speed=_check_speed(max_speed),
            boundary=boundary,
        )
        pings = cls(**parts)
        warn_set_aside(pings, "Pings.from_frame", stacklevel=2)
        return pings

    # -- access ---------------------------------------------------------------

    def close(self) -> None:
        """Remove the pings spilled to disk now, not when garbage-collected.

        After closing, :meth:`iter_buckets` and :meth:`frame` raise; the counts
        and the quarantine stay. ``with read_pings(...) as pings:`` closes on exit.
        """
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None
            self._closed = True

    def __enter__(self) -> Pings:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _tables(self) -> Iterator[pa.Table]:
        if getattr(self, "_closed", False):
            raise ValueError(
                "these pings were closed and their spilled files removed; read "
                "them again with read_pings."
            )
        for bucket in self._buckets:
            yield read_bucket(bucket) if isinstance(bucket, str) else bucket

    def iter_buckets(self) -> Iterator[pd.DataFrame]:
        """Yield the kept pings bucket by bucket, each bucket holding whole units.

        Yields
        ------
        pandas.DataFrame
            Columns ``unit`` (str), ``time`` (int64 ns since the epoch, UTC),
            ``x``, ``y`` (float64 metres, EPSG:27700), ``officers`` (int16, >= 1),
            sorted by unit then time; at most about ``chunk_rows`` rows, except
            that a unit with more pings than that is never split. Units are
            spread over buckets by a hash, so the buckets themselves come in no
            particular order of unit.
        """
        for table in self._tables():
            yield bucket_frame(table, self._unit_names)

    def frame(self) -> pd.DataFrame:
        """Return all kept pings in one frame (for small data).

        Returns
        -------
        pandas.DataFrame
            As :meth:`iter_buckets`, with ``time`` as datetime64[ns, UTC], sorted
            by unit then time across all buckets.
        """
        parts = list(self.iter_buckets())
        if parts:
            out = pd.concat(parts, ignore_index=True)
        else:
            out = bucket_frame(
                pa.table(
                    {
                        "unit": pa.array([], pa.int32()),
                        "time": pa.array([], pa.int64()),
                        "x": pa.array([], pa.float64()),
                        "y": pa.array([], pa.float64()),
                        "officers": pa.array([], pa.int16()),
                    }
                ),
                self._unit_names,
            )
        if len(self._buckets) > 1:  # buckets hold whole units, in no set order
            out = out.sort_values(["unit", "time"], kind="stable", ignore_index=True)
        out["time"] = pd.to_datetime(out["time"].to_numpy(), unit="ns", utc=True)
        return out

    def __len__(self) -> int:
        return self.rows_kept

    def _counts(self) -> dict[str, int]:
        counts = Counter(self.quarantine["reason_code"].tolist())
        return {c: counts[c] for c in PING_REASONS if c in counts}

    def summary(self) -> pd.DataFrame:
        """Return counts of rows set aside by reason, in precedence order.

        Returns
        -------
        pandas.DataFrame
            ``reason_code``, ``reason``, ``n`` (only reasons that occurred).
        """
        rows = [(c, PING_REASONS[c], n) for c, n in self._counts().items()]
        return pd.DataFrame(rows, columns=["reason_code", "reason", "n"]).astype(
            {"n": "int64"}
        )

    def __str__(self) -> str:
        span = (
            f"{self.start:%Y-%m-%d %H:%M} to {self.end:%Y-%m-%d %H:%M} UTC"
            if self.start is not None
            else "no pings kept"
        )
        counts = ", ".join(f"{c} {n:,}" for c, n in self._counts().items())
        aside = f"; {len(self.quarantine):,} set aside ({counts})" if counts else ""
        return (
            f"Pings: {self.rows_kept:,} kept of {self.rows_read:,} rows read, "
            f"{len(self.units):,} units, {span}{aside}."
        )

    def __repr__(self) -> str:
        return f"<{self}>"


def _check_speed(max_speed: float) -> float:
    value = float(max_speed)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(
            f"max_speed must be > 0 metres per second; got {max_speed!r}. The "
            f"default, {MAX_SPEED:g} m/s, is above any patrol vehicle's speed."
        )
    return value


def read_pings(
    path_or_paths: str | Path | list[str | Path],
    *,
    columns: Mapping[str, str] | str | Path | None = None,
    timezone: str = "Europe/London",
    max_speed: float = MAX_SPEED,
    chunk_rows: int = 1_000_000,
    workdir: str | Path | None = None,
    boundary=None,
) -> Pings:
    """Read location pings of patrol units (radios, body-worn cameras, vehicles).

    The export is streamed in blocks, so memory stays flat however many rows it
    has; every row is either kept or set aside with a reason.

    Parameters
    ----------
    path_or_paths : path or list of paths
        CSV exports with a header line, plain or gzip-compressed (``.csv.gz``),
        UTF-8 (bytes that are not UTF-8 are read as Windows-1252). Several files
        are read as one export; each quarantine row names its file.
    columns : dict or path to a YAML file, optional
        Our field -> the file's column name, as for ``read_force_extract``:
        ``unit`` (required), ``time`` (required), either ``longitude`` and
        ``latitude`` (WGS84 degrees) or ``easting`` and ``northing`` (EPSG:27700
        metres), and optional ``officers``. Fields not given take their own name
        as the column name (matched ignoring case), with longitude/latitude used
        when the file has them and easting/northing otherwise. A YAML file holds
        the same mapping, optionally under a ``columns:`` key.
    timezone : str, default "Europe/London"
        Zone of times written without a UTC offset. Such times are ambiguous in
        the hour repeated when the clocks go back and do not exist in the hour
        skipped when they go forward; those rows are set aside
        (``ambiguous_local_time``, ``nonexistent_local_time``). An export with UTC
        offsets (``2024-10-27T01:30:00+01:00``) or ``Z`` avoids this.
    max_speed : float, default 70.0
        Metres per second (252 km/h, faster than a patrol vehicle drives) above
        which a leg between two pings is impossible. A ping is a spike, set aside
        as ``impossible_speed``, when the legs from the previous kept ping and to
        the next ping are both impossible (for a unit's last ping: the leg from
        the previous kept ping; for its first ping: the leg to the second, when
        the leg from the second to the third is possible).
    chunk_rows : int, default 1_000_000
        Rows checked at a time, and the size of each bucket of sorted pings.
        Memory use is bounded by about this many rows, not by the file size.
    workdir : path, optional
        Folder for the temporary files of large exports (more than
        ``chunk_rows`` rows); None uses the system's temporary folder. The files
        are removed by :meth:`Pings.close` (or on leaving ``with read_pings(...)
        as pings:``), else when the Pings object is garbage-collected.
    boundary : GeoDataFrame, shapely geometry (EPSG:27700) or force name, optional
        Pings outside are set aside as ``outside_boundary``.

    Returns
    -------
    Pings
        Kept pings, sorted by unit then time, and the quarantine. Checks, in
        order of precedence (a row is set aside under the first it fails):
        ``malformed_row`` (wrong number of fields, control characters, a quote
        left open), ``bad_time``, ``ambiguous_local_time``,
        ``nonexistent_local_time``, ``no_unit``, ``bad_coordinates`` (blank or
        not a number), ``placeholder_coordinates`` (latitude, easting or
        northing 0, -1 or a run of nines), ``outside_uk``,
        ``outside_boundary``, ``bad_officers``, ``duplicate_ping`` (same unit and
        instant; the first in the file is kept), ``impossible_speed``.

    Raises
    ------
    SchemaError
        A mapped column is missing (the message lists the file's columns) or the
        column map is inconsistent.
    InputFileError
        A file is empty, binary, a ZIP archive or UTF-16.

    Warns
    -----
    HotspotsWarning
        When rows are set aside, with counts by reason.

    Examples
    --------
    >>> pings = read_pings("pings.csv.gz", columns={"unit": "ISSI"})  # doctest: +SKIP
    >>> for bucket in pings.iter_buckets():  # doctest: +SKIP
    ...     print(bucket.groupby("unit").size())
    """
    from hotspots.io._assemble import as_boundary
    from hotspots.tracking._pings_read import stream_pings

    if isinstance(path_or_paths, str | Path):
        path_or_paths = [path_or_paths]
    paths = [Path(p) for p in path_or_paths]
    if not paths:
        raise ValueError("read_pings needs at least one file; got an empty list.")
    for path in paths:
        if not path.is_file():
            raise FileNotFoundError(f"read_pings: {path.name}: no such file.")
    max_speed = _check_speed(max_speed)
    if int(chunk_rows) != chunk_rows or chunk_rows < 1:
        raise ValueError(f"chunk_rows must be a whole number >= 1; got {chunk_rows!r}")
    logger.info(
        "read_pings: max_speed %g m/s%s; times without an offset read as %s.",
        max_speed,
        " (default)" if max_speed == MAX_SPEED else "",
        timezone,
    )
    parts = stream_pings(
        paths,
        columns=columns,
        timezone=timezone,
        max_speed=max_speed,
        chunk_rows=int(chunk_rows),
        workdir=None if workdir is None else str(workdir),
        boundary=as_boundary(boundary),
    )
    rules = {
        "timezone": timezone,
        "max_speed": max_speed,
        "max_speed_default": max_speed == MAX_SPEED,
        "boundary": boundary is not None,
        **parts.pop("rules"),
    }
    pings = Pings(rules=rules, **parts)
    warn_set_aside(pings, "read_pings", stacklevel=2)
    return pings
