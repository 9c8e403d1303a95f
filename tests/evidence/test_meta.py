"""Random-effects meta-analysis: hand arithmetic, statsmodels, a published example."""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from statsmodels.stats.meta_analysis import combine_effects

from hotspots.evidence import meta_analysis


def table(y, se, **columns) -> pd.DataFrame:
    return pd.DataFrame({"log_res": y, "se_log_res": se, **columns})


def test_dersimonian_laird_by_hand_on_three_studies():
    y = [0.1, 0.4, -0.2]
    se = [0.1, 0.2, 0.25]
    # fixed-effect weights 1/se²
    w = [100.0, 25.0, 16.0]
    sum_w = 141.0
    sum_wy = 100 * 0.1 + 25 * 0.4 + 16 * -0.2  # 16.8
    mu_fe = sum_wy / sum_w  # 0.1191489...
    sum_wy2 = 100 * 0.01 + 25 * 0.16 + 16 * 0.04  # 5.64
    q = sum_wy2 - sum_wy**2 / sum_w  # 5.64 - 282.24/141 = 3.6382979
    assert q == pytest.approx(3.6382979, abs=1e-7)
    c = sum_w - (100.0**2 + 25.0**2 + 16.0**2) / sum_w  # 141 - 10881/141
    assert c == pytest.approx(63.8297872, abs=1e-7)
    tau2 = (q - 2) / c  # df = k - 1 = 2
    assert tau2 == pytest.approx(0.0256667, abs=1e-7)
    w_re = [1 / (s**2 + tau2) for s in se]
    mu_re = sum(wi * yi for wi, yi in zip(w_re, y, strict=True)) / sum(w_re)
    se_re = math.sqrt(1 / sum(w_re))
    i2 = (q - 2) / q

    result = meta_analysis(table(y, se))
    assert result.q == pytest.approx(q, rel=1e-12)
    assert result.q_df == 2
    assert result.tau2 == pytest.approx(tau2, rel=1e-12)
    assert result.log_res == pytest.approx(mu_re, rel=1e-12)
    assert result.se_log_res == pytest.approx(se_re, rel=1e-12)
    assert result.res == pytest.approx(math.exp(mu_re), rel=1e-12)
    assert result.ci_low == pytest.approx(math.exp(mu_re - 1.959963984540054 * se_re))
    assert result.fixed_res == pytest.approx(math.exp(mu_fe), rel=1e-12)
    assert result.i2 == pytest.approx(i2, rel=1e-12)
    assert result.h2 == pytest.approx(q / 2, rel=1e-12)
    assert result.percent_change == pytest.approx((math.exp(-mu_re) - 1) * 100)
    weights = [100 * wi / sum(w_re) for wi in w_re]
    assert list(result.studies["weight_random"]) == pytest.approx(weights, rel=1e-12)
    assert list(result.studies["weight_fixed"]) == pytest.approx(
        [100 * wi / sum_w for wi in w], rel=1e-12
    )
    # prediction interval (Higgins et al. 2009): t with k - 2 = 1 df (12.706205)
    half = 12.706204736174698 * math.sqrt(tau2 + se_re**2)
    assert result.pi_low == pytest.approx(math.exp(mu_re - half), rel=1e-9)
    assert result.pi_high == pytest.approx(math.exp(mu_re + half), rel=1e-9)
    assert result.effect.measure == "relative effect size"
    assert result.effect.details["tau2"] == result.tau2


effects = st.lists(
    st.tuples(st.floats(-2, 2, allow_nan=False), st.floats(0.05, 1.5, allow_nan=False)),
    min_size=2,
    max_size=12,
)


def _pm_equation(y, v, tau2):
    """Paule-Mandel's estimating equation: generalised Q minus its df."""
    w = 1 / (v + tau2)
    mu = np.sum(w * y) / np.sum(w)
    return np.sum(w * (y - mu) ** 2) - (len(y) - 1)


def _statsmodels_pm(y, v):
    """statsmodels' PM and the tolerance it reached, or None.

    Its iteration (DerSimonian & Kacker 2007) stops when the estimating
    equation is within ``atol`` of 0, and returns tau² = 0 whenever a step
    leaves the equation below 0, which rounding can do near the root with a
    tight ``atol`` (statsmodels 0.15). So it runs with ``atol`` 1e-11, then
    looser, from 0 and from the DL estimate, and the first run whose tau²
    solves the equation (or is a true 0) is used.
    """
    with np.errstate(all="ignore"):
        dl = combine_effects(y, v, method_re="dl")
    for atol in (1e-11, 1e-10, 1e-9, 1e-8):
        for start in (0.0, max(0.0, dl.tau2)):
            with np.errstate(all="ignore"):
                fit = combine_effects(
                    y, v, method_re="pm", tau2_start=start, atol=atol, maxiter=1000
                )
            excess = _pm_equation(y, v, fit.tau2)
            solved = fit.tau2 > 0 and abs(excess) <= atol
            if solved or (fit.tau2 == 0 and excess <= 0):
                return fit, atol
    return None, None


@given(effects)
def test_dl_and_pm_agree_with_statsmodels(pairs):
    y = np.array([p[0] for p in pairs])
    se = np.array([p[1] for p in pairs])
    for method in ("DL", "PM"):
        ours = meta_analysis(table(y, se), method=method)
        tol = 1e-10
        if method == "DL":
            with np.errstate(all="ignore"):  # statsmodels' negative DL tau²
                theirs = combine_effects(y, se**2, method_re="dl")
        else:
            theirs, atol = _statsmodels_pm(y, se**2)
            if theirs is None:  # its iteration never settles: solve the equation
                assert abs(_pm_equation(y, se**2, ours.tau2)) < 1e-9
                continue
            # a looser stop leaves tau² off by about atol / |dQ/dtau²|
            tol = 1e-10 if atol <= 1e-11 else 100 * atol
        # statsmodels does not truncate DL's tau² at 0: below 0 ours is the FE fit
        truncated = theirs.tau2 <= 0
        mean = theirs.mean_effect_fe if truncated else theirs.mean_effect_re
        sd = theirs.sd_eff_w_fe if truncated else theirs.sd_eff_w_re
        assert ours.tau2 == pytest.approx(max(0.0, theirs.tau2), abs=tol)
        assert ours.log_res == pytest.approx(mean, abs=tol)
        assert ours.se_log_res == pytest.approx(sd, abs=tol)
        assert ours.q == pytest.approx(theirs.q, abs=tol * max(1.0, theirs.q))
        assert math.log(ours.fixed_res) == pytest.approx(theirs.mean_effect_fe, abs=tol)
        if theirs.q > 1e-6:  # statsmodels' I² is undefined at Q = 0
            assert ours.i2 == pytest.approx(max(0.0, theirs.i2), abs=tol)


# dat.bcg (Colditz et al. 1994, JAMA 271(9), 698-702), as in R's metafor/metadat:
# trial, tpos, tneg, cpos, cneg
BCG = [
    ("Aronson 1948", 4, 119, 11, 128),
    ("Ferguson & Simes 1949", 6, 300, 29, 274),
    ("Rosenthal et al 1960", 3, 228, 11, 209),
    ("Hart & Sutherland 1977", 62, 13536, 248, 12619),
    ("Frimodt-Moller et al 1973", 33, 5036, 47, 5761),
    ("Stein & Aronson 1953", 180, 1361, 372, 1079),
    ("Vandiviere et al 1973", 8, 2537, 10, 619),
    ("TPT Madras 1980", 505, 87886, 499, 87892),
    ("Coetzee & Berjak 1968", 29, 7470, 45, 7232),
    ("Rosenthal et al 1961", 17, 1699, 65, 1600),
    ("Comstock et al 1974", 186, 50448, 141, 27197),
    ("Comstock & Webster 1969", 5, 2493, 3, 2338),
    ("Comstock et al 1976", 27, 16886, 29, 17825),
]


def test_bcg_trials_match_metafor_dersimonian_laird():
    """The BCG vaccine trials with metafor's ``rma(yi, vi, method="DL")``.

    Counts: the ``dat.bcg`` listing on metadat's help page
    (https://search.r-project.org/CRAN/refmans/metadat/html/dat.bcg.html, column
    meanings) and the printed data in https://shixiangwang.github.io/home/cn/post/
    2019-11-20-use-metafor (rows 1-10), rows 11-13 as printed in several metafor
    tutorials. Log risk ratios and variances as in ``escalc(measure="RR")``.
    Published results: metafor's own test file
    tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r (github.com/wviechtb/
    metafor; checked there against Stata's metan): RE DL estimate -0.7141, CI
    -1.0644 to -0.3638, z -3.9952 (so SE = 0.7141/3.9952 = 0.1787), tau² 0.3088,
    I² 92.1173%; the FE test in the same file gives QE 152.2330 and estimate
    -0.4303.
    """
    y, v = [], []
    for _, tpos, tneg, cpos, cneg in BCG:
        y.append(math.log((tpos / (tpos + tneg)) / (cpos / (cpos + cneg))))
        v.append(1 / tpos - 1 / (tpos + tneg) + 1 / cpos - 1 / (cpos + cneg))
    # our RES scale has RES > 1 = benefit; pooling the log risk ratio as it is
    result = meta_analysis(table(y, np.sqrt(v)))
    assert result.k == 13 and result.q_df == 12
    assert result.log_res == pytest.approx(-0.7141, abs=5e-5)
    assert result.se_log_res == pytest.approx(0.1787, abs=5e-5)
    assert math.log(result.ci_low) == pytest.approx(-1.0644, abs=5e-5)
    assert math.log(result.ci_high) == pytest.approx(-0.3638, abs=5e-5)
    assert result.tau2 == pytest.approx(0.3088, abs=5e-5)
    assert result.i2 * 100 == pytest.approx(92.1173, abs=5e-5)
    assert result.q == pytest.approx(152.2330, abs=5e-5)
    assert math.log(result.fixed_res) == pytest.approx(-0.4303, abs=5e-5)


def test_tau2_and_i2_are_truncated_at_zero_when_q_is_below_df():
    result = meta_analysis(table([0.10, 0.11, 0.09], [0.2, 0.2, 0.2]))
    assert result.q < result.q_df
    assert result.tau2 == 0.0 and result.i2 == 0.0
    assert result.res == pytest.approx(result.fixed_res, rel=1e-14)
    assert list(result.studies["weight_random"]) == pytest.approx([100 / 3] * 3)
    assert any("below its degrees of freedom" in c for c in result.caveats)
    pm = meta_analysis(table([0.10, 0.11, 0.09], [0.2, 0.2, 0.2]), method="PM")
    assert pm.tau2 == 0.0


def test_one_study_is_its_own_pooled_estimate():
    result = meta_analysis(table([0.3], [0.1]))
    assert result.k == 1 and result.tau2 == 0.0
    assert result.res == pytest.approx(math.exp(0.3), rel=1e-14)
    assert result.se_log_res == pytest.approx(0.1, rel=1e-14)
    assert math.isnan(result.i2) and math.isnan(result.pi_low)
    assert any("only one study" in c for c in result.caveats)
    assert "k = 1" in str(result)


def test_no_study_to_pool_says_what_to_do():
    with pytest.raises(ValueError, match=r"no study can be pooled.*se_log_res"):
        meta_analysis(table([0.3, 0.1], [np.nan, np.nan]))
    with pytest.raises(ValueError, match="no study can be pooled"):
        meta_analysis(table([], []))
    with pytest.raises(ValueError, match="log_res"):
        meta_analysis(pd.DataFrame({"estimate": [1.2]}))
    with pytest.raises(ValueError, match="method"):
        meta_analysis(table([0.3], [0.1]), method="REML")


def test_subgroups_pool_each_subset_and_q_between_by_hand():
    y = [0.1, 0.4, -0.2, 0.3, 0.25, 0.05]
    se = [0.1, 0.2, 0.25, 0.15, 0.1, 0.3]
    design = ["RCT", "RCT", "RCT", "quasi-experiment", "quasi-experiment", "RCT"]
    frame = table(y, se, design=design)
    result = meta_analysis(frame, by="design")
    sub = result.subgroups.set_index("design")
    for level, group in frame.groupby("design"):
        alone = meta_analysis(group)
        assert sub.loc[level, "k"] == alone.k
        assert sub.loc[level, "res"] == pytest.approx(alone.res, rel=1e-12)
        assert sub.loc[level, "ci_low"] == pytest.approx(alone.ci_low, rel=1e-12)
        assert sub.loc[level, "tau2"] == pytest.approx(alone.tau2, rel=1e-12, abs=1e-15)
    # Q_between = sum over groups of W_g (mu_g - mu)², fixed-effect means
    w = 1 / np.square(se)
    yy = np.array(y)
    mu = np.sum(w * yy) / np.sum(w)
    q_b = 0.0
    for level in ("RCT", "quasi-experiment"):
        mask = np.array(design) == level
        mu_g = np.sum(w[mask] * yy[mask]) / np.sum(w[mask])
        q_b += np.sum(w[mask]) * (mu_g - mu) ** 2
    assert result.q_between == pytest.approx(q_b, rel=1e-10)
    assert result.q_between_df == 1
    assert "Subgroups by design" in str(result)


def test_exclusions_are_counted_listed_and_logged(caplog):
    frame = table(
        [0.1, 0.4, -0.2, 0.3],
        [0.1, np.nan, 0.25, 0.15],
        study_id=["a", "b", "c", "d"],
        in_meta_analysis=["yes", "yes", "no", "yes"],
    )
    with caplog.at_level(logging.INFO, logger="hotspots.evidence"):
        result = meta_analysis(frame)
    assert result.k == 2
    assert list(result.excluded["label"]) == ["b", "c"]
    assert result.excluded["reason"].str.len().gt(0).all()
    assert "2 of 4 rows not pooled" in caplog.text
    assert any("2 row(s) not pooled" in c for c in result.caveats)
    assert result.to_frame()["n_excluded"].iloc[0] == 2


def test_caveats_name_few_studies_mixed_outcomes_and_d_conversions():
    frame = table(
        [0.1, 0.4, -0.2],
        [0.1, 0.2, 0.25],
        outcome_type=["all crime", "violence", "all crime"],
        measure=["RES", "cohens_d", "IRR"],
    )
    caveats = " | ".join(meta_analysis(frame).caveats)
    assert "imprecise with fewer than 10 studies" in caveats
    assert "different outcomes" in caveats
    assert "Cohen's d" in caveats
