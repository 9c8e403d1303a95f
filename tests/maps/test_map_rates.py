import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from hotspots.exceptions import HotspotsWarning, SchemaError
from hotspots.find import rates
from hotspots.maps import layer_kind, layered_map, rates_map, save, to_html
from hotspots.maps._html import esc
from hotspots.maps._legend import sequential_colours
from hotspots.maps._map_rates import NO_RATE_COLOUR
from tests.maps._browser import chromium, dump_dom, probe_result, with_probe
from tests.maps._inspect import features, fills, geojson_layers, legends, popup
from tests.maps.conftest import PAYLOADS, X0, Y0, payload

pytestmark = pytest.mark.filterwarnings("ignore:Numba not installed")

SIDE = 500.0


@pytest.fixture
def areas() -> gpd.GeoDataFrame:
    """Twelve 500 m areas with residents; the last has none."""
    population = [1500, 1800, 2100, 900, 60, 1700, 1600, 2500, 1200, 1900, 1400, 0]
    return gpd.GeoDataFrame(
        {
            "lsoa_code": [f"E0100{i:04d}" for i in range(12)],
            "lsoa_name": [f"Leicester {i:03d}A" for i in range(12)],
            "population": population,
        },
        geometry=[
            box(
                X0 + SIDE * (i % 4),
                Y0 + SIDE * (i // 4),
                X0 + SIDE * (i % 4 + 1),
                Y0 + SIDE * (i // 4 + 1),
            )
            for i in range(12)
        ],
        crs=27700,
    )


@pytest.fixture
def crimes(areas) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(3)
    counts = [30, 41, 52, 18, 3, 70, 35, 60, 22, 48, 31, 5]
    xy = np.vstack(
        [
            rng.uniform(
                [X0 + SIDE * (i % 4) + 1, Y0 + SIDE * (i // 4) + 1],
                [X0 + SIDE * (i % 4 + 1) - 1, Y0 + SIDE * (i // 4 + 1) - 1],
                (n, 2),
            )
            for i, n in enumerate(counts)
        ]
    )
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(*xy.T), crs=27700)


@pytest.fixture
def rated(crimes, areas) -> gpd.GeoDataFrame:
    with pytest.warns(HotspotsWarning, match="no residents"):
        return rates(crimes, areas)


def test_rates_map_raw_and_smoothed_share_classes_and_colours(rated):
    m = rates_map(rated, k=4, tiles=None)

    smoothed, raw = geojson_layers(m)
    assert smoothed.layer_name == "Smoothed rate (empirical Bayes)"
    assert raw.layer_name == "Raw rate"
    assert smoothed.show and not raw.show
    first, second = legends(m)
    assert first.classes.bins.tolist() == second.classes.bins.tolist()
    colours = sequential_colours("YlOrRd", first.classes.k)
    bins = first.classes.bins
    for layer, column in ((smoothed, "rate_eb"), (raw, "rate")):
        values = rated[column].to_numpy()
        expected = [
            colours[min(int(np.searchsorted(bins, v)), len(bins) - 1)]
            if np.isfinite(v)
            else NO_RATE_COLOUR
            for v in values
        ]
        assert fills(layer) == expected
    # the area of 60 residents is pulled towards the mean: colours can differ
    assert rated.loc[4, "rate"] > rated.loc[4, "rate_eb"]


def test_rates_map_legend_states_method_caveat_and_no_rate_areas(rated):
    first, second = legends(rates_map(rated, tiles=None))

    assert first.title == "Smoothed rate (empirical Bayes), per 1,000 residents"
    assert first.entries[-1].label == "No rate (1 area)"
    assert first.entries[-1].colour == NO_RATE_COLOUR
    text = " ".join(first.notes)
    assert "global empirical Bayes" in text
    assert "Residents are not the population at risk" in text
    assert "same for the raw and the smoothed rates" in text
    assert second.title == "Raw rate, per 1,000 residents"


def test_rates_map_tooltips_name_the_area_and_both_rates(rated):
    smoothed, raw = geojson_layers(rates_map(rated, tiles=None))

    tip = features(smoothed)[4]["properties"]["t"]
    r, eb = rated.loc[4, "rate"], rated.loc[4, "rate_eb"]
    assert tip.startswith("Leicester 004A: ")
    assert "(smoothed; raw " in tip
    assert f"{eb:.3g}" in tip and f"{r:.3g}" in tip
    assert features(raw)[4]["properties"]["t"].endswith(f"(raw; smoothed {eb:.3g})")
    assert features(raw)[11]["properties"]["t"] == (
        "Leicester 011A: no rate: no residents"
    )
    rows = popup(smoothed, 4)
    assert rows["heading"] == "Leicester 004A"
    assert rows["Residents"] == "60"
    assert rows["Crimes"] == "3"


def test_rates_map_escapes_a_hostile_area_name(rated):
    hostile = rated.assign(lsoa_name=[payload(i) for i in range(len(rated))])

    m = rates_map(hostile, tiles=None, title=PAYLOADS[4])

    smoothed, _ = geojson_layers(m)
    assert features(smoothed)[1]["properties"]["t"].startswith(esc(PAYLOADS[1]))
    assert popup(smoothed, 1)["heading"] == esc(PAYLOADS[1])
    page = to_html(m, offline=False)
    for text in PAYLOADS:
        assert text not in page


def test_rates_map_reads_per_from_the_columns_when_attrs_are_lost(rated, tmp_path):
    path = tmp_path / "rates.gpkg"
    rated.to_file(path)
    again = gpd.read_file(path)
    assert again.attrs == {}

    first, _ = legends(rates_map(again, tiles=None))

    assert first.title.endswith("per 1,000 residents")


def test_rates_map_warns_when_per_cannot_be_known(rated):
    bare = rated.drop(columns="population")
    bare.attrs = {}
    with pytest.warns(HotspotsWarning, match="per="):
        first, _ = legends(rates_map(bare, tiles=None))
    assert "per ? residents" in first.title
    first, _ = legends(rates_map(bare, per=100, tiles=None))
    assert first.title.endswith("per 100 residents")


def test_rates_map_of_raw_rates_only_draws_one_layer(crimes, areas):
    with pytest.warns(HotspotsWarning, match="no residents"):
        raw = rates(crimes, areas, smoothing=None)

    m = rates_map(raw, tiles=None)

    (layer,) = geojson_layers(m)
    assert layer.layer_name == "Raw rate" and layer.show


def test_rates_map_needs_rates(areas):
    with pytest.raises(SchemaError, match=r"hotspots\.find\.rates"):
        rates_map(areas, tiles=None)
    with pytest.raises(ValueError, match="no area has a rate"):
        rates_map(areas.assign(rate=np.nan, rate_note="x"), per=1000, tiles=None)


def test_layer_kind_detects_rates_and_layered_map_draws_them(rated, tmp_path):
    assert layer_kind(rated) == "rates"
    path = tmp_path / "rates.gpkg"
    rated.to_file(path)
    assert layer_kind(gpd.read_file(path)) == "rates"

    m = layered_map([("auto", rated)], tiles=None, synthetic=True)

    page = to_html(m, offline=False)
    assert "Smoothed rate (empirical Bayes)" in page and "Raw rate" in page


@pytest.mark.slow
def test_rates_map_runs_no_script_from_data_in_a_browser(rated, asset_cache, tmp_path):
    from tests.maps.test_escaping_browser import LABELS, PROBE, TRAP

    chromium()
    hostile = rated.assign(
        lsoa_name=[payload(i) for i in range(len(rated))],
        lsoa_code=[payload(i + 2) + str(i) for i in range(len(rated))],
    )
    m = rates_map(hostile, show_raw=True, tiles=None, **LABELS)
    page = save(m, tmp_path / "rates.html", offline=True).read_text("utf-8")
    head = page.index("<head>") + len("<head>")
    path = tmp_path / "rates_probe.html"
    path.write_text(with_probe(page[:head] + TRAP + page[head:], PROBE), "utf-8")

    result = probe_result(dump_dom(path)[0])

    assert result["errors"] == [] and result["xss"] is None
    assert result["injected"] == 0 and result["handlers"] == 0
    assert result["opened"] == {"popups": 2 * len(rated), "tooltips": 2 * len(rated)}
    shown = "\n".join(result["popups"] + result["tooltips"])
    for text in PAYLOADS:
        assert text in shown
