import math

import geopandas as gpd
import numpy as np
import pytest
import shapely

from hotspots.exceptions import CRSError, HotspotsWarning
from hotspots.find import auto_bandwidth, dual_kde, kde
from hotspots.find._kde_arrays import kde_arrays


def _points(xy, crs=27700):
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=crs)


def _clustered(rng, n=3000):
    return np.vstack([rng.uniform(0, 5000, (n, 2)), rng.normal(2500, 150, (n // 3, 2))])


@pytest.mark.parametrize(
    ("kernel", "expected"), [("quartic", 161.58365), ("gaussian", 41.51789)]
)
def test_kde_matches_methods_oracle(kernel, expected):
    px, py = np.array([0.0, 50.0, 80.0, 120.0]), np.zeros(4)
    value = kde_arrays(px[:3], py[:3], [0.0], [0.0], bandwidth=100, kernel=kernel)[0]
    assert value * 1e6 == pytest.approx(expected, rel=1e-7)
    if kernel == "quartic":  # an event at 120 m contributes nothing
        with_far = kde_arrays(px, py, [0.0], [0.0], bandwidth=100, kernel=kernel)[0]
        assert with_far == value


def _brute(px, py, cx, cy, h, kernel, w=None):
    w = np.ones_like(px) if w is None else w
    d2 = (cx[:, None] - px[None, :]) ** 2 + (cy[:, None] - py[None, :]) ** 2
    if kernel == "quartic":
        k = np.where(d2 < h * h, 3 / (math.pi * h * h) * (1 - d2 / (h * h)) ** 2, 0.0)
    else:
        k = np.exp(-d2 / (2 * h * h)) / (2 * math.pi * h * h)
    return k @ w


@pytest.mark.parametrize("kernel", ["quartic", "gaussian"])
def test_kde_exact_agrees_with_brute_force(kernel):
    rng = np.random.default_rng(4)
    xy = _clustered(rng, 1500)
    w = rng.uniform(0.5, 3.0, len(xy))
    cx, cy = rng.uniform(-200, 5200, 800), rng.uniform(-200, 5200, 800)
    got = kde_arrays(
        xy[:, 0], xy[:, 1], cx, cy, bandwidth=250, kernel=kernel, weights=w
    )
    want = _brute(xy[:, 0], xy[:, 1], cx, cy, 250, kernel, w)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9 * want.max())


@pytest.mark.parametrize("shape", ["square", "hex"])
@pytest.mark.parametrize("kernel", ["quartic", "gaussian"])
def test_kde_fast_error_against_exact_is_small(kernel, shape):
    rng = np.random.default_rng(5)
    pts = _points(_clustered(rng, 20_000))
    exact = kde(
        pts, cell_size=100, shape=shape, bandwidth=300, kernel=kernel, method="exact"
    )
    fast = kde(pts, grid=exact, bandwidth=300, kernel=kernel, method="fast")
    err = np.abs(fast["kde"] - exact["kde"]).to_numpy()
    peak = exact["kde"].max()
    # Documented accuracy of the fast mode (kde() Notes): square grids max error
    # < 1% of the peak density; hexagonal grids (read out by bilinear
    # interpolation) < 2%; mean error < 0.02% of the peak.
    assert err.max() < (0.01 if shape == "square" else 0.02) * peak
    assert err.mean() < 0.0002 * peak


def test_kde_gaussian_matches_sklearn():
    from sklearn.neighbors import KernelDensity

    rng = np.random.default_rng(6)
    xy = _clustered(rng, 1000)
    pts = _points(xy)
    cells = kde(pts, cell_size=200, bandwidth=250, kernel="gaussian", method="exact")
    centres = np.column_stack([cells.geometry.centroid.x, cells.geometry.centroid.y])
    model = KernelDensity(bandwidth=250, kernel="gaussian").fit(xy)
    sklearn = np.exp(model.score_samples(centres)) * len(xy) * 1e6
    np.testing.assert_allclose(cells["kde"], sklearn, rtol=1e-6, atol=1e-9)


def test_kde_integrates_to_number_of_events():
    rng = np.random.default_rng(7)
    pts = _points(rng.normal(0, 400, (5000, 2)))
    cells = kde(pts, cell_size=50, bandwidth=150)
    assert (cells["kde"] * 0.05**2).sum() == pytest.approx(5000, rel=2e-3)


def test_auto_bandwidth_follows_the_esri_rule():
    rng = np.random.default_rng(8)
    x, y = rng.normal(0, 1000, 2000), rng.normal(0, 500, 2000)
    d = np.hypot(x - x.mean(), y - y.mean())
    sd = math.sqrt(np.mean(d**2))
    expected = 0.9 * min(sd, math.sqrt(1 / math.log(2)) * np.median(d)) * 2000**-0.2
    assert auto_bandwidth(x, y) == pytest.approx(expected, rel=1e-3)


def test_kde_reports_automatic_bandwidth(caplog):
    rng = np.random.default_rng(9)
    pts = _points(rng.normal(0, 1000, (500, 2)))
    with caplog.at_level("INFO", logger="hotspots"):
        cells = kde(pts, cell_size=100)
    assert "Bandwidth set automatically" in caplog.text
    meta = cells.attrs["hotspots"]
    assert meta["bandwidth_auto"] is True and meta["kernel"] == "quartic"
    assert list(cells.columns) == ["cell_id", "row", "col", "geometry", "kde"]


def test_kde_errors_and_warnings():
    rng = np.random.default_rng(10)
    pts = _points(rng.normal(0, 1000, (100, 2)))
    with pytest.warns(HotspotsWarning, match="smaller than the cell size"):
        kde(pts, cell_size=200, bandwidth=50)
    with pytest.raises(ValueError, match="bandwidth must be > 0"):
        kde(pts, cell_size=200, bandwidth=-5)
    with pytest.raises(CRSError, match="to_crs"):
        kde(pts.set_crs(4326, allow_override=True), cell_size=200, bandwidth=500)
    with pytest.raises(ValueError, match="empty"):
        kde(pts.iloc[:0], cell_size=200, bandwidth=500)
    single = _points(np.array([[0.0, 0.0]]))
    with pytest.raises(ValueError, match="bandwidth="):
        kde(single, cell_size=100)
    assert kde(single, cell_size=100, bandwidth=200)["kde"].max() > 0
    pts["w"] = np.nan
    with pytest.raises(ValueError, match="missing"):
        kde(pts, cell_size=200, bandwidth=500, weights="w")


def test_dual_kde_relative_risk_and_guard():
    rng = np.random.default_rng(11)
    background = rng.uniform(0, 4000, (6000, 2))
    cluster = rng.normal(1000, 100, (300, 2))
    allc = _points(np.vstack([background, cluster]))
    violence = _points(np.vstack([background[:1000], cluster]))
    cells = dual_kde(violence, allc, cell_size=200, bandwidth=300)
    distance = cells.geometry.centroid.distance(shapely.Point(1000, 1000))
    centre = cells.loc[distance.idxmin(), "kde_ratio"]
    far = cells.loc[(distance > 1000) & cells["kde_ratio"].notna(), "kde_ratio"]
    # Away from the cluster, relative risk = (1000/1300) / (6000/6300) = 0.81.
    assert far.median() == pytest.approx(0.81, abs=0.08)
    assert centre > 3 * far.median()
    # Cells far outside the events have a near-zero denominator: masked, not huge.
    empty = dual_kde(
        violence,
        allc,
        cell_size=200,
        bandwidth=300,
        boundary=gpd.GeoSeries([shapely.box(-3000, -3000, 4000, 4000)], crs=27700),
    )
    assert empty["kde_ratio"].isna().any()
    assert np.nanmax(empty["kde_ratio"]) < 50
