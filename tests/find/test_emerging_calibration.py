"""Null calibration of the trend test in hotspots.emerging (a small, fast version).

SYNTHETIC null space-time data (no trend anywhere, month-to-month autocorrelated
intensity): every significant trend is a false positive. The full study, with
more seeds and 24-month series, is ``benchmarks/sim_emerging.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hotspots.find._emerging_null import null_place_counts, run_null_cube

ALPHA = 0.05
SEEDS = 5
MONTHS = 36


@pytest.fixture(scope="module")
def null_runs():
    rows = []
    for seed in range(SEEDS):
        places = null_place_counts(
            np.random.default_rng([20240601, seed]), side_m=8_000, n_months=MONTHS
        )
        for cell_size in (200, 500):
            for time_lag in (0, 1):
                for run in run_null_cube(
                    places,
                    cell_size=cell_size,
                    time_lag=time_lag,
                    trend_tests=("pooled", "mann-kendall"),
                ):
                    rows.append(
                        {"cell_size": cell_size, "time_lag": time_lag, **vars(run)}
                    )
    return pd.DataFrame(rows)


def _share_and_error(runs: pd.DataFrame, hits: str, total: str):
    """Share pooled over seeds, and a Monte Carlo error: 2 standard errors, the
    larger of the between-seed one and the binomial one at the nominal level."""
    shares = runs[hits] / runs[total].clip(lower=1)
    between = shares.std(ddof=1) / np.sqrt(len(runs))
    binomial = np.sqrt(ALPHA * (1 - ALPHA) / runs[total].sum())
    return runs[hits].sum() / runs[total].sum(), 2 * max(between, binomial)


@pytest.mark.parametrize("time_lag", [0, 1])
@pytest.mark.parametrize("cell_size", [200, 500])
def test_emerging_trend_test_holds_alpha_on_null_cube(null_runs, cell_size, time_lag):
    runs = null_runs[
        (null_runs["cell_size"] == cell_size) & (null_runs["time_lag"] == time_lag)
    ]
    pooled = runs[runs["trend_test"] == "pooled"]
    plain = runs[runs["trend_test"] == "mann-kendall"]
    share, error = _share_and_error(pooled, "n_trend", "n_cells")
    assert share <= ALPHA + error, (share, error)
    # The problem being fixed shows in the same data: plain Mann-Kendall over-calls.
    plain_share, plain_error = _share_and_error(plain, "n_trend", "n_cells")
    assert plain_share > ALPHA + plain_error
    # Only cells hot (or cold) in >= 90% of months can be intensifying,
    # diminishing or historical: their share of those patterns, on its own.
    mostly, mostly_error = _share_and_error(pooled, "n_mostly_trend", "n_mostly")
    assert mostly <= ALPHA + mostly_error, (mostly, mostly_error)
    assert (pooled["n_trend_pattern"] <= pooled["n_mostly_trend"]).all()
