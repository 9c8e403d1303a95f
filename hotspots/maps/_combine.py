"""Places drawn once when :func:`places_map` and :func:`rings_map` share a map.

Both draw places: patrol places (numbered) and treated places (with their rings).
When the two are the same places on one map, each is drawn once, with one legend:
the layer of places is tagged with a key of its geometries, and the second call
finds it. Whichever order the calls come in, the patrol places (with their rank
labels) are kept, the rings are drawn under them, and the ring rows join the
places' legend.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import folium
import geopandas as gpd
import shapely

from hotspots.maps._legend import Legend, LegendEntry

__all__ = [
    "DrawnPlaces",
    "RingsPart",
    "add_rings_to_legend",
    "drawn_places",
    "places_key",
    "put_under",
    "tag_places",
]

_ATTR = "hotspots_places"


@dataclass(frozen=True)
class RingsPart:
    """What a rings legend adds to the legend of the places it surrounds."""

    entries: tuple[LegendEntry, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class DrawnPlaces:
    """A layer of places already on the map, its role and its legend."""

    layer: folium.GeoJson
    role: str  # "patrol" (places_map) or "treated" (rings_map)
    legend: Legend | None


def places_key(mapped: gpd.GeoDataFrame) -> str:
    """Return a key of the places' (rounded, EPSG:4326) geometries, order ignored."""
    wkb = sorted(shapely.to_wkb(mapped.geometry.to_numpy(), hex=True).tolist())
    return hashlib.sha256("|".join(wkb).encode("ascii")).hexdigest()


def tag_places(layer: folium.GeoJson, key: str, role: str) -> None:
    """Mark ``layer`` as drawing the places of ``key`` in ``role``."""
    setattr(layer, _ATTR, (key, role))


def drawn_places(m: folium.Map | None, key: str) -> DrawnPlaces | None:
    """Find the layer of ``m`` that already draws the places of ``key``."""
    if m is None:
        return None
    for child in list(m._children.values()):
        tag = getattr(child, _ATTR, None)
        if isinstance(child, folium.GeoJson) and tag is not None and tag[0] == key:
            legend = next(
                (
                    c
                    for c in m._children.values()
                    if isinstance(c, Legend) and c.layer is child
                ),
                None,
            )
            return DrawnPlaces(layer=child, role=tag[1], legend=legend)
    return None


def add_rings_to_legend(legend: Legend | None, part: RingsPart) -> None:
    """Append the ring rows and notes to the places' legend."""
    if legend is None:
        return
    legend.entries = (*legend.entries, *part.entries)
    legend.notes = (*legend.notes, *part.notes)


def put_under(m: folium.Map, layer, above) -> None:
    """Move ``layer`` just before ``above`` among the children of ``m``.

    Leaflet draws later layers on top; moving the new layer (rather than the old
    one) keeps every element that refers to ``above`` after it.
    """
    items = [(k, v) for k, v in m._children.items() if v is not layer]
    at = next(i for i, (_, v) in enumerate(items) if v is above)
    items.insert(at, (layer.get_name(), layer))
    m._children.clear()
    m._children.update(items)
