"""Escaped HTML for popups, tooltips, legends and titles.

Leaflet inserts popup, tooltip, legend and layer-control text as HTML, so every
string that came from data goes through :func:`esc` (``html.escape``) here, in
Python, before it reaches the page; the page's JavaScript only joins escaped
pieces with fixed tags. Nothing in this package hands data to folium's ``Popup``,
``Tooltip`` or ``GeoJsonPopup``: those place text in HTML (and in JavaScript
template literals) without escaping it. Data reach the page inside JSON, with
``<``, ``>`` and ``&`` written as Unicode escapes (:func:`js_json`, or folium's
``tojson``), so no string can close a ``<script>``.
"""

from __future__ import annotations

import html
import json
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "POPUP_FUNCTION",
    "PopupTable",
    "column_label",
    "esc",
    "fmt",
    "js_json",
    "popup_table",
]

#: Readable names for the columns the package writes.
_LABELS: dict[str, str] = {
    "crime_id": "Crime ID",
    "crime_type": "Crime type",
    "month": "Month",
    "location": "Location",
    "lsoa_code": "LSOA code",
    "lsoa_name": "LSOA",
    "last_outcome_category": "Last outcome",
    "context": "Context",
    "force": "Force",
    "cell_id": "Cell",
    "n": "Crimes",
    "weighted_n": "Harm-weighted crimes",
    "kde": "Kernel density (crimes per km²)",
    "gi_z": "Gi* z-score",
    "p_value": "p-value (two-sided)",
    "p_sim": "Permutation p (one-sided)",
    "p_sim_two_sided": "Permutation p (two-sided)",
    "p_fdr": "p-value, FDR-adjusted",
    "hotspot_class": "Class",
    "rank": "Rank",
    "place_id": "Place",
    "score": "Score",
    "harm": "Harm",
    "share": "Share of all crimes",
    "cumulative_share": "Cumulative share",
    "area_km2": "Area (km²)",
    "notes": "Notes",
    "top_locations": "Busiest police.uk locations",
    "busiest_point_share": "Share on its busiest map point",
    "quality_flag": "Data-quality flag",
    "flagged_share": "Share at flagged map points",
    "flag": "Data-quality flag",
    "ratio": "Times its neighbourhood's busiest points",
    "justice_share": "Share charged or before a court",
    "n_months": "Months with crimes",
}


def esc(value: object) -> str:
    """Return ``value`` as text, HTML-escaped (quotes included).

    Examples
    --------
    >>> esc('<img src=x onerror="alert(1)">')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    """
    return html.escape(str(value), quote=True)


def column_label(column: str) -> str:
    """Return a readable label for a column name (plain text: escape it to show it).

    Examples
    --------
    >>> column_label("crime_type"), column_label("beat_code")
    ('Crime type', 'Beat code')
    """
    return _LABELS.get(column) or column.replace("_", " ").strip().capitalize()


def fmt(value: object) -> str:
    """Return ``value`` as short readable text (not escaped).

    Whole numbers get thousands separators, other numbers three significant
    figures (at least two decimals below 1), months ``YYYY-MM``; missing = "–".

    Examples
    --------
    >>> fmt(12345), fmt(0.01234), fmt(1234.5), fmt(float("nan"))
    ('12,345', '0.0123', '1,234', '–')
    >>> import pandas as pd
    >>> fmt(pd.Timestamp("2024-06-01"))
    '2024-06'
    """
    if value is None or value is pd.NaT:
        return "–"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        x = float(value)
        if not math.isfinite(x):
            return "–"
        if x.is_integer() and abs(x) < 1e15:
            return f"{int(x):,}"
        return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"
    if isinstance(value, pd.Timestamp | np.datetime64):
        stamp = pd.Timestamp(value)
        if stamp.day == 1 and stamp == stamp.normalize():
            return stamp.strftime("%Y-%m")
        return stamp.strftime("%Y-%m-%d")
    if isinstance(value, pd.Period):
        return str(value)
    return str(value)


@dataclass(frozen=True)
class PopupTable:
    """Popup contents of a layer, escaped: column labels once, values per feature.

    The page's ``hotspotsPopup(labels, values, heading)`` function (see
    :data:`POPUP_FUNCTION`) joins them into a table when a popup opens, so the
    labels are not repeated for every feature. Everything here is already
    HTML-escaped; the function adds only fixed tags.
    """

    labels: list[str]
    values: list[list[str]]
    headings: list[str] | None = None


def popup_table(
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    labels: dict[str, str] | None = None,
    headings: Sequence[object] | None = None,
) -> PopupTable:
    """Return the escaped popup table of ``frame`` over ``columns``.

    ``labels`` overrides the readable name of a column; columns missing from the
    frame are skipped.

    Examples
    --------
    >>> import pandas as pd
    >>> t = popup_table(pd.DataFrame({"crime_type": ["<b>Robbery</b>"], "n": [3]}),
    ...                 ["crime_type", "n"])
    >>> t.labels, t.values
    (['Crime type', 'Crimes'], [['&lt;b&gt;Robbery&lt;/b&gt;', '3']])
    """
    labels = labels or {}
    present = [c for c in columns if c in frame.columns]
    names = [esc(labels.get(c) or column_label(c)) for c in present]
    columns_text = [[esc(fmt(v)) for v in frame[c].tolist()] for c in present]
    values = [list(row) for row in zip(*columns_text, strict=True)] or [
        [] for _ in range(len(frame))
    ]
    tops = [esc(h) for h in headings] if headings is not None else None
    return PopupTable(labels=names, values=values, headings=tops)


def js_json(value: object) -> str:
    r"""Return ``value`` as JSON that is safe inside an HTML ``<script>``.

    Examples
    --------
    >>> js_json(["</script>"])
    '["\\u003c/script\\u003e"]'
    """
    text = json.dumps(value, ensure_ascii=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


#: Builds a popup from a :class:`PopupTable`'s escaped parts (defined once a page).
POPUP_FUNCTION = """
function hotspotsPopup(labels, values, heading) {
    var html = '<div class="hotspots-popup">';
    if (heading) {
        html += '<div class="hotspots-popup-heading">' + heading + '</div>';
    }
    html += '<table>';
    for (var i = 0; i < labels.length; i++) {
        html += '<tr><th>' + labels[i] + '</th><td>' + values[i] + '</td></tr>';
    }
    return html + '</table></div>';
}
"""
