"""Design: plan a test of hot spot patrols before a force commits officers.

Randomised schedules (parallel-group, matched pairs or blocks, and repeat
crossover by day or shift) that a tasking team can import, the fast two-way
fixed-effects Poisson fit that analyses and re-analyses them, and power and
minimum detectable effects by simulation for randomised and before/after designs.
"""

from typing import TYPE_CHECKING

from hotspots._lazy import attach

if TYPE_CHECKING:
    from hotspots.design._fepois import FEPoissonFit, cluster_ids, fit_fe_poisson
    from hotspots.design._mde import minimum_detectable_effect
    from hotspots.design._plan import DESIGNS, Plan
    from hotspots.design._power import Power, power, two_group_poisson_power
    from hotspots.design._rates import (
        REGRESSION_CAVEAT,
        base_rates,
        estimate_dispersion,
    )
    from hotspots.design._schedule import Schedule
    from hotspots.design._schedule_crossover import crossover_schedule
    from hotspots.design._schedule_io import read_schedule
    from hotspots.design._schedule_parallel import parallel_schedule

#: The private module that holds each public name, imported when first asked for.
_SOURCES = {
    "hotspots.design._fepois": "FEPoissonFit cluster_ids fit_fe_poisson",
    "hotspots.design._mde": "minimum_detectable_effect",
    "hotspots.design._plan": "DESIGNS Plan",
    "hotspots.design._power": "Power power two_group_poisson_power",
    "hotspots.design._rates": "REGRESSION_CAVEAT base_rates estimate_dispersion",
    "hotspots.design._schedule": "Schedule",
    "hotspots.design._schedule_crossover": "crossover_schedule",
    "hotspots.design._schedule_io": "read_schedule",
    "hotspots.design._schedule_parallel": "parallel_schedule",
}

__getattr__, __dir__ = attach(__name__, _SOURCES)

__all__ = [
    "DESIGNS",
    "REGRESSION_CAVEAT",
    "FEPoissonFit",
    "Plan",
    "Power",
    "Schedule",
    "base_rates",
    "cluster_ids",
    "crossover_schedule",
    "estimate_dispersion",
    "fit_fe_poisson",
    "minimum_detectable_effect",
    "parallel_schedule",
    "power",
    "read_schedule",
    "two_group_poisson_power",
]
