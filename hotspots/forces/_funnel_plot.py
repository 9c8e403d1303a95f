"""The funnel plot (matplotlib) and a self-contained HTML page of it.

The page holds the plot as inline SVG (text stays text, no external files, no
scripts) and the ranked table. Every string that came from data (force names, the
measure, the title) is HTML-escaped here with :func:`html.escape` before it reaches
the page; matplotlib escapes the SVG's text itself. Dollar signs in labels are
escaped so matplotlib never reads a force name as mathematics.
"""

from __future__ import annotations

import html
import io
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hotspots._atomic import atomic_path
from hotspots.forces._funnel_input import unknown_units_message
from hotspots.forces._funnel_limits import level_name, level_percent
from hotspots.forces._funnel_text import (
    WITHIN,
    format_per,
    format_rate,
    method_text,
    position_order,
)

if TYPE_CHECKING:
    from hotspots.forces._funnel import Funnel

__all__ = ["plot_funnel", "write_funnel_html"]

logger = logging.getLogger(__name__)

#: ``log_x=None`` draws populations on a log axis when the largest is more than
#: this many times the smallest (forces range from ~10,000 to ~9 million).
LOG_X_ABOVE_RATIO = 20
#: ``label_outliers`` names at most this many forces outside the widest limits
#: (the most extreme by adjusted z); more would overlap.
MAX_LABELS = 10
#: Points along each limit curve.
_CURVE_POINTS = 400
#: Colours by position, widest "above" limit first (a red-blue diverging scheme
#: readable with red-green colour blindness); the within-limits points are grey.
_ABOVE = ("#b2182b", "#ef8a62")
_BELOW = ("#2166ac", "#67a9cf")
_WITHIN = "#8c8c8c"
_HIGHLIGHT = "#000000"
_SVG_RC: Any = {
    "svg.hashsalt": "hotspots-funnel",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 9,
}


#: A force whose rate is more than this many times the plotted range (the 90th
#: percentile of rates and of the widest upper limit) is drawn at the top edge
#: with its rate written out, so one force (the City of London, with few residents
#: and many visitors) does not squash the others into a band.
_OFF_SCALE = 2.0


def _plain(text: object) -> str:
    """Return text matplotlib shows literally (no mathtext from ``$``)."""
    return str(text).replace("$", r"\$")


def _colours(levels: tuple[float, ...]) -> dict[str, str]:
    order = position_order(levels)
    k = len(levels)
    above = [_ABOVE[min(i, 1)] for i in range(k)]
    below = [_BELOW[min(i, 1)] for i in range(k)]
    return dict(zip(order, [*above, _WITHIN, *reversed(below)], strict=True))


def plot_funnel(
    result: Funnel,
    ax=None,
    *,
    highlight: str | None = None,
    title: str | None = None,
    label_outliers: bool = True,
    log_x: bool | None = None,
):
    """Draw rates against population with the funnel's control limits.

    Parameters
    ----------
    result : Funnel
        The output of :func:`hotspots.forces.funnel`.
    ax : matplotlib Axes, optional
        Axes to draw on; None = a new figure.
    highlight : str, optional
        A force drawn with a black ring and labelled; None = ``result.highlight``.
    title : str, optional
        None = "Funnel plot: <measure> per <per> residents".
    label_outliers : bool, default True
        Name the forces outside the widest limits.
    log_x : bool, optional
        Populations on a log axis. None = automatic: log when the largest
        population is more than :data:`LOG_X_ABOVE_RATIO` times the smallest.

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    ValueError
        If ``highlight`` is not one of the forces.
    """
    table = result.table
    names = table[result.unit]
    highlight = result.highlight if highlight is None else str(highlight)
    if highlight is not None and highlight not in set(names):
        raise ValueError(
            f"highlight {unknown_units_message([highlight], names)} is not one of "
            "the forces in the funnel."
        )
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(9, 6))
    n = table[result.population].to_numpy(dtype=float)
    if log_x is None:
        log_x = bool(n.max() / n.min() > LOG_X_ABOVE_RATIO)
        logger.info(
            "Population axis %s automatically (largest / smallest = %.0f). Pass "
            "log_x= to override.",
            "on a log scale" if log_x else "linear",
            n.max() / n.min(),
        )
    ceiling = _draw_limits(ax, result, n, log_x)
    _off_scale(ax, result, ceiling)
    colours = _colours(result.levels)
    for position in position_order(result.levels):
        rows = table[table["position"] == position]
        if not rows.empty:
            ax.scatter(
                rows[result.population],
                rows["rate"],
                s=28,
                color=colours[position],
                edgecolor="white",
                linewidth=0.5,
                zorder=3,
                label=position if position != WITHIN else "within the limits",
            )
    if label_outliers:
        widest = [
            f"{side} {level_percent(result.levels[-1])}% limit"
            for side in ("above", "below")
        ]
        outliers = table[
            table["position"].isin(widest)
            & (names != highlight)
            & (table["rate"] <= ax.get_ylim()[1])
        ]
        extreme = outliers["z_adjusted"].abs().sort_values(ascending=False).index
        for index in extreme[:MAX_LABELS]:
            _label(ax, outliers.loc[index], result, bold=False)
    if highlight is not None:
        row = table[names == highlight].iloc[0]
        ax.scatter(
            [row[result.population]],
            [row["rate"]],
            s=130,
            facecolor="none",
            edgecolor=_HIGHLIGHT,
            linewidth=2,
            zorder=4,
            label=_plain(f"{highlight} (highlighted)"),
        )
        _label(ax, row, result, bold=True)
    per = format_per(result.per)
    ax.set_title(_plain(title or f"Funnel plot: {result.measure} per {per} residents"))
    ax.set_xlabel("residents" + (" (log scale)" if log_x else ""))
    ax.set_ylabel(_plain(f"{result.measure} per {per} residents"))
    ax.legend(fontsize=8, loc="upper right", frameon=False)
    ax.annotate(
        _plain(method_text(result)),
        xy=(0, -0.13),
        xycoords="axes fraction",
        fontsize=7.5,
        color="0.3",
        va="top",
    )
    return ax


def _draw_limits(ax, result: Funnel, n: np.ndarray, log_x: bool) -> float:
    """Draw the target line and each level's limit curves."""
    low_n, high_n = n.min() / 1.4, n.max() * 1.4
    grid = np.geomspace(low_n, high_n, _CURVE_POINTS)
    curves = result.limits(grid)
    per = format_per(result.per)
    ax.axhline(
        result.theta,
        color="black",
        lw=1,
        label=f"target {format_rate(result.theta)} per {per}",
        zorder=2,
    )
    styles = ["--", "-"]
    for i, level in enumerate(result.levels):
        style = styles[min(i, 1)] if len(result.levels) <= 2 else styles[i % 2]
        name = level_name(level)
        kw = {"color": "0.25", "lw": 1, "ls": style, "zorder": 2}
        ax.plot(
            grid, curves[f"low_{name}"], label=f"{level_percent(level)}% limits", **kw
        )
        ax.plot(grid, curves[f"high_{name}"], **kw)
    if log_x:
        ax.set_xscale("log")
    ax.set_xlim(low_n, high_n)
    rates = result.table["rate"].to_numpy()
    widest = level_name(result.levels[-1])
    core = max(np.quantile(curves[f"high_{widest}"], 0.9), np.quantile(rates, 0.9))
    shown = rates[rates <= _OFF_SCALE * core]
    top = max(shown.max() if shown.size else core, core)
    ax.set_ylim(0, top * 1.1)
    return top * 1.1


def _off_scale(ax, result: Funnel, ceiling: float) -> None:
    """Mark forces above the plotted range at its top edge, named with their rate."""
    table = result.table
    far = table[table["rate"] > ceiling]
    for _, row in far.iterrows():
        y = ceiling * 0.97
        ax.scatter(
            [row[result.population]], [y], marker="^", s=40, color="0.2", zorder=5
        )
        ax.annotate(
            _plain(f"{row[result.unit]}: {format_rate(row['rate'])} (off the scale)"),
            xy=(row[result.population], y),
            xytext=(6, -10),
            textcoords="offset points",
            fontsize=7,
            zorder=5,
        )
    if not far.empty:
        logger.info(
            "%d force(s) drawn at the top edge, their rates far above the rest: %s",
            len(far),
            ", ".join(map(str, far[result.unit])),
        )


def _label(ax, row, result: Funnel, *, bold: bool) -> None:
    """Write a force's name beside its point, on a white halo."""
    from matplotlib import patheffects

    ax.annotate(
        _plain(row[result.unit]),
        xy=(row[result.population], row["rate"]),
        xytext=(6, 6 if bold else 3),
        textcoords="offset points",
        fontsize=9 if bold else 7,
        fontweight="bold" if bold else "normal",
        zorder=5,
        path_effects=[patheffects.withStroke(linewidth=3, foreground="white")],
    )


# --------------------------------------------------------------------- HTML page
_CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 2em; color: #222;
       max-width: 1200px; }
h1 { font-size: 1.4em; }
p.method, p.note { color: #444; }
p.sentence { font-size: 1.1em; border-left: 4px solid #000; padding-left: .6em; }
figure { margin: 1em 0; }
figure svg { width: 100%; max-width: 1000px; height: auto; }
table { border-collapse: collapse; font-size: .9em; }
th, td { border-bottom: 1px solid #ddd; padding: .25em .6em; text-align: right;
         white-space: nowrap; }
th { background: #f2f2f2; }
td.name, th.name, td.pos, th.pos { text-align: left; white-space: normal; }
tr.highlight td { font-weight: bold; background: #fff3cd; }
"""


def _svg(result: Funnel, highlight: str | None, title: str) -> str:
    """Return the funnel plot as an ``<svg>`` element (no date, fixed ids)."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_SVG_RC):
        fig = Figure(figsize=(9, 6))
        ax = fig.add_subplot()
        plot_funnel(result, ax, highlight=highlight, title=title)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _table_html(result: Funnel, highlight: str | None) -> str:
    esc = html.escape
    per = format_per(result.per)
    heads = ["Rank", result.unit.capitalize(), "Offences", "Residents"]
    heads += [f"Rate per {per}", "Expected", "z", "z adjusted"]
    heads += [f"{level_percent(v)}% limits" for v in result.levels] + ["Position"]
    classes = {1: ' class="name"', len(heads) - 1: ' class="pos"'}
    header = "".join(
        f"<th{classes.get(i, '')}>{esc(h)}</th>" for i, h in enumerate(heads)
    )
    rows = []
    for _, r in result.table.iterrows():
        limits = [
            f"{format_rate(r[f'low_{level_name(v)}'])} to "
            f"{format_rate(r[f'high_{level_name(v)}'])}"
            for v in result.levels
        ]
        cells = [
            str(int(r["rank"])),
            f'<td class="name">{esc(str(r[result.unit]))}</td>',
            f"{int(r[result.count]):,}",
            f"{r[result.population]:,.0f}",
            format_rate(r["rate"]),
            f"{r['expected']:,.1f}",
            f"{r['z']:.2f}",
            f"{r['z_adjusted']:.2f}",
            *limits,
            f'<td class="pos">{esc(r["position"])}</td>',
        ]
        tds = "".join(c if c.startswith("<td") else f"<td>{esc(c)}</td>" for c in cells)
        mark = ' class="highlight"' if r[result.unit] == highlight else ""
        rows.append(f"<tr{mark}>{tds}</tr>")
    return (
        f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def write_funnel_html(
    result: Funnel, path: str | Path, *, title: str | None = None
) -> Path:
    """Write the funnel plot and ranked table as one self-contained HTML file.

    Parameters
    ----------
    result : Funnel
        The output of :func:`hotspots.forces.funnel`.
    path : str or Path
        The file to write (replaced atomically; folders are created).
    title : str, optional
        Page and plot title; None = "Funnel plot: <measure> per <per> residents".

    Returns
    -------
    Path
        ``path``.
    """
    esc = html.escape
    highlight = result.highlight
    title = (
        title or f"Funnel plot: {result.measure} per {format_per(result.per)} residents"
    )
    sentence = (
        f'<p class="sentence">{esc(result.sentence(highlight))}</p>'
        if highlight
        else ""
    )
    body = (
        f"<h1>{esc(title)}</h1>\n{sentence}\n"
        f'<p class="method">{esc(method_text(result))}.</p>\n'
        f"<figure>{_svg(result, highlight, title)}</figure>\n"
        f"{_table_html(result, highlight)}\n"
        f'<p class="note">{esc(_NOTE)}</p>'
    )
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    logger.info("Funnel plot page written to %s", path.name)
    return path


_NOTE = (
    "Rates are per resident (census population), which ignores people who work in "
    "or visit a force area; recording practice differs between forces. A force "
    "outside the 99.8% limits differs from the target by more than chance and "
    "ordinary variation between forces would explain; one inside them may still "
    "differ. Ranks are unstable: look at the limits, not the rank."
)
