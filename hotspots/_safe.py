"""Text from data made safe for the programs people open our files in.

A CSV opened in a spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or
``@`` (or a tab or carriage return before one) as a formula: a crafted location
name in police.uk data could then run a formula on an analyst's machine (OWASP,
"CSV Injection"). :func:`spreadsheet_safe` prefixes such text cells with an
apostrophe, which spreadsheets show as plain text. Numbers are left alone.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["FORMULA_STARTS", "spreadsheet_safe", "spreadsheet_safe_text"]

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe_text(value: object) -> object:
    """Return ``value`` with a leading apostrophe if it is text that starts a formula.

    Examples
    --------
    >>> spreadsheet_safe_text("=1+2")
    "'=1+2"
    >>> spreadsheet_safe_text("On or near Granby Street"), spreadsheet_safe_text(-3)
    ('On or near Granby Street', -3)
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy whose text cells cannot run as spreadsheet formulas."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            out[column] = series.map(spreadsheet_safe_text)
    out.columns = [spreadsheet_safe_text(str(c)) for c in out.columns]
    return out
