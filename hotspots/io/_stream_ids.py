r"""Crime IDs already kept, across batches and runs, for the duplicate rule.

A Crime ID repeated within a force is set aside (the first occurrence is kept).
:func:`hotspots.read_policeuk` compares the texts exactly
(:func:`hotspots.io._checks.check_duplicates`). National ingest compares, within a
batch and across batches, 64-bit hashes of (``Falls within``, trimmed ``Crime ID``)
and keeps, per ``Falls within`` value, a sorted array of the hashes of the IDs kept
so far: 8 bytes per kept row with an ID, instead of the 64-character text. The texts
are not kept, so a hit is not re-checked against them; two different IDs of one
force share a hash with probability about ``n**2 / 2**65`` (n IDs of that force):
3e-6 for 10 million IDs (the Metropolitan Police over ten years), so the expected
number of genuine crimes wrongly set aside over a national archive is far below one.
The arrays are saved in the dataset (``_seen/``), named in the ledger, so a later run
continues the rule where the last one stopped.

The hashes are saved, so they must never change for a dataset: the ledger names the
scheme (:data:`ID_HASHES`). ``"fx64-1"`` (datasets made from this version on) mixes
:func:`hotspots.io._hashing.text_hashes` of the ID, computed from Arrow's buffers in
the threads that parse the files, with a hash of the force text; its values are
pinned by a test. ``"siphash-2-4"`` (earlier datasets) is SipHash-2-4 of
``force + "\x1f" + ID`` via :func:`pandas.util.hash_array`, 5-10x slower.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hotspots.io._checks import IdColumn, RowReasons, force_codes, read_ids, to_text
from hotspots.io._hashing import mix, text_hashes
from hotspots.io._stream_exact import ExactSeen

__all__ = [  # ExactSeen: _stream_exact
    "ID_HASH",
    "ID_HASHES",
    "ExactSeen",
    "SeenIds",
    "fx_id_hashes",
    "id_hashes",
]

#: Schemes of saved Crime-ID hashes (see the module's text); new datasets: ID_HASH.
ID_HASHES = ("fx64-1", "siphash-2-4")
ID_HASH = "fx64-1"
_FORCE_SALT = np.uint64(0xC2B2AE3D27D4EB4F)


def id_hashes(force: np.ndarray, crime_id) -> np.ndarray:
    """Return a uint64 hash per row of (``force`` text, trimmed ``crime_id`` text)."""
    joined = pc.binary_join_element_wise(
        pa.array(np.asarray(force, dtype=object), type=pa.string()),
        to_text(crime_id),
        "\x1f",
    )
    values = joined.to_numpy(zero_copy_only=False)
    return pd.util.hash_array(np.asarray(values, dtype=object), categorize=False)


def fx_id_hashes(force: np.ndarray, id_hash: np.ndarray) -> np.ndarray:
    """Return the ``"fx64-1"`` hash per row from its force text and ID hash.

    ``id_hash`` is :func:`~hotspots.io._hashing.text_hashes` of the trimmed ID
    (:attr:`hotspots.io._checks.IdColumn.hashes`); each distinct force text is
    hashed the same way and mixed in.
    """
    codes, forces = force_codes(force)
    salt = text_hashes(pa.array([str(f) for f in forces], type=pa.string()))
    with np.errstate(over="ignore"):
        return mix(np.asarray(id_hash, dtype=np.uint64) ^ (salt ^ _FORCE_SALT)[codes])


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

    def __init__(
        self, folder: Path, files: dict[str, str], scheme: str = ID_HASH
    ) -> None:
        if scheme not in ID_HASHES:
            raise ValueError(
                f"the dataset's Crime IDs were hashed with {scheme!r}, which this "
                f"version does not know ({', '.join(ID_HASHES)}). Ingest into a new "
                "output folder, or update hotspots."
            )
        self.folder = folder
        self.scheme = scheme
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

    def check(
        self,
        reasons: RowReasons,
        force: np.ndarray,
        crime_id,
        *,
        read: IdColumn | None = None,
    ) -> None:
        """Set aside repeats of (force, ID), in this batch or kept by an earlier one.

        Checks the rows still kept with a non-blank ID (the first occurrence in the
        batch is kept unless an earlier batch kept the ID), then remembers them.
        ``read``: the batch's IDs already read (:func:`hotspots.io._checks.read_ids`).
        """
        c = read if read is not None else read_ids(crime_id)
        rows = np.flatnonzero(reasons.ok & (c.length > 0))
        if not len(rows):
            return
        codes, values = force_codes(force, rows)
        texts = np.asarray([str(v) for v in values], dtype=object)
        if self.scheme == "fx64-1":
            hashes = fx_id_hashes(force[rows], c.hashes[rows])
        else:
            ids = c.text.take(pa.array(rows))
            if isinstance(ids, pa.ChunkedArray):
                ids = ids.combine_chunks()
            hashes = id_hashes(texts[codes], ids)
        dup = np.zeros(len(reasons.ok), dtype=bool)
        dup[rows] = pd.Series(hashes).duplicated(keep="first").to_numpy()
        by_code = pd.Series(np.arange(len(rows))).groupby(codes, sort=False).indices
        groups = {texts[k]: where for k, where in by_code.items()}
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
