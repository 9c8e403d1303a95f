"""Null calibration of the trend test in emerging hot spot analysis.

Run from the project root::

    python benchmarks/sim_emerging.py              # 20 seeds, 24 and 36 months
    python benchmarks/sim_emerging.py --seeds 5 --months 36

Each seed simulates a 10 km x 10 km area of 100 m places over 24 or 36 months
with **no trend anywhere**: Poisson counts around a fixed level (a few centres of
concentrated crime), times month-to-month autocorrelated intensity (AR(1)
log-intensity per place, rho 0.6, sd 0.55, as in the SYNTHETIC archive, plus one
per 1 km area, rho 0.6, sd 0.3). The places are counted in 200 m and 500 m cells,
Gi* is computed with ``time_lag`` 0 and 1, and each cell's z-series is tested
with every ``trend_test`` of ``hotspots.emerging``. Every significant trend is a
false positive, so its share should be at most ``alpha`` (0.05):

- ``trend``: share of all cells with a significant trend;
- ``mostly_trend``: share of the cells hot (or cold) in >= 90% of months (the ones
  whose pattern depends on the trend) called intensifying, diminishing or
  historical;
- ``trend_pattern``: share of all cells in those three patterns.

Standard errors (``*_se``) are between seeds (cells in one area are correlated).
Prints the table, the run time and peak memory, and writes
``benchmarks/results/sim_emerging.csv`` (git-ignored). SYNTHETIC data only.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from _harness import mb, rss_now, write_table
from threadpoolctl import threadpool_limits

from hotspots.find._emerging_null import null_place_counts, run_null_cube

ALPHA = 0.05


def simulate(seeds: int, months: list[int], seed: int) -> pd.DataFrame:
    """One row per seed, months, cell size, time lag and trend test."""
    rows = []
    for n_months in months:
        for k in range(seeds):
            rng = np.random.default_rng([seed, n_months, k])
            places = null_place_counts(rng, n_months=n_months)
            for cell_size in (200, 500):
                for time_lag in (0, 1):
                    for run in run_null_cube(
                        places, cell_size=cell_size, time_lag=time_lag, alpha=ALPHA
                    ):
                        rows.append(
                            {
                                "months": n_months,
                                "cell_size": cell_size,
                                "time_lag": time_lag,
                                "seed": k,
                                **vars(run),
                            }
                        )
    return pd.DataFrame(rows)


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    """Shares of cells (pooled over seeds) with between-seed standard errors."""
    runs = runs.assign(
        trend=runs["n_trend"] / runs["n_cells"],
        mostly_trend=runs["n_mostly_trend"] / runs["n_mostly"].clip(lower=1),
        trend_pattern=runs["n_trend_pattern"] / runs["n_cells"],
    )
    keys = ["months", "cell_size", "time_lag", "trend_test"]
    grouped = runs.groupby(keys, sort=False)
    table = grouped[["n_cells", "n_mostly"]].sum()
    for share in ("trend", "mostly_trend", "trend_pattern"):
        table[share] = grouped[share].mean()
        table[f"{share}_se"] = grouped[share].std(ddof=1) / np.sqrt(grouped.size())
    table.insert(2, "nominal", ALPHA)
    return table.reset_index()


def main() -> None:
    """Run the simulation, print the table and write the CSV."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--months", type=int, nargs="+", default=[24, 36])
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()
    began = time.perf_counter()
    with threadpool_limits(1):
        runs = simulate(args.seeds, args.months, args.seed)
    seconds = time.perf_counter() - began
    table = summarise(runs)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.round(3).to_string(index=False))
    print(
        f"\n{args.seeds} seeds x {len(args.months)} lengths: {seconds:.0f} s, "
        f"peak memory {mb(rss_now())} MiB"
    )
    write_table(table, "sim_emerging.csv")


if __name__ == "__main__":
    main()
