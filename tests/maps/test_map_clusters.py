import re

import geopandas as gpd
import numpy as np
import pytest

import hotspots
from hotspots.exceptions import SchemaError
from hotspots.find import CLUSTER_CLASSES
from hotspots.maps import (
    CLUSTER_COLOURS,
    clusters_map,
    layer_kind,
    layered_map,
    save,
    to_html,
)
from hotspots.maps._html import esc
from hotspots.quality import describe_places
from tests.maps._browser import chromium, dump_dom, probe_result, with_probe
from tests.maps._inspect import features, fills, geojson_layers, legends, popup
from tests.maps.conftest import CELL, PAYLOADS, X0, Y0, payload

HH, HL, LH, LL, NS = (CLUSTER_CLASSES[q] for q in (1, 4, 2, 3, 0))


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])


@pytest.fixture
def lisa_cells(cells):
    """The 48 map-test cells with hand-set Local Moran classes and attrs."""
    labels = np.full(len(cells), NS, dtype=object)
    labels[[19, 20, 27]] = HH
    labels[12] = HL
    labels[[11, 28]] = LH
    labels[[40, 41, 47]] = LL
    labels[0] = "Not testable"
    out = cells.drop(columns=["gi_bin", "gi_z", "p_value", "p_fdr"]).assign(
        cluster=labels,
        quadrant=1,
        moran_i=0.5,
        moran_z=2.5,
        p_sim=0.001,
        p_sim_two_sided=0.002,
        p_fdr=np.where(labels == NS, 0.6, 0.01),
    )
    out.attrs["hotspots"] = {
        "cell_size": CELL,
        "shape": "square",
        "value": "n",
        "neighbours": "queen",
        "permutations": 999,
        "fdr": True,
        "alpha": 0.05,
    }
    return out


@pytest.fixture
def moran_output():
    """Real hotspots.local_moran output on points with one planted cluster."""
    rng = np.random.default_rng(5)
    xy = np.vstack(
        [
            rng.uniform([X0, Y0], [X0 + 3000, Y0 + 3000], (900, 2)),
            rng.normal([X0 + 1500, Y0 + 1500], 150, (300, 2)),
        ]
    )
    points = gpd.GeoDataFrame(
        {"location": [f"On or near Street {i % 9}" for i in range(len(xy))]},
        geometry=gpd.points_from_xy(*xy.T),
        crs=27700,
    )
    cells = hotspots.local_moran(points, cell_size=250, rng=1, progress=False)
    return cells, points


def test_cluster_colours_follow_arcgis_cluster_and_outlier_convention():
    assert list(CLUSTER_COLOURS)[:5] == list(CLUSTER_CLASSES.values())
    hh, hl, lh, ll = (_rgb(CLUSTER_COLOURS[c]) for c in (HH, HL, LH, LL))
    assert hh[0] > hh[1] and hh[0] > hh[2]  # High-High: red
    assert hl[0] > hl[2] and hl.sum() > hh.sum()  # High-Low: a lighter red (pink)
    assert ll[2] > ll[0] and ll[2] > ll[1]  # Low-Low: blue
    assert lh[2] > lh[0] and lh.sum() > ll.sum()  # Low-High: a lighter blue
    r, g, b = _rgb(CLUSTER_COLOURS[NS])
    assert r == g == b  # not significant: grey


def test_clusters_map_colours_and_tooltips_follow_classes(lisa_cells):
    m = clusters_map(lisa_cells, show_not_significant=True, tiles=None)

    (layer,) = geojson_layers(m)
    classes = lisa_cells["cluster"].tolist()
    assert fills(layer) == [CLUSTER_COLOURS[c] for c in classes]
    assert [f["properties"]["t"] for f in features(layer)] == classes


def test_clusters_map_legend_lists_classes_with_counts_and_significance(lisa_cells):
    m = clusters_map(lisa_cells, tiles=None)

    (legend,) = legends(m)
    assert [e.label for e in legend.entries] == [
        "High-High cluster (3 cells)",
        "High-Low outlier (1 cell)",
        "Low-High outlier (2 cells)",
        "Low-Low cluster (3 cells)",
    ]
    assert [e.colour for e in legend.entries] == [
        CLUSTER_COLOURS[c] for c in (HH, HL, LH, LL)
    ]
    assert "38 cells not significant: not drawn." in legend.notes
    assert "1 cell not testable: not drawn." in legend.notes
    text = " ".join(legend.notes)
    assert "p < 0.05, two-sided, from 999 permutations" in text
    assert "Benjamini-Hochberg" in text
    assert "queen neighbours, 250 m square cells" in legend.subtitle


def test_clusters_map_leaves_out_not_significant_cells_by_default(lisa_cells):
    (layer,) = geojson_layers(clusters_map(lisa_cells, tiles=None))

    drawn = lisa_cells[~lisa_cells["cluster"].isin([NS, "Not testable"])]
    assert fills(layer) == [CLUSTER_COLOURS[c] for c in drawn["cluster"]]


def test_clusters_map_without_significant_cells_says_so(lisa_cells):
    m = clusters_map(lisa_cells.assign(cluster=NS), tiles=None)

    assert features(geojson_layers(m)[0]) == []
    (legend,) = legends(m)
    assert legend.entries == ()
    assert "No significant cluster or outlier." in legend.notes


def test_clusters_map_names_cells_by_their_busiest_street(lisa_cells):
    named = lisa_cells.assign(top_locations="", lsoa_name="Leicester 041A")
    named.loc[19, "top_locations"] = "Granby Street (105); Church Street (35)"

    m = clusters_map(named, tiles=None)

    (layer,) = geojson_layers(m)
    drawn = named[~named["cluster"].isin([NS, "Not testable"])].reset_index()
    i = int(drawn.index[drawn["cell_id"] == 19][0])
    assert features(layer)[i]["properties"]["t"] == "High-High cluster: Granby Street"
    rows = popup(layer, i)
    assert rows["heading"] == "Granby Street"
    assert rows["Class"] == "High-High cluster"
    assert rows["LSOA"] == "Leicester 041A"
    assert rows[esc("Local Moran's I")] == "0.5"


def test_clusters_map_escapes_a_hostile_street_name(lisa_cells):
    hostile = PAYLOADS[1]  # an <img onerror=...> as a police.uk location
    named = lisa_cells.assign(top_locations="", lsoa_name=PAYLOADS[0])
    named.loc[19, "top_locations"] = f"{hostile} (12)"

    m = clusters_map(named, tiles=None, title=PAYLOADS[2])

    (layer,) = geojson_layers(m)
    drawn = named[~named["cluster"].isin([NS, "Not testable"])].reset_index()
    i = int(drawn.index[drawn["cell_id"] == 19][0])
    assert features(layer)[i]["properties"]["t"] == esc(f"{HH}: {hostile}")
    assert popup(layer, i)["heading"] == esc(hostile)
    page = to_html(m, offline=False)
    for text in (PAYLOADS[0], PAYLOADS[1], PAYLOADS[2]):
        assert text not in page


def test_clusters_map_refuses_other_classes(lisa_cells):
    with pytest.raises(SchemaError, match=r"hotspots\.local_moran"):
        clusters_map(lisa_cells.drop(columns="cluster"), tiles=None)
    with pytest.raises(SchemaError, match="hot spot"):
        clusters_map(lisa_cells.assign(cluster="hot spot"), tiles=None)


def test_clusters_map_draws_real_local_moran_output_named(moran_output):
    cells, points = moran_output
    high = np.flatnonzero(cells["cluster"].isin([HH, HL]).to_numpy())
    named = describe_places(cells, points, rows=high)
    named.attrs = cells.attrs

    m = clusters_map(named, tiles=None)

    (layer,) = geojson_layers(m)
    busiest = cells["n"].idxmax()
    assert cells.loc[busiest, "cluster"] == HH
    tips = [f["properties"]["t"] for f in features(layer)]
    assert any(re.fullmatch(r"High-High cluster: Street \d", t) for t in tips)
    (legend,) = legends(m)
    counts = cells["cluster"].value_counts()
    assert f"High-High cluster ({counts[HH]:,} cells)" in [
        e.label for e in legend.entries
    ]


def test_layer_kind_detects_local_moran_output(moran_output, tmp_path):
    cells, _ = moran_output
    assert layer_kind(cells) == "clusters"
    path = tmp_path / "clusters.parquet"
    cells.to_parquet(path)
    again = gpd.read_parquet(path)
    assert layer_kind(again) == "clusters"

    m = layered_map([("auto", again)], tiles=None, synthetic=True)

    assert "Local Moran" in to_html(m, offline=False)
    (layer,) = geojson_layers(m)
    assert len(features(layer)) == int((~cells["cluster"].isin([NS])).sum())


@pytest.mark.slow
def test_clusters_map_runs_no_script_from_data_in_a_browser(
    lisa_cells, asset_cache, tmp_path
):
    from tests.maps.test_escaping_browser import LABELS, PROBE, TRAP

    chromium()
    named = lisa_cells.assign(
        top_locations=[f"{payload(i)} ({i})" for i in range(len(lisa_cells))],
        lsoa_name=[payload(i + 1) for i in range(len(lisa_cells))],
        cell_id=[payload(i + 2) for i in range(len(lisa_cells))],
    )
    m = clusters_map(named, tiles=None, **LABELS)
    page = save(m, tmp_path / "clusters.html", offline=True).read_text("utf-8")
    head = page.index("<head>") + len("<head>")
    path = tmp_path / "clusters_probe.html"
    path.write_text(with_probe(page[:head] + TRAP + page[head:], PROBE), "utf-8")

    result = probe_result(dump_dom(path)[0])

    drawn = int((~named["cluster"].isin([NS, "Not testable"])).sum())
    assert result["errors"] == [] and result["xss"] is None
    assert result["injected"] == 0 and result["handlers"] == 0
    assert result["opened"] == {"popups": drawn, "tooltips": drawn}
    shown = "\n".join(result["popups"] + result["tooltips"])
    for text in PAYLOADS:
        assert text in shown
