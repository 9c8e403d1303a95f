"""The HTML page of ``hotspots near-repeat``: the Knox tables, as the NRC lays them out.

One self-contained page (no script, no network): the Knox ratio table with the
cells significant at 5% and 1% shaded and starred, then the observed and expected
pair counts and the p-values, each with distance bands as rows and time bands as
columns (Ratcliffe's Near Repeat Calculator's layout). Every text is escaped.
"""

from __future__ import annotations

import html

import numpy as np

from hotspots.find import NearRepeat

__all__ = ["knox_page"]

#: Shading of Knox ratios above 1 by p-value (one-sided), strongest first.
_SHADES = ((0.01, "**", "#fb6a4a"), (0.05, "*", "#fcbba1"))
_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:70em}
table{border-collapse:collapse;margin:0.5em 0 1.5em}
th,td{border:1px solid #bbb;padding:0.3em 0.7em;text-align:right}
th{background:#f3f3f3}
.note{color:#555;font-size:0.9em}
"""


def _table(result: NearRepeat, statistic: str, digits: str) -> str:
    frame = result.table(statistic)
    p = result.p_value.to_numpy()
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for i, label in enumerate(frame.index):
        cells = []
        for j, value in enumerate(frame.iloc[i]):
            text = "–" if not np.isfinite(value) else format(value, digits)
            style = ""
            if statistic == "knox_ratio" and np.isfinite(value) and value > 1:
                for cut, star, colour in _SHADES:
                    if p[i, j] <= cut:
                        text += star
                        style = f' style="background:{colour}"'
                        break
            cells.append(f"<td{style}>{html.escape(text)}</td>")
        rows.append(f"<tr><th>{html.escape(str(label))}</th>{''.join(cells)}</tr>")
    return f"<table><tr><th>distance \\ time</th>{head}</tr>{''.join(rows)}</table>"


def knox_page(result: NearRepeat, *, what: str) -> str:
    """Return the HTML page of a Knox test; ``what`` names the crimes and period."""
    esc = html.escape
    months = result.unit == "month"
    notes = [
        f"{result.method}.",
        "Knox ratio = observed / expected pairs; above 1, more pairs close in both "
        "space and time than if the times were shuffled among the same places. "
        f"* p ≤ 0.05, ** p ≤ 0.01 (one-sided), not adjusted for the "
        f"{result.observed.size} cells tested: expect about one cell in twenty to "
        "reach 5% by chance; look for a block of cells near the top left.",
        "Bands are [a, b): a pair 100 m apart is in [100, 200). 'same location' = "
        "less than 1 mm apart (on police.uk data: the same anonymised map point, "
        "which gathers several addresses).",
    ]
    if months:
        notes.append(
            "Time bands are calendar months (0 = the same month): police.uk gives "
            "months only, so the days-to-weeks window where near repeats concentrate "
            "cannot be seen. A coarse screen."
        )
    sections = [
        ("Knox ratios", "knox_ratio", ".2f"),
        ("Observed pairs", "observed", ",.0f"),
        ("Expected pairs (mean over permutations)", "expected", ",.1f"),
        ("p-values (one-sided Monte Carlo)", "p_value", ".3f"),
    ]
    body = "".join(
        f"<h2>{esc(title)}</h2>{_table(result, statistic, digits)}"
        for title, statistic, digits in sections
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>Near repeats: Knox test</title>"
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>Near repeats: Knox test</h1><p>{esc(what)}: "
        f"{result.n_events:,} events, {result.n_close_pairs:,} pairs within "
        f"{result.distance_bands[-1]:g} m, {result.permutations:,} permutations."
        f"</p>{body}"
        + "".join(f'<p class="note">{esc(n)}</p>' for n in notes)
        + "</body></html>"
    )
