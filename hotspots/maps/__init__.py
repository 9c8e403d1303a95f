"""Interactive maps of crimes, hotspots, patrol places and evaluations (folium).

One call per common map, each returning a ``folium.Map`` that can be added to, or
extended with ``m=`` (one map, several layers):

- :func:`crimes_map`: crime points, clustered at low zoom;
- :func:`cells_map`: counts or kernel density per cell, classed (mapclassify);
- :func:`gistar_map`: Gi* hot and cold spots (ArcGIS Gi_Bin palette);
- :func:`clusters_map`: Local Moran's I clusters and outliers (ArcGIS Cluster and
  Outlier Analysis palette);
- :func:`rates_map`: crimes per resident by area, raw and empirical-Bayes smoothed;
- :func:`places_map`: patrol places numbered by rank;
- :func:`quality_map`: map points flagged by the data-quality checks;
- :func:`rings_map`: treated places and displacement rings;
- :func:`change_map`: before/after change per cell, diverging palette;
- :func:`layered_map`: several outputs on one map (what ``hotspots map`` draws);
- :func:`base_map`: the base (tiles, title, scale bar) the others start from.

:func:`save` writes one HTML file that works offline (the scripts and styles the
map uses inlined from the pinned cache of :mod:`hotspots.maps.assets`); :func:`to_html`
returns the same page as a string. The base map's tiles are fetched by the browser
when it has a network; without one the map says so and shows everything else.
Places and hot cells are named by their busiest police.uk locations, and an
``outline=`` of named areas (LSOAs) names the map when zoomed in. Every text taken
from the data is HTML-escaped in popups, tooltips, labels, legends and titles.
"""

from typing import TYPE_CHECKING

from hotspots._lazy import attach

if TYPE_CHECKING:
    from hotspots.maps._base import DEFAULT_TILES, base_map
    from hotspots.maps._layered import LAYER_KINDS, layer_kind, layered_map
    from hotspots.maps._map_cells import cells_map
    from hotspots.maps._map_change import change_map
    from hotspots.maps._map_clusters import CLUSTER_COLOURS, clusters_map
    from hotspots.maps._map_crimes import crimes_map
    from hotspots.maps._map_gistar import GI_COLOURS, gistar_map
    from hotspots.maps._map_places import places_map
    from hotspots.maps._map_quality import QUALITY_COLOUR, quality_map
    from hotspots.maps._map_rates import rates_map
    from hotspots.maps._map_rings import rings_map
    from hotspots.maps._offline import save, to_html

#: The private module that holds each public name, imported when first asked for.
_SOURCES = {
    "hotspots.maps._base": "DEFAULT_TILES base_map",
    "hotspots.maps._layered": "LAYER_KINDS layer_kind layered_map",
    "hotspots.maps._map_cells": "cells_map",
    "hotspots.maps._map_change": "change_map",
    "hotspots.maps._map_clusters": "CLUSTER_COLOURS clusters_map",
    "hotspots.maps._map_crimes": "crimes_map",
    "hotspots.maps._map_gistar": "GI_COLOURS gistar_map",
    "hotspots.maps._map_places": "places_map",
    "hotspots.maps._map_quality": "QUALITY_COLOUR quality_map",
    "hotspots.maps._map_rates": "rates_map",
    "hotspots.maps._map_rings": "rings_map",
    "hotspots.maps._offline": "save to_html",
}

__getattr__, __dir__ = attach(__name__, _SOURCES)

__all__ = [
    "CLUSTER_COLOURS",
    "DEFAULT_TILES",
    "GI_COLOURS",
    "LAYER_KINDS",
    "QUALITY_COLOUR",
    "base_map",
    "cells_map",
    "change_map",
    "clusters_map",
    "crimes_map",
    "gistar_map",
    "layer_kind",
    "layered_map",
    "places_map",
    "quality_map",
    "rates_map",
    "rings_map",
    "save",
    "to_html",
]
