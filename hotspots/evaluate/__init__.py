"""Evaluate place-based interventions: DiD, displacement, comparisons, inference.

Every estimator returns an :class:`Effect` (estimate, CI, method, caveats).
"""

from hotspots.evaluate._panel import panel
from hotspots.evaluate.comparison import Matched, candidate_places, choose_comparisons
from hotspots.evaluate.did import did, relative_effect_size
from hotspots.evaluate.displacement import rings, wdq
from hotspots.evaluate.randomisation import randomisation_test
from hotspots.evaluate.result import Effect

__all__ = [
    "Effect",
    "Matched",
    "candidate_places",
    "choose_comparisons",
    "did",
    "panel",
    "randomisation_test",
    "relative_effect_size",
    "rings",
    "wdq",
]
