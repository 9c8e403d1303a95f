"""Queries over the national dataset (SYNTHETIC fixture): pyarrow results = pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hotspots.exceptions import InputFileError
from hotspots.io import DEFINITIONS
from hotspots.national import monthly_counts, top_cells

SV = list(DEFINITIONS["serious_violence"].policeuk_types)


def _expected(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    rows = rows.rename(columns={"force": "force_name", "slug": "force"})
    return (
        rows.groupby(keys)
        .size()
        .rename("n")
        .reset_index()
        .sort_values(keys)
        .reset_index(drop=True)
    )


def test_monthly_counts_by_force_and_month_match_pandas(national, national_rows):
    got = monthly_counts(national, progress=False)
    want = _expected(
        national_rows[national_rows["crime_type"].isin(SV)], ["force", "month"]
    )
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


def test_monthly_counts_by_lsoa_and_type_with_a_period(national, national_rows):
    got = monthly_counts(
        national,
        by=("lsoa_code", "crime_type"),
        definition=None,
        start="2023-11",
        end="2024-02",
        progress=False,
    )
    rows = national_rows[national_rows["month"].between("2023-11", "2024-02")]
    want = _expected(rows, ["lsoa_code", "crime_type"])
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


def test_monthly_counts_by_cell_match_floor_division(national, national_rows):
    got = monthly_counts(
        national, by=("cell",), definition="robbery", cell_size=250, progress=False
    )
    rows = national_rows[national_rows["crime_type"] == "Robbery"].assign(
        cell_x=lambda d: (np.floor(d["x"] / 250) * 250).astype(np.int64),
        cell_y=lambda d: (np.floor(d["y"] / 250) * 250).astype(np.int64),
    )
    pd.testing.assert_frame_equal(
        got, _expected(rows, ["cell_x", "cell_y"]), check_dtype=False
    )


def test_monthly_counts_refuse_bad_keys_and_missing_dataset(national, tmp_path):
    with pytest.raises(ValueError, match="by must name"):
        monthly_counts(national, by=("street",), progress=False)
    with pytest.raises(ValueError, match="cell_size"):
        monthly_counts(national, by="cell", progress=False)
    with pytest.raises(ValueError, match="YYYY-MM"):
        monthly_counts(national, start="2024/01", progress=False)
    with pytest.raises(InputFileError, match="ingest_national"):
        monthly_counts(tmp_path, progress=False)


def test_top_cells_are_the_busiest_cells_with_their_force(national, national_rows):
    cells = top_cells(national, cell_size=250, n=5, progress=False)
    rows = national_rows[national_rows["crime_type"].isin(SV)].assign(
        cell_x=lambda d: (np.floor(d["x"] / 250) * 250).astype(np.int64),
        cell_y=lambda d: (np.floor(d["y"] / 250) * 250).astype(np.int64),
    )
    totals = rows.groupby(["cell_x", "cell_y"]).size().sort_values(ascending=False)
    assert cells["n"].tolist() == totals.head(5).tolist()
    assert cells["rank"].tolist() == [1, 2, 3, 4, 5]
    assert str(cells.crs) == "EPSG:27700"
    assert set(cells["force"]) <= set(national_rows["slug"])
    assert np.allclose(cells.geometry.area, 250**2)
    first = cells.iloc[0]
    in_cell = rows[
        (rows["cell_x"] == first["cell_x"]) & (rows["cell_y"] == first["cell_y"])
    ]
    assert first["force"] == in_cell["slug"].value_counts().idxmax()


def test_monthly_counts_read_what_ingest_national_writes(tmp_path):
    """End to end on two SYNTHETIC police.uk files: ingest, then count."""
    from hotspots.io import ingest_national
    from tests.conftest import HEADER, policeuk_row

    rows = {
        ("2024-05", "leicestershire"): [
            policeuk_row(crime_id=f"a{i}", month="2024-05") for i in range(3)
        ]
        + [policeuk_row(crime_id="b1", month="2024-05", crime_type="Burglary")],
        ("2024-06", "leicestershire"): [
            policeuk_row(crime_id=f"c{i}", month="2024-06", crime_type="Robbery")
            for i in range(2)
        ],
    }
    for (month, slug), lines in rows.items():
        path = tmp_path / "archive" / month / f"{month}-{slug}-street.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    ingest_national(tmp_path / "archive", tmp_path / "out", progress=False)
    got = monthly_counts(tmp_path / "out", progress=False)
    assert got.to_dict("list") == {
        "force": ["leicestershire", "leicestershire"],
        "month": ["2024-05", "2024-06"],
        "n": [3, 2],
    }
    cells = top_cells(tmp_path / "out", n=1, progress=False)
    assert cells["n"].tolist() == [5]
    assert cells["force"].tolist() == ["leicestershire"]
