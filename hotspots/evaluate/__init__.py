"""Evaluate place-based interventions: DiD, displacement, comparisons, inference.

Every estimator returns an :class:`Effect` (estimate, CI, method, caveats).
"""

from hotspots.evaluate._panel import panel
from hotspots.evaluate.comparison import Matched, candidate_places, choose_comparisons
from hotspots.evaluate.costs import (
    UNIT_COST_COLUMNS,
    CostBenefit,
    break_even_reduction,
    cost_benefit,
    crimes_prevented,
    home_office_unit_costs,
    unit_cost_table,
)
from hotspots.evaluate.did import did, relative_effect_size
from hotspots.evaluate.displacement import rings, wdq
from hotspots.evaluate.its import InterruptedTimeSeries, its, plot_its
from hotspots.evaluate.quality import POLICEUK_CAVEATS, SMS_FLAGS, maryland_sms
from hotspots.evaluate.randomisation import randomisation_test
from hotspots.evaluate.result import Effect
from hotspots.evaluate.run import Evaluation, evaluate
from hotspots.evaluate.simulate import (
    simulate_panel,
    simulate_studies,
    summarise_studies,
)

__all__ = [
    "POLICEUK_CAVEATS",
    "SMS_FLAGS",
    "UNIT_COST_COLUMNS",
    "CostBenefit",
    "Effect",
    "Evaluation",
    "InterruptedTimeSeries",
    "Matched",
    "break_even_reduction",
    "candidate_places",
    "choose_comparisons",
    "cost_benefit",
    "crimes_prevented",
    "did",
    "evaluate",
    "home_office_unit_costs",
    "its",
    "maryland_sms",
    "panel",
    "plot_its",
    "randomisation_test",
    "relative_effect_size",
    "rings",
    "simulate_panel",
    "simulate_studies",
    "summarise_studies",
    "unit_cost_table",
    "wdq",
]
