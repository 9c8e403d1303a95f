"""Labelled synthetic police.uk data for Leicestershire with a planted truth.

:func:`make_archive` writes a folder laid out like a police.uk street-level download
(every row marked ``SYNTHETIC DATA - not real crime``) and a ``truth.json`` holding
what was planted: hotspots, patrol places and their treatment effect, bad rows and
counts. :func:`load_truth` reads it back. ``plants=`` adds data-quality artefacts
with a known truth (:data:`PLANTS`), for testing data-quality checks.
"""

from hotspots.synthetic._archive import SyntheticArchive, load_truth, make_archive
from hotspots.synthetic._patrols import (
    patrol_counterfactual,
    patrol_dosage,
    patrol_places,
)
from hotspots.synthetic._plants import PLANTS

__all__ = [
    "PLANTS",
    "SyntheticArchive",
    "load_truth",
    "make_archive",
    "patrol_counterfactual",
    "patrol_dosage",
    "patrol_places",
]
