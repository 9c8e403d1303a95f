"""Every police force police.uk publishes street-level crime for, by slug and by name.

police.uk names a force three ways: the archive file slug
(``2024-01-leicestershire-street.csv``), the published name in ``Reported by`` and
``Falls within`` ("Leicestershire Police"), and, in Home Office tables and ONS
boundaries, the police force area name ("Leicestershire"). :func:`resolve_force`
turns any of them into the slug, from one table (:data:`FORCES`) instead of guessing
by stripping words.
"""

from __future__ import annotations

import difflib
import re
from functools import cache
from importlib import resources
from io import StringIO

import pandas as pd

__all__ = ["FORCES", "force_key", "force_record", "lookup_force", "resolve_force"]

_FILE = "forces.csv"
# Words a force's name may carry or drop: "Leicestershire Police" is "Leicestershire".
_OPTIONAL_WORDS = frozenset({"police", "constabulary", "service", "the"})
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_N_SUGGESTIONS = 5


def _load() -> pd.DataFrame:
    text = resources.files("hotspots.data").joinpath(_FILE).read_text("utf-8")
    frame = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False)
    for column in ("has_area", "outline_shipped"):
        frame[column] = frame[column].map({"True": True, "False": False}).astype(bool)
    return frame


def _read_only(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy whose NumPy-backed columns cannot be written to."""
    frame = frame.copy()
    for column in frame.columns:
        values = frame[column].to_numpy()
        if hasattr(values, "flags"):
            values.flags.writeable = False
    return frame


#: Every force police.uk publishes street-level data for (45 rows): the 43
#: territorial forces of England and Wales, British Transport Police (``btp``) and
#: the Police Service of Northern Ireland (``northern-ireland``). Columns: ``slug``
#: (archive file slug and data.police.uk API id), ``name`` (as written in
#: ``Reported by``/``Falls within``), ``area_name`` (Home Office police force area
#: name; blank for BTP and PSNI), ``country``, ``has_area`` (False for BTP, which
#: polices the railways), ``outline_shipped`` (True where
#: :func:`hotspots.io.force_area` has an outline: not BTP, not PSNI), ``aliases``
#: (other spellings, ``;``-separated). Sources: ``hotspots/data/README.md``.
#: Treat it as read-only; :func:`resolve_force` uses its own copy.
FORCES: pd.DataFrame = _read_only(_load())


def force_key(text: str) -> str:
    """Return the comparison key of a force's name or slug.

    Lower case, ``&`` as "and", punctuation as spaces, and the optional words
    "Police", "Constabulary", "Service" and "the" dropped.
    """
    words = _NOT_ALNUM.sub(" ", str(text).lower().replace("&", " and ")).split()
    return " ".join(w for w in words if w not in _OPTIONAL_WORDS)


@cache
def _index() -> tuple[dict[str, str], pd.DataFrame]:
    """Map every spelling's key to its slug; fail loudly if two forces share one."""
    table = _load()
    index: dict[str, str] = {}
    for rec in table.itertuples():
        spellings = [rec.slug, rec.name, rec.area_name, *rec.aliases.split(";")]
        for spelling in spellings:
            key = force_key(spelling)
            if not key:
                continue
            if index.setdefault(key, rec.slug) != rec.slug:  # pragma: no cover
                raise RuntimeError(  # a bug in forces.csv, never a user error
                    f"forces.csv: {spelling!r} names both {index[key]} and {rec.slug}."
                )
    return index, table.set_index("slug", drop=False)


def lookup_force(text: str) -> str | None:
    """Return the slug of ``text`` (slug, name or area name), or None if unknown."""
    index, _ = _index()
    return index.get(force_key(text))


def force_record(slug: str) -> pd.Series:
    """Return the :data:`FORCES` row of a slug (a copy)."""
    _, table = _index()
    return table.loc[slug].copy()


def resolve_force(text: str) -> str:
    """Return the police.uk slug of a force named by slug, published name or area.

    Parameters
    ----------
    text : str
        Any of: the archive slug (``"leicestershire"``, ``"btp"``,
        ``"northern-ireland"``), the name police.uk writes in ``Falls within``
        (``"Leicestershire Police"``, ``"Police Service of Northern Ireland"``) or the
        Home Office police force area name (``"London, City of"``). Case, hyphens,
        punctuation, ``&``/"and" and the words "Police", "Constabulary" and
        "Service" do not matter.

    Returns
    -------
    str
        The slug, a value of ``FORCES["slug"]``.

    Raises
    ------
    ValueError
        If ``text`` names no force police.uk publishes; the message lists the
        closest names.

    Examples
    --------
    >>> resolve_force("Leicestershire Police")
    'leicestershire'
    >>> resolve_force("British Transport Police")
    'btp'
    >>> resolve_force("london, city of")
    'city-of-london'
    """
    slug = lookup_force(text)
    if slug is not None:
        return slug
    index, table = _index()
    close = difflib.get_close_matches(
        force_key(text), list(index), n=_N_SUGGESTIONS, cutoff=0.5
    )
    names = list(dict.fromkeys(f"{table.loc[index[k], 'name']!r}" for k in close))
    hint = f"Closest: {', '.join(names)}. " if names else ""
    raise ValueError(
        f"{text!r} is not a force police.uk publishes data for. {hint}Use a slug, "
        "name or area name from hotspots.io.FORCES (e.g. 'leicestershire', "
        "'Leicestershire Police')."
    )
