"""Funnel plots of rates by force with control limits (Spiegelhalter 2005a, 2005b).

:func:`funnel` does the statistics and returns a :class:`Funnel`; the plot and the
HTML page live in :mod:`hotspots.forces._funnel_plot` and the array cores (limits,
winsorising, phi, tau²) in :mod:`hotspots.forces._funnel_limits`.
"""

from __future__ import annotations

import logging
import math
import numbers
import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from hotspots._validate import check_positive
from hotspots.exceptions import HotspotsWarning
from hotspots.forces import _funnel_limits as lim
from hotspots.forces._funnel_input import check_rate_table, unknown_units_message
from hotspots.forces._funnel_result import Funnel
from hotspots.forces._funnel_text import position_labels

__all__ = ["DEFAULT_LEVELS", "DISPERSION_ALPHA", "Funnel", "funnel"]

logger = logging.getLogger(__name__)

#: Control levels drawn by default: 95% ("warning") and 99.8% ("alarm") limits,
#: about 2 and 3 standard errors (Spiegelhalter 2005a).
DEFAULT_LEVELS = (0.95, 0.998)
#: With ``overdispersion=None``, a dispersion test p below this warns that the
#: plain Poisson limits will flag too many forces.
DISPERSION_ALPHA = 0.05
_OVERDISPERSION = ("additive", "multiplicative", None)


def funnel(
    table: pd.DataFrame,
    *,
    count: str = "count",
    population: str = "population",
    unit: str = "force",
    per: float = 1000,
    target: float | None = None,
    levels: Sequence[float] = DEFAULT_LEVELS,
    overdispersion: Literal["additive", "multiplicative"] | None = "additive",
    winsorise: float = 0.1,
    exact: bool | Literal["auto"] = "auto",
    highlight: str | None = None,
    measure: str = "offences",
) -> Funnel:
    """Compare forces' rates with funnel-plot control limits (Spiegelhalter 2005).

    Parameters
    ----------
    table : pandas.DataFrame
        One row per force: a name column (``unit``), a count of offences
        (``count``, whole numbers >= 0) and residents (``population``, > 0).
        Other columns are ignored; the table is not changed.
    count, population, unit : str
        Column names; the output keeps them.
    per : float, default 1000
        Rates are per this many residents.
    target : float, optional
        Target rate theta, **per ``per`` residents** (like ``rate``). None = the
        pooled rate ``sum(count) / sum(population)`` (logged and recorded).
    levels : sequence of float, default (0.95, 0.998)
        Two-sided control levels.
    overdispersion : {"additive", "multiplicative"} or None, default "additive"
        ``"additive"``: a random-effects variance tau² (DerSimonian-Laird style,
        Spiegelhalter 2005b) is added to each force's Poisson variance;
        ``"multiplicative"``: the Poisson variance is multiplied by phi when
        ``phi > 1``; None: plain Poisson limits (a ``HotspotsWarning`` when the
        dispersion test says they will flag too many forces).
    winsorise : float, default 0.1
        Before phi is estimated, z-scores are pulled in to their 10th and 90th
        percentiles (as FunnelPlotR does), so that outlying forces do not inflate
        it. 0 = no winsorising.
    exact : bool or "auto", default "auto"
        Unadjusted limits: ``"auto"`` = exact interpolated Poisson limits where
        theta x population < 100 (:data:`EXACT_BELOW`), else the normal
        approximation; True/False force one. Limits widened for overdispersion
        always use the normal approximation.
    highlight : str, optional
        A force to draw distinctly in :meth:`Funnel.plot`.
    measure : str, default "offences"
        What is counted, for labels and :meth:`Funnel.sentence`, e.g.
        ``"serious-violence offences"``.

    Returns
    -------
    Funnel

    Raises
    ------
    ValueError
        Missing columns (:class:`~hotspots.exceptions.SchemaError`), duplicate
        forces, negative or fractional counts, zero or missing populations, no
        offences at all, bad options, fewer than two forces with an
        overdispersion adjustment, or an unknown ``highlight``.

    Notes
    -----
    For force i with O_i offences and n_i residents, ``y_i = O_i / n_i`` and
    ``z_i = (y_i - theta) / sqrt(theta / n_i)``. ``phi = mean(z_w²)`` over the
    winsorised z-scores; ``tau² = (I phi - (I - 1)) / (sum w - sum w² / sum w)``
    with ``w_i = n_i / theta`` (0 when ``I phi <= I - 1``). Limits are ``theta ±
    z_p sqrt(phi theta / n)`` (multiplicative) or ``theta ± z_p sqrt(theta / n +
    tau²)`` (additive). See ``docs/methods/forces.md``.

    References
    ----------
    Spiegelhalter, D. J. (2005a). Funnel plots for comparing institutional
    performance. Statistics in Medicine 24(8), 1185-1202.
    Spiegelhalter, D. J. (2005b). Handling over-dispersion of performance
    indicators. Quality and Safety in Health Care 14(5), 347-351.
    Mainey, C. et al. FunnelPlotR (R package), NHS-R Community.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"force": ["A", "B", "C", "D", "E"],
    ...                   "count": [520, 610, 450, 700, 480],
    ...                   "population": [50_000, 48_000, 52_000, 55_000, 47_000]})
    >>> f = funnel(t, target=10, overdispersion="multiplicative", winsorise=0)
    >>> round(f.phi, 4)
    17.3107
    >>> f.limits([50_000]).round(5).iloc[0].tolist()[:3]
    [50000.0, 6.35313, 13.64687]
    """
    per = check_positive(per, "per")
    levels_ = lim.check_levels(levels)
    if overdispersion not in _OVERDISPERSION:
        raise ValueError(
            f"overdispersion must be 'additive', 'multiplicative' or None; "
            f"got {overdispersion!r}"
        )
    if exact not in ("auto", True, False):
        raise ValueError(f"exact must be 'auto', True or False; got {exact!r}")
    if not isinstance(winsorise, numbers.Real) or not 0 <= winsorise < 0.5:
        raise ValueError(f"winsorise must be >= 0 and < 0.5; got {winsorise!r}")
    reserved = [*_OUTPUT_COLUMNS, *_limit_columns(levels_)]
    data = check_rate_table(
        table, unit=unit, count=count, population=population, reserved=reserved
    )
    if overdispersion is not None and len(data) < 2:
        raise ValueError(
            "funnel: estimating overdispersion needs at least 2 forces; got "
            f"{len(data)}. Pass overdispersion=None."
        )
    if highlight is not None and str(highlight) not in set(data[unit]):
        raise ValueError(
            f"funnel: highlight {unknown_units_message([highlight], data[unit])} "
            f"is not in column {unit!r}."
        )
    o = data[count].to_numpy(dtype=float)
    n = data[population].to_numpy(dtype=float)
    theta = _resolve_target(target, o, n, per)
    expected = theta * n
    z = (o - expected) / np.sqrt(expected)
    phi = lim.dispersion_phi(lim.winsorise_z(z, winsorise))
    tau2 = lim.tau2_dersimonian_laird(phi, theta / n)
    dispersion_p = lim.dispersion_test_p(phi, len(z))
    adjusted = (overdispersion == "multiplicative" and phi > 1) or (
        overdispersion == "additive" and tau2 > 0
    )
    _report_dispersion(overdispersion, phi, tau2, dispersion_p, adjusted, per)
    result = Funnel(
        table=pd.DataFrame(),
        theta=theta * per,
        phi=phi,
        tau2=tau2 * per**2,
        overdispersion=overdispersion,
        per=per,
        levels=levels_,
        highlight=None if highlight is None else str(highlight),
        adjusted=adjusted,
        dispersion_p=dispersion_p,
        exact=exact,
        winsorise=float(winsorise),
        target_auto=target is None,
        unit=unit,
        count=count,
        population=population,
        measure=str(measure),
    )
    out = data.copy()
    out["rate"] = o / n * per
    out["expected"] = expected
    out["z"] = z
    out["z_adjusted"] = _adjusted_z(result, o, n, z)
    limits = result.limits(n)
    for column in _limit_columns(levels_):
        out[column] = limits[column].to_numpy()
    out["position"] = _positions(out, levels_)
    out["rank"] = out["rate"].rank(ascending=False, method="min").astype("int64")
    out = out.sort_values(["rank", unit], kind="stable").reset_index(drop=True)
    if exact is not False and not adjusted:
        small = int(np.sum(expected < lim.EXACT_BELOW)) if exact == "auto" else len(n)
        logger.info("Exact Poisson limits used for %d of %d forces.", small, len(n))
    out.attrs["hotspots"] = {
        "theta": theta * per,
        "target_auto": target is None,
        "per": per,
        "phi": phi,
        "tau2": tau2 * per**2,
        "overdispersion": overdispersion,
        "adjusted": adjusted,
        "winsorise": float(winsorise),
        "exact": exact,
        "levels": list(levels_),
    }
    object.__setattr__(result, "table", out)
    return result


_OUTPUT_COLUMNS = ("rate", "expected", "z", "z_adjusted", "position", "rank")


def _limit_columns(levels: Sequence[float]) -> list[str]:
    return [
        f"{side}_{lim.level_name(level)}"
        for level in levels
        for side in ("low", "high")
    ]


def _resolve_target(target: float | None, o: np.ndarray, n: np.ndarray, per: float):
    """Return theta per resident: the given target, or the pooled rate (logged)."""
    if target is not None:
        return check_positive(target, "target") / per
    if o.sum() == 0:
        raise ValueError(
            "funnel: no offences in any force, so there is no pooled rate to compare "
            "with. Check the offence group and period, or pass target=."
        )
    theta = float(o.sum() / n.sum())
    logger.info(
        "Target set to the pooled rate: %.4g per %s residents (%d offences / %d "
        "residents over %d forces). Pass target= to override.",
        theta * per,
        f"{per:,.0f}",
        o.sum(),
        n.sum(),
        len(o),
    )
    return theta


def _report_dispersion(overdispersion, phi, tau2, p, adjusted, per) -> None:
    """Log the overdispersion estimates; warn when plain limits will mislead."""
    logger.info(
        "Overdispersion: phi = %.3f (winsorised z-scores), tau = %.4g per %s "
        "residents, dispersion test p = %.3g; adjustment %s.",
        phi,
        math.sqrt(tau2) * per,
        f"{per:,.0f}",
        p,
        f"applied ({overdispersion})" if adjusted else "not applied",
    )
    if overdispersion is None and p < DISPERSION_ALPHA:
        warnings.warn(
            f"Forces vary more than Poisson chance allows (phi = {phi:.2f}, "
            f"p = {p:.2g}), so plain Poisson limits flag forces that are not "
            "unusual. Use overdispersion='additive' (the default) or "
            "'multiplicative'.",
            HotspotsWarning,
            stacklevel=3,
        )


def _adjusted_z(result: Funnel, o: np.ndarray, n: np.ndarray, z: np.ndarray):
    """Return z-scores with the applied overdispersion allowed for."""
    if not result.adjusted:
        return z
    if result.overdispersion == "multiplicative":
        return z / math.sqrt(result.phi)
    theta = result.theta / result.per
    return (o / n - theta) / np.sqrt(theta / n + result.tau2 / result.per**2)


def _positions(table: pd.DataFrame, levels: tuple[float, ...]) -> np.ndarray:
    """Label each rate against the limits, outermost level first."""
    labels = position_labels(levels)
    position = np.full(len(table), labels["within"], dtype=object)
    rate = table["rate"].to_numpy()
    for level in levels:  # ascending: wider limits overwrite narrower ones
        name = lim.level_name(level)
        position[rate > table[f"high_{name}"].to_numpy()] = labels[("above", level)]
        position[rate < table[f"low_{name}"].to_numpy()] = labels[("below", level)]
    return position
