"""64-bit hashes of Arrow text, computed in numpy, for in-memory duplicate checks.

Equal texts always get equal hashes, so two rows whose hashes differ hold different
texts; rows whose hashes are equal are compared as text by the callers
(:func:`hotspots.io._checks.check_duplicates`,
:class:`hotspots.io._stream_exact.ExactSeen`), so a collision never changes a
result. The hash lives in memory only: national ingest saves SipHash values
(:func:`hotspots.io._stream_ids.id_hashes`) instead.
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


def _fixed_width(arr: pa.Array, width: int) -> np.ndarray:
    """Hash texts that are all ``width`` bytes long, 8 bytes at a time, in numpy."""
    n = len(arr)
    large = pa.types.is_large_string(arr.type) or pa.types.is_large_binary(arr.type)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64 if large else np.int32)
    start = int(offsets[arr.offset])
    words = -(-width // 8)
    padded = np.zeros((n, words * 8), dtype=np.uint8)
    if width:
        data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)
        padded[:, :width] = data[start : start + n * width].reshape(n, width)
    blocks = padded.view("<u8")
    h = np.full(n, width, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(words):
            h = (h ^ blocks[:, k]) * _MUL
            h ^= h >> np.uint64(29)
        return mix(h)


def text_hashes(arr: pa.Array) -> np.ndarray:
    """Return a uint64 hash per value of a text array (the same for equal texts).

    Texts are hashed in groups of equal length (police.uk IDs: one group).
    """
    if arr.null_count:
        arr = pc.fill_null(arr, "")
    lengths = pc.binary_length(arr).to_numpy(zero_copy_only=False)
    if not len(arr) or (lengths == lengths[0]).all():
        return _fixed_width(arr, int(lengths[0]) if len(arr) else 0)
    out = np.empty(len(arr), dtype=np.uint64)
    for width in np.unique(lengths):
        rows = np.flatnonzero(lengths == width)
        out[rows] = _fixed_width(arr.take(pa.array(rows)), int(width))
    return out
