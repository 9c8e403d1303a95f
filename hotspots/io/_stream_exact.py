""":func:`hotspots.read_policeuk`'s duplicate Crime ID rule across its batches, exact.

Within a batch :func:`hotspots.io._checks.check_duplicates` finds repeats (hashes,
then texts). Across batches each kept ID is remembered by a 64-bit hash of its text
and its force (:func:`hotspots.io._hashing.text_hashes`, in numpy on Arrow's text
buffer), in a few sorted runs; a row whose hash matches an earlier one is confirmed
by comparing the texts, so a hash collision can neither set a row aside nor let a
repeat through. The hash lives in memory only, so it need not be stable across
versions (national ingest saves its hashes and uses
:func:`hotspots.io._stream_ids.id_hashes`).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from hotspots.io._checks import IdColumn, RowReasons, check_duplicates
from hotspots.io._hashing import mix

__all__ = ["ExactSeen"]


class ExactSeen:
    """The Crime IDs kept by earlier batches: sorted hash runs and the kept texts.

    Holds each batch's trimmed ID column (a reference: the batch's own), and per
    kept row with an ID its row, a force code and 16 bytes of hash and index
    (about 95 bytes a row for police.uk's 64-character IDs).
    """

    def __init__(self) -> None:
        self._forces: dict[str, int] = {}
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []  # (hashes, index)
        self._ids: list[pa.Array] = []  # per batch: its trimmed IDs, every row
        self._rows: list[np.ndarray] = []  # per batch: rows kept with an ID
        self._force: list[np.ndarray] = []
        self._starts: list[int] = []
        self._n = 0

    def _at(self, index: int) -> tuple[int, str]:
        chunk = int(np.searchsorted(self._starts, index, side="right")) - 1
        k = index - self._starts[chunk]
        row = int(self._rows[chunk][k])
        return int(self._force[chunk][k]), self._ids[chunk][row].as_py()

    def _matches(
        self, h: np.ndarray, force: np.ndarray, ids: pa.Array, rows: np.ndarray
    ) -> np.ndarray:
        """Rows whose (force, ID) was kept by an earlier batch (texts compared)."""
        dup = np.zeros(len(h), dtype=bool)
        for hashes, where in self._runs:
            pos = np.searchsorted(hashes, h).clip(max=len(hashes) - 1)
            for i in np.flatnonzero(hashes[pos] == h):  # hash seen: compare texts
                j, text = int(pos[i]), ids[int(rows[i])].as_py()
                while not dup[i] and j < len(hashes) and hashes[j] == h[i]:
                    dup[i] = self._at(int(where[j])) == (force[i], text)
                    j += 1
        return dup

    def check(
        self,
        reasons: RowReasons,
        force: np.ndarray,
        crime_id,
        *,
        read: IdColumn | None = None,
    ) -> None:
        """Set aside repeats within the batch (exact) and of earlier batches' IDs.

        ``read``: the batch's IDs already read (:func:`~hotspots.io._checks.read_ids`).
        """
        kept = check_duplicates(reasons, force, crime_id, read=read)
        rows, kept_ids = kept.rows, kept.ids
        if not len(rows):
            return
        remap = [
            self._forces.setdefault(str(v), len(self._forces)) for v in kept.forces
        ]
        codes = np.asarray(remap, dtype=np.int64)[kept.force]
        with np.errstate(over="ignore"):  # salt with this reader's force codes
            local = mix(kept.force.astype(np.uint64) + np.uint64(1))
            h = kept.hashes ^ local ^ mix(codes.astype(np.uint64) + np.uint64(1))
        dup = self._matches(h, codes, kept_ids, rows)
        hit = np.zeros(len(reasons.ok), dtype=bool)
        hit[rows[dup]] = True
        reasons.mark(hit, "duplicate_crime_id")
        keep = ~dup
        n_new = int(keep.sum())
        if not n_new:
            return
        self._starts.append(self._n)
        self._ids.append(kept_ids)
        self._rows.append(rows[keep])
        self._force.append(codes[keep].astype(np.int32))
        order = np.argsort(h[keep], kind="stable")
        where = self._n + np.arange(n_new, dtype=np.int64)
        self._runs.append((h[keep][order], where[order]))
        self._n += n_new
        # merge runs of similar size (a few sorted runs, each searched once a batch)
        while len(self._runs) > 1 and len(self._runs[-2][0]) <= 2 * len(
            self._runs[-1][0]
        ):
            (h1, w1), (h2, w2) = self._runs.pop(), self._runs.pop()
            both = np.concatenate([h2, h1])
            order = np.argsort(both, kind="stable")  # two sorted runs: a merge
            self._runs.append((both[order], np.concatenate([w2, w1])[order]))
