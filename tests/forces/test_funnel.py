"""Funnel plots: METHODS.md §11 oracle 11.1, brute-force exact limits, a hand tau²,
planted outliers in simulated Poisson forces, the sentence rule, plot and HTML."""

from __future__ import annotations

import math
import re

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from hotspots.exceptions import HotspotsWarning, SchemaError
from hotspots.forces import EXACT_BELOW, Funnel, funnel
from hotspots.forces._funnel_limits import exact_poisson_limits

matplotlib.use("Agg")

# METHODS.md §11, test oracle 11.1: theta = 0.01 (10 per 1,000), n = 50,000.
ORACLE_COUNTS = [520, 610, 450, 700, 480]
ORACLE_POPULATIONS = [50_000, 48_000, 52_000, 55_000, 47_000]
Z95, Z998 = 1.959964, 3.090232


def _table(counts, populations, names=None) -> pd.DataFrame:
    names = names or [f"Force {i:02d}" for i in range(len(counts))]
    return pd.DataFrame({"force": names, "count": counts, "population": populations})


@pytest.fixture
def at_target() -> pd.DataFrame:
    """Three forces exactly at 10 per 1,000: no overdispersion, no warning."""
    return _table([500, 500, 500], [50_000] * 3, ["A", "B", "C"])


def _simulated(rng, forces=43, rate=0.005, overdispersed=False) -> pd.DataFrame:
    populations = rng.integers(300_000, 3_000_000, forces)
    rates = np.full(forces, rate)
    if overdispersed:  # true rates vary between forces: gamma with CV 0.25
        rates = rng.gamma(16, rate / 16, forces)
    counts = rng.poisson(rates * populations)
    return _table(list(counts), list(populations))


# --------------------------------------------------------------- oracle 11.1
def test_funnel_normal_limits_match_oracle_11_1(at_target):
    f = funnel(at_target, target=10, overdispersion=None, exact=False)
    got = f.limits([50_000]).iloc[0]
    assert round(got["low_95"], 5) == 9.12348
    assert round(got["high_95"], 5) == 10.87652
    assert round(got["low_998"], 5) == 8.61801
    assert round(got["high_998"], 5) == 11.38199


def test_funnel_exact_limits_match_oracle_11_1(at_target):
    f = funnel(at_target, target=10, overdispersion=None, exact=True)
    got = f.limits([50_000]).iloc[0]
    assert round(got["low_95"], 5) == 9.12298
    assert round(got["high_95"], 5) == 10.87599
    assert round(got["low_998"], 5) == 8.63678
    assert round(got["high_998"], 5) == 11.40007


def test_funnel_exact_auto_switches_below_expected_100(at_target):
    auto = funnel(at_target, target=10, overdispersion=None)
    exact = funnel(at_target, target=10, overdispersion=None, exact=True)
    normal = funnel(at_target, target=10, overdispersion=None, exact=False)
    small, large = EXACT_BELOW / 0.01 * 0.5, EXACT_BELOW / 0.01 * 5  # mu 50, 500
    pd.testing.assert_frame_equal(auto.limits([small]), exact.limits([small]))
    pd.testing.assert_frame_equal(auto.limits([large]), normal.limits([large]))


def test_funnel_z_and_phi_match_oracle_11_1():
    t = _table(ORACLE_COUNTS, ORACLE_POPULATIONS, list("ABCDE"))
    f = funnel(t, target=10, overdispersion="multiplicative", winsorise=0)
    z = f.table.set_index("force").loc[list("ABCDE"), "z"].round(4)
    assert z.tolist() == [0.8944, 5.9337, -3.0697, 6.3960, 0.4613]
    assert round(f.phi, 4) == 17.3107
    assert f.adjusted


def test_funnel_multiplicative_limits_match_oracle_11_1():
    """Ours use z = 1.959964; the printed 6.35307-13.64693 used z rounded to 1.96.

    The oracle's unadjusted 95% limits (9.12348-10.87652) need 1.959964, so the
    adjusted line's last digits come from rounding z: with 1.96 in place of
    1.959964 our half-width reproduces the printed limits to every decimal.
    """
    t = _table(ORACLE_COUNTS, ORACLE_POPULATIONS, list("ABCDE"))
    f = funnel(t, target=10, overdispersion="multiplicative", winsorise=0)
    got = f.limits([50_000]).iloc[0]
    half = Z95 * math.sqrt(f.phi * 0.01 / 50_000) * 1000
    assert got["low_95"] == pytest.approx(10 - half, abs=1e-6)
    assert got["high_95"] == pytest.approx(10 + half, abs=1e-6)
    assert (round(got["low_95"], 5), round(got["high_95"], 5)) == (6.35313, 13.64687)
    half_at_196 = (got["high_95"] - 10) * 1.96 / stats.norm.ppf(0.975)
    assert round(10 - half_at_196, 5) == 6.35307
    assert round(10 + half_at_196, 5) == 13.64693
    half998 = Z998 * math.sqrt(f.phi * 0.01 / 50_000) * 1000
    assert got["high_998"] == pytest.approx(10 + half998, abs=1e-5)


# ------------------------------------------------------- exact brute force
def _brute_force_limit(p: float, mu: float) -> float:
    """Spiegelhalter's interpolated quantile by walking up the Poisson cdf."""
    r = 0
    while stats.poisson.cdf(r, mu) < p:
        r += 1
    f_r, f_below = stats.poisson.cdf(r, mu), stats.poisson.cdf(r - 1, mu)
    return max(r - (f_r - p) / (f_r - f_below), 0.0)


@pytest.mark.parametrize("level", [0.95, 0.998], ids=["95", "99.8"])
def test_exact_limits_match_brute_force_poisson(level):
    mu = np.r_[np.geomspace(0.3, 400, 60), [1.0, 5.0, 20.0, 99.5]]
    theta = 0.001  # rates per resident; populations give expected counts mu
    populations = mu / theta
    low, high = exact_poisson_limits(theta, populations, level)
    tail = (1 - level) / 2
    for i, m in enumerate(mu):
        expect_low = _brute_force_limit(tail, m) / populations[i]
        expect_high = _brute_force_limit(1 - tail, m) / populations[i]
        assert low[i] == pytest.approx(expect_low, rel=1e-10, abs=1e-15)
        assert high[i] == pytest.approx(expect_high, rel=1e-10)
    order = np.argsort(mu)
    assert np.all(np.diff((high * populations)[order]) > 0)  # smooth in mu


# --------------------------------------------------------- tau² by hand
def test_funnel_tau2_matches_hand_dersimonian_laird():
    counts = [30, 80, 45, 160]
    populations = [10_000, 20_000, 15_000, 30_000]
    t = _table(counts, populations, list("ABCD"))
    f = funnel(t, target=4, overdispersion="additive", winsorise=0)
    theta = 4 / 1000
    y = np.array(counts) / np.array(populations)
    s2 = theta / np.array(populations)  # within-force variance of a rate
    w = 1 / s2
    q = np.sum(w * (y - theta) ** 2)  # = I * phi (sum of squared z-scores)
    units = 4
    tau2 = (q - (units - 1)) / (w.sum() - (w**2).sum() / w.sum())
    assert tau2 > 0
    assert f.phi == pytest.approx(q / units)
    assert f.tau2 == pytest.approx(tau2 * 1000**2)
    z_adj = (y - theta) / np.sqrt(s2 + tau2)
    got = f.table.set_index("force").loc[list("ABCD"), "z_adjusted"]
    np.testing.assert_allclose(got, z_adj)
    half = Z95 * math.sqrt(theta / 12_000 + tau2) * 1000
    limits = f.limits([12_000]).iloc[0]
    assert limits["high_95"] == pytest.approx(4 + half, rel=1e-6)
    assert limits["low_95"] == pytest.approx(4 - half, rel=1e-6)


# ---------------------------------------------------------- planted truth
def test_funnel_planted_outlier_falls_above_998():
    rng = np.random.default_rng(20240601)
    t = _simulated(rng)
    planted = t["force"].iloc[7]
    t.loc[7, "count"] = rng.poisson(0.005 * 1.3 * t.loc[7, "population"])
    f = funnel(t, highlight=planted)
    table = f.table.set_index("force")
    assert table.loc[planted, "position"] == "above 99.8% limit"
    others = table.drop(planted)["position"]
    # the pooled target includes the outlier, which nudges a few forces below 95%
    assert (others == "within limits").mean() >= 0.85
    assert not others.str.contains("99.8").any()


def test_funnel_no_overdispersion_phi_near_one_and_tau2_zero():
    rng = np.random.default_rng(7)
    t = _simulated(rng, forces=400)
    plain = funnel(t, winsorise=0)
    assert plain.phi == pytest.approx(1, abs=0.2)
    f = funnel(t)  # winsorised at 10%: phi ~ 0.68 under pure Poisson variation
    assert f.phi == pytest.approx(0.68, abs=0.1)
    assert f.tau2 == 0
    assert not f.adjusted
    np.testing.assert_array_equal(f.table["z_adjusted"], f.table["z"])


def test_funnel_overdispersed_forces_warn_with_plain_limits():
    rng = np.random.default_rng(11)
    t = _simulated(rng, overdispersed=True)
    with pytest.warns(HotspotsWarning, match="overdispersion='additive'"):
        plain = funnel(t, overdispersion=None)
    additive = funnel(t)
    flagged = (plain.table["position"] != "within limits").sum()
    assert flagged > 25  # most forces look "unusual" under Poisson limits
    assert (additive.table["position"] != "within limits").sum() <= 6
    assert additive.adjusted and additive.tau2 > 0


def test_funnel_multiplicative_never_narrows_limits(at_target):
    f = funnel(at_target, target=10, overdispersion="multiplicative")
    assert f.phi < 1 and not f.adjusted
    plain = funnel(at_target, target=10, overdispersion=None)
    populations = [5_000, 50_000]
    pd.testing.assert_frame_equal(f.limits(populations), plain.limits(populations))


# -------------------------------------------------------- table and words
def test_funnel_table_columns_ranks_and_record(at_target):
    t = _table(ORACLE_COUNTS, ORACLE_POPULATIONS, list("ABCDE"))
    before = t.copy()
    f = funnel(t)
    pd.testing.assert_frame_equal(t, before)  # input unchanged
    assert isinstance(f, Funnel)
    assert list(f.table.columns) == [
        "force", "count", "population", "rate", "expected", "z", "z_adjusted",
        "low_95", "high_95", "low_998", "high_998", "position", "rank",
    ]  # fmt: skip
    assert f.table["rank"].tolist() == [1, 2, 3, 4, 5]
    assert f.table["force"].tolist() == ["D", "B", "A", "E", "C"]
    assert f.theta == pytest.approx(sum(ORACLE_COUNTS) / sum(ORACLE_POPULATIONS) * 1000)
    record = f.table.attrs["hotspots"]
    assert record["target_auto"] and record["overdispersion"] == "additive"
    assert record["theta"] == f.theta


def test_funnel_keeps_the_caller_column_names():
    t = pd.DataFrame(
        {"name": ["A", "B"], "offences": [10, 30], "residents": [1_000, 2_000]}
    )
    f = funnel(
        t, unit="name", count="offences", population="residents", per=100,
        overdispersion=None, levels=[0.9],
    )  # fmt: skip
    assert list(f.table.columns[:3]) == ["name", "offences", "residents"]
    assert {"low_90", "high_90"} <= set(f.table.columns)
    assert f.table["rate"].tolist() == [1.5, 1.0]


def test_funnel_sentence_rule():
    t = _table([100, 140, 60, 100], [10_000] * 4, ["Mid", "High", "Low", "Also"])
    with pytest.warns(HotspotsWarning):
        f = funnel(
            t, target=10, overdispersion=None, measure="serious-violence offences"
        )
    assert f.sentence("Mid") == (
        "Mid: 10.00 serious-violence offences per 1,000 residents, rank 2 of 4; "
        "within the 95% limits, with no allowance for overdispersion (z = 0.00)."
    )
    assert f.sentence("High") == (
        "High: 14.00 serious-violence offences per 1,000 residents, rank 1 of 4; "
        "above the upper 99.8% limit, with no allowance for overdispersion "
        "(z = 4.00)."
    )
    assert "below the lower 99.8% limit" in f.sentence("Low")
    g = funnel(t, target=10, overdispersion="additive", winsorise=0)
    assert "after allowing for overdispersion (z = " in g.sentence("High")
    quiet = funnel(_table([100, 101], [10_000] * 2, ["A", "B"]))
    assert "no overdispersion was found to allow for" in quiet.sentence("A")
    with pytest.raises(ValueError, match="did you mean 'High'"):
        f.sentence("Hihg")


def test_funnel_position_between_levels():
    t = _table([100, 125, 100], [10_000] * 3, ["A", "B", "C"])
    f = funnel(t, target=10, overdispersion=None, exact=False)
    row = f.table.set_index("force").loc["B"]  # z = 2.5: between 1.96 and 3.09
    assert row["position"] == "above 95% limit"
    assert "above the upper 95% limit but within the 99.8% limits" in f.sentence("B")


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        (lambda t: t.assign(count=[-1, 5, 5]), ValueError, "count of offences"),
        (lambda t: t.assign(count=[1.5, 5, 5]), ValueError, "whole numbers"),
        (lambda t: t.assign(population=[0, 10, 10]), ValueError, "must be > 0"),
        (lambda t: t.assign(population=[np.nan, 10, 10]), ValueError, "must be > 0"),
        (lambda t: t.drop(columns="population"), SchemaError, "Columns present"),
        (lambda t: t.assign(force=["A", "A", "B"]), ValueError, "groupby"),
        (lambda t: t.assign(count=["x", 5, 5]), ValueError, "must hold numbers"),
        (lambda t: t.assign(count=[0, 0, 0]), ValueError, "no offences"),
        (lambda t: t.rename(columns={"count": "rate"}), SchemaError, "count='count'"),
        (lambda t: t.iloc[:0], ValueError, "no rows"),
    ],
    ids=[
        "negative", "fractional", "zero-pop", "missing-pop", "missing-column",
        "duplicate", "text", "no-offences", "column-missing-renamed", "empty",
    ],
)  # fmt: skip
def test_funnel_bad_input_errors(change, error, match):
    t = _table([5, 6, 7], [1_000, 1_000, 1_000], ["A", "B", "C"])
    with pytest.raises(error, match=match):
        funnel(change(t))


def test_funnel_bad_options_errors():
    t = _table([5, 6, 7], [1_000, 1_000, 1_000], ["A", "B", "C"])
    with pytest.raises(ValueError, match="'additive', 'multiplicative' or None"):
        funnel(t, overdispersion="random")
    with pytest.raises(ValueError, match="exact must be"):
        funnel(t, exact="yes")
    with pytest.raises(ValueError, match="winsorise"):
        funnel(t, winsorise=0.5)
    with pytest.raises(ValueError, match="levels"):
        funnel(t, levels=[95])
    with pytest.raises(ValueError, match="per must be > 0"):
        funnel(t, per=0)
    with pytest.raises(ValueError, match="target must be > 0"):
        funnel(t, target=-1)
    with pytest.raises(ValueError, match="did you mean 'B'"):
        funnel(t, highlight="b")
    with pytest.raises(ValueError, match="overdispersion=None"):
        funnel(t.iloc[:1])
    with pytest.raises(TypeError, match="DataFrame"):
        funnel(t.to_dict())


def test_funnel_clashing_output_name_is_refused():
    t = pd.DataFrame({"force": ["A", "B"], "rate": [1, 2], "population": [10, 20]})
    with pytest.raises(SchemaError, match="rename"):
        funnel(t, count="rate")


# ------------------------------------------------------------ plot and page
def test_funnel_plot_draws_highlight_and_limits():
    rng = np.random.default_rng(3)
    t = _simulated(rng)
    t.loc[0, "force"] = "Price $5 $ Force"  # a dollar must not become mathtext
    f = funnel(t, highlight="Price $5 $ Force")
    ax = f.plot(title="SYNTHETIC DATA: funnel")
    texts = [x.get_text() for x in ax.texts]
    assert r"Price \$5 \$ Force" in texts
    assert ax.get_title() == "SYNTHETIC DATA: funnel"
    labels = ax.get_legend_handles_labels()[1]
    assert {"95% limits", "99.8% limits"} <= set(labels)
    ax.figure.canvas.draw()  # renders without a mathtext error
    with pytest.raises(ValueError, match="not one of the forces"):
        f.plot(highlight="Nowhere")
    import matplotlib.pyplot as plt

    plt.close("all")


def test_funnel_to_html_escapes_data_and_needs_no_other_file(tmp_path):
    hostile = '<script>alert("x")</script></svg><img src=x onerror=alert(1)>'
    t = _table([500, 520, 480], [50_000] * 3, [hostile, "B & C", "D"])
    f = funnel(t, highlight=hostile, measure="<b>offences</b>")
    path = f.to_html(tmp_path / "out" / "funnel.html", title="Title <i>x</i>")
    page = path.read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert "<img" not in page and "<b>" not in page and "<i>x" not in page
    assert "&lt;script&gt;" in page and "B &amp; C" in page
    assert page.count("<svg") == 1 and page.count("</svg>") == 1
    # nothing to fetch: the only links are the SVG's own "#id" references
    assert not re.search(r"<[^>]*\b(src|href)\s*=\s*\"(?!#)", page)
    assert 'class="highlight"' in page
    assert "Title &lt;i&gt;x&lt;/i&gt;" in page
