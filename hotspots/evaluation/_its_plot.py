"""Plot of an interrupted time series: observed, fitted and counterfactual counts."""

from __future__ import annotations

from hotspots.evaluation._its_model import InterruptedTimeSeries

__all__ = ["plot_its"]


def plot_its(
    result: InterruptedTimeSeries,
    ax=None,
    *,
    title: str = "Interrupted time series",
):
    """Plot observed counts, the fitted model and the counterfactual.

    Parameters
    ----------
    result : InterruptedTimeSeries
        The output of :func:`its`.
    ax : matplotlib Axes, optional
        Axes to draw on; None = a new figure.
    title : str, default "Interrupted time series"
        Plot title. Label plots of demo data "SYNTHETIC DATA".

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    TypeError
        If ``result`` is not an :class:`InterruptedTimeSeries`.
    ImportError
        If matplotlib is not installed (the message gives the install command).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from hotspots.evaluation import its, plot_its
    >>> months = pd.period_range("2022-01", periods=36, freq="M").astype(str)
    >>> counts = pd.Series(np.r_[np.full(24, 30.0), np.full(12, 24.0)], index=months)
    >>> ax = plot_its(its(counts, start="2024-01"), title="SYNTHETIC DATA: ITS")
    >>> ax.get_title()
    'SYNTHETIC DATA: ITS'
    """
    if not isinstance(result, InterruptedTimeSeries):
        raise TypeError(
            "result must be the InterruptedTimeSeries returned by its(); got "
            f"{type(result).__name__}"
        )
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:  # pragma: no cover - matplotlib is a dependency
        raise ImportError("plot_its needs matplotlib: pip install matplotlib") from err
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4))
    data = result.series
    post = data["post"] == 1
    ax.plot(data["month"], data["observed"], "o", color="0.3", ms=4, label="observed")
    ax.plot(
        data.loc[~post, "month"],
        data.loc[~post, "fitted"],
        "-",
        color="C0",
        label="fitted",
    )
    ax.plot(data.loc[post, "month"], data.loc[post, "fitted"], "-", color="C0")
    ax.plot(
        data.loc[post, "month"],
        data.loc[post, "counterfactual"],
        "--",
        color="C1",
        label="projected from the pre-period alone (no comparison group)",
    )
    ax.axvline(result.start, color="0.5", lw=1, ls=":")
    ax.set_title(title)
    ax.set_xlabel("month")
    ax.set_ylabel("crimes per month")
    ax.legend(loc="best", fontsize="small")
    return ax
