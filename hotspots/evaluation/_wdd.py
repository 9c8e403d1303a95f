"""Weighted displacement difference test (Wheeler & Ratcliffe 2018): :func:`wdd`."""

from __future__ import annotations

import math
import numbers

from scipy import stats

from hotspots.evaluation._displacement import _count
from hotspots.evaluation._effect import Effect

__all__ = ["SELECTION_CAVEAT", "wdd"]

#: Below this many crimes in the places and rings together, before or after, the
#: normal approximation behind the interval and p-value is flagged as rough.
_SMALL_COUNT = 20
#: An unscaled control with more than this many times (or fewer than 1 / this) the
#: crimes of the area it stands for gets a caveat suggesting ``scale_control=True``.
_SIZE_RATIO = 2.0

_METHOD = (
    "weighted displacement difference (Wheeler & Ratcliffe 2018), Poisson variance, "
    "normal approximation"
)

#: Caveat for a WDD whose before period overlaps the months the places were chosen
#: on (added by :func:`hotspots.evaluate`).
SELECTION_CAVEAT = (
    "the WDD's before period overlaps the months the places were chosen on, so it "
    "counts their fall from a busy year (regression to the mean) as a change; the "
    "DiD estimates the effect without it"
)


def _pair(before, after, names: tuple[str, str]) -> tuple[float, float] | None:
    """Validate an optional (before, after) pair of control counts."""
    if before is None and after is None:
        return None
    if before is None or after is None:
        raise ValueError(
            f"pass both {names[0]} and {names[1]}, or neither; got "
            f"{names[0]}={before!r}, {names[1]}={after!r}"
        )
    return _count(before, names[0]), _count(after, names[1])


def _term(
    before: float, after: float, control: tuple[float, float] | None, scale: bool
) -> tuple[float, float]:
    """Return (estimate, variance) of one area's change net of its control's."""
    if control is None:
        return after - before, after + before
    c_before, c_after = control
    if not scale:
        return (after - before) - (c_after - c_before), (
            before + after + c_before + c_after
        )
    ratio, weight = c_after / c_before, before / c_before
    variance = after + before * ratio**2 + weight**2 * (c_after + ratio**2 * c_before)
    return after - before * ratio, variance


def _size_caveat(area: float, control: float, what: str) -> str | None:
    if area > 0 and control > 0 and 1 / _SIZE_RATIO <= control / area <= _SIZE_RATIO:
        return None
    return (
        f"the control had {control:,.0f} crimes before against {area:,.0f} in {what}: "
        "unscaled, the WDD takes the control's change in crimes as the change they "
        "would have seen, which needs a control of about their size; pass "
        "scale_control=True to scale it"
    )


def wdd(
    rb: float,
    ra: float,
    bb: float,
    ba: float,
    cb: float | None = None,
    ca: float | None = None,
    *,
    cdb: float | None = None,
    cda: float | None = None,
    scale_control: bool = False,
    ci_level: float = 0.95,
) -> Effect:
    r"""Weighted displacement difference test of a place-based intervention.

    Parameters
    ----------
    rb, ra : float
        Crimes in the response (treated) area before and after the start.
    bb, ba : float
        Crimes in the displacement area (the rings) before and after; 0 and 0
        when there is none.
    cb, ca : float, optional
        Crimes in the control area before and after. Without ``cdb``/``cda`` it
        stands for the places and rings together; with them, for the places
        alone. None (both) = no control area (a caveat says what that means).
    cdb, cda : float, optional
        Crimes before and after in a second control area that stands for the
        rings alone (the paper's :math:`C_d`). Needs ``cb`` and ``ca``.
    scale_control : bool, default False
        False: the paper's statistic; the control's change in crimes is taken
        as the change its area would have seen, so pick a control with about as
        many crimes (a caveat flags one more than twice as big or small). True:
        each control's change is scaled by (its area's crimes before) /
        (the control's crimes before), as the WDQ's ratios do; use it for a
        large control such as the rest of the force area. Control counts must
        then be > 0.
    ci_level : float, default 0.95
        Coverage of the confidence interval.

    Returns
    -------
    Effect
        ``measure="WDD (crimes)"``: ``estimate`` is the change in crimes in the
        places and rings together beyond what the control predicts (negative =
        fewer crimes), with its normal-approximation interval and two-sided
        p-value. ``interpretation`` says in words whether the change is
        distinguishable from chance. ``details``: ``places_change``,
        ``rings_change``, ``control_change`` (after minus before, crimes;
        ``nan`` without a control), ``places_wdd`` and ``rings_wdd`` (the two
        parts of the estimate) with ``places_se`` and ``rings_se`` (``nan``
        when one unscaled control stands for both), ``variance``,
        ``standard_error`` and ``z``. With no crimes at all in the places and
        rings the test cannot run: ``z`` and the interval are ``nan``,
        ``p_value`` is None and a caveat says why.

    Raises
    ------
    ValueError
        If a count is negative or not a number, only one of a before/after pair
        is given, ``cdb``/``cda`` come without ``cb``/``ca``, ``scale_control``
        is set without a control or with a control count of 0, or
        ``ci_level`` is not in (0, 1).

    Notes
    -----
    Counts before (0) and after (1) in the treated area :math:`T`, its control
    :math:`C_t`, the displacement area :math:`D` and its control :math:`C_d`;
    :math:`\Delta X = X_1 - X_0` (Wheeler & Ratcliffe 2018)::

        WDD     = dT - dCt + dD - dCd
        Var     = T0 + T1 + Ct0 + Ct1 + D0 + D1 + Cd0 + Cd1
        z       = WDD / sqrt(Var),   p = 2 * (1 - Phi(|z|))
        CI      = WDD -/+ Phi^-1((1 + ci_level) / 2) * sqrt(Var)

    Each count is taken as Poisson, so its variance is the count itself. With
    one control for places and rings, ``dCt + dCd`` is that control's change;
    without a control both are 0. With ``scale_control=True`` an area
    :math:`A` with control :math:`C` contributes :math:`A_1 - A_0 C_1 / C_0`
    (the control's relative change applied to the area), with the
    delta-method variance :math:`A_1 + r^2 A_0 + k^2 (C_1 + r^2 C_0)`,
    :math:`r = C_1/C_0`, :math:`k = A_0/C_0`. For one control this estimate is
    minus the WDQ's total net effect, so the test is the WDQ's missing interval.

    The interval is too narrow when crime counts vary more than Poisson
    counts do (overdispersion); counts that are not whole numbers (weighted
    crimes) are treated as if they were.

    References
    ----------
    Wheeler, A. P., & Ratcliffe, J. H. (2018). A simple weighted displacement
    difference test to evaluate place based crime interventions. *Crime
    Science*, 7, 11. https://doi.org/10.1186/s40163-018-0085-5

    Examples
    --------
    The four areas of the paper's worked example:

    >>> from hotspots.evaluation import wdd
    >>> result = wdd(207, 110, 178, 157, 308, 318, cdb=150, cda=140)
    >>> result.estimate, result.details["variance"], round(result.details["z"], 2)
    (-118.0, 1568.0, -2.98)
    >>> round(result.ci_low), round(result.ci_high)
    (-196, -40)
    >>> print(result.interpretation)  # doctest: +NORMALIZE_WHITESPACE
    the change in the places and rings together is distinguishable from chance:
    about 118 fewer crimes than the controls predict

    With the rest of the force area as one control, scaled:

    >>> round(wdd(120, 84, 60, 54, 2000, 1900, scale_control=True).estimate, 6)
    -33.0
    """
    rb, ra = _count(rb, "rb"), _count(ra, "ra")
    bb, ba = _count(bb, "bb"), _count(ba, "ba")
    control = _pair(cb, ca, ("cb", "ca"))
    rings_control = _pair(cdb, cda, ("cdb", "cda"))
    if not isinstance(scale_control, bool):
        raise ValueError(f"scale_control must be True or False; got {scale_control!r}")
    if isinstance(ci_level, bool) or not (
        isinstance(ci_level, numbers.Real) and 0 < ci_level < 1
    ):
        raise ValueError(f"ci_level must be in (0, 1); got {ci_level!r}")
    if rings_control is not None and control is None:
        raise ValueError(
            "cdb and cda are the rings' own control; pass the places' control cb and "
            "ca too (or drop cdb and cda to use no control at all)"
        )
    if scale_control:
        if control is None:
            raise ValueError(
                "scale_control=True needs a control area: pass cb and ca, or set "
                "scale_control=False for the change without a control"
            )
        pairs = {"cb, ca": control, "cdb, cda": rings_control}
        for names, pair in pairs.items():
            if pair is not None and min(pair) == 0:
                raise ValueError(
                    f"cannot scale a control with no crimes before or after ({names} "
                    f"= {pair[0]:g}, {pair[1]:g}): its relative change is undefined "
                    "or -100%. Widen the control area, or pass scale_control=False "
                    "to use its change in crimes as it is."
                )

    caveats = [
        "assumes Poisson counts (variance = count): if crime varies more than that "
        "(overdispersion), the interval is too narrow and the p-value too small"
    ]
    shared = control is not None and rings_control is None
    if control is None:
        places, rings = _term(rb, ra, None, False), _term(bb, ba, None, False)
        estimate, variance = places[0] + rings[0], places[1] + rings[1]
        caveats.append(
            "no control area: the WDD counts any change that would have happened "
            "anyway (force-wide trend, season, regression to the mean) as the "
            "intervention's"
        )
    elif shared:
        places = _term(rb, ra, control, scale_control)
        rings = _term(bb, ba, control, scale_control)
        estimate, variance = _term(rb + bb, ra + ba, control, scale_control)
        if not scale_control:
            places = rings = (math.nan, math.nan)
            if caveat := _size_caveat(rb + bb, control[0], "the places and rings"):
                caveats.append(caveat)
    else:
        places = _term(rb, ra, control, scale_control)
        rings = _term(bb, ba, rings_control, scale_control)
        estimate, variance = places[0] + rings[0], places[1] + rings[1]
        if not scale_control:
            pairs = ((rb, control, "the places"), (bb, rings_control, "the rings"))
            for area, pair, what in pairs:
                if caveat := _size_caveat(area, pair[0], what):
                    caveats.append(caveat)

    se = math.sqrt(variance)
    p_value: float | None = None
    testable = rb + ra + bb + ba > 0 and se > 0
    if testable:
        z = estimate / se
        p_value = float(2 * stats.norm.sf(abs(z)))
        half = float(stats.norm.ppf(0.5 + ci_level / 2)) * se
        low, high = estimate - half, estimate + half
    else:
        z = low = high = math.nan
        caveats.append(
            "no crimes in the places or rings before or after: there is no change "
            "to test"
        )
    if testable and min(rb + bb, ra + ba) < _SMALL_COUNT:
        caveats.append(
            f"small counts ({rb + bb:g} crimes in the places and rings before, "
            f"{ra + ba:g} after; < {_SMALL_COUNT}): the normal approximation behind "
            "the interval and p-value is rough"
        )
    if testable and bb == 0 and ba == 0:
        caveats.append(
            "no crimes in the rings before or after: the WDD measures the places alone"
        )

    return Effect(
        measure="WDD (crimes)",
        estimate=estimate,
        ci_low=low,
        ci_high=high,
        ci_level=ci_level,
        p_value=p_value,
        method=_METHOD
        + ("; control scaled to the areas' crimes before" if scale_control else ""),
        caveats=tuple(caveats),
        interpretation=_reading(estimate, p_value, ci_level, control, rings_control),
        details={
            "places_change": ra - rb,
            "rings_change": ba - bb,
            "control_change": math.nan if control is None else control[1] - control[0],
            "places_wdd": places[0],
            "places_se": math.sqrt(places[1]),
            "rings_wdd": rings[0],
            "rings_se": math.sqrt(rings[1]),
            "variance": variance,
            "standard_error": se,
            "z": z,
        },
    )


def _reading(estimate, p_value, ci_level, control, rings_control) -> str:
    """Say whether the change is distinguishable from chance, in plain words."""
    if p_value is None:
        return "not testable: no crimes in the places or rings before or after"
    if p_value >= 1 - ci_level:
        return (
            "the change in the places and rings together is not distinguishable "
            "from chance"
        )
    if control is None:
        baseline = "than before"
    elif rings_control is None:
        baseline = "than the control predicts"
    else:
        baseline = "than the controls predict"
    return (
        "the change in the places and rings together is distinguishable from "
        f"chance: about {abs(estimate):,.0f} {'fewer' if estimate < 0 else 'more'} "
        f"crimes {baseline}"
    )
