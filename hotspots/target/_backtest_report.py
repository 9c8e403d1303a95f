"""Reading a backtest: the summary table across origins and the plot."""

from __future__ import annotations

import pandas as pd

from hotspots.target._backtest import METRICS

__all__ = ["backtest_summary", "plot_backtest"]


def backtest_summary(results: pd.DataFrame) -> pd.DataFrame:
    """Summarise a backtest across origins: mean, sd and range per method and size.

    Returns
    -------
    pandas.DataFrame
        One row per ``n_places`` and ``method``, best mean PAI first:
        ``n_places``, ``area_share``, ``method``, ``n_origins``, then
        ``<metric>_mean`` and ``<metric>_sd`` for hit_rate, pai, pei and rri, and
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
    missing = {"method", "n_places", "area_share", *METRICS} - set(results.columns)
    if missing:
        raise ValueError(
            f"results lack columns {sorted(missing)}; pass the frame backtest() "
            "returned."
        )
    grouped = results.groupby(["n_places", "method"], sort=False)
    summary = grouped.agg(
        area_share=("area_share", "mean"),
        n_origins=("pai", "size"),
        **{f"{m}_{s}": (m, s) for m in METRICS for s in ("mean", "std")},
        pai_min=("pai", "min"),
        pai_max=("pai", "max"),
    )
    summary = summary.rename(columns=lambda c: c.replace("_std", "_sd")).reset_index()
    summary = summary.sort_values(
        ["n_places", "pai_mean"], ascending=[True, False], kind="mergesort"
    )
    summary["rank"] = summary.groupby("n_places").cumcount() + 1
    return summary.reset_index(drop=True)


def plot_backtest(results: pd.DataFrame, *, title: str | None = None, ax=None):
    """Plot mean PAI (± 1 sd across origins) against area share, per method.

    Parameters
    ----------
    results : pandas.DataFrame
        From :func:`backtest`.
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

    summary = backtest_summary(results)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    for method, part in summary.groupby("method", sort=False):
        part = part.sort_values("area_share")
        ax.errorbar(
            100 * part["area_share"],
            part["pai_mean"],
            yerr=part["pai_sd"].fillna(0),
            marker="o",
            capsize=3,
            label=str(method),
        )
    ax.axhline(1.0, color="grey", lw=1, ls="--", label="PAI 1 (chance)")
    ax.set_xscale("log")
    ax.set_xlabel("area predicted (% of study area)")
    ax.set_ylabel("PAI (mean ± sd across origins)")
    meta = results.attrs.get("hotspots", {})
    text = title or "Backtest: PAI by area share"
    if meta.get("synthetic") and "SYNTHETIC" not in text.upper():
        text = f"SYNTHETIC DATA — {text}"
    ax.set_title(text)
    ax.legend(fontsize="small")
    return ax
