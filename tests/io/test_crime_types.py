"""Every crime-type name police.uk has used, read as today's categories."""

from __future__ import annotations

import pytest

from hotspots.exceptions import HotspotsWarning
from hotspots.io import CRIME_TYPE_HISTORY, CRIME_TYPES, read_policeuk, select_crimes
from tests.conftest import policeuk_row


def test_crime_type_history_covers_today_and_old_names():
    table = CRIME_TYPE_HISTORY
    assert table["name"].is_unique
    current = table[table["status"] == "current"]
    assert sorted(current["name"]) == sorted(CRIME_TYPES)
    assert (current["name"] == current["category"]).all()
    assert set(table["category"]) <= set(CRIME_TYPES)
    old = table[table["status"] != "current"].set_index("name")
    assert old.loc["Violent crime", "category"] == "Violence and sexual offences"
    assert old.loc["Public disorder and weapons", "became"] == (
        "Public order; Possession of weapons"
    )
    assert (old["last_month"] == "2013-04").all()
    # Every row says where it was checked; months are YYYY-MM.
    assert (table["source"].str.len() > 20).all()
    assert table["first_month"].str.fullmatch(r"\d{4}-\d{2}").all()


def test_read_policeuk_keeps_violent_crime_as_violence_and_sexual_offences(write_csv):
    rows = [
        policeuk_row("a", month="2013-04", crime_type="Violent crime"),
        policeuk_row("b", month="2013-04", crime_type="VIOLENT CRIME"),
        policeuk_row("c", month="2013-05", crime_type="Violence and sexual offences"),
    ]
    result = read_policeuk(write_csv(rows))
    crimes = result.crimes
    assert len(crimes) == 3 and len(result.quarantine) == 0
    assert (crimes["crime_type"] == "Violence and sexual offences").all()
    assert crimes["crime_type_published"].tolist() == [
        "Violent crime",
        "VIOLENT CRIME",
        "Violence and sexual offences",
    ]
    assert result.respelled["n"].sum() == 2
    assert "Crime type: 2 row(s) an older police.uk name" in str(result)
    assert len(select_crimes(crimes, "serious_violence")) == 3


def test_read_policeuk_split_name_filed_under_public_order_with_warning(write_csv):
    rows = [
        policeuk_row("a", month="2012-06", crime_type="Public disorder and weapons"),
        policeuk_row("b", month="2012-06", crime_type="Robbery"),
        policeuk_row("c", month="2012-06", crime_type="Robbery"),
    ]
    with pytest.warns(
        HotspotsWarning,
        match=r"street\.csv: 1 row\(s\) carry the crime type 'Public disorder and "
        r"weapons'.*Public order and Possession of weapons.*filed under 'Public order'",
    ):
        result = read_policeuk(write_csv(rows))
    crimes = result.crimes.set_index("crime_id")
    assert crimes.loc["a", "crime_type"] == "Public order"
    assert crimes.loc["a", "crime_type_published"] == "Public disorder and weapons"
    rec = result.respelled.iloc[0]
    assert (rec["status"], rec["read_as"], rec["n"]) == ("split", "Public order", 1)


def test_read_policeuk_current_names_add_no_column(write_csv):
    result = read_policeuk(write_csv([policeuk_row("a")]))
    assert "crime_type_published" not in result.crimes.columns
    assert result.respelled.empty
