"""Evidence quality: the Maryland Scientific Methods Scale and police.uk caveats."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["POLICEUK_CAVEATS", "SMS_FLAGS", "maryland_sms"]

#: Caveats of police.uk street-level data for any evaluation built on it
#: (:doc:`/docs/methods/policeuk-data`), keyed by topic. Read-only.
POLICEUK_CAVEATS: Mapping[str, str] = MappingProxyType(
    {
        "monthly_dates": (
            "police.uk gives the month only (no day or time): before/after periods "
            "and the intervention start are whole months"
        ),
        "snapped_locations": (
            "police.uk locations are anonymised to the nearest map (snap) point, "
            "so crimes near a place or ring edge can be counted on the wrong side"
        ),
        "missing_locations": (
            "police.uk rows with no location cannot be placed and are left out of "
            "place counts (see the ingest quarantine for how many)"
        ),
        "short_series": (
            "police.uk street-level data cover a limited span of months, so the "
            "pre-period may be too short to show trends and seasonality"
        ),
        "recent_revisions": (
            "recent police.uk months are revised in later releases (late records, "
            "reclassification): re-run the evaluation on a later download"
        ),
    }
)

#: Design flags understood by :func:`maryland_sms`, with what each means.
SMS_FLAGS: Mapping[str, str] = MappingProxyType(
    {
        "before_after": "crime is measured before and after the intervention",
        "comparison": "there are untreated comparison areas",
        "comparable": "the comparison areas are shown comparable (matched, balanced)",
        "multiple_units": "several treated and several comparison units",
        "controls": "other influences are controlled (unit and period fixed "
        "effects, covariates)",
        "randomised": "units were randomly assigned to treatment and control",
    }
)


def maryland_sms(
    design: Mapping[str, bool] | None = None, **flags: bool
) -> tuple[int, tuple[str, ...]]:
    """Maryland Scientific Methods Scale level of an evaluation design.

    Parameters
    ----------
    design : mapping of str to bool, optional
        Design flags (keys of :data:`SMS_FLAGS`): ``before_after``,
        ``comparison``, ``comparable``, ``multiple_units``, ``controls``,
        ``randomised``. Missing flags are False.
    **flags : bool
        The same flags as keywords; they override ``design``.

    Returns
    -------
    level : int
        1 to 5 (the table in :doc:`/docs/methods/sms`).
    reasons : tuple of str
        Why this level, and what the design lacks for the next one.

    Raises
    ------
    ValueError
        If a flag is unknown (the message lists the known ones).
    TypeError
        If a flag value is not a bool.

    Notes
    -----
    Levels (Sherman et al. 1997; Farrington et al. 2002; :doc:`/docs/methods/sms`):

    1. correlation at one point in time (no before/after, no comparison);
    2. before/after without comparison, or comparison without before/after,
       or comparison areas not shown to be comparable;
    3. before/after with comparable comparison areas;
    4. level 3 with several treated and comparison units and control of other
       influences (e.g. a panel GLM with place and month fixed effects);
    5. random assignment of units to treatment and comparison, with
       before/after measures.

    Level 3 is the usual minimum for "what works" conclusions.

    References
    ----------
    Sherman, L. W., Gottfredson, D., MacKenzie, D., Eck, J., Reuter, P., &
    Bushway, S. (1997). *Preventing crime: what works, what doesn't, what's
    promising*. US Department of Justice.

    Farrington, D. P., Gottfredson, D. C., Sherman, L. W., & Welsh, B. C.
    (2002). The Maryland Scientific Methods Scale. In *Evidence-based crime
    prevention* (pp. 13-21). Routledge.

    Examples
    --------
    >>> from hotspots.evaluation import maryland_sms
    >>> level, reasons = maryland_sms(before_after=True)
    >>> level
    2
    >>> maryland_sms({"before_after": True, "comparison": True, "comparable": True,
    ...               "multiple_units": True, "controls": True})[0]
    4
    """
    given = dict(design or {})
    given.update(flags)
    unknown = sorted(set(given) - set(SMS_FLAGS))
    if unknown:
        raise ValueError(
            f"unknown design flag(s) {unknown}; known flags: {list(SMS_FLAGS)}."
        )
    for name, value in given.items():
        if not isinstance(value, bool):
            raise TypeError(
                f"design flag {name!r} must be True or False; got {value!r}"
            )
    has = {name: given.get(name, False) for name in SMS_FLAGS}

    if not has["before_after"] and not has["comparison"]:
        return 1, (
            "no before/after measures and no comparison areas: a correlation at one "
            "point in time (level 1)",
            "for level 2: measure crime before and after the intervention",
        )
    if not has["before_after"]:
        return 2, (
            "comparison areas but no before/after measures (level 2)",
            "for level 3: add before/after measures in treated and comparison areas",
        )
    if not has["comparison"]:
        return 2, (
            "before/after in the treated areas without comparison areas (level 2): "
            "regression to the mean and general trends are not controlled",
            "for level 3: add comparable comparison areas (choose_comparisons, did)",
        )
    if not has["comparable"]:
        return 2, (
            "before/after with comparison areas not shown to be comparable (level 2)",
            "for level 3: match comparison areas on pre-period level and trend and "
            "report balance (choose_comparisons)",
        )
    if has["randomised"]:
        return 5, (
            "units randomly assigned to treatment and comparison, with before/after "
            "measures (level 5)",
        )
    if has["multiple_units"] and has["controls"]:
        return 4, (
            "before/after with several treated and comparison units, controlling for "
            "other influences (level 4)",
            "for level 5: randomly assign units to treatment and comparison",
        )
    lacking = [
        SMS_FLAGS[name] for name in ("multiple_units", "controls") if not has[name]
    ]
    return 3, (
        "before/after with comparable comparison areas (level 3)",
        "for level 4: " + "; ".join(lacking),
    )
