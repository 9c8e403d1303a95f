"""The planted patrol places of a synthetic archive, their dosage and counterfactual."""

from __future__ import annotations

import calendar

import geopandas as gpd
import numpy as np
import shapely

__all__ = ["patrol_counterfactual", "patrol_dosage", "patrol_places"]

#: The planted patrol dosage (illustrative, not any force's operation): visits to
#: each place a day, minutes per visit (Koper 1995: stops of 11-15 minutes) and
#: officers per visit, every day from ``treatment_start`` to the archive's end.
PATROL_VISITS_PER_DAY = 3
PATROL_MINUTES_PER_VISIT = 15
PATROL_OFFICERS = 2


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


def patrol_dosage(truth: dict) -> dict[str, int]:
    """Return the planted patrol dosage of a synthetic archive.

    Every patrol place was visited 3 times a day for 15 minutes by 2 officers,
    every day from the first day of ``treatment_start`` to the last day of the
    archive. The dosage is planted with the places; it is not stored in
    ``truth.json``, so older archives give the same answer.

    Parameters
    ----------
    truth : dict
        From :func:`hotspots.synthetic.load_truth` or ``SyntheticArchive.truth``.

    Returns
    -------
    dict
        The keyword arguments of :func:`hotspots.evaluation.officer_hours`:
        ``n_places``, ``visits_per_day``, ``minutes_per_visit``, ``officers`` and
        ``days`` (calendar days of the post period). ``officer_hours(**dosage)``
        gives the patrol hours; every demo and notebook costs the SYNTHETIC
        patrols that way.

    Examples
    --------
    >>> truth = {"months": ["2023-12", "2024-01", "2024-02"],
    ...          "patrol": {"treatment_start": "2024-01", "places": [{}] * 18}}
    >>> dosage = patrol_dosage(truth)
    >>> dosage["n_places"], dosage["officers"], dosage["days"]
    (18, 2, 60)
    """
    patrol = truth["patrol"]
    months = list(truth["months"])
    post = months[months.index(patrol["treatment_start"]) :]
    days = sum(calendar.monthrange(int(m[:4]), int(m[5:7]))[1] for m in post)
    return {
        "n_places": len(patrol["places"]),
        "visits_per_day": PATROL_VISITS_PER_DAY,
        "minutes_per_visit": PATROL_MINUTES_PER_VISIT,
        "officers": PATROL_OFFICERS,
        "days": days,
    }
