"""Evidence: published hot spots policing effects, pooled, and a local result.

:func:`load_studies` reads the bundled table of published tests (each number with
its source and where it was read) and puts every study on one scale, the relative
effect size (RES > 1 = crime fell relative to the comparison); :func:`load_reviews`
reads the published reviews' pooled estimates; :func:`meta_analysis` pools studies
with a random-effects model (DerSimonian-Laird or Paule-Mandel), with
heterogeneity, a prediction interval and subgroups; :func:`place_result` says where
a local evaluation sits among the published effects and how it moves the pooled
estimate; :func:`forest_plot` draws the studies, the pooled estimate, the reviews
and the local result. Rules and their checks: :doc:`/docs/methods/evidence`.
"""

from typing import TYPE_CHECKING

from hotspots._lazy import attach

if TYPE_CHECKING:
    from hotspots.evidence._forest import forest_plot
    from hotspots.evidence._meta import meta_analysis
    from hotspots.evidence._meta_result import MetaAnalysis
    from hotspots.evidence._place import place_result
    from hotspots.evidence._placement import MIN_POOLED, Placement, placement_sentence
    from hotspots.evidence._reviews import (
        REVIEW_COLUMNS,
        load_reviews,
        review_sentence,
    )
    from hotspots.evidence._studies import (
        DESIGNS,
        MEASURES,
        OUTCOME_TYPES,
        SOURCE_TYPES,
        STUDY_COLUMNS,
        load_studies,
    )

#: The private module that holds each public name, imported when first asked for.
_SOURCES = {
    "hotspots.evidence._forest": "forest_plot",
    "hotspots.evidence._meta": "meta_analysis",
    "hotspots.evidence._meta_result": "MetaAnalysis",
    "hotspots.evidence._place": "place_result",
    "hotspots.evidence._placement": "MIN_POOLED Placement placement_sentence",
    "hotspots.evidence._reviews": "REVIEW_COLUMNS load_reviews review_sentence",
    "hotspots.evidence._studies": (
        "DESIGNS MEASURES OUTCOME_TYPES SOURCE_TYPES STUDY_COLUMNS load_studies"
    ),
}

__getattr__, __dir__ = attach(__name__, _SOURCES)

__all__ = [
    "DESIGNS",
    "MEASURES",
    "MIN_POOLED",
    "OUTCOME_TYPES",
    "REVIEW_COLUMNS",
    "SOURCE_TYPES",
    "STUDY_COLUMNS",
    "MetaAnalysis",
    "Placement",
    "forest_plot",
    "load_reviews",
    "load_studies",
    "meta_analysis",
    "place_result",
    "placement_sentence",
    "review_sentence",
]
