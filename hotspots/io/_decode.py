"""Decoding CSV bytes: encodings, byte-order marks, compressed and binary files.

Accepts UTF-8 with or without a byte-order mark, UTF-16 with a BOM, Windows-1252
and files that mix UTF-8 with Windows-1252 bytes; recognises gzip, ZIP and common
binary formats so that a wrong file gets an error naming what it is.
"""

from __future__ import annotations

import codecs
import gzip
import logging
import zlib

from hotspots.exceptions import InputFileError

__all__ = [
    "CONTROL_BYTES",
    "CONTROL_RE",
    "MAX_LINES_IN_VALUE",
    "NOT_CONTROL_BYTES",
    "SNIFF_BYTES",
    "decode_bytes",
    "decode_mixed",
    "is_blank",
    "line_of",
]

logger = logging.getLogger(__name__)

_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"
SNIFF_BYTES = 4096
# A text CSV has almost no NUL or other C0 control bytes; binary files have many.
_MAX_CONTROL_SHARE = 0.05
# Bytes that may appear in text: tab, LF, CR and everything from space upwards.
_TEXT_BYTES = bytes([9, 10, 13, *range(32, 256)])
#: Control characters that make a row malformed (C0 except tab/LF/CR, and DEL).
CONTROL_BYTES = bytes([*range(9), 11, 12, *range(14, 32), 127])
NOT_CONTROL_BYTES = bytes(b for b in range(256) if b not in CONTROL_BYTES)
CONTROL_RE = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]"
# A value spanning more lines than this is a runaway quote, not a real field.
MAX_LINES_IN_VALUE = 20
_BINARY_SIGNATURES = {
    b"PAR1": "a Parquet file",
    b"\x89PNG": "a PNG image",
    b"%PDF": "a PDF document",
    b"\xd0\xcf\x11\xe0": "an old-style Excel/Office file (.xls)",
    b"SQLite format 3": "a SQLite database",
}


def line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _cp1252_fallback(err: UnicodeError) -> tuple[str, int]:
    """Decode a byte that is not valid UTF-8 as Windows-1252 (mixed-encoding files)."""
    if not isinstance(err, UnicodeDecodeError):
        raise err
    try:
        return err.object[err.start : err.start + 1].decode("cp1252"), err.start + 1
    except UnicodeDecodeError:
        raise err from None


codecs.register_error("hotspots-cp1252", _cp1252_fallback)


def is_blank(data: bytes) -> bool:
    return not data or data.isspace()


def decode_bytes(data: bytes, source: str) -> tuple[bytes, str]:
    """Return ``data`` as UTF-8 bytes without a BOM, and the encoding found.

    Accepts UTF-8 with or without a byte-order mark, UTF-16 with a BOM, and
    Windows-1252 (what Excel writes on UK Windows machines); in a file that is
    mostly UTF-8, single bytes that are not valid UTF-8 are read as Windows-1252, so
    valid UTF-8 text is never garbled. Gzip-compressed CSVs are decompressed first;
    old Mac line ends (CR only) become LF.

    Raises
    ------
    InputFileError
        If the data is empty, is a known binary format, or is in none of the
        accepted encodings; the message names the file and line.
    """
    if data[:2] == _GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as err:
            raise InputFileError(
                f"{source}: looks gzip-compressed but cannot be decompressed ({err}). "
                "Download the file again or pass the uncompressed CSV."
            ) from err
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        encoding = "utf-8-sig"
    else:
        encoding = "utf-8"
    if is_blank(data):
        raise InputFileError(
            f"{source}: the file is empty. Check the download; police.uk files start "
            "with a header line 'Crime ID,Month,...'."
        )
    if data.startswith(_ZIP_MAGIC):
        raise InputFileError(
            f"{source}: this is a ZIP archive, not a CSV. Pass the .zip path itself to "
            "read_policeuk(), which reads the archive's street-level files directly."
        )
    for magic, kind in _BINARY_SIGNATURES.items():
        if data.startswith(magic):
            raise InputFileError(
                f"{source}: this is {kind}, not a CSV. Export or download the data "
                "as CSV first."
            )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16").encode("utf-8"), "utf-16"
        except UnicodeDecodeError as err:
            raise InputFileError(
                f"{source}: starts with a UTF-16 byte-order mark but is not valid "
                f"UTF-16 (byte {err.start}). Re-save the file as UTF-8 CSV."
            ) from err
    head = data[:SNIFF_BYTES]
    controls = len(head.translate(None, _TEXT_BYTES))
    if controls > _MAX_CONTROL_SHARE * len(head):
        hint = (
            " It may be UTF-16 without a byte-order mark: re-save it as 'CSV UTF-8'."
            if head.count(b"\x00") > len(head) // 3
            else ""
        )
        raise InputFileError(
            f"{source}: does not look like a CSV (binary content in the first "
            f"{len(head)} bytes).{hint} Pass a police.uk street-level CSV, a "
            "bulk-archive folder or the archive's ZIP."
        )
    if b"\r" in data and b"\n" not in data:
        data = data.replace(b"\r", b"\n")
    if data.isascii():  # fast, and true of almost every police.uk file
        return data, encoding
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return decode_mixed(data, source), "cp1252"
    return data, encoding


def decode_mixed(data: bytes, source: str) -> bytes:
    """Re-encode text that is not valid UTF-8 to UTF-8, reading bad bytes as cp1252.

    Valid UTF-8 sequences stay as they are; each byte that is not valid UTF-8 is
    read as Windows-1252 (so a pure Windows-1252 file and a UTF-8 file with a few
    Windows-1252 bytes both come out right).

    Raises
    ------
    InputFileError
        If a byte is valid in neither encoding; the message names the line.
    """
    try:
        text = data.decode("utf-8", errors="hotspots-cp1252")
    except UnicodeDecodeError as err:
        raise InputFileError(
            f"{source}, line {line_of(data, err.start)}: the text is neither "
            f"UTF-8 nor Windows-1252 (byte 0x{data[err.start]:02x}). Re-save the "
            "file as 'CSV UTF-8' and read it again."
        ) from err
    logger.info("%s: bytes that are not UTF-8 were read as Windows-1252.", source)
    return text.encode("utf-8")
