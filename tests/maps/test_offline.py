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
from hotspots.maps.assets import AssetChecksumError, AssetError, load_manifest


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


def test_to_html_offline_inlines_every_pinned_file(crimes, asset_cache):
    page = to_html(crimes_map(crimes, tiles=None), offline=True)

    for asset in load_manifest().assets:
        if asset.serves:
            assert f"/* {asset.spec} {asset.path} */" in page, asset.name
    assert 'url("data:font/woff2;base64,' in page
    assert 'url("data:image/png;base64,' in page  # Leaflet's layer icon
    assert ".ttf" not in page and "sourceMappingURL" not in page
    assert 'L.Icon.Default.mergeOptions({iconUrl: "data:image/png;base64,' in page


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


def test_offline_drops_tiles_with_a_warning_and_keeps_the_map(crimes, asset_cache):
    m = crimes_map(crimes)  # default tiles
    with pytest.warns(HotspotsWarning, match="cannot be saved offline"):
        page = to_html(m, offline=True)

    assert "tile.openstreetmap.org" not in page
    assert any(isinstance(c, folium.TileLayer) for c in m._children.values())
    assert "tile.openstreetmap.org" in to_html(m, offline=False)


def test_offline_can_keep_tiles_for_online_viewers(crimes, asset_cache):
    page = to_html(crimes_map(crimes), offline=True, drop_tiles=False)

    assert "tile.openstreetmap.org" in page
    assert _remote_links(page) == []


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
