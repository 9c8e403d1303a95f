"""The Dask path: a LocalCluster of 2 workers gives the single-machine results.

One cluster (two worker threads in this process, which starts in about a second)
serves the module; each test compares a Dask run with the in-process run.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.national import run_by_force, tiled

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def points():
    import geopandas as gpd

    rng = np.random.default_rng(7)
    xy = np.vstack([rng.uniform(0, 3000, (800, 2)), rng.normal(1500, 60, (150, 2))])
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(*xy.T), crs=27700)


@pytest.mark.parametrize(
    ("func", "settings"),
    [
        ("gistar", {"neighbours": 250.0}),
        ("kde", {"bandwidth": 300, "kernel": "gaussian"}),
    ],
)
def test_tiled_on_a_local_cluster_equals_in_process(
    client, points, func, settings, caplog
):
    here = tiled(func, points, cell_size=100, tile_size=700, progress=False, **settings)
    with caplog.at_level(logging.INFO, logger="hotspots.national"):
        there = tiled(
            func,
            points,
            cell_size=100,
            tile_size=700,
            client=client,
            progress=False,
            **settings,
        )
    pd.testing.assert_frame_equal(
        pd.DataFrame(there.drop(columns="geometry")),
        pd.DataFrame(here.drop(columns="geometry")),
        check_exact=True,
    )
    run = there.attrs["hotspots"]
    assert (run["path"], run["workers"], run["n_tasks"]) == ("dask", 2, 25)
    assert here.attrs["hotspots"]["path"] == "in-process"
    assert "25 tasks on Dask (2 workers; dashboard http" in caplog.text


def test_run_by_force_on_a_local_cluster_equals_in_process(client, national):
    settings = {"cell_size": 250, "neighbours": "queen"}
    here = run_by_force(national, "gistar", progress=False, **settings)
    there = run_by_force(national, "gistar", client=client, progress=False, **settings)
    assert (
        list(there) == list(here) == ["derbyshire", "leicestershire", "nottinghamshire"]
    )
    for force in here:
        pd.testing.assert_frame_equal(
            pd.DataFrame(there[force].drop(columns="geometry")),
            pd.DataFrame(here[force].drop(columns="geometry")),
            check_exact=True,
        )
        assert there[force].attrs["hotspots"]["run"]["path"] == "dask"
        # polygons rebuilt on this side, exactly as make_grid made them
        assert list(there[force].columns) == list(here[force].columns)
        assert shapely.equals_exact(
            there[force].geometry.values, here[force].geometry.values, tolerance=0
        ).all()


def test_a_scheduler_address_and_a_local_cluster_give_the_same(client, points):
    here = tiled(
        "kde", points, cell_size=100, tile_size=1000, bandwidth=250, progress=False
    )
    by_address = tiled(
        "kde",
        points,
        cell_size=100,
        tile_size=1000,
        bandwidth=250,
        client=client.scheduler.address,
        progress=False,
    )
    own = tiled(
        "kde",
        points,
        cell_size=100,
        tile_size=1000,
        bandwidth=250,
        progress=False,
        local_cluster={"n_workers": 2, "processes": False, "dashboard_address": ":0"},
    )
    for other in (by_address, own):
        assert other.attrs["hotspots"]["path"] == "dask"
        np.testing.assert_array_equal(other["kde"], here["kde"])


def test_client_and_local_cluster_together_are_refused(client, points):
    with pytest.raises(ValueError, match="not both"):
        tiled(
            "kde",
            points,
            cell_size=100,
            bandwidth=250,
            client=client,
            local_cluster=True,
            progress=False,
        )


@pytest.mark.parametrize("shape", ["square", "hex"])
def test_cells_sent_without_polygons_are_rebuilt_exactly(points, shape):
    from hotspots.find import count_points
    from hotspots.national._ship import rebuild, strip

    cells = count_points(points, cell_size=130, shape=shape)
    again = rebuild(strip(cells))
    assert list(again.columns) == list(cells.columns)
    assert again.attrs == cells.attrs
    assert again.drop(columns="geometry").equals(cells.drop(columns="geometry"))
    assert shapely.equals_exact(
        again.geometry.values, cells.geometry.values, tolerance=0
    ).all()
    assert rebuild(strip(7)) == 7  # anything else passes through
