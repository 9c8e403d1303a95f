"""Benchmark simulated power of a 20-place, year-long crossover against statsmodels.

Run from the project root::

    python benchmarks/bench_power.py                 # 1,000 trials, 3 repeats
    python benchmarks/bench_power.py --repeats 1 --sims 200 --baseline-trials 3

The plan is ``Plan("crossover", length=365, dispersion=0.2)`` at 20 places with
0.1 expected crimes per place per day (``np.full(20, 0.1)``). Measures, in the
same run:

* ``power``: ``hotspots.design.power(plan, rates, effects=(0.8,), n_sims=1000,
  seed=1, progress=False)`` (drawing the 1,000 schedules and month noise, and
  fitting each trial with the two-way fixed-effects Poisson raking of
  ``fit_fe_poisson``);
* ``mde``: ``minimum_detectable_effect(plan, rates, n_sims=1000, seed=1,
  progress=False)`` (the same layouts re-used at every step of its search);
* the baseline: the first ``--baseline-trials`` (10) of those same 1,000 trials
  (drawn as ``power`` draws them, planted IRR 0.8), each fitted with the
  statsmodels Poisson GLM with place and day dummies and cluster-robust errors
  by place (``smf.glm("y ~ d + C(place) + C(day)", ..., family=Poisson())
  .fit(cov_type="cluster", ...)``), and with ``fit_fe_poisson``. Days and places
  with no crimes at all are set aside before the GLM, as ``fit_fe_poisson``
  does (their dummies would run to minus infinity; they carry no information
  about the effect). Before timing, the coefficients (and robust SEs) of the two
  fits are compared on those trials and must agree to 1e-6. The baseline's
  power at 1,000 trials is **extrapolated**: its mean seconds per fit times
  1,000 (fits only; drawing the trials is not counted, which favours it).

Each job runs in a fresh Python process with libraries imported and every timed
function called once on a small plan before the clock starts, with BLAS limited
to one thread. The RSS reported for a job is the process's peak so far
(``ru_maxrss``) after it; the whole job's peak is read with ``os.wait4``.

Results are printed as tables and written to ``benchmarks/results/bench_power.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

from _harness import mb as _mb
from _harness import peak_rss_bytes as _peak_rss_bytes
from _harness import rss_now as _rss_now
from _harness import write_results

RESULTS = Path(__file__).resolve().parent / "results" / "bench_power.json"
TARGET_POWER_S = 60.0
PLACES, DAYS, RATE, DISPERSION, EFFECT, SEED = 20, 365, 0.1, 0.2, 0.8, 1
AGREE = 1e-6


def _plan(days: int = DAYS):
    from hotspots.design import Plan

    return Plan("crossover", length=days, dispersion=DISPERSION)


def _rates():
    import numpy as np

    return np.full(PLACES, RATE)


# ---------------------------------------------------------------- the trials
def baseline_trials(n_trials: int, n_sims: int):
    """The first ``n_trials`` trials ``power(..., seed=1)`` simulates, as arrays.

    Repeats ``power``'s own steps (its seed, ``draw_layouts`` and the Poisson
    draw of ``_simulate``) so the baseline fits exactly the same counts.
    """
    import math

    import numpy as np

    draws = _draw_layouts(n_sims)[:n_trials]
    out = []
    for d8, keep, _, lam, poisson_seed in draws:
        d = d8.astype(float)
        y = np.random.default_rng(poisson_seed).poisson(
            lam * np.exp(math.log(EFFECT) * d)
        )
        out.append((y.astype(float), d, keep))
    return out


def long_frame(y, d):
    """The long table the GLM fits: cells of places and days with any crime."""
    import numpy as np
    import pandas as pd

    n, t = y.shape
    frame = pd.DataFrame(
        {
            "y": y.ravel(),
            "d": d.ravel(),
            "place": np.repeat(np.arange(n), t),
            "day": np.tile(np.arange(t), n),
        }
    )
    keep = (frame.groupby("day")["y"].transform("sum") > 0) & (
        frame.groupby("place")["y"].transform("sum") > 0
    )
    return frame[keep].reset_index(drop=True)


def statsmodels_fit(frame):
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    return smf.glm(
        "y ~ d + C(place) + C(day)", frame, family=sm.families.Poisson()
    ).fit(cov_type="cluster", cov_kwds={"groups": frame["place"].to_numpy()})


# ---------------------------------------------------------------- worker
def _clock(function):
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def _warm() -> None:
    """Call every timed function once on a small plan (imports, caches)."""
    from hotspots.design import fit_fe_poisson, minimum_detectable_effect, power

    small = _plan(28)
    power(small, _rates(), effects=(EFFECT,), n_sims=10, seed=SEED, progress=False)
    minimum_detectable_effect(small, _rates(), n_sims=10, seed=SEED, progress=False)
    y, d, keep = baseline_trials(1, 10)[0]
    fit_fe_poisson(y, d, mask=keep)
    statsmodels_fit(long_frame(y[:, :28], d[:, :28]))


def _draw_layouts(n_sims: int):
    """What ``power`` spends before any fit: schedules and month noise."""
    from hotspots._validate import as_rng
    from hotspots.design._power import draw_layouts

    seed_value = int(as_rng(SEED).integers(2**31))
    return draw_layouts(_plan(), _rates(), None, n_sims, seed_value)


def _job_power(n_sims: int) -> dict:
    from hotspots.design import power

    rss_before = _rss_now()
    seconds, result = _clock(
        lambda: power(
            _plan(),
            _rates(),
            effects=(EFFECT,),
            n_sims=n_sims,
            seed=SEED,
            progress=False,
        )
    )
    rss_after = _rss_now()
    row = result.table.iloc[0]
    draw_s, _ = _clock(lambda: _draw_layouts(n_sims))
    return {
        "seconds": seconds,
        "rss_before": rss_before,
        "rss_so_far": rss_after,
        "draw_layouts_s": draw_s,
        "power": float(row["power"]),
        "mean_irr": float(row["mean_irr"]),
        "coverage": float(row["coverage"]),
    }


def _job_mde(n_sims: int) -> dict:
    from hotspots.design import minimum_detectable_effect

    rss_before = _rss_now()
    seconds, result = _clock(
        lambda: minimum_detectable_effect(
            _plan(), _rates(), n_sims=n_sims, seed=SEED, progress=False
        )
    )
    return {
        "seconds": seconds,
        "rss_before": rss_before,
        "rss_so_far": _rss_now(),
        "mde": float(result.mde),
        "effects_tried": len(result.table),
        "trial_fits": len(result.table) * n_sims,
    }


def _job_baseline(n_trials: int, n_sims: int, fe_repeats: int) -> dict:
    """Per-fit times of statsmodels and fit_fe_poisson on the same trials."""
    from hotspots.design import fit_fe_poisson

    trials = baseline_trials(n_trials, n_sims)
    rss_before = _rss_now()
    sm_times, fe_times, frame_times = [], [], []
    for y, d, keep in trials:
        frame_s, frame = _clock(lambda y=y, d=d: long_frame(y, d))
        sm_s, _ = _clock(lambda frame=frame: statsmodels_fit(frame))
        frame_times.append(frame_s)
        sm_times.append(frame_s + sm_s)  # the baseline builds its long table too
        fe_times.append(
            min(
                _clock(lambda y=y, d=d, keep=keep: fit_fe_poisson(y, d, mask=keep))[0]
                for _ in range(fe_repeats)
            )
        )
    return {
        "statsmodels_s": sm_times,
        "long_table_s": frame_times,
        "fe_poisson_s": fe_times,
        "rss_before": rss_before,
        "rss_so_far": _rss_now(),
    }


def _check(n_trials: int, n_sims: int) -> list[dict]:
    """Coefficient and robust SE of both fits on the baseline trials."""
    from hotspots.design import fit_fe_poisson

    out = []
    for y, d, keep in baseline_trials(n_trials, n_sims):
        frame = long_frame(y, d)
        result = statsmodels_fit(frame)
        fit = fit_fe_poisson(y, d, mask=keep)
        out.append(
            {
                "beta_statsmodels": float(result.params["d"]),
                "beta_ours": fit.beta,
                "abs_beta_difference": abs(float(result.params["d"]) - fit.beta),
                "rel_se_difference": abs(float(result.bse["d"]) / fit.se - 1),
                "cells": len(frame),
                "days_with_crime": int(frame["day"].nunique()),
            }
        )
    return out


def worker(job: dict) -> None:
    """Run one job in this (fresh) process and print a JSON line."""
    from threadpoolctl import threadpool_limits

    import hotspots.design  # noqa: F401  imported before the clock starts

    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _warm()
        kind = job["kind"]
        if kind == "power":
            out = _job_power(job["n_sims"])
        elif kind == "mde":
            out = _job_mde(job["n_sims"])
        elif kind == "baseline":
            out = _job_baseline(job["trials"], job["n_sims"], job["fe_repeats"])
        else:
            out = {"rows": _check(job["trials"], job["n_sims"])}
    print(json.dumps(out))


def measure(job: dict) -> dict:
    """Run one job in a fresh subprocess; add its peak RSS."""
    command = [sys.executable, __file__, "--worker", json.dumps(job)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = process.stdout.read(), process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)  # rusage of this child only
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{job} failed:\n{stderr.decode(errors='replace')}")
    result = json.loads(stdout.decode().strip().splitlines()[-1])
    result["peak_rss"] = _peak_rss_bytes(usage.ru_maxrss)
    return result


# ---------------------------------------------------------------- report
def summarise(runs: dict[str, list[dict]], n_sims: int) -> dict:
    """Best and median times; memory; the baseline per fit and extrapolated."""
    out = {}
    for name in ("power", "mde"):
        times = [r["seconds"] for r in runs[name]]
        extra = runs[name][0] | (
            {"draw_layouts_s": min(r["draw_layouts_s"] for r in runs[name])}
            if name == "power"
            else {}
        )
        out[name] = {
            "best_s": min(times),
            "median_s": statistics.median(times),
            "times_s": times,
            "peak_rss_so_far": max(r["rss_so_far"] for r in runs[name]),
            "rss_before": min(r["rss_before"] for r in runs[name]),
            "process_peak_rss": max(r["peak_rss"] for r in runs[name]),
        } | {
            k: v
            for k, v in extra.items()
            if k not in ("seconds", "rss_before", "rss_so_far", "peak_rss")
        }
    base = runs["baseline"]
    # per trial: the best over repeats, then the mean over trials
    sm = [min(t) for t in zip(*(r["statsmodels_s"] for r in base), strict=True)]
    fe = [min(t) for t in zip(*(r["fe_poisson_s"] for r in base), strict=True)]
    table = [min(t) for t in zip(*(r["long_table_s"] for r in base), strict=True)]
    out["baseline"] = {
        "trials": len(sm),
        "statsmodels_per_fit_s": statistics.fmean(sm),
        "statsmodels_median_fit_s": statistics.median(sm),
        "long_table_per_fit_s": statistics.fmean(table),
        "fe_poisson_per_fit_s": statistics.fmean(fe),
        "fe_poisson_median_fit_s": statistics.median(fe),
        "statsmodels_power_extrapolated_s": statistics.fmean(sm) * n_sims,
        "statsmodels_mde_extrapolated_s": statistics.fmean(sm)
        * out["mde"]["trial_fits"],
        "peak_rss_so_far": max(r["rss_so_far"] for r in base),
        "rss_before": min(r["rss_before"] for r in base),
        "process_peak_rss": max(r["peak_rss"] for r in base),
    }
    return out


def print_tables(summary: dict, check: list[dict], n_sims: int) -> dict:
    worst_beta = max(r["abs_beta_difference"] for r in check)
    worst_se = max(r["rel_se_difference"] for r in check)
    cells = statistics.fmean(r["cells"] for r in check)
    print(
        f"\nlike-for-like check (before timing) on {len(check)} trials "
        f"({cells:,.0f} cells a trial on average, after days without crime): "
        f"max |beta_statsmodels - beta_ours| = {worst_beta:.1e}; max relative "
        f"difference of the robust SE = {worst_se:.1e}"
    )
    base = summary["baseline"]
    header = (
        f"{'step':<44} {'best s':>9} {'median s':>9} "
        f"{'peak RSS MB':>11} {'RSS pre MB':>10} {'process MB':>10}"
    )
    print(
        f"\npower of a {PLACES}-place, {DAYS}-day crossover (dispersion "
        f"{DISPERSION:g}, {RATE:g} crimes a place a day), {n_sims:,} trials"
    )
    print(header)
    print("-" * len(header))
    for name, label in (
        ("power", f"power(effects=({EFFECT},), n_sims={n_sims})"),
        ("mde", f"minimum_detectable_effect(n_sims={n_sims})"),
    ):
        s = summary[name]
        print(
            f"{label:<44} {s['best_s']:>9.2f} {s['median_s']:>9.2f} "
            f"{_mb(s['peak_rss_so_far']):>11} {_mb(s['rss_before']):>10} "
            f"{_mb(s['process_peak_rss']):>10}"
        )
    print(
        f"{'statsmodels GLM, extrapolated (power)':<44} "
        f"{base['statsmodels_power_extrapolated_s']:>9.0f} {'':>9} "
        f"{_mb(base['peak_rss_so_far']):>11} {_mb(base['rss_before']):>10} "
        f"{_mb(base['process_peak_rss']):>10}"
    )
    print(
        f"{'statsmodels GLM, extrapolated (MDE)':<44} "
        f"{base['statsmodels_mde_extrapolated_s']:>9.0f}"
    )
    p, m = summary["power"], summary["mde"]
    print(
        f"\npower at IRR {EFFECT:g}: {p['power']:.3f} (mean IRR {p['mean_irr']:.3f}, "
        f"coverage {p['coverage']:.3f}); MDE {m['mde']:.3f} ({m['effects_tried']} "
        f"effects tried, {m['trial_fits']:,} fits)"
    )
    print(
        f"of power()'s {p['best_s']:.2f} s, drawing the {n_sims:,} schedules and "
        f"month noise (draw_layouts) took {p['draw_layouts_s']:.2f} s (best of "
        "repeats, timed separately)"
    )
    print(
        f"\nper fit, mean over {base['trials']} trials (best of repeats each): "
        f"statsmodels {base['statsmodels_per_fit_s']:.3f} s (of which building the "
        f"long table {base['long_table_per_fit_s']:.3f} s), fit_fe_poisson "
        f"{base['fe_poisson_per_fit_s'] * 1e3:.2f} ms"
    )
    ratios = {
        "per fit: statsmodels / fit_fe_poisson": base["statsmodels_per_fit_s"]
        / base["fe_poisson_per_fit_s"],
        f"power at {n_sims:,} trials: statsmodels extrapolated / power()": base[
            "statsmodels_power_extrapolated_s"
        ]
        / p["best_s"],
        "MDE search: statsmodels extrapolated / minimum_detectable_effect()": base[
            "statsmodels_mde_extrapolated_s"
        ]
        / m["best_s"],
    }
    print("\nratios (statsmodels / ours, best times):")
    for name, ratio in ratios.items():
        print(f"  {name}: {ratio:,.0f}x")
    return ratios


def check_targets(summary: dict, n_sims: int) -> dict[str, bool]:
    best = summary["power"]["best_s"]
    median = summary["power"]["median_s"]
    targets = {
        f"power at {n_sims:,} trials in < {TARGET_POWER_S:g} s (best {best:.1f} s, "
        f"median {median:.1f} s)": median < TARGET_POWER_S
    }
    print("\ntargets:")
    for text, met in targets.items():
        print(f"  [{'met' if met else 'MISSED'}] {text}")
    return targets


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sims", type=int, default=1000, help="simulated trials")
    parser.add_argument("--baseline-trials", type=int, default=10)
    parser.add_argument("--fe-repeats", type=int, default=5, help=argparse.SUPPRESS)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(json.loads(args.worker))
        return
    start = time.perf_counter()
    trials = min(args.baseline_trials, args.sims)
    check = measure({"kind": "check", "trials": trials, "n_sims": args.sims})["rows"]
    worst = max(r["abs_beta_difference"] for r in check)
    if worst > AGREE:
        raise SystemExit(
            f"statsmodels and fit_fe_poisson coefficients differ by up to {worst:.2e} "
            f"(> {AGREE:g}): the timings would not compare like with like."
        )
    jobs = {
        "power": {"kind": "power", "n_sims": args.sims},
        "mde": {"kind": "mde", "n_sims": args.sims},
        "baseline": {
            "kind": "baseline",
            "trials": trials,
            "n_sims": args.sims,
            "fe_repeats": args.fe_repeats,
        },
    }
    runs: dict[str, list[dict]] = {name: [] for name in jobs}
    for repeat in range(args.repeats):  # interleave so drift hits all methods
        for name, job in jobs.items():
            runs[name].append(measure(job))
        print(f"repeat {repeat + 1}/{args.repeats} done", flush=True)
    summary = summarise(runs, args.sims)
    ratios = print_tables(summary, check, args.sims)
    targets = check_targets(summary, args.sims)
    print(f"\ntotal run time {time.perf_counter() - start:.0f} s")
    write_results(
        RESULTS,
        {
            "plan": {
                "design": "crossover",
                "length": DAYS,
                "dispersion": DISPERSION,
                "places": PLACES,
                "rate": RATE,
                "effect": EFFECT,
                "seed": SEED,
            },
            "n_sims": args.sims,
            "repeats": args.repeats,
            "baseline_trials": trials,
            "baseline_extrapolated": True,
            "check": check,
            "results": summary,
            "ratios": ratios,
            "targets": targets,
        },
    )


if __name__ == "__main__":
    main()
