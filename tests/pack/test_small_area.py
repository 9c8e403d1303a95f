"""A pack whose area has no significant hot spot still draws its places (SYNTHETIC)."""

import geopandas as gpd
import shapely

from hotspots.evaluation import rings
from hotspots.pack import PackRecipe
from hotspots.pack._charts import places_svg
from hotspots.pack._map_embed import interactive_map_html


def test_no_significant_cell_still_maps_the_places():
    boxes = [
        shapely.box(457000, 303000, 457150, 303150),
        shapely.box(457150, 303000, 457300, 303150),
    ]
    cells = gpd.GeoDataFrame(
        {"cell_id": [0, 1], "gi_bin": [0, 0]}, geometry=boxes, crs=27700
    )
    places = gpd.GeoDataFrame(
        {"place_id": ["A", "B"]}, geometry=cells.geometry.buffer(-10), crs=27700
    )
    recipe = PackRecipe(
        crimes="c.parquet",
        places="p.geojson",
        treatment_start="2024-01",
        title="t",
        area="a",
    )
    ring = rings(places, radius=100)
    page = interactive_map_html(
        cells, places, ring, recipe=recipe, title="SYNTHETIC small area", synthetic=True
    )
    assert "SYNTHETIC small area" in page
    assert page.count("place_id") or '"A"' in page  # the places are drawn
    assert "{z}/{x}/{y}" not in page  # offline: no tile server
    svg = places_svg(cells, places, ring, title="SYNTHETIC small area", synthetic=True)
    assert "<svg" in svg[:500]
