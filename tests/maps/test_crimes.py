import pytest
from shapely.geometry import box

from hotspots.exceptions import SchemaError
from hotspots.maps import crimes_map
from hotspots.maps._map_crimes import CLUSTER_COLOUR
from tests.maps._inspect import clusters, crime_popup, legends


def test_crimes_map_clusters_every_point(crimes):
    m = crimes_map(crimes, tiles=None)

    (cluster,) = clusters(m)
    assert len(cluster.data) == len(crimes)
    lat, lon = cluster.data[0][:2]
    assert 52.5 < lat < 52.7 and -1.2 < lon < -1.0
    assert "hotspots-cluster" in cluster.icon_create_function


def test_crimes_map_popup_has_type_month_location_escaped(crimes):
    crimes.loc[0, "location"] = "On or near <b>Granby</b> Street"
    m = crimes_map(crimes, tiles=None)

    (cluster,) = clusters(m)
    rows = crime_popup(cluster, 0)
    assert rows["Crime type"] == "Violence and sexual offences"
    assert rows["Month"] == "2024-01"
    assert rows["Location"] == "On or near &lt;b&gt;Granby&lt;/b&gt; Street"
    assert list(rows) == ["Crime type", "Month", "Location", "Last outcome", "Context"]
    assert "TIP = [0, 1], HEAD = 0" in cluster.callback  # tooltip: type, month


def test_crimes_map_tooltip_columns_ride_along_when_not_in_popup(crimes):
    m = crimes_map(crimes, popup_columns=["location"], tiles=None)

    (cluster,) = clusters(m)
    assert list(crime_popup(cluster, 0)) == ["Location"]
    assert cluster.data[0][3] == [
        "On or near Street 0",
        "Violence and sexual offences",
        "2024-01",
    ]
    assert "TIP = [1, 2], HEAD = 1" in cluster.callback


def test_crimes_map_colour_by_category_with_legend(crimes):
    m = crimes_map(crimes, colour_by="crime_type", tiles=None)

    (legend,) = legends(m)
    labels = [e.label for e in legend.entries]
    assert "Robbery (20)" in labels and labels[-1] == "cluster of nearby crimes"
    assert legend.entries[-1].colour == CLUSTER_COLOUR
    rows = clusters(m)[0].data
    by_type = dict(zip(crimes["crime_type"], (r[2] for r in rows), strict=True))
    assert sorted(by_type.values()) == [0, 1, 2]


def test_crimes_map_notes_police_uk_snapping(crimes):
    (legend,) = legends(crimes_map(crimes, tiles=None))

    assert any("approximate" in note for note in legend.notes)


def test_crimes_map_needs_points(crimes):
    polygons = crimes.set_geometry(crimes.buffer(10))
    with pytest.raises(SchemaError, match="cells_map"):
        crimes_map(polygons, tiles=None)


def test_crimes_map_unknown_popup_column(crimes):
    with pytest.raises(SchemaError, match="popup_columns"):
        crimes_map(crimes, popup_columns=["offence"], tiles=None)


def test_crimes_map_drops_rows_without_geometry(crimes):
    crimes.loc[[0, 1], "geometry"] = None
    m = crimes_map(crimes, tiles=None)

    assert len(clusters(m)[0].data) == len(crimes) - 2


def test_crimes_map_empty_is_an_error(crimes):
    with pytest.raises(ValueError, match="nothing to map"):
        crimes_map(crimes.iloc[:0], tiles=None)


def test_outline_is_drawn_under_the_data(crimes):
    area = crimes.dissolve().envelope.to_frame("geometry").set_geometry("geometry")
    area = area.set_geometry(area.geometry.buffer(200))
    m = crimes_map(crimes, tiles=None, outline=area)

    names = [getattr(c, "layer_name", None) for c in m._children.values()]
    assert names.index("Boundary") < names.index("Crimes")
    assert area.geometry.iloc[0].contains(box(*crimes.total_bounds))
