import numpy as np
import pytest

import hotspots
from hotspots.exceptions import HotspotsWarning, SchemaError
from hotspots.find._gistar import HOTSPOT_CLASSES
from hotspots.maps import GI_COLOURS, gistar_map
from tests.maps._inspect import features, fills, geojson_layers, legends, popup


def test_gi_colours_hot_reds_cold_blues_grey_not_significant():
    def rgb(hex_colour):
        return np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])

    for b in (1, 2, 3):
        r, g, bl = rgb(GI_COLOURS[b])
        assert r > g and r > bl  # red family
        r, g, bl = rgb(GI_COLOURS[-b])
        assert bl > r  # blue family
    # darker with confidence: 99% darkest
    assert (
        rgb(GI_COLOURS[3]).sum() < rgb(GI_COLOURS[2]).sum() < rgb(GI_COLOURS[1]).sum()
    )
    assert rgb(GI_COLOURS[-3]).sum() < rgb(GI_COLOURS[-2]).sum()
    assert rgb(GI_COLOURS[-2]).sum() < rgb(GI_COLOURS[-1]).sum()
    r, g, bl = rgb(GI_COLOURS[0])
    assert r == g == bl  # grey


def test_gistar_map_colours_map_to_classes(cells):
    m = gistar_map(cells, show_not_significant=True, tiles=None)

    (layer,) = geojson_layers(m)
    assert fills(layer) == [GI_COLOURS[b] for b in cells["gi_bin"]]
    tips = [f["properties"]["t"] for f in layer.data["features"]]
    assert tips == [HOTSPOT_CLASSES[b] for b in cells["gi_bin"]]


def test_gistar_map_legend_lists_classes_hot_first_with_confidence(cells):
    m = gistar_map(cells, show_not_significant=True, tiles=None)

    (legend,) = legends(m)
    assert [e.colour for e in legend.entries] == list(GI_COLOURS.values())
    assert legend.entries[0].label.startswith("hot spot, 99% confidence (2 cells)")
    assert legend.entries[-1].label == "cold spot, 99% confidence (1 cell)"
    text = " ".join(legend.notes)
    assert "99% = p < 0.01" in text and "90% = p < 0.10" in text
    assert "Benjamini-Hochberg" in text and "applied" in text


def test_gistar_map_leaves_out_not_significant_by_default_and_says_so(cells):
    m = gistar_map(cells, tiles=None)

    (layer,) = geojson_layers(m)
    significant = cells[cells["gi_bin"] != 0]
    assert fills(layer) == [GI_COLOURS[b] for b in significant["gi_bin"]]
    (legend,) = legends(m)
    assert GI_COLOURS[0] not in [e.colour for e in legend.entries]
    assert "40 cells not significant: not drawn." in legend.notes


def test_gistar_map_legend_leaves_out_empty_classes(cells):
    cells = cells.assign(gi_bin=cells["gi_bin"].clip(lower=0))  # no cold spots

    (legend,) = legends(gistar_map(cells, tiles=None))
    assert [e.label.split(" (")[0] for e in legend.entries] == [
        HOTSPOT_CLASSES[b] for b in (3, 2, 1)
    ]
    assert "No cold spots (90% confidence or more)." in legend.notes


def test_gistar_map_without_significant_cells_draws_an_empty_layer(cells):
    m = gistar_map(cells.assign(gi_bin=0), tiles=None)

    (layer,) = geojson_layers(m)
    assert features(layer) == []
    (legend,) = legends(m)
    assert legend.entries == ()
    assert "No hot spots (90% confidence or more)." in legend.notes
    assert "48 cells not significant: not drawn." in legend.notes


def test_gistar_map_names_hot_cells_by_their_busiest_location(cells):
    named = cells.assign(
        top_locations=["East Gates (151); Fox Lane (45)"] + [""] * (len(cells) - 1),
        lsoa_name="Leicester 020A",
    )
    named.loc[19, "top_locations"] = "Church Gate (12)"

    m = gistar_map(named, tiles=None)

    (layer,) = geojson_layers(m)
    drawn = named[named["gi_bin"] != 0].reset_index(drop=True)
    i = int(drawn.index[drawn["cell_id"] == 19][0])
    assert features(layer)[i]["properties"]["t"] == (
        "hot spot, 99% confidence: Church Gate"
    )
    rows = popup(layer, i)
    assert rows["heading"] == "Church Gate"
    assert rows["Cell"] == "19"
    assert rows["LSOA"] == "Leicester 020A"
    unnamed = int(drawn.index[drawn["cell_id"] == 20][0])
    assert popup(layer, unnamed)["heading"] == "Cell 20"


@pytest.mark.parametrize(
    ("fdr", "phrase"),
    [(True, "correction: applied"), (False, "correction: not applied")],
    ids=["fdr", "no-fdr"],
)
def test_gistar_map_legend_states_fdr(cells, fdr, phrase):
    cells.attrs["hotspots"]["fdr"] = not fdr  # the argument wins over attrs
    m = gistar_map(cells, fdr=fdr, tiles=None)

    (legend,) = legends(m)
    assert any(phrase in note for note in legend.notes)


def test_gistar_map_reads_fdr_from_real_gistar_output(crimes):
    result = hotspots.gistar(crimes, cell_size=250, fdr=False, progress=False)
    m = gistar_map(result, tiles=None)

    (legend,) = legends(m)
    assert any("not applied" in note for note in legend.notes)


def test_gistar_map_warns_when_fdr_unknown(cells):
    cells.attrs = {}
    with pytest.warns(HotspotsWarning, match="fdr=True or fdr=False"):
        m = gistar_map(cells, tiles=None)
    (legend,) = legends(m)
    assert any("not recorded" in note for note in legend.notes)


def test_gistar_map_can_leave_out_not_significant(cells):
    m = gistar_map(cells, show_not_significant=False, tiles=None)

    (layer,) = geojson_layers(m)
    assert len(layer.data["features"]) == int((cells["gi_bin"] != 0).sum())


def test_gistar_map_needs_gi_bin(cells):
    with pytest.raises(SchemaError, match=r"hotspots\.gistar"):
        gistar_map(cells.drop(columns="gi_bin"), tiles=None)


def test_gistar_map_rejects_bins_outside_arcgis_range(cells):
    with pytest.raises(SchemaError, match="-3 to 3"):
        gistar_map(cells.assign(gi_bin=cells["gi_bin"] * 2), tiles=None)


def test_gistar_map_large_grid_draws_on_canvas(cells):
    many = cells.sample(3500, replace=True, random_state=1).reset_index(drop=True)
    m = gistar_map(many, show_not_significant=True, tiles=None)

    (layer,) = geojson_layers(m)
    assert str(layer.options["renderer"]).startswith("L.canvas(")
    (small,) = geojson_layers(gistar_map(cells, tiles=None))
    assert "renderer" not in small.options
