"""Plots of delivered patrols: compliance by hot spot and week, and visit lengths."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from hotspots.tracking._compliance import Compliance
from hotspots.tracking._compliance_plan import PatrolPlan

__all__ = ["KOPER_BAND", "plot_compliance", "plot_visit_lengths"]

#: Visit minutes marked on :func:`plot_visit_lengths`: from Koper's (1995)
#: threshold of about 10 minutes to the end of his 11-15 minute optimum.
KOPER_BAND = (10.0, 16.0)
#: At most this many hot spot (row) and period (column) labels are written.
_MAX_ROW_LABELS = 40
_MAX_COLUMN_LABELS = 16
#: Cells are annotated with "compliant/plan days" when the grid is this small.
_MAX_ANNOTATED_CELLS = 400
#: The histogram's x axis ends between these minutes (longer visits are drawn
#: in its last bar).
_MIN_AXIS_MINUTES, _MAX_AXIS_MINUTES = 30, 120


def _pyplot(name: str):
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:  # pragma: no cover - matplotlib is a dependency
        raise ImportError(f"{name} needs matplotlib: pip install matplotlib") from err
    return plt


def _every(n: int, most: int) -> int:
    return max(1, math.ceil(n / most))


def plot_compliance(compliance: Compliance, ax=None, *, title: str | None = None):
    """Heat map of the share of plan days compliant, hot spot by week.

    Parameters
    ----------
    compliance : Compliance
        From :func:`compliance`.
    ax : matplotlib Axes, optional
        Where to draw; None makes a new figure.
    title : str, optional
        Plot title; None = what the plan asked for. Label plots of synthetic
        data "SYNTHETIC DATA".

    Returns
    -------
    matplotlib Axes

    Notes
    -----
    Rows are hot spots in the order of the places given to
    :func:`hotspots.tracking.dosage` (rank order when they came from
    :func:`hotspots.select_places`), columns the weeks (or months) of
    :attr:`Compliance.table`. The colour is the share of the period's plan
    days with the planned visits (viridis: dark is low, yellow is full
    compliance). Periods without plan days are grey. Small grids carry
    "compliant/plan days" in each cell.
    """
    if not isinstance(compliance, Compliance):
        raise TypeError(
            "compliance must be the Compliance returned by compliance(); got "
            f"{type(compliance).__name__}."
        )
    plt = _pyplot("plot_compliance")
    period = compliance.period
    places = list(compliance.places["place_id"])
    table = compliance.table
    share = table.pivot(index="place_id", columns=period, values="share_compliant")
    share = share.reindex(index=places)
    done = table.pivot(index="place_id", columns=period, values="days_compliant")
    days = table.pivot(index="place_id", columns=period, values="days")
    done, days = done.reindex(index=places), days.reindex(index=places)
    if ax is None:
        height = min(2.0 + 0.28 * len(places), 14.0)
        width = min(4.0 + 0.5 * share.shape[1], 16.0)
        _, ax = plt.subplots(figsize=(width, height))
    cmap = plt.get_cmap("viridis").with_extremes(bad="0.85")
    values = np.ma.masked_invalid(share.to_numpy(dtype=float))
    image = ax.imshow(
        values, cmap=cmap, vmin=0.0, vmax=1.0, aspect="auto", interpolation="nearest"
    )
    bar = ax.figure.colorbar(image, ax=ax, fraction=0.05, pad=0.02)
    bar.set_label("share of plan days with the planned visits")
    bar.set_ticks([0, 0.25, 0.5, 0.75, 1.0], labels=["0%", "25%", "50%", "75%", "100%"])
    n_rows, n_cols = share.shape
    step = _every(n_rows, _MAX_ROW_LABELS)
    rows = np.arange(0, n_rows, step)
    # place ids are data: a "$" must not switch matplotlib into maths mode
    ax.set_yticks(rows, labels=[str(places[i]) for i in rows], parse_math=False)
    step = _every(n_cols, _MAX_COLUMN_LABELS)
    cols = np.arange(0, n_cols, step)
    fmt = "%d %b %Y" if period == "week" else "%b %Y"
    labels = [pd.Timestamp(share.columns[i]).strftime(fmt) for i in cols]
    ax.set_xticks(cols, labels=labels, rotation=45, ha="right")
    if n_rows * n_cols <= _MAX_ANNOTATED_CELLS:
        for i in range(n_rows):
            for j in range(n_cols):
                if days.iat[i, j] > 0:
                    dark = share.iat[i, j] < 0.6
                    ax.text(
                        j,
                        i,
                        f"{done.iat[i, j]:.0f}/{days.iat[i, j]:.0f}",
                        ha="center",
                        va="center",
                        fontsize="x-small",
                        color="white" if dark else "black",
                    )
    first = "Monday" if period == "week" else "1st"
    ax.set_xlabel(f"{period} starting ({first}, local time)")
    ax.set_ylabel("hot spot (in the order of the places given)")
    ax.set_title(title or f"Days meeting the plan\n{compliance.plan.describe()}")
    return ax


def plot_visit_lengths(
    dosage, ax=None, *, plan: PatrolPlan | None = None, title: str | None = None
):
    """Histogram of visit lengths with Koper's 10-16 minute band and the plan's minimum.

    Parameters
    ----------
    dosage : Dosage
        From :func:`hotspots.tracking.dosage`; its ``visits["minutes"]`` are
        drawn, one count per visit of a unit to a hot spot.
    ax : matplotlib Axes, optional
        Where to draw; None makes a new figure.
    plan : PatrolPlan, optional
        Its ``min_visit_minutes`` is drawn as a dashed line; None = the default
        plan's 15 minutes.
    title : str, optional
        Plot title; None = "Visit lengths (n visits)".

    Returns
    -------
    matplotlib Axes

    Notes
    -----
    One-minute bars. The axis runs to the 99th percentile of visit minutes
    rounded up to 5 minutes (at least 30, at most 120); longer visits are
    counted in the last bar, as the legend says. The shaded band is
    :data:`KOPER_BAND`: Koper (1995) found that stops of about 10 minutes or
    more were followed by longer spells without disorder than drive-bys,
    with the most benefit at 11-15 minutes.
    """
    visits = getattr(dosage, "visits", None)
    if not isinstance(visits, pd.DataFrame) or "minutes" not in visits.columns:
        raise TypeError(
            "dosage must be the Dosage returned by dosage() (its visits need a "
            f"'minutes' column); got {type(dosage).__name__}."
        )
    if plan is None:
        plan = PatrolPlan()
    elif not isinstance(plan, PatrolPlan):
        raise TypeError(
            f"plan must be a PatrolPlan or None; got {type(plan).__name__}."
        )
    plt = _pyplot("plot_visit_lengths")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    minutes = visits["minutes"].to_numpy(dtype=float)
    minutes = minutes[np.isfinite(minutes)]
    q99 = float(np.quantile(minutes, 0.99)) if len(minutes) else 0.0
    upper = int(min(max(math.ceil(q99 / 5) * 5, _MIN_AXIS_MINUTES), _MAX_AXIS_MINUTES))
    over = int((minutes >= upper).sum())
    bins = np.arange(0, upper + 2, 1.0)
    ax.hist(
        np.minimum(minutes, upper + 0.5),
        bins=bins,
        color="0.45",
        zorder=2,
        label="visits",
    )
    low, high = KOPER_BAND
    ax.axvspan(
        low,
        high,
        color="C2",
        alpha=0.25,
        zorder=0,
        label=f"{low:g}–{high:g} min (Koper 1995)",
    )
    reach = float((minutes >= plan.min_visit_minutes).mean()) if len(minutes) else 0.0
    ax.axvline(
        plan.min_visit_minutes,
        color="C3",
        ls="--",
        lw=1.5,
        zorder=3,
        label=f"plan minimum {plan.min_visit_minutes:g} min ({reach:.0%} of visits)",
    )
    if over:
        ax.plot([], [], " ", label=f"last bar: {over:,} visits of {upper}+ min")
    if not len(minutes):
        ax.text(0.5, 0.5, "no visits", transform=ax.transAxes, ha="center")
    ax.set_xlim(0, upper + 1)
    ax.set_ylim(0, max(ax.get_ylim()[1], 1.0) * 1.3)  # room for the legend
    ax.set_xlabel("visit length (minutes)")
    ax.set_ylabel("visits")
    ax.set_title(title or f"Visit lengths ({len(minutes):,} visits)")
    ax.legend(loc="best", fontsize="small", framealpha=0.9)
    return ax
