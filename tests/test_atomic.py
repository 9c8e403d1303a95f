import pytest

from hotspots._atomic import atomic_path


def test_atomic_path_replaces_only_on_success(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind
    with atomic_path(target) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new"
    assert oct(target.stat().st_mode & 0o777) != oct(0o600)


def test_ingest_write_is_atomic_and_round_trips(tmp_path, write_csv):
    import geopandas as gpd
    import pandas as pd

    from hotspots.io import read_policeuk
    from tests.conftest import policeuk_row

    result = read_policeuk(write_csv([policeuk_row("a"), policeuk_row("b", lon="")]))
    paths = result.write(tmp_path / "processed", name="demo")
    back = gpd.read_parquet(paths["crimes"])
    assert back.crs.to_epsg() == 27700
    assert back["crime_id"].tolist() == ["a"]
    assert back["month"].iloc[0] == pd.Timestamp("2024-06-01")
    quarantine = pd.read_csv(paths["quarantine"])
    assert quarantine["reason_code"].tolist() == ["no_coordinates"]
    assert sorted(p.name for p in paths["crimes"].parent.iterdir()) == [
        "demo.parquet",
        "demo_quarantine.csv",
    ]
