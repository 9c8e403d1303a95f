"""Labelled synthetic police.uk data for Leicestershire with a planted truth.

:func:`make_archive` writes a folder laid out like a police.uk street-level download
(every row marked ``SYNTHETIC DATA - not real crime``) and a ``truth.json`` holding
what was planted: hotspots, patrol places and their treatment effect, bad rows and
counts. :func:`load_truth` reads it back. ``plants=`` adds data-quality artefacts
with a known truth (:data:`PLANTS`), for testing data-quality checks.
:func:`simulate_trial_crimes` writes crimes with exact times for a randomised
patrol trial run to a schedule, with its planted effect. :func:`simulate_pings`
writes patrol units' location pings (radio or body-worn camera) with planted visits
to hot spots, and :func:`write_pings_csv` streams a force-sized ping export.
:func:`make_national_archive` writes a police.uk bulk archive for every force of
England and Wales and many months, quickly, for benchmarks of national ingest.
"""

from typing import TYPE_CHECKING

from hotspots._lazy import attach

if TYPE_CHECKING:
    from hotspots.synthetic._archive import SyntheticArchive, load_truth, make_archive
    from hotspots.synthetic._national import (
        SyntheticNationalArchive,
        make_national_archive,
    )
    from hotspots.synthetic._patrols import (
        patrol_counterfactual,
        patrol_dosage,
        patrol_places,
    )
    from hotspots.synthetic._pings import SyntheticPings, simulate_pings
    from hotspots.synthetic._pings_stream import write_pings_csv
    from hotspots.synthetic._plants import PLANTS
    from hotspots.synthetic._trial import simulate_trial_crimes

#: The private module that holds each public name, imported when first asked for.
_SOURCES = {
    "hotspots.synthetic._archive": "SyntheticArchive load_truth make_archive",
    "hotspots.synthetic._national": "SyntheticNationalArchive make_national_archive",
    "hotspots.synthetic._patrols": "patrol_counterfactual patrol_dosage patrol_places",
    "hotspots.synthetic._pings": "SyntheticPings simulate_pings",
    "hotspots.synthetic._pings_stream": "write_pings_csv",
    "hotspots.synthetic._plants": "PLANTS",
    "hotspots.synthetic._trial": "simulate_trial_crimes",
}

__getattr__, __dir__ = attach(__name__, _SOURCES)

__all__ = [
    "PLANTS",
    "SyntheticArchive",
    "SyntheticNationalArchive",
    "SyntheticPings",
    "load_truth",
    "make_archive",
    "make_national_archive",
    "patrol_counterfactual",
    "patrol_dosage",
    "patrol_places",
    "simulate_pings",
    "simulate_trial_crimes",
    "write_pings_csv",
]
