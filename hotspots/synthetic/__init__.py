"""Labelled synthetic police.uk data for Leicestershire with a planted truth.

:func:`make_archive` writes a folder laid out like a police.uk street-level download
(every row marked ``SYNTHETIC DATA - not real crime``) and a ``truth.json`` holding
what was planted: hotspots, patrol places and their treatment effect, bad rows and
counts. :func:`load_truth` reads it back. ``plants=`` adds data-quality artefacts
with a known truth (:data:`PLANTS`), for testing data-quality checks.
:func:`simulate_trial_crimes` writes crimes with exact times for a randomised
patrol trial run to a schedule, with its planted effect.
"""

from hotspots.synthetic._archive import SyntheticArchive, load_truth, make_archive
from hotspots.synthetic._patrols import (
    patrol_counterfactual,
    patrol_dosage,
    patrol_places,
)
from hotspots.synthetic._plants import PLANTS
from hotspots.synthetic._trial import simulate_trial_crimes

__all__ = [
    "PLANTS",
    "SyntheticArchive",
    "load_truth",
    "make_archive",
    "patrol_counterfactual",
    "patrol_dosage",
    "patrol_places",
    "simulate_trial_crimes",
]
