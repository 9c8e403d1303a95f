"""The forest plot of published effects, the pooled estimate and a local result."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from hotspots.evaluation._effect import Effect
from hotspots.evaluation._glm import normal_quantile
from hotspots.evidence._meta import study_labels
from hotspots.evidence._meta_result import MetaAnalysis
from hotspots.evidence._place import _as_effect, _from_effect
from hotspots.evidence._placement import LOCAL_LABEL, MIN_POOLED, Placement
from hotspots.evidence._reviews import review_groups

__all__ = ["LOCAL_COLOUR", "POOLED_COLOUR", "STUDY_COLOUR", "forest_plot"]

#: Colours: published studies, the pooled diamond, and the local result.
STUDY_COLOUR = "#3b3b3b"
POOLED_COLOUR = "#1f4e79"
LOCAL_COLOUR = "#d95f02"
#: Colour of the reviews' stated pooled changes.
REVIEW_COLOUR = "#9e9e9e"
#: Marker area (points²) of a study with 100% of the weight; others scale down.
MAX_MARKER_AREA = 400.0
#: Candidate x-axis ticks (RES); those inside the axis range are shown.
NICE_TICKS = (0.1, 0.2, 0.25, 0.33, 0.5, 0.67, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 10)


def _local(local) -> tuple[float, float, float, str]:
    """Return local RES, its interval and label."""
    if isinstance(local, Placement):
        return local.res, local.ci_low, local.ci_high, local.label
    effect: Effect = _as_effect(local)
    log_res, se, level = _from_effect(effect)
    z = normal_quantile(level)
    label = LOCAL_LABEL
    if (
        "SYNTHETIC" in effect.method.upper()
        or "SYNTHETIC" in effect.interpretation.upper()
    ):
        label = f"{LOCAL_LABEL} (SYNTHETIC)"
    return (
        math.exp(log_res),
        math.exp(log_res - z * se),
        math.exp(log_res + z * se),
        label,
    )


def _diamond(ax, meta: MetaAnalysis, y: float, texts: list, values: list) -> None:
    """Draw the pooled random-effects diamond and its prediction interval."""
    from matplotlib.patches import Polygon

    h = 0.35
    diamond = np.array(
        [[meta.ci_low, y], [meta.res, y + h], [meta.ci_high, y], [meta.res, y - h]]
    )
    ax.add_patch(
        Polygon(diamond, closed=True, color=POOLED_COLOUR, zorder=3, gid="pooled")
    )
    values.extend([meta.ci_low, meta.ci_high])
    texts.append(
        (
            y,
            f"Pooled (random effects, {meta.method}), k = {meta.k}",
            f"{meta.res:.2f} [{meta.ci_low:.2f}, {meta.ci_high:.2f}]  100%",
            True,
        )
    )
    if math.isfinite(meta.pi_low):
        ax.plot(
            [meta.pi_low, meta.pi_high], [y - 0.6, y - 0.6], color=POOLED_COLOUR, lw=0.8
        )
        texts.append(
            (
                y - 0.6,
                f"  {meta.ci_level:.0%} prediction interval",
                f"[{meta.pi_low:.2f}, {meta.pi_high:.2f}]",
                False,
            )
        )
        values.extend([meta.pi_low, meta.pi_high])


def _review_rows(reviews) -> list[tuple[str, float, float, str]]:
    """Label, lowest and highest RES, and words for each review with a change."""
    if reviews is None or "percent_change" not in reviews.columns:
        return []
    rows = []
    for g in review_groups(reviews):
        n = f", {g['n_studies']:.0f} studies" if np.isfinite(g["n_studies"]) else ""
        words = f"{g['span']} {g['words']} (stated)"
        rows.append(
            (
                f"Review: {g['authors']} {g['year']:.0f}{n}",
                g["res_low"],
                g["res_high"],
                words,
            )
        )
    return rows


def _rows_table(meta: MetaAnalysis | None, published) -> pd.DataFrame:
    """Return published main effects (weights where pooled), then other pooled rows."""
    pooled = meta.studies if meta is not None else pd.DataFrame()
    if published is None:
        return pooled.copy()
    table = published.copy()
    table["label"] = study_labels(table).to_numpy()
    table = table.drop(columns=["weight_random", "weight_fixed"], errors="ignore")
    if len(pooled) and "study_id" in pooled.columns and "study_id" in table.columns:
        weights = pooled.set_index("study_id")["weight_random"]
        table["weight_random"] = table["study_id"].map(weights)
        extra = pooled[~pooled["study_id"].isin(table["study_id"])]
        table = pd.concat([table, extra], ignore_index=True)
    else:
        table["weight_random"] = np.nan
    return table


def forest_plot(
    meta: MetaAnalysis | Placement | None,
    *,
    local=None,
    published: pd.DataFrame | None = None,
    reviews: pd.DataFrame | None = None,
    min_pooled: int = MIN_POOLED,
    ax=None,
    title: str | None = None,
    sort_by: str | None = None,
    subgroups: str | None = None,
):
    """Draw a forest plot of a :class:`MetaAnalysis` on a log RES axis.

    Parameters
    ----------
    meta : MetaAnalysis, Placement or None
        From :func:`meta_analysis` (one row per pooled study), or a
        :class:`Placement` from :func:`place_result`: then its meta-analysis
        without the local result, its published effects and the local result
        itself are drawn.
    local : Placement or Effect, optional
        A local result drawn in :data:`LOCAL_COLOUR` with a round marker and
        labelled "This evaluation" (a Placement's label is kept, so a
        "SYNTHETIC" label stays).
    published : DataFrame, optional
        Published effects to draw whether pooled or not (default: a
        Placement's ``published``): rows without a standard error are drawn as
        hollow circles with no interval and no weight.
    reviews : DataFrame, optional
        Published reviews as from :func:`load_reviews`: each review with a
        stated pooled change is a grey row spanning its stated changes (one
        per effect measure), drawn below the pooled row.
    min_pooled : int, default :data:`MIN_POOLED`
        The pooled diamond is drawn only when the meta-analysis pools at least
        this many effects; otherwise a row says why it is not.
    ax : matplotlib Axes, optional
        Where to draw; default a new figure sized to the number of rows.
    title : str, optional
        Figure title.
    sort_by : str, optional
        A column of ``meta.studies`` to order the rows by (e.g. ``"res"``,
        ``"year"``, ``"weight_random"``); default the table's order.
    subgroups : str, optional
        A column of ``meta.studies`` (e.g. ``"design"``): rows are grouped
        under a heading per level.

    Returns
    -------
    matplotlib.figure.Figure
        Squares sized by random-effects weight with their 95% intervals, the
        pooled random-effects diamond with its prediction interval as a thin
        line beneath, a dashed line at RES = 1, and a right-hand column of
        "RES [CI]  weight %". The x axis is logarithmic; right of 1 means crime
        fell relative to comparison.
    """
    # a pyplot figure, like the package's other plots: a notebook shows it,
    # and plt.close(fig) frees it
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    if isinstance(meta, Placement):
        local = meta if local is None else local
        meta = meta.without
    if published is None and isinstance(local, Placement):
        published = local.published
    table = _rows_table(meta, published)
    if sort_by is not None:
        table = table.sort_values(sort_by, kind="stable")
    rows: list[tuple[str, Any]] = []
    if subgroups is not None:
        for level, group in table.groupby(subgroups, sort=True):
            rows.append(("heading", str(level)))
            rows.extend(("study", r) for _, r in group.iterrows())
    else:
        rows.extend(("study", r) for _, r in table.iterrows())
    quoted = meta is not None and meta.k >= min_pooled
    n_reviews = len(_review_rows(reviews))
    n_rows = len(rows) + 3 + (2 if local is not None else 0) + round(1.2 * n_reviews)
    if ax is None:
        fig, ax = plt.subplots(figsize=(10, max(3.5, 0.32 * n_rows + 1.6)))
        own_figure = True
    else:
        fig, own_figure = ax.figure, False
    y = float(n_rows)
    texts: list[tuple[float, str, str, bool]] = []
    values: list[float] = []
    for kind, item in rows:
        y -= 1
        if kind == "heading":
            texts.append((y, str(item), "", True))
            continue
        r = item
        if not np.isfinite(r.get("weight_random", np.nan)):
            ax.scatter(
                [r["res"]],
                [y],
                marker="o",
                facecolors="white",
                edgecolors=STUDY_COLOUR,
                zorder=3,
                s=30,
                gid="point_only",
            )
            texts.append((y, str(r["label"]), f"{r['res']:.2f}  no interval", False))
            values.append(r["res"])
            continue
        ax.plot([r["res_ci_low"], r["res_ci_high"]], [y, y], color=STUDY_COLOUR, lw=1)
        ax.scatter(
            [r["res"]],
            [y],
            marker="s",
            color=STUDY_COLOUR,
            zorder=3,
            s=max(12.0, MAX_MARKER_AREA * r["weight_random"] / 100) if quoted else 40,
            gid="study",
        )
        weight = f"  {r['weight_random']:4.1f}%" if quoted else ""
        texts.append(
            (
                y,
                str(r["label"]),
                f"{r['res']:.2f} [{r['res_ci_low']:.2f}, "
                f"{r['res_ci_high']:.2f}]{weight}",
                False,
            )
        )
        values.extend([r["res_ci_low"], r["res_ci_high"]])
    y -= 1.5
    if quoted and meta is not None:
        _diamond(ax, meta, y, texts, values)
    else:
        k = 0 if meta is None else meta.k
        texts.append(
            (
                y,
                f"Not pooled: {k} effects give an interval ({min_pooled} needed)",
                "",
                True,
            )
        )
    for label, low, high, words in _review_rows(reviews):
        y -= 1.2
        ax.plot([low, high], [y, y], color=REVIEW_COLOUR, lw=5, solid_capstyle="butt")
        ax.scatter([low, high], [y, y], marker="^", color=REVIEW_COLOUR, zorder=3)
        texts.append((y, label, words, False))
        values.extend([low, high])
    if local is not None:
        res, low, high, label = _local(local)
        y -= 2
        ax.plot([low, high], [y, y], color=LOCAL_COLOUR, lw=2)
        ax.scatter(
            [res], [y], marker="o", s=70, color=LOCAL_COLOUR, zorder=4, gid="local"
        )
        texts.append((y, label, f"{res:.2f} [{low:.2f}, {high:.2f}]", True))
        values.extend([low, high])
    ax.set_xscale("log")
    finite = [v for v in values if np.isfinite(v) and v > 0]
    lo, hi = min([*finite, 0.9]) / 1.15, max([*finite, 1.1]) * 1.15
    ax.set_xlim(lo, hi)
    # plain numbers (0.5, 1, 2), not powers of ten, at ratios a reader knows
    ticks: list[float] = []
    for t in (t for t in NICE_TICKS if lo <= t <= hi):
        # keep ticks at least 1/9 of the axis apart on the log scale
        if not ticks or math.log(t / ticks[-1]) >= math.log(hi / lo) / 9 or t == 1:
            ticks = [x for x in ticks if x == 1 or math.log(t / x) > 0.05] + [t]
    ticks = sorted(set(ticks))
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.axvline(1.0, color="black", lw=0.8, ls="--")
    ax.set_ylim(y - 1.2, n_rows - 0.3)
    ax.set_yticks([t[0] for t in texts], [t[1] for t in texts], fontsize=8.5)
    for tick, (*_, bold) in zip(ax.get_yticklabels(), texts, strict=True):
        tick.set_fontweight("bold" if bold else "normal")
        if local is not None and tick.get_text() == texts[-1][1]:
            tick.set_color(LOCAL_COLOUR)
    for yy, _, numbers, _ in texts:
        ax.text(
            1.02,
            yy,
            numbers,
            transform=ax.get_yaxis_transform(),
            va="center",
            fontsize=8.5,
            family="monospace",
        )
    ax.text(
        1.02,
        n_rows - 0.3,
        "RES [95% CI]" + ("  weight (RE)" if quoted else ""),
        transform=ax.get_yaxis_transform(),
        va="bottom",
        fontsize=8.5,
        fontweight="bold",
        family="monospace",
    )
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel(
        "Relative effect size (log scale)\n"
        "← crime rose relative to comparison    |    "
        "crime fell relative to comparison →"
    )
    text = title or "Published hot spots policing effects"
    if own_figure:
        # from the figure's left edge, above the labels and the numbers column,
        # so a long title never runs into the column's header
        fig.suptitle(text, x=0.01, ha="left", fontsize=10.5)
    else:
        ax.set_title(text, loc="left")
    fig.subplots_adjust(left=0.32, right=0.70, bottom=0.14)
    return fig
