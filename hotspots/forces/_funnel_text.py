"""Words for a funnel plot: position labels, one sentence per force, a summary.

The sentence rule (documented in ``docs/methods/forces.md``)::

    {force}: {rate} {measure} per {per} residents, rank {rank} of {forces};
    {where}{allowance} (z = {z_adjusted}).

``where`` is "within the 95% limits", "above the upper 95% limit but within the
99.8% limits", "above the upper 99.8% limit" (and "below the lower ..." alike);
``allowance`` is " after allowing for overdispersion" when the limits were widened,
", with no allowance for overdispersion" when ``overdispersion=None``, and
"; no overdispersion was found to allow for" when an adjustment was asked for but
the estimate was not above Poisson variation. Rates have two decimals (three
significant figures below 1); z has two decimals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from hotspots.forces._funnel_limits import level_percent

if TYPE_CHECKING:
    from hotspots.forces._funnel import Funnel

__all__ = ["describe", "format_per", "format_rate", "position_labels", "sentence_for"]

WITHIN = "within limits"


def position_labels(levels: tuple[float, ...]) -> dict[Any, str]:
    """Return ``{"within": ..., ("above", level): ..., ("below", level): ...}``."""
    labels: dict[Any, str] = {"within": WITHIN}
    for level in levels:
        labels[("above", level)] = f"above {level_percent(level)}% limit"
        labels[("below", level)] = f"below {level_percent(level)}% limit"
    return labels


def position_order(levels: tuple[float, ...]) -> list[str]:
    """Return the position labels from highest ("above" widest) to lowest."""
    labels = position_labels(levels)
    above = [labels[("above", level)] for level in reversed(levels)]
    below = [labels[("below", level)] for level in levels]
    return [*above, WITHIN, *below]


def format_rate(value: float) -> str:
    """Two decimals, or three significant figures below 1: 1.2345 -> ``"1.23"``."""
    if value != 0 and abs(value) < 1:
        return f"{value:.3g}"
    return f"{value:.2f}"


def format_per(per: float) -> str:
    """Return ``per`` for text: 1000 -> ``"1,000"``."""
    return f"{per:,.0f}" if float(per).is_integer() else f"{per:,g}"


def _where(position: str, levels: tuple[float, ...]) -> str:
    labels = position_labels(levels)
    if position == WITHIN:
        return f"within the {level_percent(levels[0])}% limits"
    for i, level in enumerate(levels):
        for side, bound in (("above", "upper"), ("below", "lower")):
            if position == labels[(side, level)]:
                text = f"{side} the {bound} {level_percent(level)}% limit"
                if i + 1 < len(levels):
                    text += f" but within the {level_percent(levels[i + 1])}% limits"
                return text
    return position  # pragma: no cover - positions come from position_labels


def _allowance(result: Funnel) -> str:
    if result.adjusted:
        return " after allowing for overdispersion"
    if result.overdispersion is None:
        return ", with no allowance for overdispersion"
    return "; no overdispersion was found to allow for"


def sentence_for(result: Funnel, row: pd.Series) -> str:
    """Return the sentence for one row of ``result.table`` (rule: module docstring)."""
    return (
        f"{row[result.unit]}: {format_rate(row['rate'])} {result.measure} per "
        f"{format_per(result.per)} residents, rank {int(row['rank'])} of "
        f"{len(result.table)}; {_where(row['position'], result.levels)}"
        f"{_allowance(result)} (z = {row['z_adjusted']:.2f})."
    )


def method_text(result: Funnel) -> str:
    """Return how the limits were made, in one sentence (for plots and pages)."""
    levels = " and ".join(f"{level_percent(v)}%" for v in result.levels)
    target = "pooled rate" if result.target_auto else "given target"
    if result.adjusted and result.overdispersion == "additive":
        how = (
            f"widened for overdispersion (additive, tau = "
            f"{result.tau2**0.5:.3g} per {format_per(result.per)})"
        )
    elif result.adjusted:
        how = f"widened for overdispersion (multiplicative, phi = {result.phi:.3g})"
    elif result.overdispersion is None:
        how = "plain Poisson limits, no overdispersion adjustment"
    else:
        how = "Poisson limits (no overdispersion found)"
    return (
        f"{levels} limits around the {target} "
        f"({format_rate(result.theta)} per {format_per(result.per)}); {how}"
    )


def describe(result: Funnel) -> str:
    """Return a short multi-line summary of a funnel."""
    counts = result.table["position"].value_counts()
    positions = ", ".join(
        f"{int(counts[label])} {label}"
        for label in position_order(result.levels)
        if label in counts
    )
    return (
        f"Funnel of {len(result.table)} forces, {result.measure} per "
        f"{format_per(result.per)} residents\n"
        f"{method_text(result)}\n"
        f"phi = {result.phi:.3f} (winsorised {result.winsorise:.0%}), tau² = "
        f"{result.tau2:.4g}, dispersion test p = {result.dispersion_p:.3g}\n"
        f"{positions}"
    )
