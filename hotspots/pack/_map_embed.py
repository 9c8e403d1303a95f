"""The pack's interactive map: offline, with reproducible element ids."""

from __future__ import annotations

import re

import geopandas as gpd

from hotspots.pack._recipe import PackRecipe

__all__ = ["interactive_map_html"]

#: folium's element ids: ``<name>_`` followed by a random UUID in hex.
_FOLIUM_ID = re.compile(r"(?<=_)[0-9a-f]{32}(?![0-9a-f])")


def interactive_map_html(
    cells: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    ring: gpd.GeoDataFrame,
    *,
    recipe: PackRecipe,
    title: str,
    synthetic: bool,
) -> str:
    """Return the offline interactive map, with element ids made reproducible.

    folium names each element after a random UUID; the ids are renumbered in
    order of appearance so the same map gives the same bytes.
    """
    from hotspots import maps

    hot = cells[cells["gi_bin"] != 0]
    m = (
        maps.gistar_map(
            hot,
            fdr=True,
            show_not_significant=False,
            tiles=None,
            title=title,
            synthetic=synthetic,
        )
        if len(hot)
        else None  # no hot or cold spot: the places and rings alone (caption says)
    )
    m = maps.rings_map(
        places,
        ring,
        id_column=recipe.id_column,
        m=m,
        tiles=None,
        title=title if m is None else None,
        synthetic=synthetic,
    )
    page = maps.to_html(m, offline=True)
    ids: dict[str, str] = {}

    def renumber(match: re.Match) -> str:
        return ids.setdefault(match.group(0), f"{len(ids) + 1:032x}")

    return _FOLIUM_ID.sub(renumber, page)
