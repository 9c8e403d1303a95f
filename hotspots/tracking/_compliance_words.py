"""Compliance in words: one sentence per rule, derived only from the numbers.

Each sentence of :attr:`Compliance.words` comes from :attr:`Compliance.overall`
and the plan by one rule below, with its threshold a module constant, so the
words change whenever the numbers do and never say more than they show
(docs/methods/compliance.md lists the rules).
"""

from __future__ import annotations

import math

from hotspots.tracking._compliance_plan import PatrolPlan

__all__ = [
    "MAX_NAMED",
    "MEETS_PLAN_SHARE",
    "MIN_TIMING_VISITS",
    "MIN_TIMING_WINDOW_HOURS",
    "PREDICTABLE_SHARE",
    "describe_compliance",
]

#: A hot spot "met the plan" when at least this share of its plan days complied.
MEETS_PLAN_SHARE = 0.8
#: A hot spot's visit times are "predictable" when at least this share of its
#: qualifying visits started in one local clock hour (plans ask for random times).
PREDICTABLE_SHARE = 0.5
#: Timing is judged only at hot spots with at least this many qualifying visits.
MIN_TIMING_VISITS = 10
#: ... and only when the window spans at least this many clock hours (a short
#: window leaves no room for varied times).
MIN_TIMING_WINDOW_HOURS = 4
#: Lists of hot spots in the words name at most this many ids.
MAX_NAMED = 5


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def _hours(value: float) -> str:
    return f"{value:,.1f}" if abs(value) < 100 else f"{value:,.0f}"


def _names(ids: list) -> str:
    shown = ", ".join(str(x) for x in ids[:MAX_NAMED])
    more = len(ids) - MAX_NAMED
    return shown + (f" and {more} more" if more > 0 else "")


def _meets_plan(overall: dict) -> str:
    if not overall["place_days"]:
        return (
            "No plan day fell wholly inside the tracked dates, so compliance cannot "
            "be judged."
        )
    return (
        f"{overall['places_meeting_plan']:,} of "
        f"{_plural(overall['places'], 'hot spot')} met the plan on at least "
        f"{MEETS_PLAN_SHARE:.0%} of their plan days."
    )


def _place_days(overall: dict, plan: PatrolPlan) -> str:
    n = overall["place_days"]
    if not n:
        return "There were no place-days to check."
    visit = "qualifying visit" if plan.visits_per_day == 1 else "qualifying visits"
    window = "" if plan.window is None else f", starting {'-'.join(plan.window)}"
    return (
        f"{overall['share_place_days_compliant']:.0%} of {_plural(n, 'place-day')} "
        f"({overall['place_days_compliant']:,}) had at least {plan.visits_per_day} "
        f"{visit} (at least {plan.min_visit_minutes:g} minutes{window})."
    )


def _hours_delivered(overall: dict, plan: PatrolPlan) -> str:
    target = overall["target_hours"]
    if target is None or not math.isfinite(target):
        return (
            f"Patrols spent {_hours(overall['patrol_hours'])} patrol hours "
            f"({_hours(overall['person_hours'])} person hours) at the hot spots; "
            "no funded hours were given."
        )
    return (
        f"Patrols delivered {_hours(overall['hours_delivered'])} of "
        f"{_hours(target)} funded {plan.target_measure} hours "
        f"({overall['hours_share']:.0%})."
    )


def _never_visited(overall: dict) -> str:
    never = list(overall["places_never_visited"])
    if not never:
        return "Every hot spot was visited at least once."
    if len(never) == overall["places"]:
        return "No hot spot was visited."
    verb = "was" if len(never) == 1 else "were"
    return f"{_plural(len(never), 'hot spot')} {verb} never visited: {_names(never)}."


def _timing(overall: dict) -> str:
    if overall["timing_window_hours"] < MIN_TIMING_WINDOW_HOURS:
        return (
            f"The window spans fewer than {MIN_TIMING_WINDOW_HOURS} clock hours, so "
            "the timing of visits is not judged."
        )
    judged = overall["timing_places_judged"]
    if not judged:
        return (
            f"No hot spot had {MIN_TIMING_VISITS} or more qualifying visits, too few "
            "to judge how predictable the visit times were."
        )
    flagged = list(overall["timing_places_predictable"])
    base = f"{_plural(judged, 'hot spot')} with {MIN_TIMING_VISITS}+ qualifying visits"
    if not flagged:
        return (
            f"At none of the {base} did {PREDICTABLE_SHARE:.0%} or more of the visits "
            "start in the same clock hour."
        )
    return (
        f"At {len(flagged):,} of the {base}, {PREDICTABLE_SHARE:.0%} or more of the "
        f"visits started in the same clock hour, a predictable time: "
        f"{_names(flagged)}."
    )


def describe_compliance(overall: dict, plan: PatrolPlan) -> tuple[str, ...]:
    """Sentences from the overall numbers, one per documented rule.

    Parameters
    ----------
    overall : dict
        :attr:`Compliance.overall`.
    plan : PatrolPlan
        The plan checked.

    Returns
    -------
    tuple of str
        In order: hot spots meeting the plan (share of plan days compliant at
        least :data:`MEETS_PLAN_SHARE`); the share of place-days complying;
        hours delivered against funded hours (or hours spent when no target);
        hot spots never visited; hot spots whose qualifying visits cluster in
        one clock hour (:data:`PREDICTABLE_SHARE`, judged with at least
        :data:`MIN_TIMING_VISITS` visits and a window of at least
        :data:`MIN_TIMING_WINDOW_HOURS` hours).
    """
    return (
        _meets_plan(overall),
        _place_days(overall, plan),
        _hours_delivered(overall, plan),
        _never_visited(overall),
        _timing(overall),
    )
