"""The table of published hot spots policing tests: :func:`load_studies`.

Reads ``hotspots/data/evidence_studies.csv`` (or another file with the same
columns), checks it, and puts every study on one scale, the relative effect size
(RES > 1 = crime fell relative to the control). The rules are in
docs/methods/evidence.md.
"""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd
from scipy import stats

from hotspots.evaluation._glm import normal_quantile
from hotspots.exceptions import SchemaError

__all__ = [
    "DESIGNS",
    "MEASURES",
    "OUTCOME_TYPES",
    "SOURCE_TYPES",
    "STUDY_COLUMNS",
    "load_studies",
]

#: Columns of the study table, in order (see docs/methods/evidence.md).
STUDY_COLUMNS = (
    "study_id",
    "authors",
    "year",
    "title",
    "publication",
    "doi",
    "place",
    "country",
    "design",
    "intervention",
    "outcome",
    "outcome_type",
    "measure",
    "estimate",
    "ci_low",
    "ci_high",
    "ci_level",
    "p_value",
    "a",
    "b",
    "c",
    "d",
    "source",
    "source_location",
    "source_url",
    "notes",
    "in_meta_analysis",
    "main_outcome",
    "source_type",
)
#: Allowed study designs.
DESIGNS = ("RCT", "crossover RCT", "quasi-experiment")
#: Allowed outcome types.
OUTCOME_TYPES = (
    "all crime",
    "violence",
    "disorder",
    "calls for service",
    "crime harm",
    "other",
)
#: How a number was published.
MEASURES = ("RES", "IRR", "cohens_d", "percent_change", "counts")
#: Allowed values of ``in_meta_analysis`` and ``main_outcome``.
IN_META = ("yes", "no")
#: Allowed values of ``source_type``: the publication itself (or its own
#: abstract), or a secondary account of it (a review's table, a university or
#: Home Office release, an evidence summary, a news article).
SOURCE_TYPES = ("primary", "secondary")
#: Columns read as numbers.
NUMERIC = ("year", "estimate", "ci_low", "ci_high", "ci_level", "p_value")
COUNTS = ("a", "b", "c", "d")
#: Multiplier from Cohen's d to a log odds ratio (Borenstein et al. 2009, ch. 7).
D_TO_LOG_OR = math.pi / math.sqrt(3)
#: Coverage of the ``res_ci_low``/``res_ci_high`` columns.
DISPLAY_LEVEL = 0.95
_FILE = "evidence_studies.csv"


def _ids(frame: pd.DataFrame, mask) -> str:
    ids = list(frame.loc[mask, "study_id"])
    more = f" and {len(ids) - 10} more" if len(ids) > 10 else ""
    return ", ".join(map(str, ids[:10])) + more


def read_table(path, name: str = _FILE) -> pd.DataFrame:
    """Read a bundled evidence table (``name``) or the CSV at ``path`` as text."""
    if path is None:
        text = resources.files("hotspots.data").joinpath(name)
        if not text.is_file():
            raise FileNotFoundError(
                f"the bundled table hotspots/data/{name} is missing; reinstall "
                "hotspots or pass path= to a table with the same columns"
            )
        with resources.as_file(text) as real:
            return pd.read_csv(real, dtype=str, keep_default_na=False)
    source = Path(path) if isinstance(path, str) else path
    return pd.read_csv(source, dtype=str, keep_default_na=False)


def _check_columns(frame: pd.DataFrame) -> None:
    missing = [c for c in STUDY_COLUMNS if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"the study table lacks columns {missing}; add them (empty where "
            "nothing was published) so the table has every column of "
            "hotspots.evidence.STUDY_COLUMNS"
        )


def _check_values(frame: pd.DataFrame) -> None:
    for column, allowed in (
        ("design", DESIGNS),
        ("outcome_type", OUTCOME_TYPES),
        ("measure", MEASURES),
        ("in_meta_analysis", IN_META),
        ("main_outcome", IN_META),
        ("source_type", SOURCE_TYPES),
    ):
        bad = ~frame[column].isin(allowed)
        if bad.any():
            values = sorted(set(frame.loc[bad, column]))
            raise SchemaError(
                f"column {column!r} has values {values} in studies "
                f"{_ids(frame, bad)}; use exactly one of {list(allowed)}"
            )
    for column in ("source", "source_location"):
        empty = frame[column].str.strip().eq("")
        if empty.any():
            raise SchemaError(
                f"studies {_ids(frame, empty)} have no {column}; every number must "
                "say where it was read (full citation and the table, page or "
                "figure): add it or remove the row"
            )
    dupes = frame["study_id"].duplicated(keep=False)
    if dupes.any():
        raise SchemaError(
            f"study_id must be unique; repeated: {_ids(frame, dupes)}. Give each "
            "test its own id (e.g. add the outcome to the slug)"
        )


def _numbers(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in (*NUMERIC, *COUNTS):
        text = out[column].str.strip()
        values = pd.to_numeric(text.replace("", np.nan), errors="coerce")
        bad = (text.ne("") & values.isna()) | np.isinf(values.fillna(0.0))
        if bad.any():
            raise SchemaError(
                f"column {column!r} must hold finite numbers or be empty; studies "
                f"{_ids(frame, bad)} have {sorted(set(text[bad]))}"
            )
        out[column] = values.astype(float)
    return out


def _check_numbers(frame: pd.DataFrame) -> None:
    level = frame["ci_level"]
    bad = level.notna() & ~((level > 0) & (level < 1))
    if bad.any():
        raise SchemaError(
            f"ci_level must be in (0, 1), e.g. 0.95; studies {_ids(frame, bad)}"
        )
    has_ci = frame["ci_low"].notna() & frame["ci_high"].notna()
    bad = has_ci & level.isna()
    if bad.any():
        raise SchemaError(
            f"studies {_ids(frame, bad)} give an interval without ci_level; add "
            "the interval's coverage (0.95 for a 95% interval)"
        )
    counts = frame["measure"].eq("counts")
    bad = ~counts & frame["estimate"].isna()
    if bad.any():
        raise SchemaError(
            f"studies {_ids(frame, bad)} have no estimate; give the published "
            "number, or measure 'counts' with a, b, c and d"
        )
    bad = counts & (
        frame[list(COUNTS)].isna().any(axis=1) | (frame[list(COUNTS)] < 0).any(axis=1)
    )
    if bad.any():
        raise SchemaError(
            f"studies {_ids(frame, bad)} have measure 'counts' but not four "
            "counts a, b, c, d >= 0"
        )
    est, low, high = frame["estimate"], frame["ci_low"], frame["ci_high"]
    bad = ~counts & has_ci & ~((low <= est) & (est <= high))
    if bad.any():
        raise SchemaError(
            f"the interval does not contain the estimate in studies "
            f"{_ids(frame, bad)}; check ci_low <= estimate <= ci_high and the "
            "measure (an IRR's interval is not a RES's)"
        )
    p = frame["p_value"]
    bad = p.notna() & ~((p > 0) & (p <= 1))
    if bad.any():
        raise SchemaError(f"p_value must be in (0, 1]; studies {_ids(frame, bad)}")
    ratio = frame["measure"].isin(["RES", "IRR"])
    bad = ratio & ((est <= 0) | (has_ci & (low <= 0)))
    bad |= frame["measure"].eq("percent_change") & (
        (est <= -100) | (has_ci & (low <= -100))
    )
    if bad.any():
        raise SchemaError(
            f"studies {_ids(frame, bad)} have a ratio <= 0 (or a change <= -100%), "
            "which has no log; check the measure"
        )


def _convert_row(row: pd.Series) -> tuple[float, float, str, str, float, float]:
    """Return log_res, se, se_from, reason and the log-scale 95% bounds (or NaN)."""
    measure = row["measure"]
    low = high = math.nan
    if measure == "counts":
        cells = [row[c] for c in COUNTS]
        if min(cells) <= 0:
            return math.nan, math.nan, "", "a count is zero: no log RES", low, high
        a, b, c, d = cells
        log_res = math.log(a) + math.log(d) - math.log(b) - math.log(c)
        return log_res, math.sqrt(sum(1 / x for x in cells)), "counts", "", low, high
    est, ci = row["estimate"], (row["ci_low"], row["ci_high"])
    if measure == "RES":
        log_res, bounds = math.log(est), [math.log(x) for x in ci]
    elif measure == "IRR":
        log_res, bounds = -math.log(est), [-math.log(x) for x in ci[::-1]]
    elif measure == "cohens_d":
        log_res, bounds = est * D_TO_LOG_OR, [x * D_TO_LOG_OR for x in ci]
    else:  # percent_change: treated relative to control
        log_res = -math.log1p(est / 100)
        bounds = [-math.log1p(x / 100) for x in ci[::-1]]
    if all(math.isfinite(x) for x in bounds):
        se = (bounds[1] - bounds[0]) / (2 * normal_quantile(row["ci_level"]))
        if row["ci_level"] == DISPLAY_LEVEL:
            low, high = bounds
        return log_res, se, "interval", "", low, high
    p = row["p_value"]
    if math.isfinite(p):
        z_p = float(stats.norm.isf(p / 2))
        if log_res == 0 or z_p <= 0:
            return log_res, math.nan, "", "p-value cannot give an SE here", low, high
        return log_res, abs(log_res) / z_p, "p-value", "", low, high
    return log_res, math.nan, "", "no interval, p-value or counts: no SE", low, high


def convert_studies(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the common-scale columns to a checked study table (:func:`load_studies`)."""
    rows = [_convert_row(row) for _, row in frame.iterrows()]
    out = frame.copy()
    cols = ["log_res", "se_log_res", "se_from", "_reason", "_lo", "_hi"]
    parts = pd.DataFrame(rows, columns=cols, index=frame.index)
    for col in cols:
        out[col] = parts[col].astype(object if col in ("se_from", "_reason") else float)
    z = normal_quantile(DISPLAY_LEVEL)
    out["res"] = np.exp(out["log_res"])
    lo = out["_lo"].fillna(out["log_res"] - z * out["se_log_res"])
    hi = out["_hi"].fillna(out["log_res"] + z * out["se_log_res"])
    out["res_ci_low"], out["res_ci_high"] = np.exp(lo), np.exp(hi)
    reason = out["_reason"].astype(str)
    marked = out["in_meta_analysis"].eq("no")
    reason = reason.where(
        ~marked,
        (reason + "; ").where(reason.ne(""), "")
        + "marked not pooled (in_meta_analysis = no; see notes)",
    )
    out["not_pooled_reason"] = reason
    return out.drop(columns=["_reason", "_lo", "_hi"])


def load_studies(path: str | Path | IO[str] | None = None) -> pd.DataFrame:
    """Read, check and convert the table of published hot spots policing tests.

    Parameters
    ----------
    path : str, Path or text buffer, optional
        A CSV with the columns :data:`STUDY_COLUMNS` (UTF-8, comma separated, one
        row per test). Default: the bundled ``hotspots/data/evidence_studies.csv``.

    Returns
    -------
    DataFrame
        One row per test: the table's columns (numbers as floats, text as
        strings, empty text as ``""``) plus ``log_res`` and ``se_log_res`` (log
        relative effect size and its standard error), ``res``, ``res_ci_low``,
        ``res_ci_high`` (RES and its 95% interval: the published interval
        converted when it is a 95% one, else ``exp(log_res +/- 1.96 SE)``),
        ``se_from`` (``"interval"``, ``"p-value"``, ``"counts"`` or ``""``) and
        ``not_pooled_reason`` (``""`` for rows :func:`meta_analysis` pools).
        RES > 1 means crime fell relative to the control.

    Raises
    ------
    SchemaError
        When a column is missing; ``design``, ``outcome_type``, ``measure``,
        ``in_meta_analysis``, ``main_outcome`` or ``source_type`` has a value
        outside its set; a row has no
        ``source`` or ``source_location``; ``study_id`` repeats; a number is
        not finite; an interval does not contain its estimate; or ``ci_level``
        is outside (0, 1). The message names the studies and what to do.
    FileNotFoundError
        When the file does not exist.

    Notes
    -----
    Conversions (docs/methods/evidence.md): RES as is; IRR inverted;
    Cohen's d times pi/sqrt(3) (Borenstein et al. 2009, ch. 7); a percentage
    change as ``-log(1 + change/100)``; counts as ``log(a d / (b c))`` with
    ``SE = sqrt(1/a + 1/b + 1/c + 1/d)``. The SE comes from the interval,
    ``(log high - log low) / (2 z)``, else from the p-value,
    ``|log RES| / z_p`` (Altman & Bland 2011). Rows with neither keep NaN and a
    reason.

    Examples
    --------
    >>> import io
    >>> from hotspots.evidence import STUDY_COLUMNS
    >>> row = dict.fromkeys(STUDY_COLUMNS, "")
    >>> row.update(study_id="x", authors="A & B", year="2000", design="RCT",
    ...            outcome_type="all crime", measure="IRR", estimate="0.8",
    ...            ci_low="0.64", ci_high="1.0", ci_level="0.95", source="A & B 2000",
    ...            source_location="Table 2", in_meta_analysis="yes",
    ...            main_outcome="yes", source_type="primary")
    >>> csv = io.StringIO(pd.DataFrame([row]).to_csv(index=False))
    >>> studies = load_studies(csv)
    >>> round(float(studies["res"].iloc[0]), 3), studies["se_from"].iloc[0]
    (1.25, 'interval')
    """
    frame = read_table(path)
    _check_columns(frame)
    text = [c for c in frame.columns if c not in (*NUMERIC, *COUNTS)]
    frame[text] = frame[text].apply(lambda col: col.str.strip())
    _check_values(frame)
    frame = _numbers(frame)
    _check_numbers(frame)
    frame["year"] = frame["year"].astype("Int64")
    return convert_studies(frame).reset_index(drop=True)
