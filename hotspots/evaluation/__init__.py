"""Evaluate place-based interventions: DiD, displacement, comparisons, inference.

Every estimator returns an :class:`Effect` (estimate, CI, method, caveats).
"""

from hotspots.evaluation._comparison import (
    Matched,
    candidate_places,
    choose_comparisons,
)
from hotspots.evaluation._costs import (
    CostBenefit,
    break_even_reduction,
    cost_benefit,
    crimes_prevented,
)
from hotspots.evaluation._did import did, relative_effect_size
from hotspots.evaluation._displacement import rings, wdq
from hotspots.evaluation._effect import Effect
from hotspots.evaluation._evaluate import Evaluation, evaluate
from hotspots.evaluation._its import InterruptedTimeSeries, its, plot_its
from hotspots.evaluation._panel import panel
from hotspots.evaluation._randomisation import randomisation_test
from hotspots.evaluation._simulate import simulate_studies, summarise_studies
from hotspots.evaluation._simulate_panel import simulate_panel
from hotspots.evaluation._sms import POLICEUK_CAVEATS, SMS_FLAGS, maryland_sms
from hotspots.evaluation._unit_costs import (
    UNIT_COST_COLUMNS,
    home_office_unit_costs,
    unit_cost_table,
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
