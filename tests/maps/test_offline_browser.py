"""Offline maps render in headless Chromium with the network cut off.

Each map type is saved with ``offline=True``, loaded from a file with every
non-loopback connection refused, and checked: Leaflet panes, the expected number of
paths or clustered points, legend, title, scale bar, layer control, no JavaScript
error and no http(s) resource. A screenshot of each is kept in tests/artifacts/maps
(git-ignored) for people to look at.
"""

from __future__ import annotations

import pytest

from hotspots.maps import (
    cells_map,
    change_map,
    crimes_map,
    gistar_map,
    places_map,
    rings_map,
    save,
)
from tests.maps._browser import (
    ARTIFACTS,
    PROBE_COMMON,
    chromium,
    dump_dom,
    probe_result,
    screenshot,
    with_probe,
)

pytestmark = pytest.mark.slow

ERROR_TRAP = """<script>
window.hotspotsErrors = [];
window.addEventListener("error", function (e) {
  window.hotspotsErrors.push(String(e.message || e.target && e.target.src));
}, true);
</script>"""

PROBE = (
    PROBE_COMMON
    + """
window.addEventListener("load", function () {
  setTimeout(function () {
    var clusters = document.querySelectorAll(".marker-cluster");
    var clustered = 0;
    clusters.forEach(function (c) { clustered += parseInt(c.textContent, 10) || 0; });
    hotspotsReport({
      maps: hotspotsMaps().length,
      panes: document.querySelectorAll(".leaflet-pane").length,
      paths: document.querySelectorAll(".leaflet-overlay-pane path").length,
      clusters: clusters.length,
      clustered: clustered,
      labels: document.querySelectorAll(".hotspots-label").length,
      legends: hotspotsTexts(".hotspots-legend"),
      title: hotspotsTexts(".hotspots-title"),
      overlays: hotspotsTexts(".leaflet-control-layers-overlays label"),
      scale: hotspotsTexts(".leaflet-control-scale-line"),
      resources: performance.getEntriesByType("resource").map(function (e) {
        return e.name;
      }),
      errors: window.hotspotsErrors
    });
  }, 1500);
});
"""
)


def _crimes(f):
    return crimes_map(f["crimes"], tiles=None, colour_by="crime_type", synthetic=True)


def _cells(f):
    outline = f["cells"].dissolve()[["geometry"]]
    return cells_map(f["cells"], tiles=None, outline=outline, synthetic=True)


def _gistar(f):
    return gistar_map(f["cells"], tiles=None, synthetic=True, when="2024")


def _places(f):
    return places_map(f["places"], tiles=None, synthetic=True)


def _places_rings(f):
    m = places_map(f["places"], tiles=None, synthetic=True)
    return rings_map(f["places"], radius=250, m=m)


def _rings(f):
    return rings_map(f["places"], radius=250, tiles=None, synthetic=True)


def _change(f):
    before, after = f["before_after"]
    return change_map(before, after, periods=("2023", "2024"), tiles=None)


def _expected_paths(kind, f):
    if kind == "cells":
        return int((f["cells"]["n"] != 0).sum()) + 1  # + the outline
    if kind == "gistar":
        return int((f["cells"]["gi_bin"] != 0).sum())
    if kind == "places":
        return len(f["places"])
    if kind == "places_rings":
        return 2 * len(f["places"])
    if kind == "rings":
        return 2 * len(f["places"])
    if kind == "change":
        before, after = f["before_after"]
        return int(((before["n"] != 0) | (after["n"] != 0)).sum())
    return None


BUILDERS = {
    "crimes": _crimes,
    "cells": _cells,
    "gistar": _gistar,
    "places": _places,
    "places_rings": _places_rings,
    "rings": _rings,
    "change": _change,
}


@pytest.mark.parametrize("kind", list(BUILDERS), ids=list(BUILDERS))
def test_save_offline_renders_without_network(
    kind, crimes, cells, places, before_after, asset_cache, tmp_path
):
    chromium()
    fixtures = {
        "crimes": crimes,
        "cells": cells,
        "places": places,
        "before_after": before_after,
    }
    m = BUILDERS[kind](fixtures)
    page = save(m, tmp_path / f"{kind}.html", offline=True)
    text = page.read_text(encoding="utf-8")
    probed = tmp_path / f"{kind}_probe.html"
    head = text.index("<head>") + len("<head>")
    probed.write_text(
        with_probe(text[:head] + ERROR_TRAP + text[head:], PROBE), encoding="utf-8"
    )

    dom, _ = dump_dom(probed)
    result = probe_result(dom)

    assert result["errors"] == []
    assert result["maps"] == 1
    assert result["panes"] >= 6  # map, tile, overlay, shadow, marker, tooltip, popup
    web = [r for r in result["resources"] if r.startswith(("http://", "https://"))]
    assert web == []
    expected = _expected_paths(kind, fixtures)
    if kind == "crimes":
        assert result["clusters"] >= 1
        assert result["clustered"] + result["paths"] == len(crimes)
    else:
        assert result["paths"] == expected
    if kind in ("places", "places_rings"):
        assert 1 <= result["labels"] <= len(places)  # overlapping ones left out
    assert len(result["legends"]) == 1 and result["legends"][0].strip()
    assert len(result["title"]) == 1
    if kind != "change":
        assert "SYNTHETIC DATA" in result["title"][0]
    assert result["overlays"], "layer control lists no layer"
    assert result["scale"] and result["scale"][0].strip().endswith(("m", "km"))

    png = ARTIFACTS / f"offline_{kind}.png"
    screenshot(page, png)
    assert png.stat().st_size > 10_000  # a rendered map, not a blank page


JS_ERROR_TRAP = """<script>
window.hotspotsErrors = [];
window.addEventListener("error", function (e) {
  window.hotspotsErrors.push(String(e.message));
});
window.addEventListener("unhandledrejection", function (e) {
  window.hotspotsErrors.push(String(e.reason));
});
</script>"""

TILE_PROBE = (
    PROBE_COMMON
    + """
window.addEventListener("load", function () {
  setTimeout(function () {
    var tiles = Array.prototype.slice.call(document.querySelectorAll(".leaflet-tile"));
    hotspotsReport({
      paths: document.querySelectorAll(".leaflet-overlay-pane path").length,
      tiles: tiles.length,
      visibleTiles: tiles.filter(function (t) {
        return getComputedStyle(t).visibility !== "hidden" &&
               getComputedStyle(t).display !== "none";
      }).length,
      note: hotspotsTexts(".hotspots-title .hotspots-offline-note"),
      legends: hotspotsTexts(".hotspots-legend"),
      resources: performance.getEntriesByType("resource").map(function (e) {
        return e.name;
      }),
      errors: window.hotspotsErrors
    });
  }, 2500);
});
"""
)


def test_offline_map_with_tiles_and_no_network_shows_the_data_and_says_so(
    cells, asset_cache, tmp_path
):
    """Tiles kept in an offline map: with the network cut off, nothing breaks."""
    from hotspots.maps._tiles import OFFLINE_NOTE

    chromium()
    outline = cells.dissolve()[["geometry"]]
    m = gistar_map(cells, outline=outline, synthetic=True)  # default tiles
    page = save(m, tmp_path / "tiles.html", offline=True)
    text = page.read_text(encoding="utf-8")
    probed = tmp_path / "tiles_probe.html"
    head = text.index("<head>") + len("<head>")
    probed.write_text(
        with_probe(text[:head] + JS_ERROR_TRAP + text[head:], TILE_PROBE),
        encoding="utf-8",
    )

    dom, _ = dump_dom(probed, budget_ms=8000)
    result = probe_result(dom)

    assert result["errors"] == []
    assert result["paths"] == int((cells["gi_bin"] != 0).sum()) + 1  # + outline
    assert result["tiles"] >= 1  # the base map was asked for...
    assert result["visibleTiles"] == 0  # ...and no broken tile covers the map
    assert result["note"] == [OFFLINE_NOTE]
    assert len(result["legends"]) == 1
    web = [r for r in result["resources"] if r.startswith(("http://", "https://"))]
    assert all("tile.openstreetmap.org" in url for url in web), web

    png = ARTIFACTS / "offline_tiles_no_network.png"
    screenshot(page, png)
    assert png.stat().st_size > 10_000
