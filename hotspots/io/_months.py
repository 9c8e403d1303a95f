"""Read a police.uk ``Month`` value, including the spellings spreadsheets write.

police.uk writes months as ``YYYY-MM``. A file opened and saved again in a
spreadsheet often comes back with the month turned into a date: ``Jan-24``,
``January 2024``, ``2024-01-01``, ``01/01/2024``. Each of these names one month
without doubt and is read. A day/month/year date whose day and month are both not
01 (``03/02/2024``) could be 3 February or 2 March and stays unparseable.
"""

from __future__ import annotations

import calendar
import re

import numpy as np

__all__ = ["SPREADSHEET_HINT", "parse_month"]

_CANONICAL = re.compile(r"^(\d{4})-(\d{2})$")
_MONTH_NAMES = {
    name: i + 1
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        )
    )
    for name in names
}
# "Jan-24", "Jan 2024", "January-2024", "january 24"
_NAMED = re.compile(r"^([a-z]+)\.?[\s\-/]+(\d{2}|\d{4})$")
# "2024-01-01", "2024/01/01", optionally with a midnight time "00:00[:00]"
_ISO_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T]00:00(?::00)?)?$")
# "2024/01", "2024-1"
_YEAR_MONTH = re.compile(r"^(\d{4})[-/.](\d{1,2})$")
# "01/2024"
_MONTH_YEAR = re.compile(r"^(\d{1,2})[-/.](\d{4})$")
# "01/01/2024", optionally with a midnight time
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?: 00:00(?::00)?)?$")
#: Shown when a month looks re-saved by a spreadsheet.
SPREADSHEET_HINT = (
    "the Month column looks re-saved by a spreadsheet (Excel turns '2024-01' into "
    "a date such as 'Jan-24' or '01/01/2024')"
)
# Years outside this range are typing errors, and would overflow datetime64[ns]
# (1677-2262) silently.
_FIRST_YEAR, _LAST_YEAR = 1900, 2199


def _month(year: int, month: int) -> str | None:
    if _FIRST_YEAR <= year <= _LAST_YEAR and 1 <= month <= 12:
        return f"{year:04d}-{month:02d}"
    return None


def _respelled(text: str) -> str | None:
    """Return ``YYYY-MM`` for an unambiguous non-canonical spelling, else None."""
    low = text.strip().lower()
    if m := _NAMED.match(low):
        number = _MONTH_NAMES.get(m.group(1))
        year = int(m.group(2))
        year = year + 2000 if year < 100 else year
        return _month(year, number) if number else None
    if m := _ISO_DATE.match(low):
        year, month, day = (int(g) for g in m.groups())
        if _month(year, month) is None:
            return None
        return (
            _month(year, month)
            if 1 <= day <= calendar.monthrange(year, month)[1]
            else None
        )
    if m := _YEAR_MONTH.match(low):
        return _month(int(m.group(1)), int(m.group(2)))
    if m := _MONTH_YEAR.match(low):
        return _month(int(m.group(2)), int(m.group(1)))
    if m := _DMY.match(low):
        first, second, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if first == 1:  # day 01 first: the UK order, 01/MM/YYYY
            return _month(year, second)
        if second == 1:  # day 01 second: the US order, MM/01/YYYY
            return _month(year, first)
        return None  # both parts could be the day: ambiguous
    return None


def parse_month(text: str) -> tuple[str | None, bool]:
    """Return (``YYYY-MM`` or None, whether the spelling was not ``YYYY-MM``).

    Examples
    --------
    >>> parse_month("2024-01"), parse_month("Jan-24"), parse_month("03/02/2024")
    (('2024-01', False), ('2024-01', True), (None, False))
    """
    if m := _CANONICAL.match(text):
        return _month(int(m.group(1)), int(m.group(2))), False
    month = _respelled(text)
    return month, month is not None


def parse_months(values: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse distinct month texts: (``YYYY-MM`` text or "", ok, respelled)."""
    parsed = [parse_month(v) for v in values]
    text = np.array([m or "" for m, _ in parsed], dtype=object)
    ok = np.array([m is not None for m, _ in parsed], dtype=bool)
    respelled = np.array([r for _, r in parsed], dtype=bool)
    return text, ok, respelled
