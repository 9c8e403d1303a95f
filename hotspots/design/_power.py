"""Power and minimum detectable effect of a proposed test, by simulation."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from tqdm.auto import tqdm

from hotspots._validate import as_rng
from hotspots.design._fepois import cluster_ids, fit_fe_poisson
from hotspots.design._plan import Plan, layout

__all__ = [
    "DEFAULT_SIMS",
    "DEFAULT_TARGET",
    "Power",
    "power",
    "two_group_poisson_power",
]

logger = logging.getLogger(__name__)

#: Default simulated trials per effect size (Monte Carlo SE of a power near 80%:
#: 1.3 percentage points).
DEFAULT_SIMS = 1_000
#: Power the minimum detectable effect is defined at.
DEFAULT_TARGET = 0.8


@dataclass(frozen=True)
class Power:
    """Simulated power of a plan at one or more effect sizes.

    Attributes
    ----------
    plan : Plan
        The design simulated.
    table : DataFrame
        One row per effect simulated: ``irr`` (the planted incidence rate
        ratio), ``reduction`` (``1 - irr``), ``power`` (share of trials with
        two-sided p below ``alpha``), ``mcse`` (its Monte Carlo standard error),
        ``mean_irr`` (geometric mean of the estimates), ``coverage`` (share of
        95% intervals holding the planted IRR), ``n_sims``.
    alpha : float
        Two-sided significance level of the test.
    mde : float
        Smallest planted IRR below 1 detected with ``target`` power (nan when
        not searched); ``mde_reduction = 1 - mde``.
    target : float
        The power the MDE is defined at.
    n_places : int
        Places in the plan (treated and control or comparison).
    base_rate : float
        Mean expected crimes per place per slot (day or month) without patrols.
    caveats : tuple of str
        What the numbers assume.
    """

    plan: Plan
    table: pd.DataFrame
    alpha: float
    target: float
    n_places: int
    base_rate: float
    mde: float = math.nan
    caveats: tuple[str, ...] = field(default=())

    @property
    def mde_reduction(self) -> float:
        """The minimum detectable effect as a fall in crime (0.25 = 25%)."""
        return 1.0 - self.mde

    def sentence(self) -> str:
        """Return the plan's power in one sentence (the rule of the methods page)."""
        if not math.isfinite(self.mde):
            rows = ", ".join(
                f"{r.power:.0%} for a {r.reduction:.0%} fall"
                for r in self.table.itertuples()
            )
            return f"Power of {self.plan.describe()} at {self.n_places} places: {rows}."
        return (
            f"With {self.n_places} places, {self.plan.describe()} would detect a "
            f"fall of {self.mde_reduction:.0%} or more in {self.target:.0%} of "
            f"trials (two-sided alpha {self.alpha:g}); smaller effects would usually "
            "be missed."
        )


def two_group_poisson_power(
    rate0: float, rate1: float, exposure0: float, exposure1: float, *, alpha=0.05
) -> float:
    """Closed-form power of the Wald test of the log ratio of two Poisson rates.

    ``z = |log(rate1/rate0)| / sqrt(1/(exposure1*rate1) + 1/(exposure0*rate0))``
    and power ``= Phi(z - z_{1-alpha/2}) + Phi(-z - z_{1-alpha/2})``. The
    variance is the delta-method variance of a log Poisson count (see the
    methods page for the source). Used to check the simulation.
    """
    if min(rate0, rate1, exposure0, exposure1) <= 0:
        raise ValueError("rates and exposures must be positive")
    z = abs(math.log(rate1 / rate0)) / math.sqrt(
        1 / (exposure1 * rate1) + 1 / (exposure0 * rate0)
    )
    q = stats.norm.ppf(1 - alpha / 2)
    return float(stats.norm.cdf(z - q) + stats.norm.cdf(-z - q))


def draw_layouts(plan, rates, comparison, n_sims, seed):
    """Draw the simulated trials' layouts and month noise once per study.

    Kept compact (int8 treatment, float32 means) so a minimum-detectable-effect
    search re-uses them at every step: 1,000 trials of 20 places x 365 days
    take about 40 MB.
    """
    n_treated = len(rates)
    all_rates = rates if comparison is None else np.concatenate([rates, comparison])
    draws = []
    for sim in range(n_sims):
        rng = np.random.default_rng([seed, sim])
        d, keep, groups, months = layout(plan, n_treated, rng, crime=rates)
        lam = np.resize(all_rates, d.shape[0])
        if plan.dispersion:
            shape = 1.0 / plan.dispersion
            noise = rng.gamma(
                shape, plan.dispersion, size=(d.shape[0], months.max() + 1)
            )
            lam = (lam[:, None] * noise[:, months]).astype(np.float32)
        draws.append((d.astype(np.int8), keep, groups, lam, int(rng.integers(2**31))))
    return draws


def _simulate(plan, draws, log_irrs, alpha, variance, progress=True):
    """Fit every simulated trial at each effect; common random numbers."""
    n_sims = len(draws)
    results = {b: [] for b in log_irrs}
    for d8, keep, groups, lam, poisson_seed in tqdm(
        draws, desc="simulated trials", leave=False, disable=not progress
    ):
        d = d8.astype(float)
        mean = lam if lam.ndim == 2 else np.broadcast_to(lam[:, None], d.shape)
        for b in log_irrs:
            y = np.random.default_rng(poisson_seed).poisson(mean * np.exp(b * d))
            fit = fit_fe_poisson(
                y, d, mask=keep, groups=groups, clusters=cluster_ids(groups)
            )
            se = fit.se if variance == "cluster" else fit.se_model
            df = fit.df if variance == "cluster" else np.inf
            if math.isfinite(fit.beta) and math.isfinite(se) and se > 0:
                p = float(2 * stats.t.sf(abs(fit.beta / se), df))
                q = float(stats.t.ppf(0.975, df))
                covered = abs(fit.beta - b) <= q * se
            else:
                p, covered = 1.0, False
            results[b].append((fit.beta, p < alpha, covered, se))
    rows = []
    for b, values in results.items():
        arr = np.array(values, dtype=float)
        finite = np.isfinite(arr[:, 0])
        pw = float(arr[:, 1].mean())
        rows.append(
            {
                "irr": math.exp(b),
                "reduction": 1 - math.exp(b),
                "power": pw,
                "mcse": math.sqrt(pw * (1 - pw) / n_sims),
                "mean_irr": float(np.exp(arr[finite, 0].mean()))
                if finite.any()
                else math.nan,
                "coverage": float(arr[:, 2].mean()),
                "median_se": float(np.median(se_ok))
                if (se_ok := arr[np.isfinite(arr[:, 3]), 3]).size
                else math.nan,
                "n_sims": n_sims,
            }
        )
    return pd.DataFrame(rows)


def _check_rates(rates, name="base_rates") -> np.ndarray:
    arr = np.asarray(rates, dtype=float).ravel()
    if arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(
            f"{name} must be finite expected crimes per place per day (or month) "
            "and not negative"
        )
    if arr.sum() <= 0:
        raise ValueError(f"{name} are all zero: no trial could detect anything")
    return arr


def plan_rates(plan: Plan, base_rates, comparison_rates):
    """Check the treated rates, and comparison rates for a before/after plan."""
    rates = _check_rates(base_rates)
    if plan.design != "before_after":
        return rates, None
    comparison = _check_rates(
        rates if comparison_rates is None else comparison_rates, "comparison_rates"
    )
    if plan.n_comparison is not None and len(comparison) != plan.n_comparison:
        comparison = np.resize(comparison, plan.n_comparison)
    return rates, comparison


def _caveats(plan: Plan, variance: str) -> tuple[str, ...]:
    out = [
        "Counts are simulated as Poisson around each place's base rate"
        + (
            f", with month-to-month variation (overdispersion {plan.dispersion:.2g},"
            " NB2)"
            if plan.dispersion
            else ", with no extra variation between months: real counts vary more"
            " and the true power is lower"
        )
        + ".",
        "The planted effect is the same at every place and on every treated day.",
    ]
    if plan.design == "before_after":
        out.append(
            "A before/after design also needs comparison places that would have "
            "followed the treated places' trend; power says nothing about that bias."
        )
    if variance == "cluster":
        out.append("Tests use cluster-robust errors by place and t(places - 1).")
    return tuple(out)


def power(
    plan: Plan,
    base_rates,
    *,
    effects: Sequence[float] = (0.8,),
    comparison_rates=None,
    n_sims: int = DEFAULT_SIMS,
    alpha: float = 0.05,
    variance: str = "cluster",
    seed=None,
    progress: bool = True,
    _draws=None,
) -> Power:
    """Simulate a plan many times and count how often it detects each effect.

    Parameters
    ----------
    plan : Plan
        The proposed design.
    base_rates : array-like of float, shape (n_places,)
        Expected crimes per place per day (per month for ``"before_after"``)
        without patrols, e.g. from the force's own past data
        (:func:`~hotspots.design.base_rates`). For ``"before_after"`` these
        are the treated places.
    effects : sequence of float, default (0.8,)
        Incidence rate ratios to plant on treated days (0.8 = a 20% fall).
    comparison_rates : array-like of float, optional
        Before/after only: the comparison places' rates; None = the treated
        rates again (comparisons matched on level).
    n_sims : int, default 1000
        Simulated trials per effect.
    alpha : float, default 0.05
        Two-sided significance level.
    variance : {"cluster", "model"}, default "cluster"
        The test: cluster-robust by place with t(places - 1) (what
        :func:`hotspots.evaluation.analyse_experiment` reports), or the Poisson
        model-based error with the normal (for closed-form checks).
    seed : int or Generator, optional
        Reproducibility; None draws one (logged).
    progress : bool, default True
        Show a progress bar over the simulated trials.

    Returns
    -------
    Power
    """
    rates, comparison = plan_rates(plan, base_rates, comparison_rates)
    if variance not in ("cluster", "model"):
        raise ValueError(f"variance must be 'cluster' or 'model'; got {variance!r}")
    if n_sims < 10:
        raise ValueError(f"n_sims must be at least 10; got {n_sims}")
    effects = [float(e) for e in effects]
    if any(not (e > 0 and math.isfinite(e)) for e in effects):
        raise ValueError(f"effects must be positive rate ratios; got {effects}")
    seed_value = int(as_rng(seed).integers(2**31))
    logger.info(
        "power: %s, %d simulated trials, seed %d", plan.describe(), n_sims, seed_value
    )
    draws = _draws
    if draws is None:
        draws = draw_layouts(plan, rates, comparison, n_sims, seed_value)
    table = _simulate(
        plan, draws, [math.log(e) for e in effects], alpha, variance, progress
    )
    n = len(rates) + (0 if comparison is None else len(comparison))
    return Power(
        plan=plan,
        table=table,
        alpha=alpha,
        target=DEFAULT_TARGET,
        n_places=n,
        base_rate=float(np.mean(rates)),
        caveats=_caveats(plan, variance),
    )
