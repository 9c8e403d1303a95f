"""Evaluate place-based interventions: DiD, displacement, comparisons, inference.

Every estimator returns an :class:`Effect` (estimate, CI, method, caveats).
"""

from typing import TYPE_CHECKING

from hotspots._lazy import attach

if TYPE_CHECKING:
    from hotspots.evaluation._caveats import pre_period_advice, pre_period_study
    from hotspots.evaluation._comparison import (
        Matched,
        candidate_places,
        choose_comparisons,
    )
    from hotspots.evaluation._cost_break_even import break_even_reduction
    from hotspots.evaluation._cost_hours import officer_hours
    from hotspots.evaluation._cost_result import CostBenefit
    from hotspots.evaluation._costs import cost_benefit, crimes_prevented
    from hotspots.evaluation._deflator import gdp_deflator, uprate, uprate_unit_costs
    from hotspots.evaluation._did import did, relative_effect_size
    from hotspots.evaluation._displacement import rings, wdq
    from hotspots.evaluation._effect import Effect
    from hotspots.evaluation._evaluate import Evaluation, evaluate
    from hotspots.evaluation._experiment import Experiment, analyse_experiment
    from hotspots.evaluation._its import InterruptedTimeSeries, its, plot_its
    from hotspots.evaluation._panel import panel
    from hotspots.evaluation._randomisation import randomisation_test
    from hotspots.evaluation._simulate import simulate_studies, summarise_studies
    from hotspots.evaluation._simulate_panel import simulate_panel
    from hotspots.evaluation._sms import POLICEUK_CAVEATS, SMS_FLAGS, maryland_sms
    from hotspots.evaluation._trial_counts import trial_counts
    from hotspots.evaluation._unit_costs import (
        UNIT_COST_COLUMNS,
        home_office_unit_costs,
        unit_cost_table,
    )
    from hotspots.evaluation._verdict import (
        PRACTICE_BANK_LABELS,
        Verdict,
        format_p,
        judge,
    )
    from hotspots.evaluation._wdd import wdd

#: The private module that holds each public name, imported when first asked for.
_SOURCES = {
    "hotspots.evaluation._caveats": "pre_period_advice pre_period_study",
    "hotspots.evaluation._comparison": "Matched candidate_places choose_comparisons",
    "hotspots.evaluation._cost_break_even": "break_even_reduction",
    "hotspots.evaluation._cost_hours": "officer_hours",
    "hotspots.evaluation._cost_result": "CostBenefit",
    "hotspots.evaluation._costs": "cost_benefit crimes_prevented",
    "hotspots.evaluation._deflator": "gdp_deflator uprate uprate_unit_costs",
    "hotspots.evaluation._did": "did relative_effect_size",
    "hotspots.evaluation._displacement": "rings wdq",
    "hotspots.evaluation._effect": "Effect",
    "hotspots.evaluation._evaluate": "Evaluation evaluate",
    "hotspots.evaluation._experiment": "Experiment analyse_experiment",
    "hotspots.evaluation._its": "InterruptedTimeSeries its plot_its",
    "hotspots.evaluation._panel": "panel",
    "hotspots.evaluation._randomisation": "randomisation_test",
    "hotspots.evaluation._simulate": "simulate_studies summarise_studies",
    "hotspots.evaluation._simulate_panel": "simulate_panel",
    "hotspots.evaluation._sms": "POLICEUK_CAVEATS SMS_FLAGS maryland_sms",
    "hotspots.evaluation._trial_counts": "trial_counts",
    "hotspots.evaluation._unit_costs": (
        "UNIT_COST_COLUMNS home_office_unit_costs unit_cost_table"
    ),
    "hotspots.evaluation._verdict": "PRACTICE_BANK_LABELS Verdict format_p judge",
    "hotspots.evaluation._wdd": "wdd",
}

__getattr__, __dir__ = attach(__name__, _SOURCES)

__all__ = [
    "POLICEUK_CAVEATS",
    "PRACTICE_BANK_LABELS",
    "SMS_FLAGS",
    "UNIT_COST_COLUMNS",
    "CostBenefit",
    "Effect",
    "Evaluation",
    "Experiment",
    "InterruptedTimeSeries",
    "Matched",
    "Verdict",
    "analyse_experiment",
    "break_even_reduction",
    "candidate_places",
    "choose_comparisons",
    "cost_benefit",
    "crimes_prevented",
    "did",
    "evaluate",
    "format_p",
    "gdp_deflator",
    "home_office_unit_costs",
    "its",
    "judge",
    "maryland_sms",
    "officer_hours",
    "panel",
    "plot_its",
    "pre_period_advice",
    "pre_period_study",
    "randomisation_test",
    "relative_effect_size",
    "rings",
    "simulate_panel",
    "simulate_studies",
    "summarise_studies",
    "trial_counts",
    "unit_cost_table",
    "uprate",
    "uprate_unit_costs",
    "wdd",
    "wdq",
]
