"""No text from the data runs as HTML or script, in a real browser.

Every text column of every map's data (and the title, place, period and layer
name, the names of places and of the areas of an outline) holds script payloads.
The saved map is opened in headless Chromium with a test-only script that walks
every Leaflet layer (clustered markers and GeoJSON features included) and opens
every popup and tooltip; the page's own label script places the rank and name
labels. The test then checks that no payload ran (no ``data-xss`` attribute on the
body, no element created from data) and that each payload is on the page as text.
"""

from __future__ import annotations

import re

import geopandas as gpd
import pytest
from shapely.geometry import box

from hotspots.maps import (
    cells_map,
    change_map,
    crimes_map,
    gistar_map,
    places_map,
    quality_map,
    rings_map,
    save,
)
from tests.maps._browser import (
    PROBE_COMMON,
    chromium,
    dump_dom,
    probe_result,
    with_probe,
)
from tests.maps.conftest import PAYLOADS, payload, poison

pytestmark = pytest.mark.slow

TRAP = """<script>
window.hotspotsErrors = [];
window.addEventListener("error", function (e) {
  window.hotspotsErrors.push(String(e.message));
});
</script>"""

PROBE = (
    PROBE_COMMON
    + """
var HOTSPOTS_INJECTABLE = "script,img,svg,iframe,object,embed";
function hotspotsInjected() {
  var scopes = [".leaflet-popup-content", ".leaflet-tooltip", ".hotspots-legend",
                ".hotspots-title", ".leaflet-control-layers"];
  var n = 0;
  scopes.forEach(function (scope) {
    document.querySelectorAll(scope).forEach(function (node) {
      n += node.querySelectorAll(HOTSPOTS_INJECTABLE).length;
    });
  });
  return n;
}
window.addEventListener("load", function () {
  setTimeout(function () {
    var opened = {popups: 0, tooltips: 0}, errors = [];
    hotspotsMaps().forEach(function (map) {
      hotspotsLayers(map).forEach(function (layer) {
        try {
          var at = map.getCenter();
          if (layer.getLatLng) {
            at = layer.getLatLng();
          } else if (layer.getBounds && layer.getBounds().isValid()) {
            at = layer.getBounds().getCenter();
          }
          var popup = layer.getPopup ? layer.getPopup() : null;
          if (popup) {
            popup.options.autoClose = false;
            popup.options.closeOnClick = false;
            popup.options.autoPan = false;
            map.openPopup(popup, at);
            opened.popups += 1;
          }
          var tip = layer.getTooltip ? layer.getTooltip() : null;
          if (tip) {
            map.openTooltip(tip, at);
            opened.tooltips += 1;
          }
        } catch (e) {
          errors.push(String(e));
        }
      });
    });
    setTimeout(function () {
      hotspotsReport({
        opened: opened,
        errors: errors.concat(window.hotspotsErrors),
        xss: document.body.getAttribute("data-xss"),
        popups: hotspotsTexts(".leaflet-popup-content"),
        tooltips: hotspotsTexts(
          ".leaflet-tooltip:not(.hotspots-label):not(.hotspots-area-label)"),
        labels: hotspotsTexts(".hotspots-label"),
        areaLabels: hotspotsTexts(".hotspots-area-label"),
        legends: hotspotsTexts(".hotspots-legend"),
        title: hotspotsTexts(".hotspots-title"),
        overlays: hotspotsTexts(".leaflet-control-layers-overlays label"),
        injected: hotspotsInjected(),
        handlers: document.querySelectorAll("[onerror],[onload]").length
      });
    }, 1000);
  }, 500);
});
"""
)

#: The title box and layer name carry payloads too (each with one that acts in HTML).
LABELS = {
    "title": payload(0) + payload(1),
    "where": payload(2) + payload(4),
    "when": payload(1) + payload(5),
    "name": payload(1) + payload(2) + payload(3),
}


def _crimes(f):
    text = [
        "crime_id",
        "month",
        "force",
        "location",
        "lsoa_name",
        "crime_type",
        "last_outcome_category",
        "notes",
    ]
    crimes = poison(f["crimes"].assign(notes=""), text)
    crimes["context"] = [
        f"SYNTHETIC DATA - not real crime {payload(i)}" for i in range(60)
    ]
    m = crimes_map(
        crimes,
        popup_columns=[*text, "context"],
        colour_by="crime_type",
        tiles=None,
        **LABELS,
    )
    return m, len(crimes), len(crimes), [crimes]


def _cells(f):
    cells = poison(f["cells"].assign(notes=""), ["cell_id", "notes"])
    m = cells_map(cells, popup_columns=["notes"], tiles=None, **LABELS)
    drawn = cells["n"] != 0
    return m, int(drawn.sum()), int(drawn.sum()), [cells[drawn]]


def _gistar(f):
    cells = poison(f["cells"].assign(notes=""), ["cell_id", "notes"])
    m = gistar_map(cells, popup_columns=["notes"], tiles=None, **LABELS)
    drawn = cells["gi_bin"] != 0  # not-significant cells are left out
    return m, int(drawn.sum()), int(drawn.sum()), [cells[drawn]]


def _places(f):
    places = poison(f["places"].assign(notes=""), ["place_id", "notes", "rank"])
    m = places_map(places, popup_columns=["notes"], tiles=None, **LABELS)
    return m, len(places), len(places), [places]


def _places_named(f):
    """Places with the named-place columns (labels from police.uk data) poisoned."""
    text = ["place_id", "top_locations", "lsoa_name", "quality_flag"]
    places = poison(f["places"], text)
    m = places_map(places, tiles=None, **LABELS)
    return m, len(places), len(places), [places]


def _places_rings(f):
    """Named places and their rings on one map (the places are drawn once)."""
    places = poison(f["places"], ["place_id", "top_locations", "lsoa_name"])
    m = places_map(places, tiles=None, **LABELS)
    rings_map(places, radius=250, m=m)
    return m, 2 * len(places), 2 * len(places), [places]


def _outline_named(f):
    """Hot cells named by poisoned locations, over areas with poisoned names."""
    cells = poison(f["cells"], ["top_locations", "lsoa_name"])
    x0, y0, x1, y1 = cells.total_bounds
    xm = (x0 + x1) / 2
    areas = gpd.GeoDataFrame(
        {"lsoa_name": [payload(1), payload(3)]},
        geometry=[box(x0, y0, xm, y1), box(xm, y0, x1, y1)],
        crs=27700,
    )
    m = gistar_map(cells, outline=areas, tiles=None, **LABELS)
    drawn = cells["gi_bin"] != 0
    return m, int(drawn.sum()), int(drawn.sum()) + len(areas), [cells[drawn], areas]


def _quality(f):
    from shapely.geometry import Point

    from tests.maps.conftest import X0, Y0

    flagged = gpd.GeoDataFrame(
        {
            "location": [payload(i) for i in range(3)],
            "lsoa_name": [payload(i + 1) for i in range(3)],
            "n": [340, 120, 90],
            "flag": [payload(i + 2) for i in range(3)],
        },
        geometry=[Point(X0 + 100 * i, Y0 + 100) for i in range(3)],
        crs=27700,
    )
    m = quality_map(flagged, tiles=None, **LABELS)
    return m, len(flagged), len(flagged), [flagged]


def _rings(f):
    places = poison(f["places"].assign(notes=""), ["place_id", "notes"])
    m = rings_map(places, radius=250, popup_columns=["notes"], tiles=None, **LABELS)
    return m, 2 * len(places), 2 * len(places), [places]


def _change(f):
    before, after = f["before_after"]
    ids = [payload(i) + f"#{i}" for i in range(len(before))]  # unique, to match on
    before = before.assign(cell_id=ids)
    after = poison(after.assign(cell_id=ids, notes=""), ["notes"])
    m = change_map(
        before,
        after,
        periods=(payload(4), payload(5)),
        popup_columns=["notes"],
        tiles=None,
        **LABELS,
    )
    drawn = (before["n"] != 0) | (after["n"] != 0)
    return m, int(drawn.sum()), int(drawn.sum()), [after[drawn]]


def _payloads_in(frames) -> set[str]:
    """The payloads placed in the data that the popups show."""
    found = set()
    for frame in frames:
        for column in frame.columns.drop(frame.geometry.name):
            values = frame[column].astype(str)
            found |= {p for p in PAYLOADS if values.str.contains(p, regex=False).any()}
    return found


BUILDERS = {
    "crimes": _crimes,
    "cells": _cells,
    "gistar": _gistar,
    "places": _places,
    "places_named": _places_named,
    "places_rings": _places_rings,
    "outline_named": _outline_named,
    "quality": _quality,
    "rings": _rings,
    "change": _change,
}


@pytest.mark.parametrize("kind", list(BUILDERS), ids=list(BUILDERS))
def test_map_escapes_every_text_from_data(
    kind, crimes, cells, places, before_after, asset_cache, tmp_path
):
    chromium()
    fixtures = {
        "crimes": crimes,
        "cells": cells,
        "places": places,
        "before_after": before_after,
    }
    m, n_popups, n_tooltips, frames = BUILDERS[kind](fixtures)
    page = save(m, tmp_path / f"{kind}.html", offline=True).read_text("utf-8")
    head = page.index("<head>") + len("<head>")
    path = tmp_path / f"{kind}_probe.html"  # a test-only copy with the probe script
    path.write_text(with_probe(page[:head] + TRAP + page[head:], PROBE), "utf-8")

    dom, _ = dump_dom(path)
    result = probe_result(dom)

    assert result["errors"] == []
    assert result["xss"] is None
    assert not re.search(r"<body[^>]*data-xss", dom)
    assert result["injected"] == 0
    assert result["handlers"] == 0
    assert result["opened"] == {"popups": n_popups, "tooltips": n_tooltips}
    assert len(result["popups"]) == n_popups
    assert len(result["tooltips"]) == n_tooltips
    shown = "\n".join(result["popups"])
    used = _payloads_in(frames)
    assert len(used) >= 3
    for text in used:
        assert text in shown, f"payload not shown as text in a popup: {text!r}"
    for key in ("title", "where", "when"):
        assert LABELS[key] in result["title"][0]
    assert any(LABELS["name"] in label for label in result["overlays"])
    if kind == "crimes":
        assert "SYNTHETIC DATA" in result["title"][0]
        assert any(payload(0) in legend for legend in result["legends"])
    labels = result["labels"] + result["areaLabels"]
    assert all(any(p in label for p in PAYLOADS) for label in labels), labels
    if kind == "places":  # ranks label the places; hovering names them too
        assert result["labels"], "no rank label was placed"
        assert set(result["labels"]) <= set(frames[0]["rank"])
        assert sorted(result["tooltips"]) == sorted(
            f"Patrol place {rank}" for rank in frames[0]["rank"]
        )
    if kind in ("places_named", "places_rings"):  # zoomed in: rank and name
        named = [label for label in result["labels"] if " " in label]
        assert named and all(
            any(p in label for p in frames[0]["top_locations"]) for label in named
        )
    if kind == "outline_named":  # zoomed in far enough for the area names
        assert set(result["areaLabels"]) <= {payload(1), payload(3)}
        assert result["areaLabels"]
        assert {payload(1), payload(3)} <= set(result["tooltips"])
