"""Size and power of the randomisation test for each way of drawing placebo sets.

Run from the project root::

    python benchmarks/sim_randomisation.py                 # 400 studies per effect
    python benchmarks/sim_randomisation.py --studies 100 --matches 20 30 50

Each study simulates 1,000 places over 36 months (the design of
``benchmarks/sim_did.py``: lognormal rates, AR(1) shocks, seasonality), treats
the 18 busiest places of the 12 months before month 24, matches 3 comparison
places to each, then runs ``randomisation_test`` (199 placebo sets) once per
placebo design on the same study: uniform draws from the whole pool and
level-stratified draws with each ``--matches`` stratum size. Prints, per
effect, the share of studies with p < 0.05 (the size under no effect, the
power under a 20% cut) and the mean placebo SD against the SD of the observed
estimate, and writes them to ``benchmarks/results/sim_randomisation.json``
(git-ignored). SYNTHETIC data only.
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from hotspots.evaluation import choose_comparisons, randomisation_test
from hotspots.evaluation._simulate import _FIRST_MONTH, SELECTION_MONTHS, _draw, _frame

RESULTS = Path(__file__).resolve().parent / "results"
MONTHS, START, PLACES, TREATED = 36, 24, 1000, 18


def _run(job: tuple[float, int, list[int | None], int, int]) -> pd.DataFrame:
    effect, studies, matches, permutations, seed = job
    generator = np.random.default_rng(seed)
    month_index = pd.date_range(_FIRST_MONTH, periods=MONTHS, freq="MS")
    window = slice(START - SELECTION_MONTHS, START)
    rows = []
    for _ in range(studies):
        counts, treated, _ = _draw(
            generator,
            n_places=PLACES,
            months=MONTHS,
            treatment_month=START,
            n_treated=TREATED,
            effect=effect,
        )
        is_treated = np.zeros(PLACES, dtype=bool)
        is_treated[treated] = True
        keep = is_treated | (counts[:, window].sum(1) >= 1)
        frame = _frame(counts[keep], np.flatnonzero(is_treated[keep]))
        matched = choose_comparisons(frame, pre_months=month_index[window], k=3)
        for match in matches:
            result = randomisation_test(
                matched.panel,
                treatment_start=month_index[START],
                pool=frame[~frame["treated"]],
                permutations=permutations,
                match=match,
                match_months=month_index[window],
                rng=generator,
                progress=False,
            )
            rows.append(
                {
                    "effect": effect,
                    "placebo": "uniform" if match is None else f"match={match}",
                    "p_value": result.p_value,
                    "placebo_sd": result.details["placebo_sd"],
                    "beta": result.details["beta"],
                }
            )
    return pd.DataFrame(rows)


def main() -> None:
    """Run the studies, print the table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=400)
    parser.add_argument("--effects", type=float, nargs="+", default=[0.0, 0.20])
    parser.add_argument("--matches", type=int, nargs="+", default=[10, 30, 100])
    parser.add_argument("--permutations", type=int, default=199)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    matches: list[int | None] = [None, *args.matches]
    jobs = [
        (effect, args.studies, matches, args.permutations, args.seed + i)
        for i, effect in enumerate(args.effects)
    ]
    began = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        runs = pd.concat(pool.map(_run, jobs), ignore_index=True)
    wall = time.perf_counter() - began
    table = (
        runs.assign(rejected=runs["p_value"] < 0.05)
        .groupby(["effect", "placebo"], sort=False)
        .agg(
            studies=("p_value", "size"),
            rejection_rate=("rejected", "mean"),
            placebo_sd=("placebo_sd", "mean"),
            estimate_sd=("beta", "std"),
        )
        .reset_index()
    )
    table["mcse"] = np.sqrt(
        table["rejection_rate"] * (1 - table["rejection_rate"]) / table["studies"]
    )
    print(table.round(3).to_string(index=False))
    print(f"wall {wall:.0f} s")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "sim_randomisation.json"
    out.write_text(
        json.dumps(
            {
                "settings": vars(args),
                "wall_seconds": round(wall, 1),
                "table": table.to_dict(orient="records"),
            },
            indent=2,
        )
    )
    print(f"Wrote benchmarks/results/{out.name}")


if __name__ == "__main__":
    main()
