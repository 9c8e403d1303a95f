"""Spatial displacement: rings around places, weighted displacement quotient."""

from __future__ import annotations

import logging
import math
import numbers

import geopandas as gpd

from hotspots._validate import check_positive, check_projected
from hotspots.evaluation._effect import Effect

__all__ = ["rings", "wdq"]

logger = logging.getLogger(__name__)

#: Default ring width around each place, in metres (street-level patrol;
#: :doc:`/docs/methods/displacement`).
DEFAULT_RING_RADIUS_M = 250.0
#: Below this many crimes in the response or buffer area, before or after, the
#: WDQ is flagged as unstable.
_SMALL_COUNT = 20

_METHOD = "weighted displacement quotient (Bowers & Johnson 2003)"


def _count(value, name: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or value < 0
    ):
        raise ValueError(f"{name} must be a count >= 0; got {value!r}")
    return float(value)


#: |WDQ| below this gets a caveat: too close to zero to call either way.
_NEAR_ZERO = 0.1


def _verdict(success: float, quotient: float) -> str:
    """Word the WDQ as in :doc:`/docs/methods/displacement` (only when SM < 0)."""
    if success >= 0:
        return (
            "not interpretable: the response area did not improve relative to the "
            "control (SM >= 0)"
        )
    if quotient > 1:
        return "diffusion of benefits greater than the direct effect"
    if quotient > 0:
        return "some diffusion of benefits (smaller than the direct effect)"
    if quotient == 0:
        return "no evidence of displacement or diffusion"
    if quotient >= -1:
        return "displacement, but smaller than the direct gain (net benefit)"
    return "displacement greater than the direct gain (counter-productive)"


def wdq(rb: float, ra: float, bb: float, ba: float, cb: float, ca: float) -> Effect:
    """Weighted displacement quotient of a place-based intervention.

    Parameters
    ----------
    rb, ra : float
        Crimes in the response (treated) area before and after the start.
    bb, ba : float
        Crimes in the buffer (ring) area before and after.
    cb, ca : float
        Crimes in the control area before and after (> 0). The before and after
        periods must be of equal length.

    Returns
    -------
    Effect
        ``measure="WDQ"``, ``estimate`` = BM / SM (``nan`` when SM = 0), no
        confidence interval (the WDQ has no variance estimate: ``ci_low`` and
        ``ci_high`` are ``nan``), ``interpretation`` worded per the
        :doc:`/docs/methods/displacement` table, and ``details`` with
        ``success_measure`` (SM), ``buffer_measure`` (BM) and ``total_net_effect`` (TNE,
        crimes prevented net of displacement; positive = prevented).

    Raises
    ------
    ValueError
        If a count is negative, missing or not a finite number, or a control count
        is 0. SM = 0 (including no crimes in the places at all) is not an error:
        the WDQ is ``nan`` and the words say it must not be interpreted.

    See Also
    --------
    wdd : The weighted displacement difference test of the same counts, with
        the interval and p-value the WDQ lacks.

    Notes
    -----
    With counts for the response area R, buffer B and control C (Bowers &
    Johnson 2003)::

        SM  = Ra/Ca - Rb/Cb          (< 0: the response area improved)
        BM  = Ba/Ca - Bb/Cb
        WDQ = BM / SM
        TNE = [Rb*(Ca/Cb) - Ra] + [Bb*(Ca/Cb) - Ba]

    WDQ > 0 means diffusion of benefits into the buffer, < 0 displacement; it is
    only interpreted when SM < 0. A ratio of two small differences, it is
    unstable for small counts; a caveat flags counts below 20.

    References
    ----------
    Bowers, K. J., & Johnson, S. D. (2003). Measuring the geographical
    displacement and diffusion of benefit effects of crime prevention activity.
    *Journal of Quantitative Criminology*, 19(3), 275-301.

    Examples
    --------
    >>> from hotspots.evaluation import wdq
    >>> result = wdq(120, 84, 60, 54, 2000, 1900)
    >>> round(result.estimate, 4), result.details["total_net_effect"]
    (0.1, 33.0)
    >>> result.interpretation
    'some diffusion of benefits (smaller than the direct effect)'
    """
    rb, ra = _count(rb, "rb"), _count(ra, "ra")
    bb, ba = _count(bb, "bb"), _count(ba, "ba")
    cb, ca = _count(cb, "cb"), _count(ca, "ca")
    if cb == 0 or ca == 0:
        raise ValueError(
            f"control counts must be > 0; got cb={cb:g}, ca={ca:g}. Widen the "
            "control area (e.g. the rest of the force area outside places and rings)."
        )
    success = ra / ca - rb / cb
    buffer = ba / ca - bb / cb
    quotient = buffer / success if success != 0 else math.nan
    net = (rb * ca / cb - ra) + (bb * ca / cb - ba)
    caveats = [
        "the WDQ has no variance estimate: no confidence interval (the WDD tests "
        "the same counts)"
    ]
    if success >= 0:
        caveats.append(
            f"SM = {success:.4g} >= 0: the response area did not improve relative to "
            "the control, so the WDQ must not be interpreted"
        )
    if success < 0 and abs(quotient) < _NEAR_ZERO:
        caveats.append(
            f"|WDQ| = {abs(quotient):.2f} < {_NEAR_ZERO}: the buffer changed little "
            "relative to the control; read as no clear displacement or diffusion"
        )
    small = {"rb": rb, "ra": ra, "bb": bb, "ba": ba}
    small = {k: v for k, v in small.items() if v < _SMALL_COUNT}
    if small:
        listed = ", ".join(f"{k}={v:g}" for k, v in small.items())
        caveats.append(f"small counts ({listed} < {_SMALL_COUNT}): the WDQ is unstable")
    return Effect(
        measure="WDQ",
        estimate=quotient,
        ci_low=math.nan,
        ci_high=math.nan,
        method=_METHOD,
        caveats=tuple(caveats),
        interpretation=_verdict(success, quotient),
        details={
            "success_measure": success,
            "buffer_measure": buffer,
            "total_net_effect": net,
        },
    )


def rings(
    places: gpd.GeoDataFrame, *, radius: float = DEFAULT_RING_RADIUS_M
) -> gpd.GeoDataFrame:
    """Return a buffer ring around each place, excluding every place.

    Parameters
    ----------
    places : GeoDataFrame
        Polygons of the treated places, in a projected CRS in metres.
    radius : float, default 250
        Ring width in metres, measured from each place's edge.

    Returns
    -------
    GeoDataFrame
        One row per place, same index and non-geometry columns as ``places``,
        with ``geometry`` = the place buffered by ``radius`` minus the union of
        all places, and ``overlaps_other_ring`` (bool): the ring shares area with
        another place's ring. Count buffer crimes in the union of the rings
        (``result.union_all()``) so that overlapping rings are not counted twice.
        ``attrs["hotspots"]`` records ``radius``.

    Raises
    ------
    CRSError
        If ``places`` has no CRS or a geographic one.
    ValueError
        If ``radius`` is not > 0 or ``places`` is empty.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> from hotspots.evaluation import rings
    >>> places = gpd.GeoDataFrame(geometry=[box(0, 0, 150, 150)], crs=27700)
    >>> ring = rings(places, radius=100)
    >>> bool(ring.geometry.iloc[0].intersects(places.geometry.iloc[0].centroid))
    False
    """
    check_projected(places, name="places")
    radius = check_positive(radius, "radius")
    if len(places) == 0:
        raise ValueError("places is empty; pass at least one place polygon.")
    everything = places.geometry.union_all()
    out = places.copy()
    out = out.set_geometry(places.geometry.buffer(radius).difference(everything))
    sindex = out.sindex
    left, right = sindex.query(out.geometry, predicate="overlaps")
    overlapping = set(left[left != right].tolist())
    out["overlaps_other_ring"] = [i in overlapping for i in range(len(out))]
    out.attrs["hotspots"] = {"radius": radius}
    logger.info(
        "Made %d rings of %.0f m around places (%d overlap another ring).",
        len(out),
        radius,
        len(overlapping),
    )
    return out
