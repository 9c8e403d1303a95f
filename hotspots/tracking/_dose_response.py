"""Monthly crimes against patrol hours at hot spots: :func:`dose_response`.

Fits ``E[count_pm] = exp(a_p + c_m + beta * hours_pm / per_hours)`` with one
effect per place ``p`` and per month ``m`` by
:func:`hotspots.design.fit_fe_poisson` (which matches statsmodels' Poisson GLM
with dummies and place-clustered errors), and reports ``exp(beta)``. The rules
and caveats are in docs/methods/compliance.md.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hotspots._validate import check_positive
from hotspots.design._fepois import FEPoissonFit, fit_fe_poisson
from hotspots.exceptions import SchemaError

__all__ = [
    "FEW_MONTHS",
    "FEW_PLACES",
    "LOW_WITHIN_SHARE",
    "DoseResponse",
    "dose_response",
]

logger = logging.getLogger(__name__)

#: Fewer places (clusters) than this: the cluster-robust interval is unreliable.
FEW_PLACES = 30
#: Fewer whole tracked months than this: each place's hours are compared over too
#: few months for the within-place contrast to mean much.
FEW_MONTHS = 6
#: Below this share of the patrol hours' spread left within places, the fit
#: rests on little variation.
LOW_WITHIN_SHARE = 0.2

#: Caveats every dose-response estimate carries.
GENERAL_CAVEATS = (
    "Patrol hours were not randomised unless a testing design assigned them: "
    "patrols go where crime is, so places and months with more crime may draw "
    "more patrol (reverse causation), pulling the ratio up towards or above 1.",
    "Place and month effects remove stable differences between places and "
    "changes shared by all places in a month, not changes at one place that "
    "both draw patrols and change crime (a new bar, an event, a crackdown).",
    "Only tracked patrol counts: units without a tracked radio or camera, or "
    "with tracking off, are missing from the hours, which weakens the link.",
    "The model assumes every extra block of hours multiplies crime by the same "
    "ratio; visit-level studies suggest the benefit of time in a hot spot levels "
    "off (Koper 1995), so read the ratio near the hours actually delivered.",
    "Recorded crime can rise with patrol (more offences seen, such as drugs or "
    "weapons possession); choose an outcome patrols do not detect themselves.",
)


@dataclass(frozen=True, eq=False)
class DoseResponse:
    """Monthly crimes at hot spots against patrol hours, as an incidence rate ratio.

    Attributes
    ----------
    estimate : float
        Incidence rate ratio for ``per_hours`` more patrol hours in a month at
        a place: below 1 means fewer crimes in months with more patrol.
    ci_low, ci_high : float
        Its confidence interval (t with places - 1 degrees of freedom,
        place-clustered errors).
    p_value : float
        Two-sided p-value of no association.
    beta, se : float
        Log ratio and its cluster-robust standard error.
    per_hours : float
        Patrol hours per month the ratio refers to.
    outcome : str
        Panel column modelled.
    n_places, n_months, n_obs : int
        Places, months and place-months behind the fit (places and months with
        no crimes carry no information and are set aside).
    table : pandas.DataFrame
        The joined data: ``place_id``, ``month``, ``outcome``,
        ``patrol_minutes``, ``patrol_hours``.
    caveats : tuple of str
        What the estimate can and cannot say.
    rules : dict
        Settings and what the join kept and dropped.
    ci_level : float
        Confidence level (0.95).
    fit : FEPoissonFit
        The underlying fit.
    """

    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    beta: float
    se: float
    per_hours: float
    outcome: str
    n_places: int
    n_months: int
    n_obs: int
    table: pd.DataFrame
    caveats: tuple[str, ...]
    rules: dict
    ci_level: float = 0.95
    fit: FEPoissonFit | None = field(default=None, repr=False)

    @property
    def measure(self) -> str:
        """What :attr:`estimate` is, in words."""
        return f"incidence rate ratio per {self.per_hours:g} patrol hours a month"

    def to_frame(self) -> pd.DataFrame:
        """One tidy row: measure, estimate, interval, p-value and counts."""
        return pd.DataFrame(
            [
                {
                    "measure": self.measure,
                    "outcome": self.outcome,
                    "estimate": self.estimate,
                    "ci_low": self.ci_low,
                    "ci_high": self.ci_high,
                    "ci_level": self.ci_level,
                    "p_value": self.p_value,
                    "n_places": self.n_places,
                    "n_months": self.n_months,
                    "n_obs": self.n_obs,
                }
            ]
        )

    def __str__(self) -> str:
        if not math.isfinite(self.estimate):
            head = f"Dose-response ({self.measure}): not estimable."
        else:
            head = (
                f"Dose-response: {self.measure} {self.estimate:.3f} "
                f"({self.ci_level:.0%} CI {self.ci_low:.3f} to {self.ci_high:.3f}, "
                f"p = {self.p_value:.3g}); {self.n_places} places, "
                f"{self.n_months} months."
            )
        return "\n".join([head, *(f"- {c}" for c in self.caveats)])


def _monthly(dosage) -> tuple[pd.DataFrame, pd.Timestamp, pd.Timestamp, list, bool]:
    """Monthly dosage, the first and last tracked dates, places, and from_frame."""
    if hasattr(dosage, "by_month") and hasattr(dosage, "table"):
        monthly = dosage.by_month()
        dates = pd.to_datetime(dosage.table["date"])
        places = getattr(dosage, "places", None)
        if places is None or len(places) == 0:
            places = pd.unique(dosage.table["place_id"])
        places = list(places)
        return monthly, dates.min(), dates.max(), places, False
    if isinstance(dosage, pd.DataFrame):
        missing = {"place_id", "month", "patrol_minutes"} - set(dosage.columns)
        if missing:
            raise SchemaError(
                f"dosage frame lacks columns {sorted(missing)}; pass a Dosage or "
                "Dosage.by_month()."
            )
        months = _month(dosage["month"])
        last = months.max() + pd.offsets.MonthEnd(0)
        return dosage, months.min(), last, list(pd.unique(dosage["place_id"])), True
    raise TypeError(
        "dosage must be a Dosage (from hotspots.tracking.dosage) or its by_month() "
        f"frame; got {type(dosage).__name__}."
    )


def _month(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.to_period("M").dt.to_timestamp().dt.as_unit("ns")


def _check_panel(panel, outcome: str) -> pd.DataFrame:
    if not isinstance(panel, pd.DataFrame):
        raise TypeError(
            "panel must be a DataFrame with place_id, month and the outcome (e.g. "
            f"from hotspots.panel); got {type(panel).__name__}."
        )
    missing = [c for c in ("place_id", "month", outcome) if c not in panel.columns]
    if missing:
        raise SchemaError(
            f"panel lacks columns {missing}; columns present: {list(panel.columns)}. "
            "Rename the place column to place_id, or pass outcome= naming the counts."
        )
    data = panel[["place_id", "month", outcome]].copy()
    data["month"] = _month(data["month"])
    values = pd.to_numeric(data[outcome], errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError(
            f"panel[{outcome!r}] must hold counts (or weights) >= 0 with no missing "
            "values; fill or drop the bad rows first."
        )
    data[outcome] = values
    repeated = data.duplicated(["place_id", "month"])
    if repeated.any():
        raise SchemaError(
            f"panel has {int(repeated.sum())} repeated place-months (first: "
            f"{data.loc[repeated, 'place_id'].iloc[0]!r}); one row per place and "
            "month is needed."
        )
    return data


def dose_response(
    panel: pd.DataFrame, dosage, *, outcome: str = "count", per_hours: float = 10.0
) -> DoseResponse:
    """Association of monthly crimes at hot spots with monthly patrol hours.

    Parameters
    ----------
    panel : pandas.DataFrame
        One row per place and month: ``place_id``, ``month`` (any date in the
        month; the first is used) and ``outcome`` (e.g. the output of
        :func:`hotspots.panel`).
    dosage : Dosage or pandas.DataFrame
        A Dosage (its ``by_month()``, tracked dates and places) or a
        ``by_month()`` frame (``place_id``, ``month``, ``patrol_minutes``),
        whose months are then all taken as fully tracked.
    outcome : str, default "count"
        Panel column to model (counts, or harm weights: Poisson
        pseudo-likelihood).
    per_hours : float, default 10.0
        Patrol hours a month the ratio refers to.

    Returns
    -------
    DoseResponse

    Raises
    ------
    TypeError, SchemaError, ValueError
        On inputs of the wrong type, missing columns, negative or missing
        outcomes, repeated place-months, or no place-month left after the join.

    Notes
    -----
    Months wholly inside the dosage's dates are used. A place-month of a
    tracked place with no dosage row inside them counts as zero patrol
    minutes; panel rows in months outside them (or only partly tracked), and
    rows of places the dosage did not track, are dropped, with a log line.
    Patrol hours are the dosage's ``patrol_minutes`` / 60 (time with at least
    one unit present).
    """
    per_hours = check_positive(per_hours, "per_hours")
    data = _check_panel(panel, outcome)
    monthly, first, last, places, from_frame = _monthly(dosage)
    if from_frame:
        logger.info(
            "dosage is a monthly frame: every month in it is taken as fully tracked."
        )
    starts = pd.date_range(first.to_period("M").to_timestamp(), last, freq="MS")
    full = [m for m in starts if m >= first and m + pd.offsets.MonthEnd(0) <= last]
    partial = [m.strftime("%Y-%m") for m in starts if m not in full]
    tracked = data["place_id"].isin(places)
    inside = data["month"].isin(full)
    kept = data[tracked & inside]
    not_tracked = sorted(map(str, pd.unique(data.loc[~tracked, "place_id"])))
    no_outcome = [p for p in places if p not in set(kept["place_id"])]
    if kept.empty:
        raise ValueError(
            f"no place-month of the panel is inside the tracked months "
            f"({first.date()} to {last.date()}, whole months only) for a tracked "
            "place; check the panel's months and place ids."
        )
    dose = monthly.assign(month=_month(monthly["month"]))
    dose = dose.groupby(["place_id", "month"], as_index=False)["patrol_minutes"].sum()
    joined = kept.merge(dose, on=["place_id", "month"], how="left")
    zero_filled = int(joined["patrol_minutes"].isna().sum())
    joined["patrol_minutes"] = joined["patrol_minutes"].fillna(0.0).astype(float)
    joined["patrol_hours"] = joined["patrol_minutes"] / 60.0
    order = {p: i for i, p in enumerate(places)}
    joined = joined.sort_values(
        ["place_id", "month"], key=lambda s: s.map(order) if s.name == "place_id" else s
    ).reset_index(drop=True)
    logger.info(
        "dose_response: %d place-months used (%s to %s); %d outside the tracked "
        "months or in months only partly tracked (%s) dropped; %d of places the "
        "dosage did not track dropped; %d with no dosage row counted as 0 minutes.",
        len(joined),
        min(full).strftime("%Y-%m"),
        max(full).strftime("%Y-%m"),
        int((tracked & ~inside).sum()),
        ", ".join(partial) or "none",
        int((~tracked).sum()),
        zero_filled,
    )

    y_frame = joined.pivot(index="place_id", columns="month", values=outcome)
    d_frame = joined.pivot(index="place_id", columns="month", values="patrol_hours")
    y = y_frame.to_numpy(dtype=float)
    d = np.nan_to_num(d_frame.to_numpy(dtype=float)) / per_hours
    fit = fit_fe_poisson(y, d)
    ci = fit.ci(0.95)
    n_places, n_months = _used(y)
    caveats = _caveats(fit, joined, n_places, partial)
    rules = {
        "outcome": outcome,
        "per_hours": per_hours,
        "dose": "patrol_minutes / 60 (time with at least one unit present)",
        "model": "Poisson, place and month fixed effects, errors clustered by place",
        "ci": "t with places - 1 degrees of freedom",
        "tracked_first_date": first.date().isoformat(),
        "tracked_last_date": last.date().isoformat(),
        "months": [m.strftime("%Y-%m") for m in full],
        "months_partly_tracked": partial,
        "place_months_outside_dropped": int((tracked & ~inside).sum()),
        "place_months_zero_filled": zero_filled,
        "places_not_tracked": not_tracked,
        "places_without_outcome": no_outcome,
        "dosage_from_frame": from_frame,
    }
    return DoseResponse(
        estimate=fit.irr,
        ci_low=ci[0],
        ci_high=ci[1],
        p_value=fit.p_value,
        beta=fit.beta,
        se=fit.se,
        per_hours=per_hours,
        outcome=outcome,
        n_places=n_places,
        n_months=n_months,
        n_obs=fit.n_obs,
        table=joined[["place_id", "month", outcome, "patrol_minutes", "patrol_hours"]],
        caveats=caveats,
        rules=rules,
        fit=fit,
    )


def _used(y: np.ndarray) -> tuple[int, int]:
    """Places and months with crimes (the rest carry no information)."""
    y = np.where(np.isfinite(y), y, 0.0)
    rows = y.sum(axis=1) > 0
    cols = y[rows].sum(axis=0) > 0
    return int(rows.sum()), int(cols.sum())


def _caveats(fit, joined: pd.DataFrame, n_places: int, partial: list) -> tuple:
    notes = list(GENERAL_CAVEATS)
    if not math.isfinite(fit.beta):
        notes.insert(
            0,
            "Not estimable: no crimes in the place-months used, or patrol hours "
            "that do not vary within places and months.",
        )
    if n_places < FEW_PLACES:
        notes.append(
            f"Only {n_places} places: with fewer than {FEW_PLACES} clusters the "
            "cluster-robust interval can be too narrow; treat it as rough."
        )
    n_months = int(joined["month"].nunique())
    if n_months < FEW_MONTHS:
        notes.append(
            f"Only {n_months} whole tracked month(s): each place is compared with "
            f"itself over fewer than {FEW_MONTHS} months, so the ratio rests on "
            "very few changes in patrol hours; read it as no evidence either way "
            "unless its interval is narrow."
        )
    hours = joined["patrol_hours"].to_numpy(dtype=float)
    within = hours - joined.groupby("place_id")["patrol_hours"].transform("mean")
    spread = float(np.std(hours))
    if spread > 0 and float(np.std(within)) / spread < LOW_WITHIN_SHARE:
        notes.append(
            "Patrol hours vary mostly between places, little from month to month "
            "within a place, and the fit rests on that little."
        )
    if partial:
        notes.append(f"Months only partly tracked were left out: {', '.join(partial)}.")
    return tuple(notes)
