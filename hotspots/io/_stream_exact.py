""":func:`hotspots.read_policeuk`'s duplicate Crime ID rule across its batches, exact.

Within a batch :func:`hotspots.io._checks.check_duplicates` finds repeats (hashes,
then texts). Across batches each kept ID is remembered by a 64-bit hash of its text
and its force (:func:`hotspots.io._hashing.text_hashes`, in numpy on Arrow's text
buffer), in a few sorted runs; a row whose hash matches an earlier one is confirmed
by comparing the texts, so a hash collision can neither set a row aside nor let a
repeat through. A bitmap of the hashes' leading bits (about 16 bits per ID kept)
answers "never seen" for nearly every new ID, so the sorted runs are searched only
for the few rows whose bit is set: on 20M SYNTHETIC rows the runs' searches took
24 s of the reader's 97 s before the bitmap. The hash lives in memory only, so it
need not be stable across versions (national ingest saves its hashes and uses
:func:`hotspots.io._stream_ids.id_hashes`).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from hotspots.io._checks import IdColumn, RowReasons, check_duplicates
from hotspots.io._hashing import mix

__all__ = ["ExactSeen", "merge_runs"]

#: Smallest bitmap of seen hashes: 2**20 bits (128 KiB), for 65,536 IDs.
_MIN_BITS = 20


class ExactSeen:
    """The Crime IDs kept by earlier batches: sorted hash runs and the kept texts.

    Holds each batch's trimmed ID column (a reference: the batch's own), per kept
    row with an ID its row, a force code and 16 bytes of hash and index, and a
    bitmap of at least 16 bits per ID (about 97 bytes a row in all for police.uk's
    64-character IDs).
    """

    def __init__(self) -> None:
        self._forces: dict[str, int] = {}
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []  # (hashes, index)
        self._ids: list[pa.Array | pa.ChunkedArray] = []  # per batch: its IDs
        self._rows: list[np.ndarray] = []  # per batch: rows kept with an ID
        self._force: list[np.ndarray] = []
        self._starts: list[int] = []
        self._n = 0
        self._bits = np.zeros(1 << (_MIN_BITS - 3), dtype=np.uint8)
        self._width = _MIN_BITS  # the bitmap holds 2**width bits

    def _at(self, index: int) -> tuple[int, str]:
        chunk = int(np.searchsorted(self._starts, index, side="right")) - 1
        k = index - self._starts[chunk]
        row = int(self._rows[chunk][k])
        return int(self._force[chunk][k]), self._ids[chunk][row].as_py()

    def _slots(self, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Byte and bit of each hash's place in the bitmap (its leading bits)."""
        slot = h >> np.uint64(64 - self._width)
        return slot >> np.uint64(3), (slot & np.uint64(7)).astype(np.uint8)

    def _set_bits(self, h: np.ndarray) -> None:
        """Set the bits of ``h``, sorted: each byte's bits are OR-ed, then written.

        Sorted hashes touch the bitmap in order (10M hashes into 32 MiB: 0.1 s,
        against 0.65 s for one write per hash in hash order).
        """
        byte, bit = self._slots(h)
        if not len(byte):
            return
        first = np.flatnonzero(np.r_[True, byte[1:] != byte[:-1]])
        ored = np.bitwise_or.reduceat(np.left_shift(np.uint8(1), bit), first)
        self._bits[byte[first]] |= ored

    def _maybe_seen(self, h: np.ndarray) -> np.ndarray:
        """Return False where no earlier batch kept this hash (True: perhaps)."""
        byte, bit = self._slots(h)
        return ((self._bits[byte] >> bit) & np.uint8(1)).astype(bool)

    def _grow(self) -> None:
        """Widen the bitmap to at least 16 bits per hash kept (rebuilt from runs)."""
        width = self._width
        while (1 << width) < 16 * self._n:
            width += 1
        if width == self._width:
            return
        self._width = width
        self._bits = np.zeros(1 << (width - 3), dtype=np.uint8)
        for hashes, _ in self._runs:
            self._set_bits(hashes)

    def _matches(
        self, h: np.ndarray, force: np.ndarray, ids, rows: np.ndarray
    ) -> np.ndarray:
        """Rows whose (force, ID) was kept by an earlier batch (texts compared)."""
        dup = np.zeros(len(h), dtype=bool)
        maybe = np.flatnonzero(self._maybe_seen(h) if self._n else np.zeros(0, bool))
        if not len(maybe):
            return dup
        hm = h[maybe]
        for hashes, where in self._runs:
            pos = np.searchsorted(hashes, hm).clip(max=len(hashes) - 1)
            for k in np.flatnonzero(hashes[pos] == hm):  # hash seen: compare texts
                i = int(maybe[k])
                j, text = int(pos[k]), ids[int(rows[i])].as_py()
                while not dup[i] and j < len(hashes) and hashes[j] == h[i]:
                    dup[i] = self._at(int(where[j])) == (force[i], text)
                    j += 1
        return dup

    def check(
        self,
        reasons: RowReasons,
        force,
        crime_id,
        *,
        read: IdColumn | None = None,
    ) -> None:
        """Set aside repeats within the batch (exact) and of earlier batches' IDs.

        ``force``: the rows' force text, or a :class:`pandas.Categorical` of it.
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
        new = h[keep]
        order = np.argsort(new)  # equal hashes may come in any order
        where = self._n + np.arange(n_new, dtype=np.int64)
        self._runs.append((new[order], where[order]))
        self._n += n_new
        self._set_bits(self._runs[-1][0])
        self._grow()
        # merge runs of similar size (a few sorted runs, each searched once a batch)
        while len(self._runs) > 1 and len(self._runs[-2][0]) <= 2 * len(
            self._runs[-1][0]
        ):
            later, earlier = self._runs.pop(), self._runs.pop()
            self._runs.append(merge_runs(earlier, later))


def merge_runs(
    earlier: tuple[np.ndarray, np.ndarray], later: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Merge two sorted (hashes, index) runs; equal hashes keep ``earlier`` first.

    Each of ``later``'s hashes is placed by a binary search in ``earlier`` (the
    runs are sorted, so its places rise), then both are written in one pass: about
    half the time of a stable argsort of the two joined.
    """
    (h1, w1), (h2, w2) = earlier, later
    at = np.searchsorted(h1, h2, side="right") + np.arange(len(h2))
    from_later = np.zeros(len(h1) + len(h2), dtype=bool)
    from_later[at] = True
    hashes = np.empty(len(from_later), dtype=h1.dtype)
    index = np.empty(len(from_later), dtype=w1.dtype)
    hashes[at], index[at] = h2, w2
    hashes[~from_later], index[~from_later] = h1, w1
    return hashes, index
