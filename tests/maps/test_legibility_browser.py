"""Maps stay legible in a real browser: labels, legends on a phone, long words.

Each map is saved offline and opened in headless Chromium (network cut off) with a
test-only script that reads where the page put its labels, legends and popups.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import box

from hotspots.maps import crimes_map, gistar_map, places_map, quality_map, save
from hotspots.maps._labels import NAME_ZOOM
from hotspots.maps._layers import POPUP_MAX_WIDTH_PX
from hotspots.maps._outline import AREA_LABEL_ZOOM, AREA_ZOOM
from tests.maps._browser import (
    ARTIFACTS,
    PROBE_COMMON,
    chromium,
    dump_dom,
    probe_result,
    screenshot,
    with_probe,
)
from tests.maps.conftest import X0, Y0

pytestmark = pytest.mark.slow

PHONE = (390, 844)
LAPTOP = (1280, 900)


def _open(m, tmp_path, name, probe, size=LAPTOP) -> dict:
    page = save(m, tmp_path / f"{name}.html", offline=True).read_text("utf-8")
    path = tmp_path / f"{name}_probe.html"
    path.write_text(with_probe(page, PROBE_COMMON + probe), encoding="utf-8")
    dom, _ = dump_dom(path, size=size)
    return probe_result(dom)


def _overlapping(rects: list[dict]) -> list[tuple[str, str]]:
    pairs = []
    for i, a in enumerate(rects):
        for b in rects[i + 1 :]:
            if (
                a["left"] < b["right"]
                and b["left"] < a["right"]
                and a["top"] < b["bottom"]
                and b["top"] < a["bottom"]
            ):
                pairs.append((a["text"], b["text"]))
    return pairs


@pytest.fixture
def crowded_places() -> gpd.GeoDataFrame:
    """Two groups of 12 named places of 150 m, 200 m apart, 10 km from each other.

    At the zoom that shows both groups, the labels within a group collide.
    """
    corners = [
        (X0 + 10_000 * (i // 12) + 200 * (i % 4), Y0 + 200 * (i % 12 // 4))
        for i in range(24)
    ]
    return gpd.GeoDataFrame(
        {
            "rank": range(1, 25),
            "place_id": [f"E{x:.0f}N{y:.0f}" for x, y in corners],
            "n": range(60, 36, -1),
            "top_locations": [f"Street {i} ({60 - i}); Lane (3)" for i in range(24)],
        },
        geometry=[box(x, y, x + 150, y + 150) for x, y in corners],
        crs=27700,
    )


LABEL_PROBE = """
window.addEventListener("load", function () {
  setTimeout(function () {
    var opening = {
      zoom: hotspotsMaps()[0].getZoom(),
      labels: hotspotsRects(".hotspots-label")
    };
    hotspotsSetView(%(lat)s, %(lon)s, %(zoom)s);
    setTimeout(function () {
      hotspotsReport({
        opening: opening,
        zoomed: {zoom: hotspotsMaps()[0].getZoom(),
                 labels: hotspotsRects(".hotspots-label")}
      });
    }, 500);
  }, 500);
});
"""


def test_place_labels_never_overlap_and_name_places_when_zoomed_in(
    crowded_places, asset_cache, tmp_path
):
    chromium()
    m = places_map(crowded_places, tiles=None)
    first = crowded_places.iloc[:12].to_crs(4326).union_all().centroid
    probe = LABEL_PROBE % {"lat": first.y, "lon": first.x, "zoom": 17}

    result = _open(m, tmp_path, "crowded", probe)

    opening = result["opening"]
    assert opening["zoom"] < NAME_ZOOM
    shown = opening["labels"]
    assert 1 <= len(shown) < len(crowded_places)  # crowded: some left out
    assert _overlapping(shown) == []
    assert "1" in [label["text"] for label in shown]  # rank 1 is placed first
    zoomed = result["zoomed"]
    assert zoomed["zoom"] == 17
    assert _overlapping(zoomed["labels"]) == []
    texts = {label["text"] for label in zoomed["labels"]}
    assert "1 Street 0" in texts  # rank and busiest location
    assert len(texts) == 12 and all(" Street " in text for text in texts)


AREA_PROBE = """
window.addEventListener("load", function () {
  var seen = [];
  [%(zooms)s].forEach(function (zoom, i) {
    setTimeout(function () {
      hotspotsSetView(%(lat)s, %(lon)s, zoom);
      setTimeout(function () {
        var pane = hotspotsMaps()[0].getPane("hotspotsAreas");
        seen.push({zoom: zoom, paneShown: pane.style.display !== "none",
                   labels: hotspotsTexts(".hotspots-area-label")});
        if (seen.length === %(n)s) { hotspotsReport(seen); }
      }, 300);
    }, 600 * i + 300);
  });
});
"""


def test_area_names_show_from_their_zoom_levels(cells, asset_cache, tmp_path):
    chromium()
    x0, y0, x1, y1 = cells.total_bounds
    xm = (x0 + x1) / 2
    areas = gpd.GeoDataFrame(
        {"LSOA11NM": ["Leicester 001A", "Leicester 001B"]},
        geometry=[box(x0, y0, xm, y1), box(xm, y0, x1, y1)],
        crs=27700,
    )
    m = gistar_map(cells, outline=areas, tiles=None)
    centre = areas.to_crs(4326).union_all().centroid
    zooms = [AREA_ZOOM - 1, AREA_ZOOM, AREA_LABEL_ZOOM + 1]
    probe = AREA_PROBE % {
        "lat": centre.y,
        "lon": centre.x,
        "zooms": ", ".join(map(str, zooms)),
        "n": len(zooms),
    }

    low, mid, high = _open(m, tmp_path, "areas", probe)

    assert (low["paneShown"], low["labels"]) == (False, [])
    assert (mid["paneShown"], mid["labels"]) == (True, [])
    assert high["paneShown"]
    assert sorted(high["labels"]) == ["Leicester 001A", "Leicester 001B"]


BOX_PROBE = """
window.addEventListener("load", function () {
  setTimeout(function () {
    hotspotsReport({
      width: window.innerWidth, height: window.innerHeight,
      legends: hotspotsRects(".hotspots-legend"),
      open: Array.prototype.map.call(
        document.querySelectorAll(".hotspots-legend details"),
        function (d) { return d.open; }),
      title: hotspotsRects(".hotspots-title")
    });
  }, 500);
});
"""


def _area(rects: list[dict]) -> float:
    return sum(r["width"] * r["height"] for r in rects)


def test_legends_fold_on_a_phone_and_open_on_a_laptop(cells, asset_cache, tmp_path):
    chromium()
    from shapely.geometry import Point

    flagged = gpd.GeoDataFrame(
        {"location": ["On or near Hospital"], "n": [240], "flag": ["hospital"]},
        geometry=[Point(X0 + 300, Y0 + 300)],
        crs=27700,
    )
    m = gistar_map(cells, tiles=None, title="Gi* hot spots of serious violence")
    quality_map(flagged, m=m)

    phone = _open(m, tmp_path, "phone", BOX_PROBE, size=PHONE)
    laptop = _open(m, tmp_path, "laptop", BOX_PROBE, size=LAPTOP)

    assert phone["width"] == PHONE[0]
    assert phone["open"] == [False, False]
    screen = phone["width"] * phone["height"]
    assert _area(phone["legends"]) < 0.06 * screen  # two title lines
    assert _area(phone["legends"] + phone["title"]) < 0.15 * screen
    assert all(r["right"] <= phone["width"] for r in phone["legends"])
    assert laptop["open"] == [True, True]
    screenshot(tmp_path / "phone.html", ARTIFACTS / "phone_legends.png", size=PHONE)


POPUP_PROBE = """
window.addEventListener("load", function () {
  setTimeout(function () {
    var map = hotspotsMaps()[0], opened = null;
    hotspotsLayers(map).forEach(function (layer) {
      if (!opened && layer.getPopup && layer.getPopup() && layer.getLatLng) {
        opened = layer;
        map.openPopup(layer.getPopup(), layer.getLatLng());
      }
    });
    setTimeout(function () {
      var content = document.querySelector(".leaflet-popup-content");
      var wrapper = document.querySelector(".leaflet-popup-content-wrapper");
      var box = wrapper.getBoundingClientRect();
      var cells = Array.prototype.map.call(
        content.querySelectorAll("td, th"), function (c) {
          return c.getBoundingClientRect().right;
        });
      hotspotsReport({
        text: content.textContent,
        width: box.width,
        right: box.right,
        cellsRight: Math.max.apply(null, cells),
        scroll: content.scrollWidth, client: content.clientWidth
      });
    }, 300);
  }, 500);
});
"""


def test_a_64_character_crime_id_wraps_inside_its_popup(crimes, asset_cache, tmp_path):
    chromium()
    crime_id = "a3f9" * 16
    crimes = crimes.assign(crime_id=crime_id)
    m = crimes_map(crimes, popup_columns=["crime_id", "crime_type"], tiles=None)

    result = _open(m, tmp_path, "popup", POPUP_PROBE)

    assert crime_id in result["text"]
    assert result["scroll"] <= result["client"]  # nothing sticks out sideways
    assert result["cellsRight"] <= result["right"]
    assert result["width"] <= POPUP_MAX_WIDTH_PX + 50  # + Leaflet's margins


HOVER_PROBE = """
window.addEventListener("load", function () {
  setTimeout(function () {
    var map = hotspotsMaps()[0];
    var seen = {};
    [["area", %(area_lat)s, %(area_lon)s], ["cell", %(cell_lat)s, %(cell_lon)s]]
      .forEach(function (spot) {
        var p = map.latLngToContainerPoint([spot[1], spot[2]]);
        var r = map.getContainer().getBoundingClientRect();
        var x = r.left + p.x, y = r.top + p.y;
        var el = document.elementFromPoint(x, y);
        el.dispatchEvent(new MouseEvent("mousemove", {clientX: x, clientY: y,
                                                      bubbles: true}));
        el.dispatchEvent(new MouseEvent("mouseover", {clientX: x, clientY: y,
                                                      bubbles: true}));
        seen[spot[0]] = {
          tag: el.tagName.toLowerCase(),
          pane: el.closest(".leaflet-pane:not(.leaflet-map-pane)").className,
          tips: hotspotsTexts(
            ".leaflet-tooltip:not(.hotspots-label):not(.hotspots-area-label)")
        };
      });
    hotspotsReport(seen);
  }, 500);
});
"""


def test_hovering_names_the_area_where_no_data_are_drawn(cells, asset_cache, tmp_path):
    chromium()
    x0, y0, x1, y1 = cells.total_bounds
    areas = gpd.GeoDataFrame(  # two areas, so they are named (one is a boundary)
        {"lsoa_name": ["Leicester 001A", "Leicester 001B"]},
        geometry=[
            box(x0 - 500, y0 - 500, x1 + 500, y1 + 500),
            box(x1 + 500, y0 - 500, x1 + 900, y1 + 500),
        ],
        crs=27700,
    )
    m = gistar_map(cells, outline=areas, tiles=None)

    def centre(bin_):
        return cells[cells["gi_bin"] == bin_].centroid.to_crs(4326).iloc[0]

    empty, hot = centre(0), centre(3)
    probe = HOVER_PROBE % {
        "area_lat": empty.y,
        "area_lon": empty.x,
        "cell_lat": hot.y,
        "cell_lon": hot.x,
    }

    seen = _open(m, tmp_path, "hover", probe)

    assert seen["area"]["tag"] == "canvas"
    assert "hotspotsAreas" in seen["area"]["pane"]
    assert "Leicester 001A" in seen["area"]["tips"]
    assert seen["cell"]["tag"] == "path"  # the data stay on top
    assert "leaflet-overlay-pane" in seen["cell"]["pane"]
