"""Text from data made safe for the programs people open our files in.

A CSV opened in a spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or
``@`` (or a tab or carriage return before one) as a formula: a crafted location
name in police.uk data could then run a formula on an analyst's machine (OWASP,
"CSV Injection"). :func:`spreadsheet_safe` prefixes such text cells with an
apostrophe, which spreadsheets show as plain text. Numbers are left alone.

Markdown renderers pass raw HTML through and turn brackets into links, so text
from data in a Markdown file goes through :func:`markdown_safe_text` first.
"""

from __future__ import annotations

import html
import re

import pandas as pd

__all__ = [
    "FORMULA_STARTS",
    "markdown_safe_text",
    "spreadsheet_safe",
    "spreadsheet_safe_text",
]

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A signed plain number ("-1.13", "+4.5e3") is read as a number, never run: kept
# as it is so raw coordinates in a quarantine file stay readable as numbers.
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")


def spreadsheet_safe_text(value: object) -> object:
    """Return ``value`` with a leading apostrophe if it is text that starts a formula.

    Examples
    --------
    >>> spreadsheet_safe_text("=1+2")
    "'=1+2"
    >>> spreadsheet_safe_text("On or near Granby Street"), spreadsheet_safe_text(-3)
    ('On or near Granby Street', -3)
    >>> spreadsheet_safe_text("-1.13"), spreadsheet_safe_text("-1+cmd|' /C calc'!A0")
    ('-1.13', "'-1+cmd|' /C calc'!A0")
    """
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not _PLAIN_NUMBER.match(value)
    ):
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


# Characters with a meaning in CommonMark; a backslash makes each literal.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def markdown_safe_text(value: object) -> str:
    r"""Return ``value`` as Markdown text that renders literally, never as markup.

    HTML special characters become entities (a renderer would pass ``<script>``
    through), Markdown punctuation is backslash-escaped (no links, emphasis or
    code spans) and line breaks become spaces (no new heading or list).

    Examples
    --------
    >>> print(markdown_safe_text("[x](javascript:alert(1)) <b>Rutland</b>"))
    \[x\]\(javascript:alert\(1\)\) &lt;b&gt;Rutland&lt;/b&gt;
    """
    text = " ".join(str(value).split())
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", html.escape(text, quote=False))
