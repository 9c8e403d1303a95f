"""Fuzz read_policeuk with malformed files.

Every malformed input must end in one of two ways:

* a documented error (``InputFileError`` or ``SchemaError``) whose message names the
  file and says what to do, or
* an ``IngestResult`` that accounts for every data record put in:
  ``rows_read == len(crimes) + len(quarantine)``, ``rows_read`` equals the number of
  records written, and each record number 1..rows_read appears exactly once.

The base file is twelve real police.uk rows (Leicestershire, June 2024); each case
damages it in one way.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotspots.exceptions import HotspotsWarning, InputFileError, SchemaError
from hotspots.io import IngestResult, read_policeuk

FILE_NAME = "2024-06-leicestershire-street.csv"
HEADER = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)
_FORCE = "Leicestershire Police"
_VIOLENCE = "Violence and sexual offences"
# Crime ID, longitude, latitude, location, LSOA code, LSOA name, crime type, outcome
# (police.uk street-level rows, Leicestershire Police, 2024-06).
_REAL_ROWS = (
    (
        "55f23fee500a08a4f0614824d11064cae94f9e71f52b2ad40bb470dbb64fc981",
        "-1.324636",
        "53.061097",
        "On or near Sports/Recreation Area",
        "E01027946",
        "Ashfield 012B",
        _VIOLENCE,
        "Unable to prosecute suspect",
    ),
    (
        "bed53900f85bddcacc31aec04caca812c70307f638a81dc29781c846cacc3d19",
        "-1.201283",
        "53.035973",
        "On or near Duke Street",
        "E01027932",
        "Ashfield 014C",
        _VIOLENCE,
        "Status update unavailable",
    ),
    (
        "2ebeaecfbfe629c4617875e8dd39cbb6ad10719bb0d689df9d0b8ae96af56c3f",
        "-1.212224",
        "52.623430",
        "On or near Willoughby Gardens",
        "E01025631",
        "Blaby 002A",
        _VIOLENCE,
        "Investigation complete; no suspect identified",
    ),
    (
        "77734ad669ea730bb376f33a77d17878a8e7dd83d78448f3d5b4a5593167347e",
        "-1.211313",
        "52.619873",
        "On or near Pickard Way",
        "E01025631",
        "Blaby 002A",
        _VIOLENCE,
        "Investigation complete; no suspect identified",
    ),
    (
        "bcc97a441495beccc87886a3cca5a5abd5ac796e0eea82cce0d4050a9b693fb6",
        "-1.215391",
        "52.618120",
        "On or near Tristram Close",
        "E01025632",
        "Blaby 002B",
        _VIOLENCE,
        "Unable to prosecute suspect",
    ),
    (
        "cc0a8cb04dd3a412d25c4794d5c52b8407438077f05d81d5cf125544003e4cb4",
        "-1.223465",
        "52.616789",
        "On or near Harrow Close",
        "E01025632",
        "Blaby 002B",
        _VIOLENCE,
        "Formal action is not in the public interest",
    ),
    (
        "a5c810ec9b705a39eed8df61e65cc49e9c165cd52ac0df8268fd10f3f03af4ee",
        "-1.215391",
        "52.618120",
        "On or near Tristram Close",
        "E01025632",
        "Blaby 002B",
        _VIOLENCE,
        "Unable to prosecute suspect",
    ),
    (
        "50ac57d39224a67319605e1de18dcd710700d151c16b7d132796096b8e0c0bb5",
        "-1.206173",
        "52.619011",
        "On or near Motorway Service Area",
        "E01025633",
        "Blaby 002C",
        _VIOLENCE,
        "Unable to prosecute suspect",
    ),
    (
        "bd463ba91a74649deffacc2300e92ad7bd8639b10e0941f4289d9887d59d53ca",
        "-1.207067",
        "52.627576",
        "On or near Brightwell Drive",
        "E01025633",
        "Blaby 002C",
        _VIOLENCE,
        "Unable to prosecute suspect",
    ),
    (
        "675844eb02ea90773aa58952edec31d9d571f6d838a2e5494910b66ecc665050",
        "-1.183030",
        "52.613262",
        "On or near Parking Area",
        "E01025653",
        "Blaby 005D",
        "Robbery",
        "Unable to prosecute suspect",
    ),
    (
        "afcc010ded1b870f1c8770bdebf6b655344bd1d303fc582efaaf6648f9b3d296",
        "-1.209110",
        "52.586334",
        "On or near John Street",
        "E01025626",
        "Blaby 006B",
        "Possession of weapons",
        "Further action is not in the public interest",
    ),
    (
        "715124b4461fbc9a9640b8ef7c50fc5d29aea01249ea2103d62cbc75f460936f",
        "",
        "",
        "No Location",
        "",
        "",
        "Possession of weapons",
        "Court result unavailable",
    ),
)
BASE_ROWS: tuple[tuple[str, ...], ...] = tuple(
    (cid, "2024-06", _FORCE, _FORCE, lon, lat, loc, code, name, kind, outcome, "")
    for cid, lon, lat, loc, code, name, kind, outcome in _REAL_ROWS
)
N_BASE = len(BASE_ROWS)
LON, LAT, LOCATION, CRIME_TYPE = 4, 5, 6, 9
# The base file sets aside only its last row (police.uk "No Location").
CLEAN = {N_BASE: "no_coordinates"}
# A message says what to do when it contains one of these verbs.
ADVICE = (
    r"(?i)\b(check|pass|re-save|remove|download|export|widen|fix|use|save|extract)\b"
)


# ---------------------------------------------------------------- building files
def _rows(**edits: dict[int, str]) -> list[list[str]]:
    """Base rows with edits ``r<row>={column: value}`` (row and column 0-based)."""
    rows = [list(r) for r in BASE_ROWS]
    for key, changes in edits.items():
        for col, value in changes.items():
            rows[int(key[1:])][col] = value
    return rows


def _text(rows=None, header=HEADER, newline="\n") -> str:
    """Join rows with commas and no quoting (a field may carry its own quotes)."""
    rows = [list(r) for r in BASE_ROWS] if rows is None else rows
    return "".join(",".join(r) + newline for r in [list(header), *rows])


def _utf8(rows=None, header=HEADER, newline="\n") -> bytes:
    return _text(rows, header, newline).encode("utf-8")


def _zip(data: bytes, member: str = f"2024-06/{FILE_NAME}") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(member, data)
    return buffer.getvalue()


def _gzip_bad_crc() -> bytes:
    data = gzip.compress(_utf8())
    return data[:-8] + b"\x00\x00\x00\x00" + data[-4:]


def _truncated_last_line() -> bytes:
    data = _utf8()
    last_line_start = data.rstrip(b"\n").rfind(b"\n") + 1
    return data[: last_line_start + 90]


def _reordered() -> bytes:
    order = [11, 9, 5, 4, 0, 3, 2, 1, 8, 7, 6, 10]
    return _utf8(
        [[row[i] for i in order] for row in BASE_ROWS], [HEADER[i] for i in order]
    )


def _padded() -> bytes:
    rows = [[f"  {v}\t " for v in row] for row in BASE_ROWS]
    return _utf8(rows, [f" {h} " for h in HEADER])


def _blank_lines() -> bytes:
    lines = _text().split("\n")
    return "\n".join([*lines[:4], "", "", *lines[4:8], "", *lines[8:]]).encode()


def _concatenated() -> bytes:
    return _utf8() + _utf8()


# ---------------------------------------------------------------- checking results
def _check_accounted(result: IngestResult, records: int) -> None:
    """Every record written is kept or quarantined, exactly once."""
    kept, aside = len(result.crimes), len(result.quarantine)
    assert result.rows_read == kept + aside
    assert result.rows_read == records, (
        f"wrote {records} data records, reader read {result.rows_read}"
    )
    numbers = sorted([*result.crimes["row"], *result.quarantine.frame["row"]])
    assert numbers == list(range(1, records + 1))


def _quarantined(result: IngestResult) -> dict[int, str]:
    frame = result.quarantine.frame
    return dict(zip(frame["row"].astype(int), frame["reason_code"], strict=True))


def _location_is(row: int, expected: str) -> Callable[[IngestResult], None]:
    def check(result: IngestResult) -> None:
        kept = result.crimes.set_index("row")
        assert kept.loc[row, "location"] == expected

    return check


def _months_are(month: str) -> Callable[[IngestResult], None]:
    def check(result: IngestResult) -> None:
        assert len(result.crimes) == N_BASE - 1
        assert (result.crimes["month"].dt.strftime("%Y-%m") == month).all()
        respelled = result.respelled
        assert respelled["column"].tolist() == ["Month"]
        assert respelled["n"].tolist() == [N_BASE] and "Month: 12 row(s)" in str(result)

    return check


def _same_points_as_base(result: IngestResult) -> None:
    kept = result.crimes.sort_values("row")
    expected = [float(r[LON]) for r in BASE_ROWS if r[LON]]
    np.testing.assert_allclose(kept["longitude"], expected)
    assert kept["crime_id"].str.strip().tolist() == [r[0] for r in BASE_ROWS[:-1]]
    assert set(kept["crime_type"].astype(str)) == {
        _VIOLENCE,
        "Robbery",
        "Possession of weapons",
    }


# ---------------------------------------------------------------- the cases
@dataclass(frozen=True)
class Case:
    """One malformed input and what reading it must give.

    ``records``: data records written (None: an error is required). ``error``: the
    documented error allowed (None: a result is required); ``advice``: regex the
    error message must match. ``quarantined``: the exact ``{row: reason_code}`` of
    the quarantine (None: not checked). ``details``: ``{row: text}`` the reason must
    contain. ``check``: any extra check of the result. ``warns``: regex a
    ``HotspotsWarning`` naming the file must match (None: no warning allowed).
    """

    data: Callable[[], bytes]
    records: int | None = N_BASE
    quarantined: dict[int, str] | None = field(default_factory=lambda: dict(CLEAN))
    error: type[Exception] | None = None
    advice: str = ADVICE
    details: dict[int, str] = field(default_factory=dict)
    check: Callable[[IngestResult], None] | None = None
    name: str = FILE_NAME
    warns: str | None = None


def _error(
    kind: type[Exception], data: Callable[[], bytes], advice: str = ADVICE, **kw
):
    return Case(data, records=None, quarantined=None, error=kind, advice=advice, **kw)


CASES: dict[str, Case] = {
    # ---- structure of rows
    "truncated_last_line": Case(
        _truncated_last_line, quarantined={12: "malformed_row"}, details={12: "fields"}
    ),
    "row_with_extra_columns": Case(
        lambda: _utf8(_rows(r2={11: ",extra,fields"})),
        quarantined={3: "malformed_row", **CLEAN},
        details={3: "14 fields, expected 12"},
    ),
    "row_with_too_few_columns": Case(
        lambda: _utf8([*_rows()[:3], _rows()[3][:8], *_rows()[4:]]),
        quarantined={4: "malformed_row", **CLEAN},
        details={4: "8 fields, expected 12"},
    ),
    "row_of_empty_fields": Case(
        lambda: _utf8([*_rows()[:1], [""] * 12, *_rows()[1:]]),
        records=N_BASE + 1,
        quarantined={2: "unparseable_month", 13: "no_coordinates"},
    ),
    "quoted_comma_in_field": Case(
        lambda: _utf8(_rows(r0={LOCATION: '"On or near High Street, Leicester"'})),
        check=_location_is(1, "On or near High Street, Leicester"),
    ),
    "quoted_newline_in_field": Case(
        lambda: _utf8(_rows(r0={LOCATION: '"On or near\nHigh Street"'})),
        check=_location_is(1, "On or near\nHigh Street"),
    ),
    "stray_opening_quote": Case(  # READER BUG: swallows every later row into one
        lambda: _utf8(_rows(r1={LOCATION: '"On or near Duke Street'})), quarantined=None
    ),
    "nul_byte_in_row": Case(
        lambda: _utf8(_rows(r1={LOCATION: "On or near Du\x00ke Street"})),
        quarantined={2: "malformed_row", **CLEAN},
        details={2: "control characters"},
    ),
    "unit_separator_in_row": Case(  # READER BUG: \x1f is the only C0 control let in
        lambda: _utf8(_rows(r1={LOCATION: "On or near Du\x1fke Street"})),
        quarantined={2: "malformed_row", **CLEAN},
    ),
    "blank_lines_in_middle": Case(_blank_lines, check=_same_points_as_base),
    "concatenated_files_repeated_header": Case(
        _concatenated,
        records=2 * N_BASE + 1,
        quarantined={
            12: "no_coordinates",
            13: "unparseable_month",  # the second header line
            **dict.fromkeys(range(14, 25), "duplicate_crime_id"),
            25: "no_coordinates",
        },
    ),
    "very_long_field": Case(
        lambda: _utf8(_rows(r0={LOCATION: "On or near " + "x" * 200_000})),
    ),
    # ---- empty and header-only
    "empty_file": _error(InputFileError, lambda: b"", advice="Check the download"),
    "only_blank_lines": _error(InputFileError, lambda: b"\n \r\n\n", advice="Check"),
    "header_only": Case(  # READER BUG: raises "Empty CSV file"
        lambda: _utf8([]), records=0, quarantined={}
    ),
    # ---- header problems
    "duplicate_header": _error(
        SchemaError,
        lambda: _utf8(header=(*HEADER[:11], "Month")),
        advice="Remove the repeated",
    ),
    "duplicate_header_after_trimming": _error(
        SchemaError,
        lambda: _utf8(header=(*HEADER[:11], " Longitude ")),
        advice="Remove the repeated",
    ),
    "missing_required_column": _error(
        SchemaError,
        lambda: _utf8(
            [r[:LAT] + r[LAT + 1 :] for r in _rows()], HEADER[:LAT] + HEADER[LAT + 1 :]
        ),
        advice="read_force_extract",
    ),
    "semicolon_delimited": _error(
        SchemaError, lambda: _utf8().replace(b",", b";"), advice="read_force_extract"
    ),
    "extra_unknown_columns": Case(
        lambda: _utf8([[*r, "note", "1"] for r in _rows()], (*HEADER, "Notes", "Flag")),
        check=_same_points_as_base,
    ),
    "columns_in_different_order": Case(_reordered, check=_same_points_as_base),
    "trailing_comma_in_header_only": Case(
        lambda: _utf8(header=(*HEADER, "")),
        quarantined=dict.fromkeys(range(1, 13), "malformed_row"),
        warns=r"12 of 12 rows.*malformed_row.*trailing comma in the header",
    ),
    # ---- values
    "swapped_latitude_longitude": Case(
        lambda: _utf8(_rows(r0={LON: "53.061097", LAT: "-1.324636"})),
        quarantined={1: "outside_uk", **CLEAN},
        details={1: "swapped"},
    ),
    "text_in_numeric_fields": Case(
        lambda: _utf8(
            _rows(r0={LON: "unknown"}, r1={LAT: "52.6N"}, r2={LON: '"-1,21"'})
        ),
        quarantined={1: "bad_coordinates", 2: "bad_coordinates", 3: "bad_coordinates"}
        | CLEAN,
    ),
    "huge_and_non_finite_numbers": Case(
        lambda: _utf8(
            _rows(
                r0={LON: "1e308"},
                r1={LAT: "inf"},
                r2={LON: "nan"},
                r3={LAT: "-Infinity"},
                r4={LON: "1e309"},
                r5={LAT: "1" * 400},
            )
        ),
        quarantined={1: "outside_uk"}
        | dict.fromkeys(range(2, 7), "bad_coordinates")
        | CLEAN,
    ),
    "whitespace_around_values": Case(_padded, check=_same_points_as_base),
    "lower_case_crime_type": Case(
        lambda: _utf8(_rows(r0={CRIME_TYPE: "violence AND sexual offences"})),
        check=_same_points_as_base,
    ),
    "unknown_crime_type": Case(
        lambda: _utf8(_rows(r0={CRIME_TYPE: "Murder"})),
        quarantined={1: "unknown_crime_type", **CLEAN},
    ),
    "bad_month": Case(
        lambda: _utf8(
            _rows(
                r0={1: "2024-13"},
                r1={1: "Junk 2024"},
                r2={1: "03/02/2024"},  # 3 February or 2 March: not guessed
                r3={1: ""},
                r4={1: "9999-12"},  # would overflow datetime64[ns]
            )
        ),
        quarantined=dict.fromkeys(range(1, 6), "unparseable_month") | CLEAN,
    ),
    # ---- months re-saved by a spreadsheet: unambiguous spellings are read
    **{
        f"month_spelled_{label}": Case(
            lambda spelling=spelling: _utf8(
                [[r[0], spelling, *r[2:]] for r in BASE_ROWS]
            ),
            check=_months_are("2024-06"),
        )
        for label, spelling in (
            ("mmm_yy", "Jun-24"),
            ("month_yyyy", "June 2024"),
            ("iso_date", "2024-06-01"),
            ("iso_datetime", "2024-06-01 00:00:00"),
            ("uk_date", "01/06/2024"),
            ("year_slash_month", "2024/06"),
            ("year_dash_single_digit", "2024-6"),
        )
    },
    "month_spelled_ambiguous_whole_file": Case(
        lambda: _utf8([[r[0], "03/06/2024", *r[2:]] for r in BASE_ROWS]),
        quarantined=dict.fromkeys(range(1, N_BASE + 1), "unparseable_month"),
        warns=r"12 of 12 rows.*unparseable_month.*'03/06/2024'.*spreadsheet",
    ),
    "month_spelled_most_rows_bad": Case(
        lambda: _utf8(
            [
                [r[0], "Foo-24" if i < 7 else r[1], *r[2:]]
                for i, r in enumerate(BASE_ROWS)
            ]
        ),
        quarantined=dict.fromkeys(range(1, 8), "unparseable_month") | CLEAN,
        warns=r"7 of 12 rows \(58%\).*unparseable_month.*'Foo-24'",
    ),
    # ---- placeholder coordinates
    "zero_zero_coordinates": Case(
        lambda: _utf8(_rows(r0={LON: "0", LAT: "0"}, r1={LON: "0.000000", LAT: "0.0"})),
        quarantined={1: "placeholder_coordinates", 2: "placeholder_coordinates"}
        | CLEAN,
        details={1: "(0, 0)"},
    ),
    "zero_latitude_and_nines": Case(
        lambda: _utf8(_rows(r0={LAT: "0"}, r1={LON: "-1.2", LAT: "99.999"})),
        quarantined={1: "placeholder_coordinates", 2: "outside_uk"} | CLEAN,
    ),
    "greenwich_meridian_is_a_place": Case(
        lambda: _utf8(_rows(r0={LON: "0.000000", LAT: "51.477000"})),
    ),
    "whole_file_at_zero_zero": Case(
        lambda: _utf8([[*r[:LON], "0", "0", *r[LAT + 1 :]] for r in BASE_ROWS]),
        quarantined=dict.fromkeys(range(1, N_BASE + 1), "placeholder_coordinates"),
        warns=r"placeholder_coordinates.*never located",
    ),
    "duplicate_crime_id": Case(
        lambda: _utf8(_rows(r1={0: BASE_ROWS[0][0]})),
        quarantined={2: "duplicate_crime_id", **CLEAN},
    ),
    # ---- encodings
    "utf8_bom": Case(lambda: b"\xef\xbb\xbf" + _utf8(), check=_same_points_as_base),
    "crlf_line_ends": Case(lambda: _utf8(newline="\r\n"), check=_same_points_as_base),
    "windows_1252": Case(
        lambda: _text(_rows(r1={LOCATION: "On or near Café Street"})).encode("cp1252"),
        check=_location_is(2, "On or near Café Street"),
    ),
    "utf16_with_bom": Case(
        lambda: _text(_rows(r1={LOCATION: "On or near Café Street"})).encode("utf-16"),
        check=_location_is(2, "On or near Café Street"),
    ),
    "utf16_big_endian_with_bom": Case(
        lambda: b"\xfe\xff" + _text().encode("utf-16-be"), check=_same_points_as_base
    ),
    "utf16_without_bom": _error(
        InputFileError, lambda: _text().encode("utf-16-le"), advice="Pass"
    ),
    "utf16_odd_length": _error(
        InputFileError, lambda: _text().encode("utf-16") + b"A", advice="Re-save"
    ),
    "bytes_in_neither_encoding": _error(  # 0x81 is undefined in Windows-1252
        InputFileError,
        lambda: _utf8().replace(b"Duke", b"Du\x81ke"),
        advice="Re-save",
    ),
    "lone_cr_line_ends": Case(  # either read it, or say what to do
        lambda: _utf8(newline="\r"),
        error=InputFileError,
        check=_same_points_as_base,
    ),
    # ---- not a CSV
    "png_file": _error(
        InputFileError,
        lambda: b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
        advice="Export or download",
    ),
    "random_binary": _error(
        InputFileError,
        lambda: np.random.default_rng(20240601).bytes(4096),
        advice="Pass",
    ),
    "gzip_of_valid_file": Case(
        lambda: gzip.compress(_utf8()),
        check=_same_points_as_base,
        name=FILE_NAME + ".gz",
    ),
    "gzip_truncated": _error(
        InputFileError,
        lambda: gzip.compress(_utf8())[:200],
        advice="Download the file again",
    ),
    "gzip_bad_checksum": _error(
        InputFileError, _gzip_bad_crc, advice="Download the file again"
    ),
    "zip_archive": Case(
        lambda: _zip(_utf8()), check=_same_points_as_base, name="policeuk.zip"
    ),
    "zip_saved_as_csv": Case(lambda: _zip(_utf8()), check=_same_points_as_base),
    "zip_without_street_files": _error(  # message gives no advice
        InputFileError, lambda: _zip(_utf8(), "crimes.csv"), name="policeuk.zip"
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_read_policeuk_malformed_input_errors_or_accounts_for_every_row(tmp_path, case):
    path = tmp_path / case.name
    path.write_bytes(case.data())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", HotspotsWarning)
        if case.error is None:
            result = read_policeuk(path)
        else:
            try:
                result = read_policeuk(path)
            except case.error as err:
                message = str(err)
                assert path.name in message, (
                    f"message does not name the file: {message}"
                )
                assert re.search(case.advice, message), f"no advice in: {message}"
                return
            if case.records is None:
                pytest.fail(f"expected {case.error.__name__}, got {result!r}")
    messages = [str(w.message) for w in caught if w.category is HotspotsWarning]
    if case.warns is None:
        assert not messages, f"unexpected warning: {messages}"
    else:
        assert len(messages) == 1, messages
        assert path.name in messages[0] and re.search(case.warns, messages[0]), (
            messages[0]
        )
    _check_accounted(result, case.records)
    if case.quarantined is not None:
        assert _quarantined(result) == case.quarantined
    reasons = result.quarantine.frame.set_index("row")["reason"]
    for row, text in case.details.items():
        assert text in reasons[row]
    if case.check is not None:
        case.check(result)


def test_read_policeuk_archive_with_header_only_month(tmp_path):
    # READER BUG: a month with no crimes (header only) makes the whole archive fail.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("2024-05/2024-05-leicestershire-street.csv", _utf8())
        archive.writestr("2024-06/2024-06-leicestershire-street.csv", _utf8([]))
    path = tmp_path / "policeuk.zip"
    path.write_bytes(buffer.getvalue())
    result = read_policeuk(path)
    assert result.rows_read == len(result.crimes) + len(result.quarantine) == N_BASE
    assert result.sources["rows_read"].tolist() == [N_BASE, 0]


def test_read_policeuk_mixed_encoding_keeps_valid_utf8_text(tmp_path):
    # READER BUG: one Windows-1252 byte makes the whole file decode as Windows-1252,
    # so correct UTF-8 text elsewhere in the file turns into mojibake ("CafÃ©").
    data = _utf8(_rows(r1={LOCATION: "On or near Café Street"}))
    data = data.replace(b"Willoughby", b"Willoughb\xe9")  # é as Windows-1252
    path = tmp_path / FILE_NAME
    path.write_bytes(data)
    result = read_policeuk(path)
    _check_accounted(result, N_BASE)
    _location_is(2, "On or near Café Street")(result)


@pytest.mark.parametrize(
    "name", ["no_such_file.csv", "empty_folder"], ids=["missing_file", "empty_folder"]
)
def test_read_policeuk_bad_path_names_it_and_says_what_to_do(tmp_path, name):
    if name == "empty_folder":
        (tmp_path / name).mkdir()
    with pytest.raises(InputFileError, match=ADVICE) as info:
        read_policeuk(tmp_path / name)
    assert name in str(info.value)


# ---------------------------------------------------------------- property tests
_BASE_BYTES = _utf8()
_NASTY_VALUES = (
    "",
    " ",
    "0",  # a placeholder coordinate
    "0.000000",
    "99999",
    "Jan-24",  # months as a spreadsheet re-saves them
    "01/01/2024",
    "03/02/2024",  # ambiguous day/month
    "2024-01-01 00:00:00",
    "Violent crime",  # crime-type names police.uk used before 2013-05
    "Public disorder and weapons",
    "NaN",
    "-inf",
    "1e308",
    "1e309",
    "-0",
    "0x10",
    "１２",  # full-width digits
    "2024-13",
    "9999-12",
    "\x00",
    "\x1f",
    "\ufeff",
    "Robbery",
    "ROBBERY",
    "Café",
    "\u2028",
)
# Field values with no comma, quote or line break keep the record count at twelve.
_SAFE_TEXT = st.text(
    st.characters(blacklist_characters=',"\r\n', blacklist_categories=("Cs",)),
    max_size=12,
)
_ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "gzip")


def _encode(text: str, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.compress(text.encode("utf-8"))
    return text.encode(encoding)


def _read_or_documented_error(path, data: bytes) -> IngestResult | None:
    """Read, or fail with a documented error; any warning names the file."""
    path.write_bytes(data)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", HotspotsWarning)
        try:
            result = read_policeuk(path)
        except (InputFileError, SchemaError) as err:
            assert path.name in str(err)
            return None
    for warning in caught:
        if warning.category is HotspotsWarning:
            assert path.name in str(warning.message), warning.message
    assert result.rows_read == len(result.crimes) + len(result.quarantine)
    return result


@pytest.fixture(scope="module")
def fuzz_path(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz") / FILE_NAME


_PROPERTY = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.slow
@_PROPERTY
@given(
    edits=st.lists(
        st.tuples(
            st.integers(0, len(_BASE_BYTES) - 1),
            st.sampled_from(["replace", "insert", "delete"]),
            st.binary(min_size=1, max_size=4),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_read_policeuk_random_byte_mutations(fuzz_path, edits):
    data = bytearray(_BASE_BYTES)
    for position, action, payload in edits:
        at = position % (len(data) or 1)
        if action == "replace":
            data[at : at + len(payload)] = payload
        elif action == "insert":
            data[at:at] = payload
        else:
            del data[at : at + len(payload)]
    _read_or_documented_error(fuzz_path, bytes(data))


@pytest.mark.slow
@_PROPERTY
@given(
    dropped=st.sets(st.integers(0, N_BASE)),
    encoding=st.sampled_from(_ENCODINGS),
)
def test_read_policeuk_random_line_deletions(fuzz_path, dropped, encoding):
    lines = _text().splitlines(keepends=True)  # line 0 is the header
    kept = [line for i, line in enumerate(lines) if i not in dropped]
    result = _read_or_documented_error(fuzz_path, _encode("".join(kept), encoding))
    if result is not None:
        assert 0 not in dropped, "header deleted, but the file was read"
        _check_accounted(result, len(kept) - 1)


@pytest.mark.slow
@_PROPERTY
@given(
    replacements=st.lists(
        st.tuples(
            st.integers(0, N_BASE),  # 0 is the header
            st.integers(0, len(HEADER) - 1),
            st.one_of(st.sampled_from(_NASTY_VALUES), _SAFE_TEXT),
        ),
        min_size=1,
        max_size=6,
    ),
    encoding=st.sampled_from(_ENCODINGS),
)
def test_read_policeuk_random_field_replacements(fuzz_path, replacements, encoding):
    table = [list(HEADER), *(list(r) for r in BASE_ROWS)]
    for row, col, value in replacements:
        table[row][col] = value
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(table)
    result = _read_or_documented_error(fuzz_path, _encode(buffer.getvalue(), encoding))
    if result is not None:
        _check_accounted(result, N_BASE)
