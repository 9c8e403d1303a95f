"""Reading a backtest: the summary table across origins and the plot."""

from __future__ import annotations

import pandas as pd

from hotspots.target._backtest import METRICS

__all__ = ["backtest_summary", "plot_backtest"]

#: Measures added after the first release: summarised only when present.
_OPTIONAL = ("pei_star",)


def backtest_summary(results: pd.DataFrame) -> pd.DataFrame:
    """Summarise a backtest across origins: mean, sd and range per method and size.

    Returns
    -------
    pandas.DataFrame
        One row per ``n_places`` and ``method``, best mean PAI first:
        ``n_places``, ``area_share``, ``method``, ``n_origins``, then
        ``<metric>_mean`` and ``<metric>_sd`` for hit_rate, pai, pei, pei_star
        (when ``results`` has it; older results may not) and rri, and
        ``pai_min``, ``pai_max``, and ``rank`` (1 = best mean PAI at that size).

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"origin": ["2024-01", "2024-02"] * 2,
    ...     "method": ["count"] * 2 + ["random"] * 2, "n_places": 18,
    ...     "area_share": 0.001, "hit_rate": [0.1, 0.2, 0.0, 0.01],
    ...     "pai": [100.0, 200.0, 0.0, 10.0], "pei": 0.5, "rri": 1.0})
    >>> backtest_summary(r)[["method", "pai_mean", "rank"]].to_dict("list")
    {'method': ['count', 'random'], 'pai_mean': [150.0, 5.0], 'rank': [1, 2]}
    """
    metrics = [m for m in METRICS if m in results.columns or m not in _OPTIONAL]
    missing = {"method", "n_places", "area_share", *metrics} - set(results.columns)
    if missing:
        raise ValueError(
            f"results lack columns {sorted(missing)}; pass the frame backtest() "
            "returned."
        )
    grouped = results.groupby(["n_places", "method"], sort=False)
    summary = grouped.agg(
        area_share=("area_share", "mean"),
        n_origins=("pai", "size"),
        **{f"{m}_{s}": (m, s) for m in metrics for s in ("mean", "std")},
        pai_min=("pai", "min"),
        pai_max=("pai", "max"),
    )
    summary = summary.rename(columns=lambda c: c.replace("_std", "_sd")).reset_index()
    summary = summary.sort_values(
        ["n_places", "pai_mean"], ascending=[True, False], kind="mergesort"
    )
    summary["rank"] = summary.groupby("n_places").cumcount() + 1
    return summary.reset_index(drop=True)


#: What :func:`plot_backtest` can draw: axis label and reference line (value, label).
_PLOTTED = {
    "pai": ("PAI", (1.0, "PAI 1 (chance)")),
    "pei": ("PEI", (1.0, "PEI 1 (best possible for the area)")),
    "pei_star": ("PEI*", (1.0, "PEI* 1 (best possible with as many cells)")),
    "hit_rate": ("hit rate", None),
    "rri": ("RRI", (1.0, "RRI 1 (same share as when chosen)")),
}


def plot_backtest(
    results: pd.DataFrame,
    *,
    metric: str = "pai",
    title: str | None = None,
    ax=None,
):
    """Plot a measure's mean (± 1 sd across origins) against area share, per method.

    Parameters
    ----------
    results : pandas.DataFrame
        From :func:`backtest`.
    metric : {"pai", "pei", "pei_star", "hit_rate", "rri"}, default "pai"
        The measure on the y axis, with a dashed line at 1 for PAI (about what
        a random choice gives), PEI (the best cells of that total area), PEI*
        (the NIJ 2017 score; equal to PEI in a backtest, whose cells are all one
        size) and RRI (the share of crime the places had when chosen). Draw PAI
        and PEI side by side: PAI tends to grow as the flagged area shrinks, while
        PEI says how close a method comes to the best choice of the same size.
    title : str, optional
        Name the data (e.g. "Leicestershire police.uk, 2023-2024"). When the
        results are SYNTHETIC, "SYNTHETIC DATA" is added if missing.
    ax : matplotlib Axes, optional
        Where to draw; None makes a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    if metric not in _PLOTTED:
        raise ValueError(f"metric must be one of {sorted(_PLOTTED)}; got {metric!r}.")
    if metric not in results.columns:
        raise ValueError(
            f"results have no {metric!r} column (made by an older backtest()); run "
            "backtest() again to get it."
        )
    name, reference = _PLOTTED[metric]
    summary = backtest_summary(results)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    for method, part in summary.groupby("method", sort=False):
        part = part.sort_values("area_share")
        ax.errorbar(
            100 * part["area_share"],
            part[f"{metric}_mean"],
            yerr=part[f"{metric}_sd"].fillna(0),
            marker="o",
            capsize=3,
            label=str(method),
        )
    if reference is not None:
        ax.axhline(reference[0], color="grey", lw=1, ls="--", label=reference[1])
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xlabel("area predicted (% of study area)")
    ax.set_ylabel(f"{name} (mean ± sd across origins)")
    meta = results.attrs.get("hotspots", {})
    text = title or f"Backtest: {name} by area share"
    if meta.get("synthetic") and "SYNTHETIC" not in text.upper():
        text = f"SYNTHETIC DATA — {text}"
    ax.set_title(text)
    ax.legend(fontsize="small")
    return ax
