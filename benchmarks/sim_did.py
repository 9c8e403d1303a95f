"""Simulation study of the DiD estimator: bias, 95% CI coverage, false positives.

Run from the project root::

    python benchmarks/sim_did.py                       # 500 studies, effect 0.20 and 0
    python benchmarks/sim_did.py --studies 150 --family poisson

Each study simulates 1,000 places over 36 months (lognormal long-run rates, AR(1)
log-intensity shocks, seasonality, Poisson counts), treats the 18 busiest places
of the 12 months before month 24, matches 3 comparison places to each with
``choose_comparisons`` and fits ``did`` (cluster-robust SEs by place), plus a
randomisation test with 199 placebo sets. The effects run in parallel processes
(``--jobs``). Prints the table of ``summarise_studies`` and writes it, with the
settings and timings, to ``benchmarks/results/sim_did.json`` (git-ignored).
SYNTHETIC data only.
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

from hotspots.evaluation._simulate import simulate_studies, summarise_studies

RESULTS = Path(__file__).resolve().parent / "results"


def _run(job: tuple[float, int, str, int, int]) -> tuple[pd.DataFrame, float]:
    effect, studies, family, permutations, seed = job
    began = time.perf_counter()
    runs = simulate_studies(
        studies,
        effect=effect,
        family=family,  # type: ignore[arg-type]
        permutations=permutations,
        rng=seed,
        progress=True,
    )
    return runs, time.perf_counter() - began


def main() -> None:
    """Run the studies, print the summary table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=500)
    parser.add_argument("--effects", type=float, nargs="+", default=[0.20, 0.0])
    parser.add_argument(
        "--family",
        choices=["negative_binomial", "poisson"],
        default="negative_binomial",
    )
    parser.add_argument("--permutations", type=int, default=199)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--name", default="sim_did", help="JSON file stem.")
    args = parser.parse_args()
    jobs = [
        (effect, args.studies, args.family, args.permutations, args.seed + i)
        for i, effect in enumerate(args.effects)
    ]
    began = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        outcomes = list(pool.map(_run, jobs))
    wall = time.perf_counter() - began
    runs = pd.concat([runs for runs, _ in outcomes], ignore_index=True)
    table = summarise_studies(runs)
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(table.T.to_string())
    seconds = {
        str(job[0]): round(t, 1) for job, (_, t) in zip(jobs, outcomes, strict=True)
    }
    print(f"seconds per effect: {seconds}; wall {wall:.0f} s")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{args.name}.json"
    out.write_text(
        json.dumps(
            {
                "settings": vars(args),
                "seconds": seconds,
                "wall_seconds": round(wall, 1),
                "summary": table.to_dict(orient="records"),
            },
            indent=2,
        )
    )
    print(f"Wrote benchmarks/results/{out.name}")


if __name__ == "__main__":
    main()
