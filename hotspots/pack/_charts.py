"""Charts of a pack as inline SVG that is the same, byte for byte, on every build.

matplotlib writes SVG ids from a random salt and stamps a date; both are fixed
here (``svg.hashsalt`` and ``metadata={"Date": None}``) so a rebuilt pack is
identical. Text stays text (``svg.fonttype="none"``): small files and
searchable, printable labels.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import matplotlib
import matplotlib.dates
import matplotlib.lines
import matplotlib.patches
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from hotspots.evaluation._effect import Effect
from hotspots.evaluation._its import InterruptedTimeSeries, plot_its
from hotspots.maps._map_gistar import GI_COLOURS  # one palette for both maps

__all__ = ["effects_svg", "its_svg", "places_svg"]

#: Gi_Bin meanings for legends.
GI_LABELS: Mapping[int, str] = {
    3: "hot spot, 99% confidence",
    2: "hot spot, 95% confidence",
    1: "hot spot, 90% confidence",
    -1: "cold spot, 90% confidence",
    -2: "cold spot, 95% confidence",
    -3: "cold spot, 99% confidence",
}

_RC: Any = {
    "svg.hashsalt": "hotspots-pack",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _svg(fig) -> str:
    """Serialise a figure to SVG text without a date, then close it."""
    buffer = io.StringIO()
    try:
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    finally:
        plt.close(fig)
    text = buffer.getvalue()
    # drop the XML prolog and DOCTYPE: the SVG is inlined into HTML
    return text[text.index("<svg") :]


def _label(title: str, synthetic: bool) -> str:
    return f"SYNTHETIC DATA: {title}" if synthetic else title


def effects_svg(effects: Mapping[str, Effect], *, synthetic: bool = False) -> str:
    """Forest plot of rate ratios with 95% intervals (log scale), one row each.

    Parameters
    ----------
    effects : mapping of label -> Effect
        Ratio effects (rate ratios: 1 = no change). Effects without a finite
        interval are drawn as a point only.
    synthetic : bool, default False
        Prefix the title with "SYNTHETIC DATA".

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    with plt.rc_context(_RC):
        labels = list(effects)
        fig, ax = plt.subplots(figsize=(6.5, 0.45 * len(labels) + 1.1))
        for row, label in enumerate(labels):
            effect = effects[label]
            y = len(labels) - 1 - row
            low, high = effect.ci_low, effect.ci_high
            if math.isfinite(low) and math.isfinite(high):
                ax.plot([low, high], [y, y], color="0.25", lw=2)
            ax.plot(effect.estimate, y, "o", color="#b2182b" if row else "0.45", ms=6)
        ax.axvline(1, color="0.5", lw=1, ls="--")
        ax.set_xscale("log")
        ax.set_yticks(range(len(labels)), labels[::-1])
        ax.set_xlabel("rate ratio (log scale; below 1 = fewer crimes than expected)")
        ax.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%.2g"))
        ax.xaxis.set_minor_formatter(matplotlib.ticker.FormatStrFormatter("%.2g"))
        ax.set_title(
            _label("effect estimates with 95% intervals", synthetic), loc="left"
        )
        return _svg(fig)


def its_svg(result: InterruptedTimeSeries, *, synthetic: bool = False) -> str:
    """Observed, fitted and counterfactual monthly crimes in the treated places."""
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(6.5, 3.2))
        plot_its(result, ax=ax, title="")
        # below the axes, so the legend never covers a month
        ax.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, -0.2),
            ncol=3,
            frameon=False,
            fontsize="small",
        )
        ax.set_title(
            _label("crimes per month in the treated places", synthetic), loc="left"
        )
        locator = matplotlib.dates.AutoDateLocator(minticks=4, maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(matplotlib.dates.ConciseDateFormatter(locator))
        return _svg(fig)


def places_svg(
    cells: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    rings: gpd.GeoDataFrame,
    *,
    title: str,
    synthetic: bool = False,
) -> str:
    """Draw the static map for print: Gi* classes, treated places and rings.

    Parameters
    ----------
    cells : GeoDataFrame
        Cells with ``gi_bin`` (non-zero cells are drawn).
    places, rings : GeoDataFrame
        Treated places and displacement rings, same projected CRS.
    title : str
        Map title (what, where, when).
    synthetic : bool, default False
        Prefix the title with "SYNTHETIC DATA".

    Returns
    -------
    str
        An ``<svg>`` element; axes in km of the CRS.
    """
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(6.5, 5.5))
        # one polygon per class: thousands of cells would bloat the SVG
        shown = cells.loc[cells["gi_bin"] != 0, ["gi_bin", "geometry"]]
        merged = shown.dissolve("gi_bin").reset_index() if len(shown) else shown
        for value, colour in GI_COLOURS.items():
            part = merged[merged["gi_bin"] == value]
            if len(part):
                part.plot(ax=ax, color=colour, linewidth=0)
        rings.boundary.plot(ax=ax, color="0.35", lw=0.6, ls="--")
        places.boundary.plot(ax=ax, color="black", lw=1.0)
        minx, miny, maxx, maxy = places.total_bounds
        pad = max(maxx - minx, maxy - miny) * 0.15 + 1000
        ax.set_xlim(minx - pad, maxx + pad)
        ax.set_ylim(miny - pad, maxy + pad)
        ax.set_aspect("equal")
        ticks = matplotlib.ticker.FuncFormatter(lambda v, _: f"{v / 1000:.0f}")
        ax.xaxis.set_major_formatter(ticks)
        ax.yaxis.set_major_formatter(ticks)
        ax.set_xlabel("easting, km (British National Grid)")
        ax.set_ylabel("northing, km")
        handles = [
            matplotlib.patches.Patch(color=GI_COLOURS[v], label=GI_LABELS[v])
            for v in (3, 2, 1, -1, -2, -3)
            if (shown["gi_bin"] == v).any()
        ] + [
            matplotlib.lines.Line2D([], [], color="black", label="treated place"),
            matplotlib.lines.Line2D([], [], color="0.35", ls="--", label="ring"),
        ]
        ax.legend(handles=handles, loc="upper left", fontsize="small", framealpha=0.9)
        ax.set_title(_label(title, synthetic), loc="left")
        return _svg(fig)
