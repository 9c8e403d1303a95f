"""Mann-Kendall under serial correlation: the Hamed-Rao and pooled corrections.

References: Hamed & Rao (1998) for the variance factor; pymannkendall as a peer
implementation of the per-series Hamed-Rao test; brute-force simulation of
Var(S) on AR(1) series with known rho as the independent check.
"""

from __future__ import annotations

import numpy as np
import pytest

from hotspots import mann_kendall
from hotspots.find._trend_variance import (
    MIN_POOL_SERIES,
    hamed_rao_factor_from_rho,
    pooled_factor,
)

ALPHA = 0.05


def _ar1(rng, n_series, n, rho):
    """Stationary Gaussian AR(1) rows with lag-1 correlation ``rho``, no trend."""
    y = np.empty((n_series, n))
    y[:, 0] = rng.standard_normal(n_series)
    for t in range(1, n):
        y[:, t] = rho * y[:, t - 1] + np.sqrt(1 - rho**2) * rng.standard_normal(
            n_series
        )
    return y


def _ar1_rank_rho(rho, n):
    """Rank autocorrelation of a Gaussian AR(1) at lags 1..n-1 (known rho)."""
    return 6 / np.pi * np.arcsin(rho ** np.arange(1, n) / 2)


def test_mann_kendall_hamed_rao_matches_pymannkendall():
    pmk = pytest.importorskip("pymannkendall")
    rng = np.random.default_rng(11)
    rows = [*_ar1(rng, 40, 24, 0.6), *_ar1(rng, 20, 36, 0.3)]
    rows += list(rng.integers(0, 5, size=(20, 30)).astype(float))  # many ties
    compared = 0
    for row in rows:
        peer = pmk.hamed_rao_modification_test(row)
        if not peer.var_s > 0:  # the peer returns NaN where the factor is <= 0
            continue
        ours = mann_kendall(row, correction="hamed-rao")
        assert ours.s == peer.s
        assert ours.var_s == pytest.approx(peer.var_s, rel=1e-9)
        assert ours.z == pytest.approx(peer.z, rel=1e-9, abs=1e-12)
        assert ours.p_value == pytest.approx(peer.p, rel=1e-9, abs=1e-12)
        assert ours.trend == peer.trend
        compared += 1
    assert compared >= 70


def test_mann_kendall_hamed_rao_vectorised_equals_one_series_at_a_time():
    rows = _ar1(np.random.default_rng(2), 25, 20, 0.5)
    together = mann_kendall(rows, correction="hamed-rao")
    for k, row in enumerate(rows):
        one = mann_kendall(row, correction="hamed-rao")
        assert together.variance_factor[k] == pytest.approx(one.variance_factor)
        assert together.p_value[k] == pytest.approx(one.p_value)


@pytest.mark.parametrize(("n", "rho"), [(12, 0.3), (24, 0.5), (36, 0.7)])
def test_hamed_rao_factor_matches_brute_force_variance_of_s(n, rho):
    # Var(S) by brute force: simulate AR(1) series with known rho and no trend.
    y = _ar1(np.random.default_rng(n), 40_000, n, rho)
    plain = mann_kendall(y)
    simulated = float(np.mean(plain.s**2) / plain.var_s[0])
    theory = float(hamed_rao_factor_from_rho(_ar1_rank_rho(rho, n), n))
    assert simulated == pytest.approx(theory, rel=0.05)
    assert theory > 1.3  # a real inflation, so the check has teeth


def test_pooled_factor_recovers_the_hamed_rao_factor_of_ar1_series():
    y = _ar1(np.random.default_rng(4), 6_000, 36, 0.3)
    result = mann_kendall(y, correction="pooled")
    theory = float(hamed_rao_factor_from_rho(_ar1_rank_rho(0.3, 36), 36))
    assert np.ptp(result.variance_factor) == 0  # one pool: one factor
    assert result.variance_factor[0] == pytest.approx(theory, rel=0.1)


def test_pooled_factor_errs_on_the_safe_side_when_rho_is_high():
    # With strong correlation S has lighter tails than a normal variable, so the
    # median of S^2 over-estimates Var(S) a little: the test becomes conservative.
    y = _ar1(np.random.default_rng(8), 6_000, 24, 0.7)
    pooled = mann_kendall(y, correction="pooled").variance_factor[0]
    theory = float(hamed_rao_factor_from_rho(_ar1_rank_rho(0.7, 24), 24))
    assert theory < pooled < 1.4 * theory


@pytest.mark.parametrize("rho", [0.3, 0.5])
def test_pooled_correction_holds_alpha_on_ar1_series(rho):
    y = _ar1(np.random.default_rng(int(rho * 10)), 4_000, 36, rho)
    rate = {
        correction: float(
            np.mean(mann_kendall(y, correction=correction).p_value < ALPHA)
        )
        for correction in ("none", "hamed-rao", "pooled")
    }
    mc_error = 3 * np.sqrt(ALPHA * (1 - ALPHA) / len(y))
    assert ALPHA / 2 < rate["pooled"] < ALPHA + mc_error
    assert rate["none"] > 0.1  # plain Mann-Kendall over-calls trends
    assert rate["hamed-rao"] > ALPHA + mc_error  # per series: too few values


def test_pooled_factor_follows_activity():
    rng = np.random.default_rng(5)
    quiet = rng.standard_normal((400, 24))  # independent: factor about 1
    busy = _ar1(rng, 400, 24, 0.7)  # strongly correlated: factor about 3.4
    y = np.vstack([quiet, busy])
    activity = np.r_[np.zeros(400), np.ones(400)] + rng.uniform(0, 0.1, 800)
    factor = mann_kendall(y).var_s  # plain Var(S), no ties
    s = mann_kendall(y).s
    pooled, informative = pooled_factor(s, factor, activity, pool=100)
    theory = float(hamed_rao_factor_from_rho(_ar1_rank_rho(0.7, 24), 24))
    assert informative == 800
    assert np.median(pooled[:300]) == pytest.approx(1.0, abs=0.25)
    assert theory < np.median(pooled[500:]) < 1.4 * theory
    assert (pooled >= 1).all()


def test_pooled_factor_leaves_tied_series_out():
    rng = np.random.default_rng(6)
    y = np.vstack([np.full((50, 12), 3.0), rng.standard_normal((60, 12))])
    plain = mann_kendall(y)
    factor, informative = pooled_factor(plain.s, plain.var_s)
    assert informative == 60
    assert (factor[:50] == 1).all()
    few, n_few = pooled_factor(plain.s[:70], plain.var_s[:70])
    assert n_few == 20 < MIN_POOL_SERIES and (few == 1).all()


@pytest.mark.parametrize(
    ("values", "kwargs", "match"),
    [
        ([1.0, 2.0, 3.0, 4.0], {"correction": "yue-wang"}, "correction must be"),
        ([1.0, 2.0, 3.0, 4.0], {"correction": "pooled"}, "one series per row"),
        (np.arange(40.0).reshape(10, 4), {"correction": "pooled"}, "at least 30"),
    ],
    ids=["unknown", "pooled-one-series", "pooled-few-series"],
)
def test_mann_kendall_correction_errors(values, kwargs, match):
    with pytest.raises(ValueError, match=match):
        mann_kendall(values, **kwargs)
