"""Simulation study of the randomised-trial analysis: bias, coverage, power, size.

Run from the project root::

    python benchmarks/sim_trials.py                 # 500 + 500 trials per design
    python benchmarks/sim_trials.py --trials 20 --designs a c

Each simulated trial draws 20 (or 40) places with base rates per place per day
from a gamma with mean 0.3 and shape 2, month-to-month extra variation (a gamma
multiplier with mean 1 and NB2 alpha 0.2, shared by the days of a calendar month
at a place), a new schedule (seed = the trial's index) and Poisson counts
``y ~ Poisson(rate_i * u_{i,month} * IRR**treated)``; washout days get no
effect (no carry-over is planted). It is analysed with
``hotspots.evaluation.analyse_experiment``. The designs:

(a) a Southend-like crossover: 20 places, 90 days, 40% of days treated;
(b) a crossover with a 1-day washout: 20 places, 120 days, 40% of days;
(c) parallel groups in matched pairs: 40 places, 180 days (pairs by base rate);
(d) a year-long crossover: 20 places, 365 days, 50% of days.

Per design, ``--trials`` trials with a planted IRR of 0.8 and as many with none
(trial indices 0..N-1 and N..2N-1). The trials with no effect run the
randomisation test with ``--permutations`` (199) re-drawn schedules, as the
Kolmogorov-Smirnov check of the uniformity of its p-values needs them; the
trials with an effect use ``--effect-permutations`` (199 too unless lowered; 0
leaves the randomisation power blank). The negative-binomial ITT is fitted
unless the design is named in ``--no-negbin``: by default (d) is, because that
statsmodels GLM with dummies takes about 2 s a trial at 365 days (more than the
rest of its analysis, 199 re-draws included); ``--no-negbin`` alone fits it for
every design.

Prints one row per design and planted IRR: the geometric mean of the Poisson ITT
estimates and its relative bias (%) with the Monte Carlo SE, 95% CI coverage of
the Poisson ITT (cluster-robust, t(places - 1)) and of the negative-binomial
ITT, the share of trials with ITT p < 0.05 and with randomisation p < 0.05, and
with no effect the KS p-value of the randomisation p-values against uniform.
Trials run in ``--jobs`` processes with BLAS limited to one thread each. Writes
the table to ``benchmarks/results/sim_trials.csv`` and every trial's estimates to
``sim_trials_runs.csv`` (git-ignored), and prints the run time and peak
memory. SYNTHETIC data only.
"""

from __future__ import annotations

import argparse
import math
import os
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

import numpy as np
import pandas as pd
from _harness import mb, rss_now, write_table
from scipy import stats
from threadpoolctl import threadpool_limits

os.environ.setdefault("TQDM_DISABLE", "1")  # no bars from the re-drawn schedules

START = "2025-01-06"  # a Monday
RATE_MEAN, RATE_SHAPE = 0.3, 2.0
MONTH_ALPHA = 0.2
PLANTED_IRR = 0.8
CHUNK = 25  # trials per job sent to a worker


@dataclass(frozen=True)
class Design:
    key: str
    label: str
    design: str
    places: int
    days: int
    share: float = 0.5
    washout_days: int = 0


DESIGNS = {
    d.key: d
    for d in (
        Design(
            "a", "crossover, 20 places, 90 days, share 0.4", "crossover", 20, 90, 0.4
        ),
        Design(
            "b",
            "crossover + 1-day washout, 20 places, 120 days, share 0.4",
            "crossover",
            20,
            120,
            0.4,
            1,
        ),
        Design(
            "c", "parallel, matched pairs, 40 places, 180 days", "parallel", 40, 180
        ),
        Design("d", "crossover, 20 places, 365 days, share 0.5", "crossover", 20, 365),
    )
}


def _end(days: int) -> str:
    return str(np.datetime64(START) + np.timedelta64(days - 1, "D"))


def simulate_trial(design: Design, trial: int, irr: float, seed: int):
    """Draw one trial: its schedule and a long counts frame."""
    from hotspots.design import crossover_schedule, parallel_schedule

    rng = np.random.default_rng([seed, trial])
    ids = [f"P{i:03d}" for i in range(design.places)]
    rates = rng.gamma(RATE_SHAPE, RATE_MEAN / RATE_SHAPE, size=design.places)
    if design.design == "crossover":
        schedule = crossover_schedule(
            ids,
            start=START,
            end=_end(design.days),
            share=design.share,
            washout_days=design.washout_days,
            seed=trial,
        )
    else:
        schedule = parallel_schedule(
            pd.DataFrame({"place_id": ids}),
            start=START,
            end=_end(design.days),
            blocking="pairs",
            crime=pd.Series(rates, index=ids),
            seed=trial,
        )
    codes = schedule.assignment()
    slots = schedule.slots()
    month = slots["date"].dt.to_period("M").to_numpy()
    _, month_index = np.unique(month, return_inverse=True)
    noise = rng.gamma(
        1 / MONTH_ALPHA, MONTH_ALPHA, size=(design.places, month_index.max() + 1)
    )
    mean = rates[:, None] * noise[:, month_index] * np.where(codes == 1, irr, 1.0)
    y = rng.poisson(mean)
    n_slots = len(slots)
    counts = pd.DataFrame(
        {
            "place_id": np.repeat(np.asarray(schedule.places, dtype=object), n_slots),
            "date": np.tile(slots["date"].to_numpy(), design.places),
            "shift": np.tile(slots["shift"].to_numpy(), design.places),
            "count": y.ravel(),
        }
    )
    return counts, schedule


def _run(job) -> list[dict]:
    """Simulate and analyse a chunk of trials of one design and planted IRR."""
    from hotspots.evaluation import analyse_experiment

    key, irr, trials, permutations, negbin, seed = job
    design = DESIGNS[key]
    rows = []
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for trial in trials:
            began = time.perf_counter()
            counts, schedule = simulate_trial(design, trial, irr, seed)
            result = analyse_experiment(
                counts,
                schedule,
                negbin=negbin,
                permutations=permutations,
                seed=trial,
                progress=False,
            )
            row = {
                "design": key,
                "irr": irr,
                "trial": trial,
                "beta": result.itt.details.get("log_irr", math.nan),
                "ci_low": result.itt.ci_low,
                "ci_high": result.itt.ci_high,
                "p": result.itt.p_value,
                "ri_p": result.randomisation.p_value if permutations else math.nan,
                "nb_beta": math.nan,
                "nb_low": math.nan,
                "nb_high": math.nan,
                "seconds": math.nan,
            }
            if result.itt_negbin is not None:
                row.update(
                    nb_beta=result.itt_negbin.details.get("log_irr", math.nan),
                    nb_low=result.itt_negbin.ci_low,
                    nb_high=result.itt_negbin.ci_high,
                )
            row["seconds"] = time.perf_counter() - began
            rows.append(row)
    return rows


def _share(flags: pd.Series) -> float:
    return float(flags.mean()) if len(flags) else math.nan


def summarise(runs: pd.DataFrame, settings: dict) -> pd.DataFrame:
    """One row per design and planted IRR."""
    rows = []
    for (key, irr), g in runs.groupby(["design", "irr"], sort=False):
        b0 = math.log(irr)
        ok = np.isfinite(g["beta"])
        b = g.loc[ok, "beta"]
        geo = math.exp(b.mean())
        bias = (geo / irr - 1) * 100
        bias_mcse = 100 * geo / irr * b.std(ddof=1) / math.sqrt(len(b))
        covered = (g["ci_low"] <= irr) & (irr <= g["ci_high"])
        nb_ok = np.isfinite(g["nb_beta"])
        nb_covered = (g["nb_low"] <= irr) & (irr <= g["nb_high"])
        ri = g["ri_p"]
        ri_ok = np.isfinite(ri)
        n = len(g)
        cov = _share(covered)
        row = {
            "design": key,
            "description": DESIGNS[key].label,
            "planted_irr": irr,
            "n_trials": n,
            "n_not_estimable": int((~ok).sum()),
            "mean_irr": geo,
            "bias_percent": bias,
            "bias_mcse": bias_mcse,
            "log_bias": float(b.mean() - b0),
            "empirical_sd": float(b.std(ddof=1)),
            "coverage_poisson": 100 * cov,
            "coverage_mcse": 100 * math.sqrt(cov * (1 - cov) / n),
            "coverage_negbin": 100 * _share(nb_covered[nb_ok])
            if nb_ok.any()
            else math.nan,
            "nb_mean_irr": math.exp(g.loc[nb_ok, "nb_beta"].mean())
            if nb_ok.any()
            else math.nan,
            "itt_p_lt_05": 100 * _share(g["p"] < 0.05),
            "ri_p_lt_05": 100 * _share(ri[ri_ok] < 0.05) if ri_ok.any() else math.nan,
            "ri_ks_p": float(stats.kstest(ri[ri_ok], "uniform").pvalue)
            if irr == 1.0 and ri_ok.sum() > 1
            else math.nan,
            "permutations": settings["perms"][irr],
            "negbin": key not in settings["no_negbin"],
            "seconds_per_trial": float(g["seconds"].mean()),
        }
        rows.append(row)
    return pd.DataFrame(rows)


def markdown(table: pd.DataFrame) -> str:
    """The table as Markdown, numbers rounded for reading."""
    head = (
        "| design | IRR | n | mean IRR | bias % (MCSE) | cover Poisson % | "
        "cover NB % | ITT p<.05 % | RI p<.05 % | KS p (RI, null) | s/trial |"
    )
    lines = [head, "|" + "|".join("---" for _ in range(head.count("|") - 1)) + "|"]

    def f(x, spec):
        return "-" if not np.isfinite(x) else format(x, spec)

    for r in table.itertuples():
        lines.append(
            f"| ({r.design}) {r.description} | {r.planted_irr:g} | {r.n_trials} | "
            f"{f(r.mean_irr, '.3f')} | {f(r.bias_percent, '+.1f')} "
            f"({f(r.bias_mcse, '.1f')}) | {f(r.coverage_poisson, '.1f')} "
            f"(±{f(r.coverage_mcse, '.1f')}) | {f(r.coverage_negbin, '.1f')} | "
            f"{f(r.itt_p_lt_05, '.1f')} | {f(r.ri_p_lt_05, '.1f')} | "
            f"{f(r.ri_ks_p, '.3f')} | {f(r.seconds_per_trial, '.2f')} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Run every design, print the Markdown table and write the CSV."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=500, help="per design and IRR")
    parser.add_argument("--designs", nargs="+", default=list(DESIGNS))
    parser.add_argument("--permutations", type=int, default=199, help="null trials")
    parser.add_argument(
        "--effect-permutations", type=int, default=199, help="trials with an effect"
    )
    parser.add_argument(
        "--no-negbin",
        nargs="*",
        default=["d"],
        help="designs fitted without the negative binomial (default: d)",
    )
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    perms = {PLANTED_IRR: args.effect_permutations, 1.0: args.permutations}
    jobs = []
    for key in args.designs:
        for offset, irr in enumerate((PLANTED_IRR, 1.0)):
            trials = range(offset * args.trials, (offset + 1) * args.trials)
            for lo in range(0, args.trials, CHUNK):
                chunk = list(trials[lo : lo + CHUNK])
                jobs.append(
                    (key, irr, chunk, perms[irr], key not in args.no_negbin, args.seed)
                )
    began = time.perf_counter()
    rows: list[dict] = []
    done: dict[str, float] = {}
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = {pool.submit(_run, job): job for job in jobs}
        for k, future in enumerate(as_completed(futures), 1):
            out = future.result()
            rows.extend(out)
            key = futures[future][0]
            done[key] = done.get(key, 0.0) + sum(r["seconds"] for r in out)
            print(
                f"[{time.perf_counter() - began:6.0f} s] {k}/{len(jobs)} chunks "
                f"(design {key}, IRR {futures[future][1]:g})",
                flush=True,
            )
    wall = time.perf_counter() - began
    runs = pd.DataFrame(rows)
    runs["design"] = pd.Categorical(runs["design"], categories=args.designs)
    runs = runs.sort_values(["design", "irr", "trial"])
    runs["design"] = runs["design"].astype(str)
    table = summarise(runs, {"perms": perms, "no_negbin": set(args.no_negbin)})
    print()
    print(markdown(table))
    notes = [
        f"planted IRR {PLANTED_IRR:g} and 1; base rates gamma(mean {RATE_MEAN:g}, "
        f"shape {RATE_SHAPE:g}) per place per day; month noise NB2 alpha "
        f"{MONTH_ALPHA:g}; seed {args.seed}",
        f"randomisation test: {args.permutations} re-drawn schedules with no effect, "
        f"{args.effect_permutations} with the effect"
        + (
            " (0: randomisation power not measured)"
            if not args.effect_permutations
            else ""
        ),
    ]
    if args.no_negbin:
        notes.append(
            f"negative binomial not fitted for design(s) {', '.join(args.no_negbin)} "
            "(run time)"
        )
    for note in notes:
        print(f"- {note}")
    cpu = {k: round(v, 0) for k, v in done.items()}
    print(
        f"\nCPU seconds per design (sum over trials): {cpu}; run time {wall:.0f} s "
        f"({wall / 60:.1f} min) on {args.jobs} processes; peak memory of this "
        f"process {mb(rss_now())} MiB"
    )
    write_table(table.round(4), "sim_trials.csv")
    write_table(runs, "sim_trials_runs.csv")


if __name__ == "__main__":
    main()
