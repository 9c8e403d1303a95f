"""The fast two-way fixed-effects Poisson fit against statsmodels (a peer library)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

from hotspots.design import cluster_ids, fit_fe_poisson


def _long(y, d, groups=None):
    n, t = y.shape
    frame = pd.DataFrame(
        {
            "y": y.ravel(),
            "d": d.ravel(),
            "place": np.repeat(np.arange(n), t),
            "slot": np.tile(np.arange(t), n),
        }
    )
    frame["row"] = frame["place"] if groups is None else np.repeat(groups, t)
    keep = (frame.groupby("slot")["y"].transform("sum") > 0) & (
        frame.groupby("row")["y"].transform("sum") > 0
    )
    return frame[keep]


def _statsmodels(frame, cov="cluster"):
    model = smf.glm("y ~ d + C(row) + C(slot)", frame, family=sm.families.Poisson())
    if cov == "cluster":
        return model.fit(cov_type="cluster", cov_kwds={"groups": frame["place"]})
    return model.fit()


def _data(seed, n=12, t=40, dispersion=0.5, effect=0.7):
    rng = np.random.default_rng(seed)
    lam = rng.gamma(2.0, 0.4, size=n)
    d = (rng.random((n, t)) < 0.5).astype(float)
    noise = rng.gamma(1 / dispersion, dispersion, size=(n, t))
    return rng.poisson(lam[:, None] * effect**d * noise).astype(float), d


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_equals_statsmodels_with_place_and_slot_effects(seed):
    y, d = _data(seed)
    y[0] = 0  # a place with no crimes is set aside, as statsmodels cannot fit it
    fit = fit_fe_poisson(y, d)
    frame = _long(y, d)
    robust, model = _statsmodels(frame), _statsmodels(frame, cov="model")
    assert fit.beta == pytest.approx(robust.params["d"], abs=1e-8)
    assert fit.se == pytest.approx(robust.bse["d"], rel=1e-6)
    assert fit.se_model == pytest.approx(model.bse["d"], rel=1e-6)
    assert fit.n_obs == len(frame)
    assert fit.converged


def test_equals_statsmodels_with_block_effects_and_a_place_level_treatment():
    rng = np.random.default_rng(7)
    y, _ = _data(7, n=16)
    groups = np.arange(16) // 2
    arm = np.zeros(16)
    arm[2 * np.arange(8) + rng.integers(0, 2, size=8)] = 1.0
    d = np.repeat(arm[:, None], y.shape[1], axis=1)
    fit = fit_fe_poisson(y, d, groups=groups)
    robust = _statsmodels(_long(y, d, groups))
    assert fit.beta == pytest.approx(robust.params["d"], abs=1e-8)
    assert fit.se == pytest.approx(robust.bse["d"], rel=1e-6)


def test_equals_statsmodels_on_harm_weights_and_a_dose():
    y, d = _data(11)
    harm = y * np.random.default_rng(1).uniform(0.5, 30.0, size=y.shape)
    dose = d * np.random.default_rng(2).uniform(5, 25, size=d.shape) / 15
    for outcome, treatment in ((harm, d), (y, dose)):
        fit = fit_fe_poisson(outcome, treatment)
        robust = _statsmodels(_long(outcome, treatment))
        assert fit.beta == pytest.approx(robust.params["d"], abs=1e-7)
        assert fit.se == pytest.approx(robust.bse["d"], rel=1e-5)


def test_mask_leaves_cells_out_exactly():
    y, d = _data(5)
    mask = np.random.default_rng(3).random(y.shape) > 0.2
    fit = fit_fe_poisson(y, d, mask=mask)
    frame = _long(np.where(mask, y, np.nan), d)
    frame = frame[mask.ravel()[frame.index]]
    frame = frame[frame.groupby("slot")["y"].transform("sum") > 0]
    robust = _statsmodels(frame)
    assert fit.beta == pytest.approx(robust.params["d"], abs=1e-8)
    assert fit.n_obs == len(frame)


def test_no_crimes_on_treated_cells_is_not_estimable():
    y, d = _data(4)
    y[d == 1] = 0
    fit = fit_fe_poisson(y, d)
    assert math.isnan(fit.beta) and math.isnan(fit.irr)
    assert fit.ci() == (pytest.approx(math.nan, nan_ok=True),) * 2
    assert math.isnan(fit.p_value)


def test_recovers_a_planted_effect_on_a_large_trial():
    y, d = _data(9, n=60, t=300, dispersion=0.2, effect=0.6)
    fit = fit_fe_poisson(y, d)
    low, high = fit.ci()
    assert low < 0.6 < high
    assert fit.irr == pytest.approx(0.6, abs=0.05)


def test_shape_errors_say_what_is_wrong():
    with pytest.raises(ValueError, match="2-D of one shape"):
        fit_fe_poisson(np.zeros((3, 4)), np.zeros((4, 3)))


def test_pairs_are_clustered_by_pair_and_equal_statsmodels():
    """Pair fixed effects: the robust error is clustered by pair (small strata)."""
    rng = np.random.default_rng(8)
    y, _ = _data(8, n=20)
    groups = np.arange(20) // 2
    arm = np.zeros(20)
    arm[2 * np.arange(10) + rng.integers(0, 2, size=10)] = 1.0
    d = np.repeat(arm[:, None], y.shape[1], axis=1)
    assert cluster_ids(groups) is groups
    fit = fit_fe_poisson(y, d, groups=groups, clusters=cluster_ids(groups))
    frame = _long(y, d, groups)
    robust = smf.glm(
        "y ~ d + C(row) + C(slot)", frame, family=sm.families.Poisson()
    ).fit(cov_type="cluster", cov_kwds={"groups": frame["row"]})
    assert fit.se == pytest.approx(robust.bse["d"], rel=1e-6)
    assert fit.n_clusters == 10 and fit.df == 9
    by_place = fit_fe_poisson(y, d, groups=groups)
    assert by_place.n_clusters == 20


def test_big_blocks_and_one_group_keep_places_as_clusters():
    assert cluster_ids(None) is None
    assert cluster_ids(np.zeros(12, dtype=int)) is None
    assert cluster_ids(np.arange(40) // 10) is None
    assert cluster_ids(np.arange(12) // 4) is not None
