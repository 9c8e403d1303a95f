"""The pack page's "Against published studies", under E · Effect.

The local headline effect (the difference-in-differences that the verdict reads)
is placed among the published hot spots policing trials by
:func:`hotspots.evidence.place_result`; the sentence and the caveats are the
library's, verbatim, so the pack, the notebooks and the library say the same. The
forest plot is :func:`hotspots.evidence.forest_plot` drawn as inline SVG, and the
study table names where every number was read.
"""

from __future__ import annotations

import logging
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from hotspots.evidence import forest_plot, load_reviews, load_studies, place_result
from hotspots.evidence._meta import study_labels
from hotspots.evidence._placement import Placement
from hotspots.pack._charts import _RC, _svg
from hotspots.pack._format import table

__all__ = ["evidence_context", "evidence_frames", "place_evaluation"]

logger = logging.getLogger(__name__)

#: Columns of the pack's study table, as shown and as written to CSV.
STUDY_TABLE_COLUMNS = {
    "label": "Study",
    "design": "Design",
    "outcome": "Outcome",
    "res": "RES",
    "se_from": "Uncertainty from",
    "source_type": "Source",
    "source_location": "Where in the source",
}


def place_evaluation(evaluation: Any, synthetic: bool) -> Placement | None:
    """Place the evaluation's headline DiD, or None when it is not estimable."""
    label = "This evaluation (SYNTHETIC)" if synthetic else "This evaluation"
    try:
        return place_result(evaluation, outcome_type="violence", label=label)
    except ValueError as error:
        logger.info("The pack shows no comparison with published studies: %s", error)
        return None


def _study_table(placement: Placement) -> pd.DataFrame:
    published = placement.published.copy()
    published["label"] = study_labels(published).to_numpy()
    published["res"] = published["res"].map(lambda v: f"{v:.2f}")
    published["se_from"] = published["se_from"].replace("", "none published")
    return published[list(STUDY_TABLE_COLUMNS)].rename(columns=STUDY_TABLE_COLUMNS)


def evidence_context(
    placement: Placement | None, *, synthetic: bool
) -> dict[str, Any] | None:
    """Return the template's ``evidence`` entry: sentence, chart, table, caveats."""
    if placement is None:
        return None
    title = (
        "SYNTHETIC DATA: this evaluation among published hot spots policing trials"
        if synthetic
        else "This evaluation among published hot spots policing trials"
    )
    with plt.rc_context({**_RC, "text.parse_math": False}):
        fig = forest_plot(placement, reviews=load_reviews(), title=title)
        svg = _svg(fig)
    return {
        "sentence": placement.sentence,
        "forest_svg": svg,
        "studies_table": table(_study_table(placement)),
        "caveats": list(placement.caveats),
        "synthetic": synthetic,
    }


def evidence_frames(placement: Placement | None) -> dict[str, pd.DataFrame]:
    """CSV files for the pack's data folder: the placement and the study table."""
    if placement is None:
        return {}
    studies = load_studies()
    keep = [c for c in studies.columns if c not in ("not_pooled_reason",)]
    return {
        "evidence_placement.csv": placement.to_frame(),
        "evidence_studies.csv": studies[keep],
    }
