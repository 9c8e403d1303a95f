import math

import matplotlib
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from hotspots.evaluation import InterruptedTimeSeries, its, plot_its

matplotlib.use("Agg")

MONTHS = pd.period_range("2022-01", periods=36, freq="M").astype(str)
T = np.arange(1, 37, dtype=float)
POST = (T >= 25).astype(float)
TSINCE = (T - 24) * POST
S1 = np.sin(2 * np.pi * T / 12)
C1 = np.cos(2 * np.pi * T / 12)
NOISE = np.tile([1.0, -1.0, 0.5, -0.5], 9)


def oracle_8_1(noise=0.0):
    y = 50 + 0.5 * T - 8 * POST - 1.0 * TSINCE + 3 * S1 + 2 * C1 + noise
    return pd.Series(y, index=MONTHS)


def test_its_ols_exact_recovery_oracle_8_1():
    result = its(oracle_8_1(), start="2024-01", family="ols", cov_type="nonrobust")
    expected = {"const": 50, "t": 0.5, "post": -8, "tsince": -1, "sin1": 3, "cos1": 2}
    for name, value in expected.items():
        assert result.model.params[name] == pytest.approx(value, abs=1e-8)
    assert result.level.measure == "level change (crimes per month)"
    assert result.level.estimate == pytest.approx(-8, abs=1e-8)
    assert result.slope.estimate == pytest.approx(-1, abs=1e-8)


def test_its_ols_hac_matches_oracle_8_1_with_noise():
    result = its(oracle_8_1(NOISE), start="2024-01", family="ols")
    params, bse = result.model.params, result.model.bse
    assert params["const"] == pytest.approx(50.14232, abs=1e-5)
    assert params["t"] == pytest.approx(0.488614, abs=1e-6)
    assert params["post"] == pytest.approx(-7.571486, abs=1e-6)
    assert params["tsince"] == pytest.approx(-1.034396, abs=1e-6)
    assert params["sin1"] == pytest.approx(2.914719, abs=1e-6)
    assert params["cos1"] == pytest.approx(2.022851, abs=1e-6)
    assert bse["post"] == pytest.approx(0.301944, abs=1e-6)
    assert bse["tsince"] == pytest.approx(0.026886, abs=1e-6)
    assert result.level.details["se"] == pytest.approx(0.301944, abs=1e-6)
    z = 1.959964
    assert result.level.ci_low == pytest.approx(-7.571486 - z * 0.301944, abs=1e-5)
    # the repeating +1 -1 noise is strongly (negatively) autocorrelated
    assert result.level.details["durbin_watson"] > 3
    assert any("autocorrelation" in c for c in result.caveats)


def test_its_poisson_oracle_8_1_level_irr():
    mu = np.exp(np.log(40) + 0.01 * T - 0.2 * POST + 0.3 * S1)
    result = its(pd.Series(mu, index=MONTHS), start="2024-01", family="poisson")
    assert result.level.estimate == pytest.approx(0.818731, abs=1e-6)
    assert result.level.details["beta"] == pytest.approx(-0.2, abs=1e-8)
    assert result.slope.estimate == pytest.approx(1.0, abs=1e-8)
    assert result.level.measure == "level change (rate ratio)"


@pytest.mark.parametrize("family", ["poisson", "negative_binomial"])
@pytest.mark.parametrize("seasonality", ["fourier", "dummies", False])
def test_its_equals_direct_statsmodels_glm(family, seasonality):
    rng = np.random.default_rng(3)
    y = rng.poisson(np.exp(np.log(20) + 0.005 * T - 0.3 * POST + 0.2 * S1))
    result = its(
        pd.Series(y, index=MONTHS),
        start="2024-01",
        family=family,
        seasonality=seasonality,
        cov_type="nonrobust",
    )
    columns = {"const": 1.0, "t": T, "post": POST, "tsince": TSINCE}
    if seasonality == "fourier":
        columns |= {"sin1": S1, "cos1": C1}
    x = pd.DataFrame(columns)
    if seasonality == "dummies":
        month = (np.arange(36) % 12) + 1
        for m in range(2, 13):
            x[f"month_{m}"] = (month == m).astype(float)
    fam = sm.families.Poisson()
    if family == "negative_binomial":
        fam = sm.families.NegativeBinomial(alpha=result.level.details["alpha"])
    direct = sm.GLM(y.astype(float), x, family=fam).fit()
    assert result.level.details["beta"] == pytest.approx(direct.params["post"], 1e-8)
    assert result.slope.details["beta"] == pytest.approx(direct.params["tsince"], 1e-8)
    assert result.level.details["se"] == pytest.approx(direct.bse["post"], 1e-6)
    assert result.level.estimate == pytest.approx(math.exp(direct.params["post"]))
    assert len(result.model.params) == x.shape[1]


def test_its_recovers_planted_level_change_in_simulation():
    rng = np.random.default_rng(20240601)
    months = pd.period_range("2020-01", periods=48, freq="M").astype(str)
    t = np.arange(1, 49)
    post = (t >= 37).astype(float)
    mu = np.exp(np.log(30) + 0.004 * t + 0.15 * np.sin(2 * np.pi * t / 12)) * np.where(
        post > 0, 0.8, 1.0
    )
    counts = pd.Series(rng.negative_binomial(20, 20 / (20 + mu)), index=months)
    result = its(counts, start="2023-01")
    assert result.level.ci_low < 0.8 < result.level.ci_high
    assert result.slope.ci_low < 1.0 < result.slope.ci_high
    assert result.level.estimate < 1
    assert "negative binomial" in result.level.method
    assert result.level.details["alpha"] > 0
    assert not any("short series" in c for c in result.caveats)
    frame = result.to_frame()
    assert frame["measure"].tolist() == [
        "level change (rate ratio)",
        "slope change (rate ratio per month)",
    ]
    assert list(result.series.columns) == [
        "month",
        "observed",
        "fitted",
        "counterfactual",
        "post",
    ]
    pre = result.series[result.series["post"] == 0]
    assert np.allclose(pre["fitted"], pre["counterfactual"])


def test_its_caveats_for_short_series():
    counts = pd.Series([20.0, 23, 18, 21, 25, 19, 22, 17, 24, 20], index=MONTHS[:10])
    result = its(counts, start="2022-07", seasonality=False)
    text = " ".join(result.caveats)
    assert "only 6 pre-intervention months" in text
    assert "few post months: only 4" in text
    assert "regression to the mean" in text
    assert set(result.caveats) == set(result.level.caveats)


@pytest.mark.parametrize(
    ("series", "kw", "exc", "match"),
    [
        ([1, 2, 3], {}, TypeError, "pandas Series"),
        (pd.Series([5.0] * 35, index=MONTHS.delete(5)), {}, ValueError, "gaps"),
        (
            pd.Series([5.0] * 36, index=MONTHS),
            {"start": "2022-02"},
            ValueError,
            "before start",
        ),
        (
            pd.Series([5.0] * 36, index=MONTHS),
            {"start": "2030-01"},
            ValueError,
            "2 from it",
        ),
        (pd.Series([-1.0] * 36, index=MONTHS), {}, ValueError, "family='ols'"),
        (
            pd.Series([5.0] * 36, index=MONTHS),
            {"family": "gaussian"},
            ValueError,
            "family must be",
        ),
        (
            pd.Series([5.0] * 36, index=MONTHS),
            {"seasonality": "weekly"},
            ValueError,
            "seasonality must be",
        ),
        (
            pd.Series([5.0] * 36, index=MONTHS),
            {"start": "soon"},
            ValueError,
            "start must be a date",
        ),
    ],
    ids=[
        "not-series",
        "gap",
        "no-pre",
        "no-post",
        "negative",
        "family",
        "season",
        "bad-start",
    ],
)
def test_its_errors(series, kw, exc, match):
    with pytest.raises(exc, match=match):
        its(series, **{"start": "2024-01", **kw})


def test_plot_its_draws_three_lines_with_title():
    result = its(oracle_8_1(NOISE), start="2024-01")
    ax = plot_its(result, title="SYNTHETIC DATA: ITS")
    assert ax.get_title() == "SYNTHETIC DATA: ITS"
    labels = [line.get_label() for line in ax.get_lines()]
    assert {
        "observed",
        "fitted",
        "projected from the pre-period alone (no comparison group)",
    } <= set(labels)
    with pytest.raises(TypeError, match="returned by its"):
        plot_its(result.level)
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.mark.slow
def test_its_on_synthetic_patrol_places_is_biased_by_regression_to_the_mean(
    patrol_design,
):
    """SYNTHETIC data: the treated places were chosen on a high 2023, so the ITS
    level change overstates the planted 20% reduction (no comparison group)."""
    truth, counts = patrol_design["truth"], patrol_design["panel"]
    patrol = truth["patrol"]
    treated = counts[counts["treated"]].groupby("month")["count"].sum()
    result = its(treated, start=patrol["treatment_start"], n_units=18)
    assert isinstance(result, InterruptedTimeSeries)
    planted = 1 - patrol["effect"]
    # the CI still covers the planted 0.80, but the estimates are biased downwards
    # (a larger fall than planted), the direction regression to the mean predicts
    assert result.level.ci_low < planted < result.level.ci_high
    assert result.level.estimate < planted
    assert result.slope.estimate < 1  # the post-period keeps falling back
    assert result.level.details["post_period_ratio"] < planted - 0.05
    assert result.level.n_treated == 18
    assert any("regression to the mean" in c for c in result.level.caveats)
