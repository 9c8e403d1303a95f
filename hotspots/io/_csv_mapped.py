"""A CSV file on disk used where it lies (memory-mapped) if decoding leaves it as is.

Reading a file copies it from the operating system's cache into new memory: 0.2 s
and 265 MB for 1M police.uk rows, 5 GB over the 1,584 files of 20M rows, before a
single line is parsed. Mapping the file instead shows the cached pages as they are
(0.03 s to touch all 265 MB). :func:`map_plain` maps a file when
:func:`~hotspots.io._decode.decode_bytes` would return its bytes unchanged as
UTF-8, the usual case: nothing in its first bytes that decoding changes or rejects
(compression, a byte-order mark, UTF-16, binary content) and every byte ASCII. Any
other file is read and decoded as before. The parsers take the map as they take
bytes, so the rows, record numbers and messages are the same
(``tests/io/test_csv_mapped.py``). A file changed by another program while it is
mapped can end the process (as with any memory map), so only the readers' own
short parse of each file uses it.
"""

from __future__ import annotations

import mmap
from pathlib import Path

import numpy as np

from hotspots.exceptions import InputFileError
from hotspots.io._decode import SNIFF_BYTES, decode_bytes

__all__ = ["map_plain", "source_data"]

#: Bytes checked for non-ASCII at a time (the whole map at once would be a
#: temporary array as large as the file).
_STEP = 64 << 20


def _ascii(data: mmap.mmap) -> bool:
    view = memoryview(data)
    try:
        return all(
            int(np.frombuffer(view[lo : lo + _STEP], np.uint8).max()) < 128
            for lo in range(0, len(view), _STEP)
        )
    finally:
        view.release()


def map_plain(path: Path, source: str) -> mmap.mmap | None:
    """Return ``path`` mapped read-only if decoding would leave it unchanged, else None.

    "Unchanged" is :func:`~hotspots.io._decode.decode_bytes` returning the same
    bytes as ``"utf-8"``: its checks of the first bytes pass and every byte is
    ASCII. None (read the file and decode it) for an empty file, one that cannot be
    mapped, one that holds no line end, or one decoding would change or reject
    (whose error the caller then raises as usual).
    """
    if path.stat().st_size == 0:
        return None
    try:
        with path.open("rb") as handle:
            data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):  # a file system or file that cannot be mapped
        return None
    head = data[:SNIFF_BYTES]
    try:
        decoded, encoding = decode_bytes(head, source)
    except InputFileError:
        decoded, encoding = b"", ""
    plain = decoded is head and encoding == "utf-8" and data.find(b"\n") >= 0
    if plain and _ascii(data):
        return data
    data.close()
    return None


def source_data(src) -> tuple[bytes | mmap.mmap, str | None]:
    """Return a source's bytes for the parsers, and their encoding if decoded.

    ``src`` is an archive :class:`~hotspots.io._archive.Source`: a file on disk is
    mapped when :func:`map_plain` allows it (already decoded: ``"utf-8"``), any
    other is loaded (None: the parser decodes it).
    """
    mapped = map_plain(src.path, src.name) if src.path is not None else None
    return (src.load(), None) if mapped is None else (mapped, "utf-8")
