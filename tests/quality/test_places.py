"""Named places and the artefacts= choice in the verbs that use them."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

import hotspots
from hotspots.exceptions import HotspotsWarning
from hotspots.quality import check_data, describe_places, handle_artefacts
from tests.quality.test_points import crimes_at

# A busy street of four points, and one point far above its neighbours.
SPEC = [(i * 100.0, 0.0, 6, f"On or near Street {i}") for i in range(4)] + [
    (3000.0, 3000.0, 25, "On or near Hill View"),
    (3100.0, 3000.0, 2, "On or near Quiet Road"),
    (3000.0, 3100.0, 2, "On or near Other Road"),
    (3100.0, 3100.0, 1, "On or near Last Road"),
]


@pytest.fixture
def crimes():
    return crimes_at(SPEC)


def test_describe_places_names_a_place_by_its_labels(crimes):
    places = gpd.GeoDataFrame(
        {"place_id": ["street", "artefact"]},
        geometry=[box(-50, -50, 350, 50), box(2950, 2950, 3150, 3150)],
        crs=27700,
    )
    report = check_data(crimes)
    out = describe_places(places, crimes, report=report)
    street, artefact = out.itertuples()
    assert street.top_locations == "Street 0 (72); Street 1 (72); Street 2 (72)"
    assert street.busiest_point_share == pytest.approx(0.25)
    assert street.quality_flag == "" and street.flagged_share == 0
    assert artefact.busiest_point_share == pytest.approx(300 / 360)
    assert artefact.quality_flag.startswith("Hill View: single-point concentration")
    assert artefact.flagged_share == pytest.approx(300 / 360)


def test_handle_artefacts_exclude_downweight_flag_off(crimes):
    report = check_data(crimes)
    at = (crimes.geometry.x == 3000) & (crimes.geometry.y == 3000)
    with pytest.warns(HotspotsWarning, match="t: left out 300 crimes"):
        kept, weights, record = handle_artefacts(crimes, report, "exclude", verb="t")
    assert len(kept) == len(crimes) - at.sum() and weights is None
    assert record["n_artefact_crimes"] == at.sum() == 300
    with pytest.warns(HotspotsWarning, match="weighted down"):
        kept, weights, _ = handle_artefacts(crimes, report, "downweight", verb="t")
    baseline = report.points.set_index("location").loc["On or near Hill View"]
    expected = baseline["baseline"] / baseline["n"]
    assert np.allclose(kept.loc[at.to_numpy(), weights], expected)
    assert (kept.loc[~at.to_numpy(), weights] == 1).all()
    for action in ("flag", "off"):
        kept, weights, _ = handle_artefacts(crimes, report, action, verb="t")
        assert len(kept) == len(crimes) and weights is None
    with pytest.raises(ValueError, match="artefacts must be one of"):
        handle_artefacts(crimes, report, "drop", verb="t")


def test_select_places_leaves_artefacts_out_by_default_and_says_so(crimes):
    with pytest.warns(HotspotsWarning, match="left out 300 crimes"):
        places = hotspots.select_places(crimes, n_places=2, cell_size=150)
    assert "Hill View" not in " ".join(places["top_locations"])
    assert places.attrs["hotspots"]["artefacts"] == "exclude"
    assert places.attrs["hotspots"]["n_artefact_crimes"] == 300
    with pytest.warns(HotspotsWarning, match="flagged as likely recording"):
        flagged = hotspots.select_places(
            crimes, n_places=2, cell_size=150, artefacts="flag"
        )
    assert flagged["quality_flag"].iloc[0].startswith("Hill View")
    off = hotspots.select_places(crimes, n_places=2, cell_size=150, artefacts="off")
    assert off.attrs["hotspots"]["artefacts"] == "off"
    assert "Hill View" in off["top_locations"].iloc[0]


def test_select_places_on_the_real_sample_has_no_unflagged_artefact():
    """Notebook 03's 18 places from 2023: no known artefact among them."""
    from hotspots.demo import load_lsoa, load_real_sample

    result = load_real_sample(start="2023-01", end="2023-12")
    violence = hotspots.select_crimes(result.crimes, "serious_violence")
    with pytest.warns(HotspotsWarning) as caught:
        places = hotspots.select_places(violence, n_places=18, boundary=load_lsoa())
    messages = " ".join(str(w.message) for w in caught)
    assert "left out" in messages and "fall in no cell" in messages
    names = " ".join(places["top_locations"])
    for artefact in ("Hill View", "Hospital (", "Euston Street", "Ocean Road"):
        assert artefact not in names, artefact
    # what remains of a place that held a flagged point says so
    mixed = places[places["quality_flag"] != ""]
    assert (mixed["quality_flag"].str.contains("Police Station")).all()
    counted = pd.Series(places.attrs["hotspots"]["flagged_points"])
    assert counted.str.contains("Hill View").any()


def test_find_hotspots_names_hot_cells_and_warns_about_flagged_ones(crimes):
    with pytest.warns(HotspotsWarning, match="hot cells hold crimes at map points"):
        cells = hotspots.find_hotspots(
            crimes, cell_size=150, bandwidth=300, progress=False
        )
    hot = cells[cells["gi_bin"] > 0]
    assert (hot.loc[hot["n"] > 0, "top_locations"] != "").all()
    assert (cells.loc[cells["gi_bin"] <= 0, "top_locations"] == "").all()
    assert hot["quality_flag"].str.contains("Hill View").any()
    excluded = hotspots.find_hotspots(
        crimes, cell_size=150, bandwidth=300, progress=False, artefacts="off"
    )
    assert excluded.attrs["hotspots"]["artefacts"] == "off"
