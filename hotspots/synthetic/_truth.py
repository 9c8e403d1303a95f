"""Assemble ``truth.json``: the planted truth of a synthetic archive."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from hotspots.io._schema import BNG
from hotspots.synthetic import _model, _rows
from hotspots.synthetic._places import (
    CONTEXT_LABEL,
    FORCE,
    HOTSPOTS,
    VIOLENCE_TYPES,
    to_bng,
    to_lonlat,
)

__all__ = ["TRUTH_NAME", "build_truth", "load_truth"]

TRUTH_NAME = "truth.json"

#: Decimals kept for expected counts and coordinates in truth.json.
_DECIMALS = 4
_LONLAT_DECIMALS = 6
FORMAT_VERSION = 1


def _series(values) -> list[float]:
    return [round(float(v), _DECIMALS) for v in np.asarray(values, float)]


def _counts(values) -> list[int]:
    return [int(v) for v in np.asarray(values)]


def _cell_geometry(cell_xy) -> dict:
    x0, y0 = (float(v) * _model.CELL_SIZE_M for v in cell_xy)
    x1, y1 = x0 + _model.CELL_SIZE_M, y0 + _model.CELL_SIZE_M
    cx, cy = x0 + _model.CELL_SIZE_M / 2, y0 + _model.CELL_SIZE_M / 2
    lon, lat = to_lonlat(cx, cy)
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    ring = ", ".join(f"{x:.0f} {y:.0f}" for x, y in corners)
    return {
        "wkt": f"POLYGON (({ring}))",
        "x": cx,
        "y": cy,
        "lon": round(float(lon), _LONLAT_DECIMALS),
        "lat": round(float(lat), _LONLAT_DECIMALS),
    }


def _hotspots(intensity) -> list[dict]:
    out = []
    for h, spot in enumerate(HOTSPOTS):
        centres = []
        for label, lon, lat in spot.centres:
            x, y = to_bng(lon, lat)
            centres.append(
                {
                    "location": label,
                    "lon": lon,
                    "lat": lat,
                    "x": round(float(x), 1),
                    "y": round(float(y), 1),
                }
            )
        out.append(
            {
                "name": spot.name,
                "kind": spot.kind,
                "spread_m": spot.spread_m,
                "centres": centres,
                "expected_extra_violence": _series(intensity.hotspot_extra[h]),
            }
        )
    return out


def build_truth(
    *,
    seed,
    parameters,
    months,
    frame,
    bad_rows,
    intensity,
    expected,
    observed,
    counterfactual,
    ranking,
    ring_member,
    ring,
    plants=(),
) -> dict:
    """Return the truth dictionary (JSON-ready; written with sorted keys).

    ``plants`` are the records of planted data-quality artefacts; the ``plants``
    key, and the note on planted rows in the patrol rule, appear only when there
    are some, so an archive without plants keeps its earlier truth byte for byte.
    """
    vi = _model.VIOLENCE_INDEX
    t0 = months.index(parameters["treatment_start"])
    cf_violence = intensity.located[vi].sum(axis=0)
    treated_violence = expected[vi].sum(axis=0)
    observed_violence = observed[vi].sum(axis=0)
    cf_observed_violence = counterfactual[vi].sum(axis=0)
    n_patrol = parameters["n_patrol"]

    def place_record(row) -> dict:
        members = intensity.point_cell == row.cell
        record = {
            "rank": int(row.rank),
            "place_id": row.place_id,
            "selection_count": int(row.selection_count),
            "n_map_points": int(members.sum()),
            "expected_long_run": _series(
                intensity.violence_long_run[members].sum(axis=0)
            ),
            "expected_counterfactual": _series(cf_violence[members].sum(axis=0)),
            "observed": _counts(observed_violence[members].sum(axis=0)),
        }
        record.update(_cell_geometry(intensity.cells[row.cell]))
        return record

    patrol_rows = ranking.iloc[:n_patrol]
    patrol = []
    for row in patrol_rows.itertuples():  # 18 places
        record = place_record(row)
        members = intensity.point_cell == row.cell
        record["expected_treated"] = _series(treated_violence[members].sum(axis=0))
        record["observed_counterfactual"] = _counts(
            cf_observed_violence[members].sum(axis=0)
        )
        patrol.append(record)
    comparison = []
    for row in ranking.iloc[n_patrol : n_patrol + _model.N_COMPARISON].itertuples():
        record = place_record(row)
        members = intensity.point_cell == row.cell
        base = cf_violence[members].sum()
        record["ring_share"] = round(
            float(cf_violence[members & ring].sum() / base) if base > 0 else 0.0,
            _DECIMALS,
        )
        record["expected"] = _series(treated_violence[members].sum(axis=0))
        comparison.append(record)
    per_place_ring = [
        {
            "place_id": place["place_id"],
            "n_map_points": int(ring_member[i].sum()),
            "expected_without_ring_effect": _series(
                cf_violence[ring_member[i]].sum(axis=0)
            ),
            "expected_with_ring_effect": _series(
                treated_violence[ring_member[i]].sum(axis=0)
            ),
        }
        for i, place in enumerate(patrol)
    ]

    gap = {p["month"] for p in plants if p["kind"] == "month_gap"}
    rule = (
        f"top {n_patrol} places by violence ({', '.join(VIOLENCE_TYPES)}) in "
        f"the {_model.SELECTION_MONTHS} months before treatment_start; ties "
        "broken by place_id ascending"
    )
    if any("x" in p for p in plants):
        rule += "; rows of planted points (plants) are not counted"
    counted = frame.groupby("month_index").size()
    rows_per_month = {m: int(counted.get(i, 0)) for i, m in enumerate(months)}
    no_loc = frame["Location"] == _rows.NO_LOCATION
    no_loc_month = frame[no_loc].groupby("month_index").size()
    truth = {
        "synthetic": True,
        "label": CONTEXT_LABEL,
        "format_version": FORMAT_VERSION,
        "generator": "hotspots.synthetic.make_archive",
        "seed": seed,
        "parameters": parameters,
        "force": FORCE,
        "crs": BNG,
        "months": list(months),
        "files": {m: _rows.month_file(m) for m in months if m not in gap},
        "n_rows": len(frame),
        "rows_per_month": rows_per_month,
        "rows_per_crime_type": {
            str(k): int(v) for k, v in frame["Crime type"].value_counts().items()
        },
        "n_no_location": int(no_loc.sum()),
        "no_location_per_month": {
            m: int(no_loc_month.get(i, 0)) for i, m in enumerate(months)
        },
        "n_bad_rows": len(bad_rows),
        "bad_rows": sorted(bad_rows, key=lambda r: (r["file"], r["row"])),
        "violence_types": list(VIOLENCE_TYPES),
        "places": {
            "kind": "square cells of a British National Grid grid",
            "cell_size_m": _model.CELL_SIZE_M,
            "grid_origin": [0.0, 0.0],
            "crs": BNG,
            "place_id": "E{x0}N{y0}: south-west corner of the cell, metres",
            "counted_from": "located rows, snapped map point inside the cell",
        },
        "model": {
            "counts": "Poisson per map point and month; expected counts are exact",
            "latent": "per place: persistent lognormal level times a monthly AR(1) "
            "log-intensity (mean-one multiplier) on violence",
            "latent_rho": _model.LATENT_RHO,
            "latent_sd": _model.LATENT_SD,
            "persistent_sd": _model.PERSISTENT_SD,
            "expected_long_run": "expected violence without the transient AR(1) part",
        },
        "hotspots": _hotspots(intensity),
        "patrol": {
            "rule": rule,
            "selection_months": list(months[t0 - _model.SELECTION_MONTHS : t0]),
            "treatment_start": parameters["treatment_start"],
            "effect": parameters["effect"],
            "places": patrol,
        },
        "ring": {
            "radius_m": parameters["ring_radius"],
            "ring_effect": parameters["ring_effect"],
            "definition": "map points within radius_m of a patrol place's square, "
            "outside every patrol place",
            "n_map_points": int(ring.sum()),
            "expected_without_ring_effect": _series(cf_violence[ring].sum(axis=0)),
            "expected_with_ring_effect": _series(treated_violence[ring].sum(axis=0)),
            "observed": _counts(observed_violence[ring].sum(axis=0)),
            "per_place": per_place_ring,
        },
        "comparison": {
            "rule": f"the next {_model.N_COMPARISON} places by selection-period "
            "violence (untreated; ring_share = share of expected violence in the ring)",
            "places": comparison,
        },
    }
    if plants:
        truth["plants"] = list(plants)
    return truth


def load_truth(path) -> dict:
    """Read the planted truth of a synthetic archive.

    Parameters
    ----------
    path : str or path-like
        ``truth.json``, or the archive folder holding it.

    Returns
    -------
    dict
        The truth as written by :func:`make_archive`.

    Raises
    ------
    FileNotFoundError
        If there is no ``truth.json`` at ``path``.
    ValueError
        If the file is not the truth of a synthetic archive.
    """
    path = Path(path)
    if path.is_dir():
        path = path / TRUTH_NAME
    if not path.is_file():
        raise FileNotFoundError(
            f"no {TRUTH_NAME} at {path}; pass the archive folder written by "
            "make_archive or its truth.json."
        )
    truth = json.loads(path.read_text(encoding="utf-8"))
    if truth.get("synthetic") is not True:
        raise ValueError(
            f'{path} is not the truth of a synthetic archive (no "synthetic": true).'
        )
    return truth
