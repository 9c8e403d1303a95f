"""The smallest effect a plan detects with the target power (a simulated search)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from hotspots._validate import as_rng
from hotspots.design._plan import Plan
from hotspots.design._power import (
    DEFAULT_SIMS,
    DEFAULT_TARGET,
    Power,
    draw_layouts,
    plan_rates,
    power,
)

__all__ = ["minimum_detectable_effect"]

#: Secant steps of the search for the minimum detectable effect.
_MAX_STEPS = 6
#: Largest planted fall the search tries (IRR 0.05 = a 95% fall).
_LARGEST_FALL = 0.05


def minimum_detectable_effect(
    plan: Plan,
    base_rates,
    *,
    target: float = DEFAULT_TARGET,
    comparison_rates=None,
    n_sims: int = DEFAULT_SIMS,
    alpha: float = 0.05,
    variance: str = "cluster",
    seed=None,
    progress: bool = True,
) -> Power:
    """Find the smallest fall in crime a plan detects with ``target`` power.

    A secant search on the probit of simulated power against the log IRR,
    starting from Bloom's (1995) approximation ``log MDE = -(t_{1-alpha/2} +
    t_target) * SE`` with the median standard error of trials with no effect.
    Every step re-uses the same simulated layouts and noise (common random
    numbers), so the power curve is smooth in the effect. The result's table
    holds every effect tried; ``mde`` is the last, whose power is within two
    Monte Carlo standard errors of ``target`` (or the closest tried).

    Parameters are those of :func:`power`; ``target`` is the power wanted.

    Returns
    -------
    Power
        With ``mde`` set. ``mde`` is nan (and a caveat says so) when even a
        95% fall is not detected with the target power.
    """
    if not 0 < target < 1:
        raise ValueError(f"target must be in (0, 1); got {target!r}")
    rng = as_rng(seed)
    seed_value = int(rng.integers(2**31))
    rates, comparison = plan_rates(plan, base_rates, comparison_rates)
    draws = draw_layouts(plan, rates, comparison, n_sims, seed_value)
    kwargs = {
        "comparison_rates": comparison_rates,
        "n_sims": n_sims,
        "alpha": alpha,
        "variance": variance,
        "seed": seed_value,
        "_draws": draws,
        "progress": progress,
    }
    null = power(plan, base_rates, effects=(1.0,), **kwargs)
    se = float(null.table["median_se"].iloc[0])
    df = max(null.n_places - 1, 1) if variance == "cluster" else np.inf
    q = float(stats.t.ppf(1 - alpha / 2, df) + stats.t.ppf(target, df))
    b = -q * se if math.isfinite(se) else math.log(0.5)
    tried = [null.table]
    points: list[tuple[float, float]] = []
    largest = math.log(_LARGEST_FALL)
    tolerance = 2 * math.sqrt(target * (1 - target) / n_sims)
    for _ in range(_MAX_STEPS):
        b = min(max(b, largest), -1e-3)
        step = power(plan, base_rates, effects=(math.exp(b),), **kwargs)
        tried.append(step.table)
        pw = float(step.table["power"].iloc[0])
        points.append((b, pw))
        if abs(pw - target) <= tolerance or (b <= largest and pw < target):
            break
        b = _next_effect(points, target, b)
    table = pd.concat(tried, ignore_index=True)
    best = min(points, key=lambda p: abs(p[1] - target))
    caveats = list(null.caveats)
    size = float(null.table["power"].iloc[0])
    caveats.append(
        f"With no effect the test rejected in {size:.1%} of trials (nominal {alpha:g})."
    )
    mde = math.exp(best[0])
    reached = [p for p in points if p[1] >= target - tolerance]
    if not reached and min(p[0] for p in points) <= largest:
        caveats.append(
            f"Even a {1 - _LARGEST_FALL:.0%} fall was not detected with the target "
            "power: the plan is too small for these places."
        )
        mde = math.nan
    elif abs(best[1] - target) > tolerance:
        caveats.append(
            f"The search stopped at {best[1]:.0%} power after {len(points)} steps: "
            "the minimum detectable effect is approximate; use more simulations."
        )
    return Power(
        plan=plan,
        table=table,
        alpha=alpha,
        target=target,
        n_places=null.n_places,
        base_rate=null.base_rate,
        mde=mde,
        caveats=tuple(caveats),
    )


def _next_effect(points, target, b) -> float:
    """Next log IRR: secant on probit(power), or a Bloom-style step from one point."""
    z_target = stats.norm.ppf(target)
    clip = lambda p: min(max(p, 0.005), 0.995)  # noqa: E731
    if len(points) >= 2:
        (b0, p0), (b1, p1) = points[-2], points[-1]
        z0, z1 = stats.norm.ppf(clip(p0)), stats.norm.ppf(clip(p1))
        if z1 != z0:
            return b1 + (z_target - z1) * (b1 - b0) / (z1 - z0)
    p = clip(points[-1][1])
    # power ~ Phi(|b|/s - q): keep s, move |b| so the probit reaches the target
    q_alpha = 1.959964
    s = abs(b) / max(stats.norm.ppf(p) + q_alpha, 0.1)
    return -(z_target + q_alpha) * s
