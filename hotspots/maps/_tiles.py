"""Base-map tiles: provider names, attribution, and a clean fallback offline.

Tiles are images the browser fetches from the tile server while the map is viewed;
they cannot be stored in the page. A map keeps its tile layer when saved offline:
with a network the reader sees streets, without one the failed tiles stay hidden
(Leaflet shows a tile only once it has loaded), the page's plain background shows
through, and :class:`TileFallback` says in the title box that the base map needs a
network. Everything drawn from the data is in the page and shows either way. The
tiles are requested only once the page has loaded, so the data are drawn first
and a slow or missing network never holds the page up.
"""

from __future__ import annotations

import folium
import xyzservices
from folium import MacroElement
from folium.template import Template

from hotspots.maps._html import esc

__all__ = [
    "DEFAULT_TILES",
    "OFFLINE_NOTE",
    "TileFallback",
    "resolve_tiles",
    "tile_layer",
]

#: Base map used when ``tiles`` is not given: needs no API key and shows street
#: names to zoom 19 (patrol places are street-level).
DEFAULT_TILES = "OpenStreetMap.Mapnik"
MAX_ZOOM = 19
#: Shown in the title box when no tile could be loaded (no network).
OFFLINE_NOTE = "No base map (it needs a network); all the data are shown."


def resolve_tiles(tiles) -> xyzservices.TileProvider | None:
    """Return the xyzservices provider for ``tiles`` (None = no tiles).

    Raises
    ------
    ValueError
        If the name is unknown, or the provider needs an API key that was not
        given.

    Examples
    --------
    >>> resolve_tiles("OpenStreetMap.Mapnik").name
    'OpenStreetMap.Mapnik'
    """
    if tiles is None:
        return None
    if isinstance(tiles, str):
        try:
            provider = xyzservices.providers.query_name(tiles)
        except ValueError as err:
            raise ValueError(
                f"tiles {tiles!r} is not an xyzservices provider name. Use e.g. "
                "'OpenStreetMap.Mapnik' or 'Esri.WorldGrayCanvas' (all names: "
                "xyzservices.providers.flatten()), or tiles=None for a plain "
                "background."
            ) from err
    elif isinstance(tiles, xyzservices.TileProvider):
        provider = tiles
    else:
        raise TypeError(
            "tiles must be an xyzservices provider name, an "
            f"xyzservices.TileProvider or None; got {type(tiles).__name__}"
        )
    if provider.requires_token():
        raise ValueError(
            f"{provider.name} tiles need an API key. Pass one with the provider, "
            f"e.g. tiles=xyzservices.providers.{provider.name}(apikey='...'), or "
            f"use tiles that need none, e.g. tiles={DEFAULT_TILES!r}, or tiles=None."
        )
    return provider


def tile_layer(provider: xyzservices.TileProvider) -> folium.TileLayer:
    """Return the folium tile layer of ``provider``, with its attribution."""
    return folium.TileLayer(
        tiles=provider,
        name=esc(provider.name),
        attr=provider.get("html_attribution") or esc(provider.get("attribution", "")),
        max_zoom=MAX_ZOOM,
        max_native_zoom=provider.get("max_zoom", 18),
        overlay=False,
        control=True,
        show=False,  # added by TileFallback once the page has loaded
    )


class TileFallback(MacroElement):
    """Add ``tiles`` once the page has loaded; say so when none loads (offline).

    The note in the title box goes as soon as a tile loads (the network came
    back).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var tiles = {{ this.tiles.get_name() }};
            var loaded = false, note = null;
            tiles.on("tileload", function () {
                loaded = true;
                if (note) { note.remove(); note = null; }
            });
            tiles.on("tileerror", function () {
                if (loaded || note) { return; }
                var box = map.getContainer().querySelector(".hotspots-title");
                if (!box) { return; }
                note = L.DomUtil.create("div", "hotspots-offline-note", box);
                note.textContent = {{ this.text|tojson }};
            });
            var add = function () { tiles.addTo(map); };
            if (document.readyState === "complete") {
                add();
            } else {
                window.addEventListener("load", add);
            }
        })();
        {% endmacro %}
        """
    )

    def __init__(self, tiles: folium.TileLayer):
        super().__init__()
        self._name = "HotspotsTileFallback"
        self.tiles = tiles
        self.text = OFFLINE_NOTE
