"""Published pooled estimates of hot spots policing: :func:`load_reviews`.

Reads ``hotspots/data/evidence_reviews.csv``: systematic reviews and
meta-analyses, with the number of studies they pooled and, where the text we
read gives one, the pooled effect as the percentage change the authors state.
These are shown beside the study table; they are not pooled again.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from hotspots.evidence._studies import read_table
from hotspots.exceptions import SchemaError

__all__ = ["REVIEW_COLUMNS", "load_reviews", "review_groups", "review_sentence"]

#: Columns of the review table, in order (see docs/methods/evidence.md).
REVIEW_COLUMNS = (
    "review_id",
    "authors",
    "year",
    "title",
    "publication",
    "doi",
    "n_studies",
    "n_tests",
    "measure",
    "estimate",
    "ci_low",
    "ci_high",
    "ci_level",
    "percent_change",
    "source",
    "source_location",
    "source_url",
    "notes",
)
_NUMBERS = (
    "year",
    "n_studies",
    "n_tests",
    "estimate",
    "ci_low",
    "ci_high",
    "ci_level",
    "percent_change",
)
_FILE = "evidence_reviews.csv"


def load_reviews(path: str | Path | IO[str] | None = None) -> pd.DataFrame:
    """Read and check the table of published reviews of hot spots policing.

    Parameters
    ----------
    path : str, Path or text buffer, optional
        A CSV with the columns :data:`REVIEW_COLUMNS`. Default: the bundled
        ``hotspots/data/evidence_reviews.csv``.

    Returns
    -------
    DataFrame
        One row per pooled estimate (a review reporting two effect measures
        has two rows): the columns, numbers as floats (NaN where not
        published), plus ``res``, the stated percentage change as a relative
        effect size ``1 / (1 + percent_change / 100)`` (NaN without one).
        ``percent_change`` is negative for a reduction in crime at treated
        places relative to control.

    Raises
    ------
    SchemaError
        When a column is missing, a number is not a number, ``review_id``
        repeats, or a row has no ``source`` or ``source_location``.

    Examples
    --------
    >>> reviews = load_reviews()
    >>> bool((reviews["source"] != "").all())
    True
    """
    frame = read_table(path, _FILE)
    missing = [c for c in REVIEW_COLUMNS if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"the review table lacks columns {missing}; add them (empty where "
            "nothing was published)"
        )
    if frame["review_id"].duplicated().any():
        raise SchemaError("review_id must be unique in the review table")
    for column in ("source", "source_location"):
        empty = frame[column].str.strip().eq("")
        if empty.any():
            raise SchemaError(
                f"reviews {list(frame.loc[empty, 'review_id'])} have no {column}: "
                "every number must say where it was read"
            )
    for column in _NUMBERS:
        text = frame[column].str.strip()
        values = pd.to_numeric(text.replace("", np.nan), errors="coerce")
        if (text.ne("") & values.isna()).any():
            raise SchemaError(f"column {column!r} of the review table holds text")
        frame[column] = values.astype(float)
    bad = frame["percent_change"] <= -100
    if bad.any():
        raise SchemaError(
            f"reviews {list(frame.loc[bad, 'review_id'])} state a change of "
            "-100% or less, which no relative effect size can express"
        )
    frame["res"] = 1 / (1 + frame["percent_change"] / 100)
    return frame


def review_sentence(reviews: pd.DataFrame) -> str:
    """One sentence on the reviews' stated pooled changes, or ``""`` if none.

    The rule: take the rows with a stated ``percent_change``; for each review
    (same authors and year) give its number of studies and its stated
    reductions, as a range when the review states more than one (one per
    effect measure), rounded to whole percentages.

    Examples
    --------
    >>> import pandas as pd
    >>> import textwrap
    >>> rows = pd.DataFrame({"authors": ["B & W"] * 2, "year": [2020.0] * 2,
    ...                      "n_studies": [53.0] * 2, "percent_change": [-8.1, -16.0]})
    >>> print(textwrap.fill(review_sentence(rows), 78))
    Published reviews: B & W (2020), pooling 53 studies, found 8% to 16% fewer
    crimes at treated places than at control places, depending on the effect
    measure.
    """
    groups = review_groups(reviews)
    if not groups:
        return ""
    parts = []
    for g in groups:
        pooled = (
            f", pooling {g['n_studies']:.0f} studies,"
            if np.isfinite(g["n_studies"])
            else ""
        )
        measure = ", depending on the effect measure" if g["measures"] > 1 else ""
        parts.append(
            f"{g['authors']} ({g['year']:.0f}){pooled} found {g['span']} "
            f"{g['words']} crimes at treated places than at control places{measure}"
        )
    return "Published reviews: " + "; ".join(parts) + "."


def review_groups(reviews: pd.DataFrame) -> list[dict]:
    """Return each review's stated pooled changes, as the sentence and plot show them.

    Returns
    -------
    list of dict
        One per review (same authors and year) with a stated ``percent_change``:
        ``authors``, ``year``, ``n_studies`` (NaN when not given), ``span`` (the
        stated changes as whole percentages, "8%" or "8% to 16%"), ``words``
        ("fewer" or "more" crimes), ``res_low`` and ``res_high`` (the changes as
        relative effect sizes) and ``measures`` (rows, one per effect measure).
    """
    stated = reviews[np.isfinite(reviews["percent_change"].astype(float))]
    groups = []
    for (authors, year), group in stated.groupby(["authors", "year"], sort=False):
        change = group["percent_change"].astype(float)
        low, high = sorted(-change)[0], sorted(-change)[-1]
        res = 1 / (1 + change / 100)
        studies = group["n_studies"].dropna()
        groups.append(
            {
                "authors": authors,
                "year": float(year),
                "n_studies": float(studies.iloc[0]) if len(studies) else np.nan,
                "span": f"{abs(low):.0f}%"
                if round(low) == round(high)
                else f"{abs(low):.0f}% to {abs(high):.0f}%",
                "words": "fewer" if low >= 0 else "more",
                "res_low": float(res.min()),
                "res_high": float(res.max()),
                "measures": len(group),
            }
        )
    return groups
