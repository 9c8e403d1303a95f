"""Small study tables for the evidence tests (written as CSVs like the bundled one)."""

from __future__ import annotations

import pandas as pd

from hotspots.evidence import STUDY_COLUMNS


def study_row(study_id: str = "s1", **values) -> dict:
    """One row of the study table: an RCT with an RES and its 95% interval."""
    row = dict.fromkeys(STUDY_COLUMNS, "")
    row.update(
        study_id=study_id,
        authors="Author et al.",
        year="2010",
        title="A hot spots trial",
        publication="Journal 1(1), 1-10",
        place="Town",
        country="England",
        design="RCT",
        intervention="directed patrol",
        outcome="all crime",
        outcome_type="all crime",
        measure="RES",
        estimate="1.25",
        ci_low="1.02",
        ci_high="1.53",
        ci_level="0.95",
        source="Author et al. (2010). A hot spots trial. Journal, 1(1), 1-10.",
        source_location="Table 2",
        source_url="https://example.org/trial",
        in_meta_analysis="yes",
        main_outcome="yes",
        source_type="primary",
    )
    row.update({k: str(v) for k, v in values.items()})
    return row


def write_studies(path, rows) -> str:
    """Write rows (dicts) as a study CSV at ``path``; return the path."""
    pd.DataFrame(rows, columns=list(STUDY_COLUMNS)).to_csv(path, index=False)
    return path
