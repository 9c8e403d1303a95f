"""Track: patrol dosage at hot spots from location pings, and compliance with a plan.

The College of Policing's targeting-tracking-testing cycle asks forces to record how
much patrol each hot spot actually received. :func:`read_pings` reads radio or
body-worn-camera location exports with a quarantine (rows in = rows kept + rows set
aside, each with a reason) and in chunks, so a force-year never has to fit in
memory; :func:`dosage` turns the pings into minutes present, visits and units per
hot spot and day (or shift); :func:`compliance` checks the dosage against a
:class:`PatrolPlan` (such as one visit of at least 15 minutes a day between 18:00 and
02:00) and funded hours; :func:`dose_response` relates monthly crime to patrol hours.
Rules and their checks: :doc:`/docs/methods/pings`, :doc:`/docs/methods/tracking`,
:doc:`/docs/methods/compliance`.
"""

from typing import TYPE_CHECKING

from hotspots._lazy import attach

if TYPE_CHECKING:
    from hotspots.tracking._compliance import Compliance, compliance
    from hotspots.tracking._compliance_plan import PatrolPlan
    from hotspots.tracking._dosage import dosage
    from hotspots.tracking._dosage_result import Dosage
    from hotspots.tracking._dose_response import DoseResponse, dose_response
    from hotspots.tracking._pings import PING_REASONS, Pings, read_pings
    from hotspots.tracking._plots import plot_compliance, plot_visit_lengths

#: The private module that holds each public name, imported when first asked for.
_SOURCES = {
    "hotspots.tracking._compliance": "Compliance compliance",
    "hotspots.tracking._compliance_plan": "PatrolPlan",
    "hotspots.tracking._dosage": "dosage",
    "hotspots.tracking._dosage_result": "Dosage",
    "hotspots.tracking._dose_response": "DoseResponse dose_response",
    "hotspots.tracking._pings": "PING_REASONS Pings read_pings",
    "hotspots.tracking._plots": "plot_compliance plot_visit_lengths",
}

__getattr__, __dir__ = attach(__name__, _SOURCES)

__all__ = [
    "PING_REASONS",
    "Compliance",
    "Dosage",
    "DoseResponse",
    "PatrolPlan",
    "Pings",
    "compliance",
    "dosage",
    "dose_response",
    "plot_compliance",
    "plot_visit_lengths",
    "read_pings",
]
