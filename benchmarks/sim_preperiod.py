"""How long a pre-period does the DiD need? Bias and 95% CI coverage by its length.

Run from the project root::

    python benchmarks/sim_preperiod.py                 # 500 studies per row, ~20 min
    python benchmarks/sim_preperiod.py --studies 50 --extra 0 24

Each study is the design of ``benchmarks/sim_did.py`` (1,000 places, lognormal
long-run rates, AR(1) log-intensity shocks, seasonality, Poisson counts; the 18
busiest places of the 12-month selection window treated and their later crimes
cut by 20%; 3 comparison places matched to each on the selection window; the
negative-binomial DiD with cluster-robust SEs), with 12 months after the start
and ``--extra`` further months of data before the selection window: 0 is an
archive that begins with the selection year, as a 24-month police.uk download
cut at the start of patrols does. No randomisation test (it does not change the
DiD). Everything runs in this one process with BLAS limited to one thread.

Prints the table (bias of the log IRR in %, 95% CI coverage, their Monte Carlo
SEs), the run time per row and in total and the peak memory, and writes the table
to ``benchmarks/results/sim_preperiod.csv`` (git-ignored). The numbers quoted by
``hotspots.evaluate``'s pre-period caveat come from this script's default run.
SYNTHETIC data only.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd
from _harness import mb, rss_now, write_table
from threadpoolctl import threadpool_limits

from hotspots.evaluation._simulate import simulate_studies, summarise_studies

COLUMNS = [
    "extra_pre_months",
    "effect",
    "n_studies",
    "n_failed",
    "mean_irr",
    "bias_percent",
    "bias_log",
    "bias_log_mcse",
    "empirical_sd",
    "mean_se",
    "coverage",
    "coverage_mcse",
    "mean_ci_width",
    "rejection_rate",
    "seconds",
    "seed",
]


def main() -> None:
    """Run the studies for each pre-period length, print and save the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=500)
    parser.add_argument("--extra", type=int, nargs="+", default=[0, 6, 12, 24])
    parser.add_argument("--effect", type=float, default=0.20)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--progress", action="store_true")
    args = parser.parse_args()
    began = time.perf_counter()
    rows = []
    with threadpool_limits(limits=1):
        for extra in args.extra:
            start = time.perf_counter()
            seed = args.seed + extra
            runs = simulate_studies(
                args.studies,
                effect=args.effect,
                extra_pre_months=extra,
                permutations=0,
                rng=seed,
                progress=args.progress,
            )
            row = summarise_studies(runs).iloc[0].to_dict()
            row.update(seconds=round(time.perf_counter() - start, 1), seed=seed)
            rows.append(row)
            print(
                f"{extra:>2} further months: bias {row['bias_percent']:+.1f}%, "
                f"coverage {row['coverage']:.3f} ({row['seconds']:.0f} s)",
                flush=True,
            )
    wall = time.perf_counter() - began
    table = pd.DataFrame(rows)[COLUMNS]
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(table.round(4).to_string(index=False))
    print(
        f"{args.studies} studies per row; run time {wall:.0f} s "
        f"({wall / 60:.1f} min); peak memory {mb(rss_now())} MiB"
    )
    write_table(table, "sim_preperiod.csv")


if __name__ == "__main__":
    main()
