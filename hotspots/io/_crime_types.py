"""Every crime-type name police.uk has used, mapped to today's fourteen categories.

police.uk started (December 2010) with six categories, split "Other crime" in
September 2011 and, in May 2013, renamed "Violent crime" to "Violence and sexual
offences", split "Public disorder and weapons" into "Public order" and "Possession
of weapons" and split "Bicycle theft" and "Theft from the person" from "Other theft".
Older files therefore carry names that are no longer categories; the readers keep
those rows under today's category and say so.
"""

from __future__ import annotations

import logging
import warnings
from importlib import resources
from io import StringIO

import numpy as np
import pandas as pd

from hotspots.exceptions import HotspotsWarning
from hotspots.io._schema import CRIME_TYPES

__all__ = ["CRIME_TYPE_HISTORY", "crime_type_codes", "report_old_names"]

logger = logging.getLogger(__name__)

_FILE = "crime_type_history.csv"


def _load() -> pd.DataFrame:
    text = resources.files("hotspots.data").joinpath(_FILE).read_text("utf-8")
    return pd.read_csv(StringIO(text), dtype=str, keep_default_na=False)


#: Every crime-type name police.uk has used in street-level files (16 rows):
#: ``name`` (as published), ``category`` (today's category the readers file it
#: under), ``status`` (``current``, ``renamed`` or ``split``), ``first_month`` and
#: ``last_month`` (``YYYY-MM``; ``last_month`` blank while the name is in use),
#: ``became`` (today's categories it turned into), ``source`` (where each row was
#: checked; see ``hotspots/data/README.md``) and ``note``. A split name is filed
#: under one documented successor and its published name kept in the
#: ``crime_type_published`` column. Treat it as read-only.
CRIME_TYPE_HISTORY: pd.DataFrame = _load()


_TABLE = _load()  # the readers' own copy
#: Lower-case published name -> index into CRIME_TYPES.
_LOOKUP = {
    name.lower(): CRIME_TYPES.index(category)
    for name, category in zip(_TABLE["name"], _TABLE["category"], strict=True)
}
_OLD = {rec.name.lower(): rec for rec in _TABLE.itertuples() if rec.status != "current"}


def crime_type_codes(values: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Return the category index of each distinct published crime type.

    Parameters
    ----------
    values : list of str
        Distinct crime-type texts as published (any case, trimmed).

    Returns
    -------
    codes : numpy.ndarray
        Index into :data:`~hotspots.io.CRIME_TYPES` per value, -1 when unknown.
    old : pandas.DataFrame
        One row per value that is an old police.uk name: ``value`` (its position in
        ``values``), ``published``, ``read_as``, ``status``, ``last_month``.
    """
    codes = np.array([_LOOKUP.get(v.lower(), -1) for v in values], dtype=np.int64)
    old = [
        (i, v, _OLD[v.lower()].category, _OLD[v.lower()].status)
        for i, v in enumerate(values)
        if v.lower() in _OLD
    ]
    frame = pd.DataFrame(old, columns=["value", "published", "read_as", "status"])
    frame["last_month"] = [_OLD[v.lower()].last_month for v in frame["published"]]
    return codes, frame


def report_old_names(
    counts: pd.DataFrame, sources: dict[str, list[str]], *, stacklevel: int
) -> None:
    """Log renamed names; warn when a split name was filed under one successor.

    ``counts`` has ``published``, ``read_as``, ``status`` and ``n`` (rows kept or
    set aside for another reason, all carrying the old name); ``sources`` maps a
    published name to the files it was found in.
    """
    for rec in counts.itertuples():
        logger.info(
            "%s row(s) with police.uk's old crime type %r read as %r.",
            f"{rec.n:,}",
            rec.published,
            rec.read_as,
        )
        if rec.status == "split":
            became = _OLD[rec.published.lower()].became.replace("; ", " and ")
            files = sources.get(rec.published, [])
            where = f"{', '.join(files[:3])}{' ...' if len(files) > 3 else ''}: "
            warnings.warn(
                f"{where}{rec.n:,} row(s) carry the crime type {rec.published!r}, "
                f"which police.uk split into {became} in the month after "
                f"{_OLD[rec.published.lower()].last_month}; they are filed under "
                f"{rec.read_as!r} (published name kept in 'crime_type_published'). "
                "Selections by the other successor (e.g. serious_violence's "
                "'Possession of weapons') miss them: compare months before and after "
                "the split with care.",
                HotspotsWarning,
                stacklevel=stacklevel + 1,
            )
