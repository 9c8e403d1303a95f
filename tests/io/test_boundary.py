import geopandas as gpd
import pytest
import shapely

from hotspots.demo import lsoa_path
from hotspots.exceptions import CRSError, InputFileError
from hotspots.io import read_boundary


def test_read_boundary_gzipped_geojson_in_bng():
    area = read_boundary(lsoa_path())
    assert len(area) == 611 and area.crs.to_epsg() == 27700
    minx, miny, maxx, maxy = area.total_bounds
    # Leicestershire and Rutland: about 427-506 km E, 277-343 km N.
    assert 420_000 < minx < maxx < 510_000 and 270_000 < miny < maxy < 350_000


@pytest.mark.filterwarnings("ignore::UserWarning")  # writing a file without a CRS
def test_read_boundary_errors(tmp_path):
    with pytest.raises(InputFileError, match="no such boundary"):
        read_boundary(tmp_path / "missing.geojson")
    junk = tmp_path / "junk.geojson"
    junk.write_text("{not json")
    with pytest.raises(InputFileError, match="cannot be read"):
        read_boundary(junk)
    points = tmp_path / "points.geojson"
    gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs=27700).to_file(points)
    with pytest.raises(InputFileError, match="no polygons"):
        read_boundary(points)
    no_crs = tmp_path / "nocrs.gpkg"
    gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)]).to_file(no_crs)
    with pytest.raises(CRSError, match="no CRS"):
        read_boundary(no_crs)
