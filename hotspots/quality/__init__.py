"""Check: data-quality diagnostics before any hot spot is shown.

police.uk and force data carry recording artefacts that statistics cannot see:
crimes piled on the map point of a police station, a hospital or a prison; months
missing from the archive; a share of rows without a location that changes over the
study period; LSOA codes of two vintages; rows far outside the force's area.
:func:`check_data` finds them and returns a :class:`QualityReport` (a tidy table of
findings with what to do); :func:`describe_places` names places and cells in the
words an analyst recognises; :func:`handle_artefacts` applies the choice of what to
do with crimes at flagged points, which :func:`hotspots.select_places`,
:func:`hotspots.find_hotspots` and :func:`hotspots.evaluate` expose as
``artefacts=``. :func:`judge_points` is the map-point rule itself, on counts per
point: check_data and the national queries (:mod:`hotspots.national`) both call it.
"""

from typing import TYPE_CHECKING

from hotspots._lazy import attach

if TYPE_CHECKING:
    from hotspots.quality._check import check_data
    from hotspots.quality._coverage import gap_months
    from hotspots.quality._judge import judge_points
    from hotspots.quality._places import (
        ARTEFACT_ACTIONS,
        PLACE_NAME_COLUMNS,
        ArtefactAction,
        describe_places,
        handle_artefacts,
        short_label,
        warn_flagged,
    )
    from hotspots.quality._points import REPORTING_KEYWORDS, map_points
    from hotspots.quality._report import CHECKS, FINDING_COLUMNS, QualityReport

#: The private module that holds each public name, imported when first asked for.
_SOURCES = {
    "hotspots.quality._check": "check_data",
    "hotspots.quality._coverage": "gap_months",
    "hotspots.quality._judge": "judge_points",
    "hotspots.quality._places": (
        "ARTEFACT_ACTIONS PLACE_NAME_COLUMNS ArtefactAction describe_places "
        "handle_artefacts short_label warn_flagged"
    ),
    "hotspots.quality._points": "REPORTING_KEYWORDS map_points",
    "hotspots.quality._report": "CHECKS FINDING_COLUMNS QualityReport",
}

__getattr__, __dir__ = attach(__name__, _SOURCES)

__all__ = [
    "ARTEFACT_ACTIONS",
    "CHECKS",
    "FINDING_COLUMNS",
    "PLACE_NAME_COLUMNS",
    "REPORTING_KEYWORDS",
    "ArtefactAction",
    "QualityReport",
    "check_data",
    "describe_places",
    "gap_months",
    "handle_artefacts",
    "judge_points",
    "map_points",
    "short_label",
    "warn_flagged",
]
