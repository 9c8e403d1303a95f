"""Planted data-quality artefacts of a synthetic archive (``make_archive(plants=)``).

Each artefact imitates a fault of real police.uk data that a data-quality check
should find: a map point that collects crimes reported somewhere rather than
committed there (a police station, a hospital, a default geocode), a month a force
did not supply, and a step up in the share of rows with no location. All of them
draw from the archive's generator after everything the default archive draws, so
the rows of the default archive are kept unchanged (the month of a gap is left out
whole) and planted rows are interleaved with them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hotspots.synthetic import _model, _rows
from hotspots.synthetic._places import VIOLENCE_TYPES
from hotspots.synthetic._plant_points import (
    POINT_PLANTS,
    at_point,
    choose_points,
    draw_points,
    far_from_planted_places,
    point_record,
)

__all__ = ["PLANTS", "Planted", "check_plants", "plant"]

logger = logging.getLogger(__name__)

#: Names of the data-quality artefacts :func:`hotspots.synthetic.make_archive` can
#: plant (``plants=``), in the order they are drawn: ``"police_station"``,
#: ``"hospital"`` and ``"default_point"`` (a map point with a steady extra stream of
#: violence), ``"month_gap"`` (a month with no file) and ``"missing_shift"`` (the
#: share of violence rows with no location steps up about fourfold).
PLANTS: tuple[str, ...] = (
    "police_station",
    "hospital",
    "default_point",
    "month_gap",
    "missing_shift",
)

#: ``missing_shift``: share of violence rows with no location after the step, as a
#: multiple of the usual share.
MISSING_FACTOR = 4.0
#: ``missing_shift`` starts this many months before the end (counting the last
#: month), or at the middle month of a shorter span.
SHIFT_MONTHS = 12
_SHARE_DECIMALS = 6


@dataclass
class Planted:
    """The archive's rows after planting, and what was planted."""

    frame: pd.DataFrame
    bad_rows: list[dict]
    records: list[dict] = field(default_factory=list)
    gap: int | None = None  # month index with no file


def check_plants(plants: Iterable[str] | str) -> tuple[str, ...]:
    """Return the plant names in :data:`PLANTS` order; raise for unknown names."""
    if isinstance(plants, str):
        plants = (plants,)
    try:
        names = list(plants)
    except TypeError:
        raise TypeError(
            f"plants must be an iterable of names from {PLANTS}; got {plants!r}"
        ) from None
    unknown = [n for n in names if n not in PLANTS]
    if unknown:
        raise ValueError(
            f"unknown plants {unknown}; choose from PLANTS = {PLANTS} "
            "(hotspots.synthetic.PLANTS)."
        )
    return tuple(n for n in PLANTS if n in names)


def shift_index(months: list[str]) -> int:
    """Month index from which ``missing_shift`` applies."""
    return max(len(months) - SHIFT_MONTHS, len(months) // 2)


def _choose_gap(frame, bad_rows, months, treatment_start, rng) -> int:
    """Draw a month inside the span, outside the selection window, without bad rows."""
    t0 = months.index(treatment_start)
    bad_ids = {b["crime_id"] for b in bad_rows}
    bad_months = set(frame.loc[frame["Crime ID"].isin(bad_ids), "month_index"])
    bad_months |= {months.index(b["file"].split("/")[0]) for b in bad_rows}
    excluded = {0, len(months) - 1, t0, shift_index(months), *bad_months}
    excluded |= set(range(t0 - _model.SELECTION_MONTHS, t0))
    eligible = [i for i in range(len(months)) if i not in excluded]
    if not eligible:
        raise ValueError(
            "cannot plant 'month_gap': every month is the first or last, a patrol "
            "selection month, treatment_start, the missing_shift month or holds a "
            f"planted bad row ({months[0]}..{months[-1]}). Widen start..end."
        )
    return int(rng.choice(eligible))


def _interleave(frame, planted, rng) -> pd.DataFrame:
    """Put planted rows at random places within their months' files."""
    size = frame.groupby("month_index").size()
    frame = frame.assign(order=frame.groupby("month_index").cumcount().astype(float))
    n_month = size.reindex(planted["month_index"]).fillna(0).to_numpy()
    planted = planted.assign(order=rng.random(len(planted)) * (n_month + 1) - 0.5)
    merged = pd.concat([frame, planted], ignore_index=True)
    merged = merged.sort_values(["month_index", "order"], kind="mergesort")
    return merged.drop(columns="order").reset_index(drop=True)


def _renumber(frame, bad_rows, months) -> list[dict]:
    """Bad rows with their 1-based row numbers in the final files."""
    row_number = frame.groupby("month_index").cumcount() + 1
    out = []
    for bad in bad_rows:
        month = months.index(bad["file"].split("/")[0])
        hit = (frame["month_index"] == month) & (frame["Crime ID"] == bad["crime_id"])
        out.append({**bad, "row": int(row_number[hit].iat[0])})
    return out


def _draw_missing(intensity, start, rng) -> np.ndarray:
    """Extra no-location violence rows (crime types, months) from ``start``."""
    vi = _model.VIOLENCE_INDEX
    extra = np.zeros(intensity.no_location.shape, np.int64)
    usual = intensity.no_location[vi]
    share = usual / (usual + intensity.located[vi].sum(axis=1))
    # (usual + e) / (total + e) = factor * share  <=>  e as below
    mean = (MISSING_FACTOR - 1) * usual / (1 - MISSING_FACTOR * share)
    extra[vi, start:] = rng.poisson(mean[:, start:])
    return extra


def plant(
    frame: pd.DataFrame,
    bad_rows: list[dict],
    *,
    names: tuple[str, ...],
    points: pd.DataFrame,
    mix: pd.DataFrame,
    months: list[str],
    intensity,
    ranking: pd.DataFrame,
    ring: np.ndarray,
    treatment_start: str,
    rng: np.random.Generator,
) -> Planted:
    """Plant ``names`` into the archive's rows; return them with their truth."""
    if not names:
        return Planted(frame=frame, bad_rows=bad_rows)
    n_months = len(months)
    start = shift_index(months)
    if "missing_shift" in names and start < 1:
        raise ValueError("cannot plant 'missing_shift' in a one-month archive.")
    gap = None
    if "month_gap" in names:
        gap = _choose_gap(frame, bad_rows, months, treatment_start, rng)
    background = intensity.located[_model.VIOLENCE_INDEX].sum(axis=0)  # (P, M)
    far = far_from_planted_places(points, intensity, ranking, ring)
    point_names = [n for n in names if n in POINT_PLANTS]
    chosen = choose_points(point_names, points, far, background.sum(axis=1), rng)
    counts, means = draw_points(chosen, mix, len(intensity.no_location), n_months, rng)
    extra = np.zeros_like(intensity.no_location, dtype=np.int64)
    if "missing_shift" in names:
        extra = _draw_missing(intensity, start, rng)
    if gap is not None:
        counts[..., gap] = 0
        extra[:, gap] = 0
    # build_rows needs a map point even when only no-location rows are planted
    planted_points = points.iloc[[c[1] for c in chosen] or [0]].copy()
    planted_points["location"] = [c[2] for c in chosen] or [""]
    new = frame.iloc[:0]
    if counts.any() or extra.any():
        new = _rows.build_rows(counts, extra, planted_points, mix, months, rng)

    frame = frame.copy()
    violence = frame["Crime type"].isin(VIOLENCE_TYPES).to_numpy()
    records = []
    kept = [m for m in range(n_months) if m != gap]
    for q, (name, index, label, own) in enumerate(chosen):
        at = at_point(frame, points, index)
        if not own:  # a planted label becomes the point's label in every row
            frame.loc[at, "Location"] = label
        own_rows = np.bincount(frame["month_index"][at & violence], None, n_months)
        records.append(
            point_record(
                name,
                index,
                label,
                own,
                points,
                counts=counts[:, q],
                months=months,
                kept=kept,
                mean=means[q],
                background_rows=own_rows,
                expected=background[index],
            )
        )
    merged = _interleave(frame, new, rng)
    if gap is not None:
        records.append(
            {
                "kind": "month_gap",
                "description": "a month the force did not supply: no file at all",
                "month": months[gap],
                "file": _rows.month_file(months[gap]),
                "rows_withheld": int((merged["month_index"] == gap).sum()),
            }
        )
        merged = merged[merged["month_index"] != gap].reset_index(drop=True)
    if "missing_shift" in names:
        records.append(_shift_record(merged, months, start, int(extra.sum())))
    logger.info(
        "Planted data-quality artefacts (SYNTHETIC): %s.",
        "; ".join(_summary(r) for r in records),
    )
    return Planted(
        frame=merged,
        bad_rows=_renumber(merged, bad_rows, months),
        records=records,
        gap=gap,
    )


def _shift_record(frame, months, start, n_added) -> dict:
    violence = frame[frame["Crime type"].isin(VIOLENCE_TYPES)]
    missing = violence["Location"] == _rows.NO_LOCATION
    after = violence["month_index"] >= start
    return {
        "kind": "missing_shift",
        "description": (
            "violence rows with no location ('No Location', blank coordinates) are "
            "added from this month, so their share of violence rows is about "
            f"{MISSING_FACTOR:g} times the usual share; located rows are unchanged"
        ),
        "from": months[start],
        "factor": MISSING_FACTOR,
        "crime_types": list(VIOLENCE_TYPES),
        "rows": n_added,
        "share_before": round(float(missing[~after].mean()), _SHARE_DECIMALS),
        "share_after": round(float(missing[after].mean()), _SHARE_DECIMALS),
    }


def _summary(record: dict) -> str:
    kind = record["kind"]
    if kind == "month_gap":
        return f"no file for {record['month']}"
    if kind == "missing_shift":
        return (
            f"no-location share of violence {record['share_before']:.1%} -> "
            f"{record['share_after']:.1%} from {record['from']}"
        )
    return f"{kind} '{record['location']}' ({record['rows']} rows)"
