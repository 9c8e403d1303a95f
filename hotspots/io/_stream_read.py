""":func:`hotspots.read_policeuk` in batches: check each, keep compact columns, gather.

Each batch of parsed files is checked by :func:`~hotspots.io._stream.check_batch`
(with :class:`~hotspots.io._stream_ids.ExactSeen` for repeated Crime IDs across
batches) and reduced at once to the kept rows' columns (Arrow text, numpy numbers)
and its quarantine rows; the batch's text table is then let go. :func:`gather`
builds the GeoDataFrame once, at the end, exactly as a single batch would have.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from hotspots.io._areas import FAR_OUTSIDE_KM, far_outside_table
from hotspots.io._csv import RawTable
from hotspots.io._pools import KeptPool
from hotspots.io._quarantine import Quarantine
from hotspots.io._result import RESPELLED_COLUMNS, IngestResult, SkippedFile
from hotspots.io._schema import BNG, CRIME_TYPES, OUTPUT_COLUMNS, POLICEUK_RENAME
from hotspots.io._stream import Checked, Rules, check_batch
from hotspots.io._stream_ids import ExactSeen

__all__ = ["BATCH_ROWS", "Gathered", "gc_paused"]

#: Rows :func:`hotspots.read_policeuk` checks at a time (a batch is never less
#: than one file). Measured on 1M SYNTHETIC rows in 528 files: peak RSS 1.4 GiB at
#: 250,000 against 1.8 GiB in one batch, and less time in page faults.
BATCH_ROWS = 250_000
#: Text columns kept as text (month, coordinates, force and crime type are rebuilt
#: from the checked values).
_TEXT = [
    c
    for c in POLICEUK_RENAME
    if c not in ("Month", "Longitude", "Latitude", "Falls within", "Crime type")
]
_QUARANTINE_TEXT = ("source", "reason_code", "reason", "month_text", "force_text")
_NUMBERS = (
    "month", "force", "type_index", "lon", "lat", "row", "table", "outside_m"
)  # fmt: skip


#: Batches whose text and points may wait for the threads below (each holds its
#: whole parsed table until then: about 0.1 GB).
_WAITING = 2
#: Two threads copy kept rows' text and make their points, for every reader (Arrow
#: and GEOS release the GIL): the last batch's two run side by side.
_FILTER = KeptPool(2, "hotspots-keep")


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a reader runs (restored after).

    Every kept row becomes a shapely point, an object the collector tracks; with
    millions alive, each full collection walks them all. The readers make no
    reference cycles, so nothing waits to be collected meanwhile. Measured on 3.3M
    SYNTHETIC rows in 264 files: 8.0-9.3 s paused against 9.9-12.1 s.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _kept_text(table: pa.Table, keep: np.ndarray) -> pa.Table:
    # one chunk first: filtering a column of several chunks is 3-5x slower; and
    # large_string, which pandas stores, so that to_pandas later copies nothing
    kept = table.select(_TEXT).combine_chunks().filter(pa.array(keep))
    return kept.cast(pa.schema([(name, pa.large_string()) for name in _TEXT]))


@dataclass
class Gathered:
    """Kept columns and quarantine rows of every batch read so far."""

    rules: Rules
    tables: list[list] = field(default_factory=list)  # [source, encoding, rows]
    index: dict[str, int] = field(default_factory=dict)  # source -> its place
    seen: ExactSeen = field(default_factory=ExactSeen)
    text: list[Future] = field(default_factory=list)  # of pa.Table
    points: list[Future] = field(default_factory=list)  # of shapely points
    numbers: dict[str, list[np.ndarray]] = field(
        default_factory=lambda: {k: [] for k in (*_NUMBERS, "published")}
    )
    quarantine: list[pd.DataFrame] = field(default_factory=list)
    respelled: list[pd.DataFrame] = field(default_factory=list)
    old_in: dict[str, list[str]] = field(default_factory=dict)
    force_values: set[str] = field(default_factory=set)
    force_categories: list[list[str]] = field(default_factory=list)  # per batch
    type_values: list[list[str]] = field(default_factory=list)  # per batch
    has_old: bool = False
    has_checked_aside: bool = False  # a row set aside by a check (not malformed)

    def add(self, batch: list[RawTable]) -> None:
        """Check one batch and keep what the result needs of it."""
        c = check_batch(batch, self.rules, self.seen)
        for t in batch:  # a large file comes in several pieces: one entry
            if t.source not in self.index:
                self.index[t.source] = len(self.tables)
                self.tables.append([t.source, t.encoding, 0])
            self.tables[self.index[t.source]][2] += t.table.num_rows + len(t.bad_rows)
        counts = [t.table.num_rows for t in batch]
        names = list(dict.fromkeys(t.source for t in batch))
        local = np.repeat([names.index(t.source) for t in batch], counts)
        source = pd.Categorical.from_codes(local.astype(np.int64), categories=names)
        table_index = np.asarray([self.index[n] for n in names], dtype=np.int64)
        rows = np.concatenate([t.row for t in batch]) if batch else np.array([], int)
        self._keep(c, table_index[local], rows)
        self.quarantine.append(c.quarantine(source, rows))
        self.has_checked_aside |= not c.reasons.ok.all()
        self.respelled.append(c.respelled)
        for name, files in c.old_in.items():
            known = self.old_in.setdefault(name, [])
            known.extend(f for f in files if f not in known)

    def _keep(self, c: Checked, table_index: np.ndarray, rows: np.ndarray) -> None:
        keep = c.reasons.ok
        # Arrow copies the kept rows' text without the GIL: in a thread, while
        # this thread checks the next batch
        if len(self.points) > _WAITING:  # at most this many batches' tables wait
            self.text[-1 - _WAITING].result()
            self.points[-1 - _WAITING].result()
        self.text.append(_FILTER.submit(_kept_text, c.table, keep))
        self.points.append(_FILTER.submit(shapely.points, c.x[keep], c.y[keep]))
        values = {  # codes in the smallest type that holds them (memory at 20M)
            "month": c.month,
            "force": np.asarray(c.force_categorical.codes, dtype=np.int16),
            "type_index": c.crime_type_index.astype(np.int8),
            "lon": c.lon,
            "lat": c.lat,
            "outside_m": c.outside_m,
            "row": rows,
            "table": table_index,
        }
        for name, array in values.items():
            self.numbers[name].append(array[keep])
        self.has_old |= "crime_type_published" in c.extra
        # the type as published: codes now, text only if some batch needs it
        self.numbers["published"].append(c.crime_type_code[keep])
        self.type_values.append(c.crime_type_values)
        categories = [str(v) for v in c.force_categorical.categories]
        self.force_values |= set(categories)
        self.force_categories.append(categories)

    def _respelled(self) -> pd.DataFrame:
        frames = [f for f in self.respelled if len(f)]
        if not frames:
            return pd.DataFrame(columns=list(RESPELLED_COLUMNS))
        both = pd.concat(frames, ignore_index=True)
        keys = ["column", "published", "read_as", "status"]
        out = both.groupby(keys, sort=False)["n"].sum().reset_index()
        out = out.sort_values("column", key=lambda s: s != "Month", kind="stable")
        return out[list(RESPELLED_COLUMNS)].reset_index(drop=True)

    def _quarantine(self) -> pd.DataFrame:
        frames = [f for f in self.quarantine if len(f)] or self.quarantine[:1]
        frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
        if len(frames) > 1 and self.has_checked_aside:
            # A batch whose only rows set aside are malformed ones has object text
            # columns where one batch of every row has str: give them str.
            text = [c for c in _QUARANTINE_TEXT if frame[c].dtype == object]
            frame = frame.astype(dict.fromkeys(text, "str"))
        return frame.sort_values(["source", "row"], kind="stable", ignore_index=True)

    def result(self, skipped: list[SkippedFile]) -> IngestResult:
        """Build the :class:`IngestResult` of everything read, as one batch would."""
        self.seen = ExactSeen()  # the IDs' texts (64 bytes a row) are not needed now
        force_batches = self.numbers["force"]  # codes into each batch's categories
        published = self.numbers.pop("published")
        joined = {}
        for name in list(self.numbers):  # each batch's arrays go once joined
            joined[name] = np.concatenate(self.numbers.pop(name))
        forces = sorted(self.force_values)  # each batch's codes into these
        at = {f: i for i, f in enumerate(forces)}
        codes = [
            np.asarray([at[f] for f in cats], dtype=np.int64)[batch]
            for cats, batch in zip(self.force_categories, force_batches, strict=True)
        ]
        force_codes = np.concatenate(codes)
        columns = {
            "month": joined["month"].astype("datetime64[ns]"),
            "force": pd.Categorical.from_codes(force_codes, categories=forces),
            "crime_type": pd.Categorical.from_codes(
                joined["type_index"], categories=list(CRIME_TYPES)
            ),
            "longitude": joined["lon"],
            "latitude": joined["lat"],
            "source": pd.Categorical.from_codes(
                joined["table"], categories=[t[0] for t in self.tables]
            ),
            "row": joined["row"],
        }
        if self.has_old:
            columns["crime_type_published"] = np.concatenate(
                [
                    np.asarray(values, dtype=object)[codes]
                    for values, codes in zip(self.type_values, published, strict=True)
                ]
            )
        # the rest first, while the last batch's text and points are made
        sources = pd.DataFrame(self.tables, columns=["source", "encoding", "rows_read"])
        quarantine = Quarantine(self._quarantine())
        far_outside = far_outside_table(
            force_codes, forces, joined["outside_m"], km=FAR_OUTSIDE_KM, log=True
        )
        text = pa.concat_tables([f.result() for f in self.text])
        crimes = text.to_pandas().rename(columns=POLICEUK_RENAME)
        del self.text
        for name, values in columns.items():
            crimes[name] = values
        ordered = [c for c in OUTPUT_COLUMNS if c in crimes.columns]
        if self.has_old:
            ordered.append("crime_type_published")
        points = [f.result() for f in self.points]
        del self.points
        geometry = gpd.array.GeometryArray(
            np.concatenate(points) if points else np.array([], dtype=object), crs=BNG
        )
        # copy=False: the frame is new (GeoDataFrame copies a DataFrame by default)
        crimes = gpd.GeoDataFrame(
            crimes[ordered], geometry=geometry, crs=BNG, copy=False
        )
        return IngestResult(
            crimes=crimes,
            quarantine=quarantine,
            rows_read=int(sources["rows_read"].sum()),
            sources=sources,
            skipped_files=tuple(skipped),
            far_outside=far_outside,
            far_outside_km=FAR_OUTSIDE_KM,
            respelled=self._respelled(),
        )
