import pytest

from hotspots.cli import run_demo
from hotspots.demo import OGL_ATTRIBUTION, load_lsoa, real_sample_path
from hotspots.synthetic import load_truth


def test_bundled_real_sample_and_lsoa_are_present():
    assert real_sample_path().stat().st_size < 5 * 1024 * 1024  # issue: at most 5 MB
    lsoa = load_lsoa()
    assert len(lsoa) == 611 and lsoa.crs.to_epsg() == 27700
    assert "Open Government Licence" in OGL_ATTRIBUTION


@pytest.mark.slow
def test_run_demo_writes_outputs_and_conserves_rows(tmp_path):
    import geopandas as gpd
    import pandas as pd

    from hotspots.exceptions import HotspotsWarning

    # the real sample has recording artefacts: the hot spot map names and warns;
    # and rows outside the force's LSOAs are counted out of the grid with a warning
    with pytest.warns(HotspotsWarning) as record:
        outputs = run_demo(
            tmp_path / "processed",
            synthetic_dir=tmp_path / "synthetic",
            render_notebooks=False,
        )
    said = [str(w.message) for w in record]
    assert any("flagged as likely recording" in m for m in said)
    expected = ("flagged as likely recording", "fall in no cell of the grid")
    assert all(any(e in m for e in expected) for m in said), said
    real = gpd.read_parquet(outputs["real_crimes"])
    real_q = pd.read_csv(outputs["real_quarantine"])
    assert len(real) + len(real_q) == 85_306
    synthetic = gpd.read_parquet(outputs["synthetic_crimes"])
    synthetic_q = pd.read_csv(outputs["synthetic_quarantine"])
    truth = load_truth(outputs["synthetic_truth"])
    assert len(synthetic) + len(synthetic_q) == truth["n_rows"]
    assert synthetic["context"].str.contains("SYNTHETIC").all()
    bad = synthetic_q[synthetic_q["reason_code"] != "no_coordinates"]
    assert len(bad) == truth["n_bad_rows"]
    assert set(outputs["summaries"]) == {
        "real police.uk sample",
        "data quality, real sample, 2024",
        "hotspots, real sample, 2024",
        "SYNTHETIC Leicestershire archive",
        "SYNTHETIC knowledge-sharing pack",
    }
    page = outputs["pack"].read_text(encoding="utf-8")
    assert "SYNTHETIC DATA" in page and "Suggested practice bank label" in page
    assert outputs["pack_zip"].is_file()
    for name in ("real_leicestershire_hotspots_2024", "synthetic_patrol_places"):
        if f"map_{name}" in outputs:  # needs the cached offline-map assets
            assert outputs[f"map_{name}"].stat().st_size > 100_000
    cells = gpd.read_parquet(outputs["real_hotspots"])
    assert (cells["gi_bin"] == 3).sum() > 50
    assert {"n", "kde", "gi_z", "hotspot_class"} <= set(cells.columns)
