"""Month spellings that spreadsheets write (case 02)."""

from __future__ import annotations

import hashlib

import pytest

from hotspots.exceptions import HotspotsWarning
from hotspots.io import read_policeuk
from hotspots.io._months import parse_month
from tests.conftest import HEADER


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2024-01", "2024-01"),
        ("Jan-24", "2024-01"),
        ("jan-24", "2024-01"),
        ("Jan 2024", "2024-01"),
        ("January 2024", "2024-01"),
        ("Sept-23", "2023-09"),
        ("2024-01-01", "2024-01"),
        ("2024-01-01 00:00:00", "2024-01"),
        ("01/01/2024", "2024-01"),
        ("01/06/2024", "2024-06"),  # UK day-first: 1 June
        ("2024/01", "2024-01"),
        ("2024-1", "2024-01"),
        ("01/2024", "2024-01"),
    ],
)
def test_parse_month_unambiguous_spellings(text, month):
    assert parse_month(text)[0] == month


@pytest.mark.parametrize(
    "text",
    [
        "03/02/2024",
        "12/11/2024",
        "2024-13",
        "2024-00",
        "Foo-24",
        "",
        "9999-12",
        "2024-02-30",
        "24",
    ],
)
def test_parse_month_ambiguous_or_wrong_stays_unparseable(text):
    assert parse_month(text) == (None, False)


# ---------------------------------------------------------------- case 02
def _excel_file(tmp_path, name: str, month: str):
    lines = [HEADER]
    for i in range(6):
        cid = hashlib.sha256(f"x{i}".encode()).hexdigest()
        lines.append(
            f"{cid},{month},Leicestershire Police,Leicestershire Police,"
            f"{-1.13 + i * 0.001:.6f},{52.63 + i * 0.001:.6f},On or near Invented "
            "Street,E01025000,Leicester 001A,Robbery,Under investigation,"
        )
    path = tmp_path / name
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path


@pytest.mark.parametrize(
    ("name", "month"),
    [
        ("2024-01-leicestershire-street_excel_mmmyy.csv", "Jan-24"),
        ("2024-01-leicestershire-street_excel_ddmmyyyy.csv", "01/01/2024"),
    ],
)
def test_read_policeuk_reads_excel_resaved_months(tmp_path, name, month):
    result = read_policeuk(_excel_file(tmp_path, name, month))
    assert len(result.crimes) == 6 and len(result.quarantine) == 0
    assert (result.crimes["month"].dt.strftime("%Y-%m") == "2024-01").all()
    assert f"Month: 6 row(s) spelled as a spreadsheet writes it: '{month}'" in str(
        result
    )


def test_read_policeuk_ambiguous_whole_file_warns_with_sample_and_cause(tmp_path):
    path = _excel_file(tmp_path, "2024-02-leicestershire-street.csv", "02/03/2024")
    with pytest.warns(HotspotsWarning) as caught:
        result = read_policeuk(path)
    (message,) = [str(w.message) for w in caught]
    assert message.startswith("2024-02-leicestershire-street.csv: 6 of 6 rows (100%)")
    assert "unparseable_month" in message and "'02/03/2024'" in message
    assert "re-saved by a spreadsheet" in message and "Text" in message
    assert result.rows_read == 6 == len(result.quarantine)


def test_read_policeuk_month_filters_apply_to_respelled_months(tmp_path):
    path = _excel_file(tmp_path, "2024-01-leicestershire-street_excel.csv", "Jan-24")
    kept = read_policeuk(path, start="2024-01", end="2024-01")
    assert len(kept.crimes) == 6
    later = read_policeuk(path, start="2024-02")
    assert set(later.quarantine.frame["reason_code"]) == {"month_out_of_range"}
    assert later.quarantine.frame["month_text"].tolist() == ["Jan-24"] * 6
