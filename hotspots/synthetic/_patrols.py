"""The planted patrol places of a synthetic archive, as a GeoDataFrame."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

__all__ = ["patrol_counterfactual", "patrol_places"]


def patrol_places(truth: dict) -> gpd.GeoDataFrame:
    """Return the planted patrol places of a synthetic archive.

    Parameters
    ----------
    truth : dict
        From :func:`hotspots.synthetic.load_truth` or ``SyntheticArchive.truth``.

    Returns
    -------
    GeoDataFrame
        One row per place, in rank order: ``place_id``, ``rank``,
        ``selection_count`` (violence in the 12 selection months) and the 150 m
        cell as ``geometry`` (EPSG:27700).

    Examples
    --------
    >>> truth = {"synthetic": True, "patrol": {"places": [
    ...     {"place_id": "E450000N300000", "rank": 1, "selection_count": 90,
    ...      "wkt": "POLYGON ((450000 300000, 450150 300000, 450150 300150, "
    ...             "450000 300150, 450000 300000))"}]}}
    >>> patrol_places(truth).area.item()
    22500.0
    """
    places = truth["patrol"]["places"]
    return gpd.GeoDataFrame(
        {
            "place_id": [p["place_id"] for p in places],
            "rank": [p["rank"] for p in places],
            "selection_count": [p["selection_count"] for p in places],
        },
        geometry=shapely.from_wkt([p["wkt"] for p in places]),
        crs=truth.get("crs", "EPSG:27700"),
    )


def patrol_counterfactual(truth: dict) -> dict[str, np.ndarray]:
    """Return the planted monthly expectations summed over the patrol places.

    Returns
    -------
    dict
        ``months`` (``YYYY-MM`` text), ``counterfactual`` (expected violence without
        patrols), ``treated`` (expected violence with the planted effect) and
        ``observed`` (what the archive holds), each one value per month.
    """
    places = truth["patrol"]["places"]

    def total(key: str) -> np.ndarray:
        return np.sum([p[key] for p in places], axis=0)

    return {
        "months": np.asarray(truth["months"]),
        "counterfactual": total("expected_counterfactual"),
        "treated": total("expected_treated"),
        "observed": total("observed"),
    }
