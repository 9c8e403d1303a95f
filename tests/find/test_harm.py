import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.exceptions import SchemaError
from hotspots.find._grid import count_points
from hotspots.find._harm import HarmTable, harm_weights, load_harm_table

# Injected weights (METHODS.md §10: tests use injected tables, not the real ones).
TABLE = HarmTable(
    pd.Series({"1": 5475.0, "8N": 1.0, "34B": 20.0}),
    key="offence_code",
    name="test weights",
    edition="test edition",
    source="made up for tests",
)


def _crimes(codes, xy=None):
    xy = xy if xy is not None else [(50.0, 50.0)] * len(codes)
    return gpd.GeoDataFrame(
        {"offence_code": codes}, geometry=[shapely.Point(p) for p in xy], crs=27700
    )


def test_harm_weights_methods_oracle():
    # Oracle 10.1: 2 offences of weight 5,475 and 10 of weight 1 -> 10,960.
    crimes = _crimes(["1", "1"] + ["8N"] * 10)
    out = harm_weights(crimes, TABLE)
    assert out["harm"].sum() == 10_960
    assert out["harm"].sum() / len(out) == pytest.approx(913.3, abs=0.05)
    assert out.attrs["hotspots"]["harm"]["edition"] == "test edition"
    assert "harm" not in crimes.columns


def test_harm_weighted_counts_per_cell():
    crimes = _crimes(["1", "8N", "34B"], [(50, 50), (60, 60), (150, 50)])
    cells = count_points(harm_weights(crimes, TABLE), cell_size=100, weights="harm")
    by_cell = cells.set_index(["row", "col"])
    assert by_cell.loc[(0, 0), "weighted_n"] == 5476.0
    assert by_cell.loc[(0, 1), "weighted_n"] == 20.0
    assert by_cell["n"].sum() == 3


def test_harm_weights_unknown_codes_are_listed():
    with pytest.raises(SchemaError, match=r"'9Z' \(2\).*Add them"):
        harm_weights(_crimes(["1", "9Z", "9Z"]), TABLE)


def test_harm_weights_needs_key_column():
    crimes = gpd.GeoDataFrame(
        {"crime_type": ["Robbery"]}, geometry=[shapely.Point(0, 0)], crs=27700
    )
    with pytest.raises(SchemaError, match="read_force_extract"):
        harm_weights(crimes, TABLE)


def test_harm_table_validation_and_loading(tmp_path):
    with pytest.raises(SchemaError, match="non-negative"):
        HarmTable(
            pd.Series({"1": -1.0}),
            key="offence_code",
            name="x",
            edition="e",
            source="s",
        )
    with pytest.raises(ValueError, match="edition"):
        HarmTable(
            pd.Series({"1": 1.0}), key="offence_code", name="x", edition="", source="s"
        )
    path = tmp_path / "weights.csv"
    path.write_text("Offence code,Weight\n8N,1.5\n34B,20\n")
    table = load_harm_table(
        path,
        key_column="Offence code",
        weight_column="Weight",
        name="t",
        edition="e",
        source="s",
    )
    assert table.weights.to_dict() == {"8N": 1.5, "34B": 20.0}
    with pytest.raises(SchemaError, match="weight_column"):
        load_harm_table(
            path,
            key_column="Offence code",
            weight_column="W",
            name="t",
            edition="e",
            source="s",
        )
    assert np.isfinite(table.weights).all()
