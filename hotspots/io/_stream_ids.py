"""Crime IDs already kept, across batches and runs, for the duplicate rule.

A Crime ID repeated within a force is set aside (the first occurrence is kept).
:func:`hotspots.read_policeuk` compares the texts exactly
(:func:`hotspots.io._checks.check_duplicates`). National ingest compares, within a
batch and across batches, 64-bit hashes of ``force``, a unit separator and
``crime_id`` (SipHash-2-4 via :func:`pandas.util.hash_array`), and keeps, per
``Falls within`` value, a sorted array of the hashes of the IDs kept so far: 8
bytes per kept row with an ID, instead of the 64-character text. The texts are not
kept, so a hit is not re-checked against them; two different IDs of one force share
a hash with probability about ``n**2 / 2**65`` (n IDs of
that force): 3e-6 for 10 million IDs (the Metropolitan Police over ten years), so
the expected number of genuine crimes wrongly set aside over a national archive is
far below one. The arrays are saved in the dataset (``_seen/``), named in the ledger,
so a later run continues the rule where the last one stopped.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hotspots.io._checks import RowReasons, to_text
from hotspots.io._stream_exact import ExactSeen

__all__ = ["ExactSeen", "SeenIds", "id_hashes"]  # ExactSeen: _stream_exact


def id_hashes(force: np.ndarray, crime_id) -> np.ndarray:
    """Return a uint64 hash per row of (``force`` text, trimmed ``crime_id`` text)."""
    joined = pc.binary_join_element_wise(
        pa.array(np.asarray(force, dtype=object), type=pa.string()),
        to_text(crime_id),
        "\x1f",
    )
    values = joined.to_numpy(zero_copy_only=False)
    return pd.util.hash_array(np.asarray(values, dtype=object), categorize=False)


def _file_stem(key: str) -> str:
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


class SeenIds:
    """Sorted hashes of the Crime IDs kept so far, one array per force text.

    Parameters
    ----------
    folder : Path
        Where the arrays are saved (``<dataset>/_seen``).
    files : dict
        Force text -> file name in ``folder`` (from the ledger).
    """

    def __init__(self, folder: Path, files: dict[str, str]) -> None:
        self.folder = folder
        self.files = dict(files)
        self._arrays: dict[str, np.ndarray] = {}
        self._dirty: set[str] = set()

    def _get(self, key: str) -> np.ndarray:
        if key not in self._arrays:
            name = self.files.get(key)
            self._arrays[key] = (
                np.load(self.folder / name)
                if name is not None
                else np.array([], dtype=np.uint64)
            )
        return self._arrays[key]

    def check(self, reasons: RowReasons, force: np.ndarray, crime_id) -> None:
        """Set aside repeats of (force, ID), in this batch or kept by an earlier one.

        Checks the rows still kept with a non-blank ID (the first occurrence in the
        batch is kept unless an earlier batch kept the ID), then remembers them.
        """
        ids = to_text(crime_id)
        blank = pc.equal(pc.utf8_length(ids), 0).to_numpy(zero_copy_only=False)
        rows = np.flatnonzero(reasons.ok & ~np.asarray(blank, dtype=bool))
        if not len(rows):
            return
        take = pa.array(rows)
        hashes = id_hashes(force[rows], ids.take(take))
        keys = np.asarray(force[rows], dtype=object)
        dup = np.zeros(len(reasons.ok), dtype=bool)
        dup[rows] = pd.Series(hashes).duplicated(keep="first").to_numpy()
        groups = pd.Series(np.arange(len(rows))).groupby(keys, sort=False).indices
        for key, where in groups.items():
            known = self._get(str(key))
            if len(known):
                pos = np.searchsorted(known, hashes[where]).clip(max=len(known) - 1)
                dup[rows[where]] |= known[pos] == hashes[where]
        reasons.mark(dup, "duplicate_crime_id")
        kept = ~dup[rows]
        for key, where in groups.items():
            new = hashes[where][kept[where]]
            if len(new):
                # the kept hashes are new and distinct (repeats were set aside just
                # above), so the union is the two sorted runs merged: a stable sort
                # (timsort) of two runs is a linear merge, unlike np.union1d's sort
                both = np.concatenate([self._get(str(key)), np.sort(new)])
                self._arrays[str(key)] = np.sort(both, kind="stable")
                self._dirty.add(str(key))

    def save(self, generation: int) -> tuple[dict[str, str], list[str]]:
        """Write changed arrays under new names; return (files, names superseded).

        The caller records ``files`` in the ledger (the commit point), then deletes
        the superseded names; an interrupted run thus always finds the arrays that
        match its ledger.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        files, old = dict(self.files), []
        for key in sorted(self._dirty):
            name = f"{_file_stem(key)}-{generation:06d}.npy"
            with (self.folder / name).open("wb") as handle:
                np.save(handle, self._arrays[key])
            if key in files:
                old.append(files[key])
            files[key] = name
        return files, old

    def committed(self, files: dict[str, str], keep: set[str]) -> None:
        """Adopt ``files`` after the ledger is written; keep only ``keep`` in memory."""
        self.files = dict(files)
        self._dirty.clear()
        self._arrays = {k: v for k, v in self._arrays.items() if k in keep}
