"""Forces: compare police forces on Home Office recorded crime and police.uk data.

Serious-violence groups of Home Office offence codes, rates per 1,000 residents by
force and their change between periods, funnel plots with control limits and an
overdispersion adjustment (Spiegelhalter 2005), ranked tables of standardised scores,
and comparisons with a force's most similar forces.
"""

from typing import TYPE_CHECKING

from hotspots._lazy import attach

if TYPE_CHECKING:
    from hotspots.forces._funnel import DEFAULT_LEVELS, Funnel, funnel
    from hotspots.forces._funnel_limits import EXACT_BELOW
    from hotspots.forces._groups import (
        SERIOUS_VIOLENCE_GROUPS,
        CrimeGroup,
        load_recorded_crime,
        serious_violence,
    )
    from hotspots.forces._policeuk_rates import (
        policeuk_force_rates,
        policeuk_rate_change,
    )
    from hotspots.forces._population import force_populations
    from hotspots.forces._rates import force_rates, rate_change
    from hotspots.forces._recorded import SET_ASIDE_REASONS, read_recorded_crime
    from hotspots.forces._similar import similar_forces

#: The private module that holds each public name, imported when first asked for.
_SOURCES = {
    "hotspots.forces._funnel": "DEFAULT_LEVELS Funnel funnel",
    "hotspots.forces._funnel_limits": "EXACT_BELOW",
    "hotspots.forces._groups": (
        "SERIOUS_VIOLENCE_GROUPS CrimeGroup load_recorded_crime serious_violence"
    ),
    "hotspots.forces._policeuk_rates": "policeuk_force_rates policeuk_rate_change",
    "hotspots.forces._population": "force_populations",
    "hotspots.forces._rates": "force_rates rate_change",
    "hotspots.forces._recorded": "SET_ASIDE_REASONS read_recorded_crime",
    "hotspots.forces._similar": "similar_forces",
}

__getattr__, __dir__ = attach(__name__, _SOURCES)

__all__ = [
    "DEFAULT_LEVELS",
    "EXACT_BELOW",
    "SERIOUS_VIOLENCE_GROUPS",
    "SET_ASIDE_REASONS",
    "CrimeGroup",
    "Funnel",
    "force_populations",
    "force_rates",
    "funnel",
    "load_recorded_crime",
    "policeuk_force_rates",
    "policeuk_rate_change",
    "rate_change",
    "read_recorded_crime",
    "serious_violence",
    "similar_forces",
]
