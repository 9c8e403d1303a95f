"""64-bit hashes of Arrow text, computed in numpy, for in-memory duplicate checks.

Equal texts always get equal hashes, so two rows whose hashes differ hold different
texts; rows whose hashes are equal are compared as text by the callers
(:func:`hotspots.io._checks.check_duplicates`,
:class:`hotspots.io._stream_exact.ExactSeen`), so a collision never changes a
result. National ingest saves values derived from it
(:func:`hotspots.io._stream_ids.fx_id_hashes`), so the function must not change:
``tests/io/test_national_hashes.py`` pins its values.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["mix", "text_hashes"]

_MUL = np.uint64(0x9E3779B97F4A7C15)


def mix(h: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser, on a uint64 array (overflow wraps, as intended)."""
    h = h ^ (h >> np.uint64(30))
    h = h * np.uint64(0xBF58476D1CE4E5B9)
    h = h ^ (h >> np.uint64(27))
    h = h * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


def _block_hashes(data: np.ndarray, starts: np.ndarray, width: int) -> np.ndarray:
    """Hash texts of ``width`` bytes starting at ``starts`` in ``data``, 8 at a time.

    Texts lying back to back (every police.uk ID, blank IDs taking no bytes) are
    read as one reshaped view; others are gathered in blocks of rows.
    """
    n = len(starts)
    words = -(-width // 8)
    padded = np.zeros((n, words * 8), dtype=np.uint8)
    if width and n:
        first = int(starts[0])
        if (np.diff(starts) == width).all():
            padded[:, :width] = data[first : first + n * width].reshape(n, width)
        else:
            step = np.arange(width)
            for lo in range(0, n, 65_536):
                block = starts[lo : lo + 65_536, None] + step
                padded[lo : lo + 65_536, :width] = data[block]
    blocks = padded.view("<u8")
    h = np.full(n, width, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(words):
            h = (h ^ blocks[:, k]) * _MUL
            h ^= h >> np.uint64(29)
        return mix(h)


def text_hashes(arr: pa.Array) -> np.ndarray:
    """Return a uint64 hash per value of a text array (the same for equal texts).

    Texts are hashed in groups of equal length (police.uk IDs: one group, and the
    blank IDs), straight from Arrow's buffers.
    """
    if arr.null_count:
        arr = pc.fill_null(arr, "")
    n = len(arr)
    if not n:
        return np.empty(0, dtype=np.uint64)
    large = pa.types.is_large_string(arr.type) or pa.types.is_large_binary(arr.type)
    buffers = arr.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int64 if large else np.int32)
    offsets = offsets[arr.offset : arr.offset + n + 1].astype(np.int64)
    data = (
        np.frombuffer(buffers[2], dtype=np.uint8)
        if buffers[2] is not None
        else np.empty(0, dtype=np.uint8)
    )
    lengths = np.diff(offsets)
    if (lengths == lengths[0]).all():
        return _block_hashes(data, offsets[:-1], int(lengths[0]))
    out = np.empty(n, dtype=np.uint64)
    for width in np.unique(lengths):
        rows = np.flatnonzero(lengths == width)
        out[rows] = _block_hashes(data, offsets[rows], int(width))
    return out
