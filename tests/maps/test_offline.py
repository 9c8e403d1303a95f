import shutil
from html.parser import HTMLParser

import folium
import pytest
from folium.plugins import Fullscreen

from hotspots.exceptions import HotspotsWarning
from hotspots.maps import (
    cells_map,
    change_map,
    crimes_map,
    gistar_map,
    places_map,
    rings_map,
    save,
    to_html,
)
from hotspots.maps._tiles import OFFLINE_NOTE
from hotspots.maps._usage import drop_unused
from hotspots.maps.assets import AssetChecksumError, AssetError, load_manifest
from tests.maps._inspect import geojson_layers


class _Links(HTMLParser):
    """Every src/href of every tag (script bodies are not parsed as tags)."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.found.append((tag, value))


def _remote_links(page: str) -> list[tuple[str, str]]:
    parser = _Links()
    parser.feed(page)
    return [
        (tag, url)
        for tag, url in parser.found
        if url.lower().startswith(("http://", "https://", "//")) and tag != "a"
    ]


def _all_maps(crimes, cells, places, before_after):
    before, after = before_after
    return {
        "crimes": crimes_map(crimes, tiles=None),
        "cells": cells_map(cells, tiles=None),
        "gistar": gistar_map(cells, tiles=None),
        "places": places_map(places, tiles=None),
        "rings": rings_map(places, tiles=None),
        "change": change_map(before, after, tiles=None),
    }


def test_online_page_loads_from_the_network(crimes):
    page = to_html(crimes_map(crimes, tiles=None), offline=False)

    assert _remote_links(page)  # the check below is not vacuous


def test_to_html_offline_loads_nothing_from_the_network(
    crimes, cells, places, before_after, asset_cache
):
    for kind, m in _all_maps(crimes, cells, places, before_after).items():
        page = to_html(m, offline=True)
        assert _remote_links(page) == [], kind
        assert "<script src=" not in page and 'rel="stylesheet"' not in page, kind


def _inlined(page: str) -> set[str]:
    return {
        asset.name
        for asset in load_manifest().assets
        if asset.serves and f"/* {asset.spec} {asset.path} */" in page
    }


def test_to_html_offline_with_all_assets_inlines_every_pinned_file(crimes, asset_cache):
    page = to_html(crimes_map(crimes, tiles=None), offline=True, assets="all")

    for asset in load_manifest().assets:
        if asset.serves:
            assert f"/* {asset.spec} {asset.path} */" in page, asset.name
    assert 'url("data:font/woff2;base64,' in page
    assert 'url("data:image/png;base64,' in page  # Leaflet's layer icon
    assert ".ttf" not in page and "sourceMappingURL" not in page
    assert 'L.Icon.Default.mergeOptions({iconUrl: "data:image/png;base64,' in page


def test_to_html_offline_inlines_only_the_files_the_map_uses(
    crimes, cells, places, before_after, asset_cache
):
    for kind, m in _all_maps(crimes, cells, places, before_after).items():
        page = to_html(m, offline=True)
        expected = {"leaflet", "leaflet_css"}
        if kind == "crimes":
            expected |= {
                "markerclusterjs",
                "markerclustercss",
                "markerclusterdefaultcss",
            }
        assert _inlined(page) == expected, kind
        assert "woff2" not in page and "jquery" not in page.lower(), kind
        assert _remote_links(page) == [], kind


def test_to_html_offline_used_assets_are_a_fraction_of_all(places, asset_cache):
    m = places_map(places, tiles=None)

    used = len(to_html(m, offline=True).encode("utf-8"))
    every = len(to_html(m, offline=True, assets="all").encode("utf-8"))

    assert every - used > 1_500_000  # jQuery, Bootstrap, Font Awesome, markers
    assert used < 250_000


def test_online_page_loads_only_the_files_the_map_uses(places):
    page = to_html(places_map(places, tiles=None), offline=False)

    remote = [url for _, url in _remote_links(page)]
    assert len(remote) == 2 and all("leaflet@1.9.3" in url for url in remote)
    assert len(_remote_links(to_html(places_map(places), offline=False, assets="all")))


def test_a_map_that_uses_font_awesome_markers_keeps_them_offline(places, asset_cache):
    m = places_map(places, tiles=None)
    folium.Marker([52.63, -1.13], icon=folium.Icon(icon="star", prefix="fa")).add_to(m)

    used = _inlined(to_html(m, offline=True))

    assert {"awesome_markers", "awesome_markers_css", "awesome_markers_font_css"} <= (
        used
    )
    assert "jquery" not in used and "bootstrap" not in used


def test_a_map_that_uses_jquery_keeps_it(places, asset_cache):
    m = places_map(places, tiles=None)
    m.keep_in_front(next(iter(geojson_layers(m))))  # folium calls $(document)

    assert "jquery" in _inlined(to_html(m, offline=True))


def test_to_html_rejects_an_unknown_assets_choice(places):
    with pytest.raises(ValueError, match="'used'"):
        to_html(places_map(places, tiles=None), offline=False, assets="some")


def test_our_maps_use_no_style_sheet_that_offline_drops(
    crimes, cells, places, before_after
):
    for kind, m in _all_maps(crimes, cells, places, before_after).items():
        page = to_html(m, offline=False)
        for suffix in load_manifest().dropped:
            page = page.replace(suffix, "")
        assert "glyphicon" not in page, kind
        assert "fa-rotate-" not in page, kind
        assert "AwesomeMarkers.icon(" not in page, kind


def test_glyphicon_marker_warns_offline(crimes, asset_cache):
    m = crimes_map(crimes, tiles=None)
    folium.Marker([52.63, -1.13], icon=folium.Icon(icon="star")).add_to(m)

    with pytest.warns(HotspotsWarning, match="glyph"):
        to_html(m, offline=True)


def test_offline_keeps_tiles_for_readers_with_a_network(crimes, asset_cache):
    page = to_html(crimes_map(crimes), offline=True)  # default tiles

    assert "tile.openstreetmap.org" in page  # fetched by the browser, when it can
    assert _remote_links(page) == []  # nothing else comes from the network
    # The fallback: tiles added once the page has loaded, a note when none loads.
    assert 'tiles.on("tileerror"' in page and "hotspots-offline-note" in page
    assert OFFLINE_NOTE in page
    assert 'window.addEventListener("load", add)' in page


def test_offline_can_drop_tiles(crimes, asset_cache):
    m = crimes_map(crimes)
    page = to_html(m, offline=True, drop_tiles=True)

    assert "tile.openstreetmap.org" not in page
    assert 'tiles.on("tileerror"' not in page
    assert any(isinstance(c, folium.TileLayer) for c in m._children.values())
    assert "tile.openstreetmap.org" in to_html(m, offline=False)


def test_unpinned_plugin_cannot_be_saved_offline(crimes, asset_cache):
    m = crimes_map(crimes, tiles=None)
    Fullscreen().add_to(m)

    with pytest.raises(AssetError, match="offline=False"):
        to_html(m, offline=True)


def test_missing_assets_say_how_to_fetch(crimes, tmp_path):
    with pytest.raises(AssetError, match=r"python -m hotspots\.maps\.assets fetch"):
        to_html(crimes_map(crimes, tiles=None), offline=True, cache=tmp_path)


def test_tampered_cached_asset_is_refused(crimes, asset_cache, tmp_path):
    cache = tmp_path / "cache"
    shutil.copytree(asset_cache, cache)
    leaflet = cache / "leaflet" / "1.9.3" / "dist" / "leaflet.js"
    leaflet.write_bytes(leaflet.read_bytes() + b"\nwindow.tampered = true;\n")

    with pytest.raises(AssetChecksumError, match="refused"):
        to_html(crimes_map(crimes, tiles=None), offline=True, cache=cache)


def test_save_writes_one_offline_file(places, asset_cache, tmp_path):
    out = save(places_map(places, tiles=None), tmp_path / "sub" / "places.html")

    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and _remote_links(page) == []
    assert list(out.parent.iterdir()) == [out]  # no temporary file left behind


@pytest.mark.parametrize(
    ("snippet", "kept"),
    [
        ("<script>L.map('m');</script>", set()),
        ("<script>$(document).ready(f);</script>", {"jquery"}),
        ('<div class="btn btn-primary">x</div>', {"bootstrap"}),
        (
            "<script>var s = '<i class=\\\"fa fa-star\\\"></i>';</script>",
            {"fontawesome"},
        ),
        ('<div class="hotspots-legend-row">x</div>', set()),
        ("<script>L.AwesomeMarkers.icon({})</script>", {"fontawesome", "awesome"}),
    ],
    ids=["leaflet-only", "jquery", "bootstrap-class", "fa-class", "row-suffix", "icon"],
)
def test_drop_unused_keeps_what_the_page_shows_signs_of_using(snippet, kept):
    urls = {
        "jquery": "https://code.jquery.com/jquery-3.7.1.min.js",
        "bootstrap": "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js",
        "fontawesome": "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css",
        "awesome": "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js",
        "leaflet": "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js",
    }  # fmt: skip
    tags = "".join(
        f'<link rel="stylesheet" href="{u}"/>'
        if u.endswith(".css")
        else f'<script src="{u}"></script>'
        for u in urls.values()
    )

    page, dropped = drop_unused(tags + snippet)

    left = {name for name, url in urls.items() if url in page}
    assert left == kept | {"leaflet"}
    assert set(dropped) == {urls[n] for n in urls if n not in left}
