import geopandas as gpd
import pytest
import shapely

from hotspots.io._definitions import (
    DEFINITIONS,
    offence_codes,
    resolve_crime_types,
    select_crimes,
)
from hotspots.io._schema import CRIME_TYPES


def _frame(**columns):
    n = len(next(iter(columns.values())))
    return gpd.GeoDataFrame(columns, geometry=[shapely.Point(0, 0)] * n, crs=27700)


def test_serious_violence_policeuk_types():
    assert resolve_crime_types("serious_violence") == (
        "Violence and sexual offences",
        "Robbery",
        "Possession of weapons",
    )


def test_resolve_crime_types_any_case_and_errors():
    assert resolve_crime_types(["robbery", " Drugs "]) == ("Robbery", "Drugs")
    assert resolve_crime_types(None) is None
    with pytest.raises(ValueError, match="serious_violence"):
        resolve_crime_types(["Knife crime"])


def test_select_crimes_policeuk_records_definition():
    crimes = _frame(crime_type=["Robbery", "Burglary", "Possession of weapons"])
    out = select_crimes(crimes, "serious_violence")
    assert out["crime_type"].tolist() == ["Robbery", "Possession of weapons"]
    meta = out.attrs["hotspots"]
    assert meta["definition"] == "serious_violence"
    assert "Serious Violence Strategy" in meta["definition_citation"]
    assert len(crimes) == 3  # input unchanged


def test_select_crimes_force_extract_by_offence_subgroup():
    # 8N assault with injury, 34B robbery, 10D blade: serious; 8L harassment and
    # 105A assault without injury: violence, but not serious violence.
    crimes = _frame(
        offence_code=["8N", "34B", "10D", "8L", "105A"], crime_type=[""] * 5
    )
    out = select_crimes(crimes, "serious_violence")
    assert out["offence_code"].tolist() == ["8N", "34B", "10D"]


def test_select_crimes_unknown_definition():
    with pytest.raises(ValueError, match="choose one of"):
        select_crimes(_frame(crime_type=["Robbery"]), "knife")


def test_offence_codes_table_maps_to_policeuk_spelling():
    table = offence_codes()
    assert set(table["policeuk_category"].dropna()) <= set(CRIME_TYPES)
    assert table["policeuk_category"].notna().all()
    assert (
        table.set_index("offence_code").loc["8N", "offence_subgroup"]
        == "Violence with injury"
    )
    for spec in DEFINITIONS.values():
        assert set(spec.offence_subgroups) <= set(table["offence_subgroup"]), spec.name
        assert set(spec.policeuk_types) <= set(CRIME_TYPES)
