import math

import numpy as np
import pytest

from hotspots.evaluation import wdd, wdq

#: The paper's worked example: (before, after) in the treated area T, its control
#: Ct, the displacement area D and its control Cd.
PAPER = {"T": (207, 110), "Ct": (308, 318), "D": (178, 157), "Cd": (150, 140)}


def paper_call(counts=PAPER, **kw):
    (t0, t1), (c0, c1) = counts["T"], counts["Ct"]
    (d0, d1), (e0, e1) = counts["D"], counts["Cd"]
    return wdd(t0, t1, d0, d1, c0, c1, cdb=e0, cda=e1, **kw)


def test_wdd_matches_the_papers_worked_example():
    """Wheeler & Ratcliffe (2018), Crime Science 7:11, worked example.

    The paper applies the WDD to violent crime in the Philadelphia Foot Patrol
    Experiment (Ratcliffe et al. 2011): the example's table of counts before and
    after for the treated areas (207, 110), their controls (308, 318), the
    displacement areas (178, 157) and theirs (150, 140), and in the text beneath
    it WDD = -118, variance 1568, z = -2.98 and 95% CI -196 to -40. (The same
    numbers are pinned by the authors' R package ptools,
    tests/testthat/test-wdd.R, "Est & Variance Paper".)
    """
    result = paper_call()
    assert result.measure == "WDD (crimes)"
    assert result.estimate == -118
    assert result.details["variance"] == 1568
    assert result.details["standard_error"] == pytest.approx(math.sqrt(1568))
    assert round(result.details["z"], 2) == -2.98
    assert (round(result.ci_low), round(result.ci_high)) == (-196, -40)
    # implied by z: two-sided normal p-value, by hand 2 * Phi(-2.97995)
    assert result.p_value == pytest.approx(0.002883, abs=2e-6)
    # the two parts by hand: local (-97 - 10) and displacement (-21 + 10)
    assert result.details["places_wdd"] == -107
    assert result.details["rings_wdd"] == -11
    assert result.details["places_se"] == pytest.approx(
        math.sqrt(207 + 110 + 308 + 318)
    )
    assert result.details["rings_se"] == pytest.approx(math.sqrt(178 + 157 + 150 + 140))
    assert result.interpretation.startswith(
        "the change in the places and rings together is distinguishable from chance"
    )
    assert "about 118 fewer crimes" in result.interpretation


def test_wdd_other_interval_levels():
    result = paper_call(ci_level=0.90)
    half = 1.6448536269514722 * math.sqrt(1568)
    assert (result.ci_low, result.ci_high) == pytest.approx((-118 - half, -118 + half))
    assert result.ci_level == 0.90


def test_wdd_one_control_by_hand():
    # one control for places and rings: WDD = (30 - 50) + (9 - 10) - (55 - 60)
    result = wdd(50, 30, 10, 9, 60, 55)
    assert result.estimate == -16
    assert result.details["variance"] == 50 + 30 + 10 + 9 + 60 + 55
    assert result.details["control_change"] == -5
    # one unscaled control cannot be split between places and rings
    assert math.isnan(result.details["places_wdd"])
    assert math.isnan(result.details["rings_se"])


@pytest.mark.parametrize(
    "counts",
    [(120, 84, 60, 54, 2000, 1900), (300, 250, 900, 1010, 15000, 16200)],
    ids=["oracle-6.1", "rings-worse"],
)
def test_wdd_scaled_is_minus_the_wdq_total_net_effect(counts):
    result = wdd(*counts, scale_control=True)
    assert result.estimate == pytest.approx(-wdq(*counts).details["total_net_effect"])
    parts = result.details["places_wdd"] + result.details["rings_wdd"]
    assert parts == pytest.approx(result.estimate)


def test_wdd_scaled_control_of_the_same_size_gives_the_papers_statistic():
    # a control with as many crimes before as the area needs no scaling
    scaled = wdd(100, 80, 50, 55, 150, 140, scale_control=True)
    assert scaled.estimate == pytest.approx(wdd(100, 80, 50, 55, 150, 140).estimate)
    # ... and when the control does not change either, the variances agree too
    scaled = wdd(100, 80, 50, 55, 150, 150, scale_control=True)
    plain = wdd(100, 80, 50, 55, 150, 150)
    assert scaled.details["variance"] == pytest.approx(plain.details["variance"])


def _draws(means, size, seed):
    rng = np.random.default_rng(seed)
    return {k: rng.poisson(v, size).astype(float) for k, v in means.items()}


def _paper_draw(x, i):
    """The WDD of simulated study ``i`` (keys as in the paper: T, C, D, E = Cd)."""
    counts = {"T": "T0 T1", "Ct": "C0 C1", "D": "D0 D1", "Cd": "E0 E1"}
    return paper_call({k: [x[n][i] for n in v.split()] for k, v in counts.items()})


def test_wdd_variance_matches_poisson_simulation():
    """Brute force: Poisson counts with the paper's numbers as means.

    The WDD of 40,000 simulated studies varies as the formula says (sum of the
    means), and the formula computed from each study's counts is right on
    average. Monte Carlo error of a variance from 40,000 draws: about 0.7%.
    """
    means = {"T0": 207, "T1": 110, "C0": 308, "C1": 318}
    means |= {"D0": 178, "D1": 157, "E0": 150, "E1": 140}
    x = _draws(means, 40_000, seed=1)
    sims = (x["T1"] - x["T0"]) - (x["C1"] - x["C0"])
    sims += (x["D1"] - x["D0"]) - (x["E1"] - x["E0"])
    # the function gives the same statistic as the brute-force arithmetic
    for i in range(50):
        assert _paper_draw(x, i).estimate == sims[i]
    formula = paper_call().details["variance"]
    assert formula == sum(means.values())
    assert sims.var(ddof=1) == pytest.approx(formula, rel=0.03)
    assert sims.mean() == pytest.approx(-118, abs=0.5)
    estimated = sum(x.values())  # the formula from each study's own counts
    assert estimated.mean() == pytest.approx(formula, rel=0.005)


def test_wdd_scaled_variance_matches_poisson_simulation():
    """Brute force for the scaled control: the delta-method variance.

    Places and rings of 180 crimes before against a control of 2,000; the
    empirical variance of A1 - A0 * C1 / C0 over 40,000 Poisson studies agrees
    with the delta-method formula at the means to within 3%.
    """
    means = {"R0": 120, "R1": 84, "B0": 60, "B1": 54, "C0": 2000, "C1": 1900}
    x = _draws(means, 40_000, seed=2)
    sims = (x["R1"] + x["B1"]) - (x["R0"] + x["B0"]) * x["C1"] / x["C0"]
    for i in range(50):
        one = wdd(*(x[k][i] for k in means), scale_control=True)
        assert one.estimate == pytest.approx(sims[i])
    formula = wdd(*means.values(), scale_control=True).details["variance"]
    assert sims.var(ddof=1) == pytest.approx(formula, rel=0.03)
    assert sims.mean() == pytest.approx(138 - 180 * 0.95, abs=0.5)


def test_wdd_interval_covers_the_true_change_95_percent_of_the_time():
    """2,000 Poisson studies around the paper's numbers: coverage 0.95 +/- 0.015."""
    means = {"T0": 207, "T1": 110, "C0": 308, "C1": 318}
    means |= {"D0": 178, "D1": 157, "E0": 150, "E1": 140}
    x = _draws(means, 2_000, seed=3)
    results = [_paper_draw(x, i) for i in range(2_000)]
    covered = [r.ci_low <= -118 <= r.ci_high for r in results]
    assert np.mean(covered) == pytest.approx(0.95, abs=0.015)


@pytest.mark.parametrize(
    ("args", "kw", "words"),
    [
        ((200, 100, 100, 100, 300, 300), {}, "about 100 fewer crimes than the control"),
        ((100, 200, 100, 100, 300, 300), {}, "about 100 more crimes than the control"),
        ((100, 95, 100, 100, 300, 300), {}, "is not distinguishable from chance"),
        ((200, 100, 100, 100), {}, "about 100 fewer crimes than before"),
    ],
    ids=["fewer", "more", "chance", "no-control"],
)
def test_wdd_words_follow_the_numbers(args, kw, words):
    result = wdd(*args, **kw)
    assert words in result.interpretation
    significant = result.p_value < 0.05
    assert significant == (not result.ci_low <= 0 <= result.ci_high)
    assert significant == ("is distinguishable" in result.interpretation)


def test_wdd_with_no_crimes_is_not_testable_and_says_so():
    for args in [(0, 0, 0, 0), (0, 0, 0, 0, 40, 35)]:
        result = wdd(*args)
        assert result.p_value is None
        assert not result.has_ci and math.isnan(result.details["z"])
        assert result.interpretation.startswith("not testable")
        assert any("no change to test" in c for c in result.caveats)
        assert "p=" not in str(result)  # prints without a p-value
    scaled = wdd(0, 0, 0, 0, 40, 35, scale_control=True)
    assert scaled.estimate == 0 and scaled.p_value is None


def test_wdd_caveats_for_missing_control_rings_and_small_counts():
    no_control = wdd(120, 84, 60, 54)
    assert no_control.estimate == -42
    assert math.isnan(no_control.details["control_change"])
    assert any("no control area" in c for c in no_control.caveats)
    no_rings = wdd(120, 84, 0, 0, 130, 125)
    assert any("measures the places alone" in c for c in no_rings.caveats)
    small = wdd(12, 8, 3, 2, 14, 15)
    assert any("small counts" in c for c in small.caveats)
    big_control = wdd(120, 84, 60, 54, 2000, 1900)
    assert any("scale_control=True" in c for c in big_control.caveats)
    assert not any(
        "scale_control=True" in c for c in wdd(120, 84, 60, 54, 200, 190).caveats
    )
    for result in (no_control, no_rings, small, big_control):
        assert "Poisson" in result.caveats[0]


def test_wdd_zero_control_counts_need_no_scaling():
    result = wdd(10, 5, 5, 5, 0, 0)  # an unscaled control may be empty
    assert result.estimate == -5
    assert result.details["variance"] == 25


@pytest.mark.parametrize(
    ("args", "kw", "match"),
    [
        ((-1, 84, 60, 54), {}, "rb must be a count"),
        ((120, "84", 60, 54), {}, "ra must be a count"),
        ((120, 84, 60, math.nan), {}, "ba must be a count"),
        ((120, 84, 60, 54, 2000), {}, "pass both cb and ca"),
        ((120, 84, 60, 54, 2000, 1900), {"cdb": 5}, "pass both cdb and cda"),
        ((120, 84, 60, 54), {"cdb": 5, "cda": 6}, "pass the places' control"),
        ((120, 84, 60, 54), {"scale_control": True}, "needs a control area"),
        ((120, 84, 60, 54, 0, 1900), {"scale_control": True}, "cannot scale"),
        ((120, 84, 60, 54, 2000, 0), {"scale_control": True}, "cannot scale"),
        (
            (120, 84, 60, 54, 200, 190),
            {"cdb": 0, "cda": 10, "scale_control": True},
            r"cannot scale .*\(cdb, cda = 0, 10\)",
        ),
        ((120, 84, 60, 54, 200, 190), {"scale_control": "yes"}, "True or False"),
        ((120, 84, 60, 54), {"ci_level": 95}, "ci_level must be in"),
    ],
    ids=[
        "negative",
        "string",
        "nan",
        "half-control",
        "half-ring-control",
        "ring-control-alone",
        "scale-no-control",
        "scale-zero-before",
        "scale-zero-after",
        "scale-zero-ring-control",
        "scale-not-bool",
        "ci-level",
    ],
)
def test_wdd_errors(args, kw, match):
    with pytest.raises(ValueError, match=match):
        wdd(*args, **kw)


@pytest.mark.slow
def test_wdd_on_synthetic_rings_finds_the_planted_fall(displacement_counts):
    """SYNTHETIC data: patrols cut crime at the places (-20%) and rings (-10%).

    With the rest of the force as a scaled control, the WDD over the selection
    year and the patrol year is below 0 and distinguishable from chance; its
    ring part is below 0 (diffusion, not displacement).
    """
    rb, ra, bb, ba, cb, ca = displacement_counts
    result = wdd(rb, ra, bb, ba, cb, ca, scale_control=True)
    assert result.estimate < 0 and result.ci_high < 0 and result.p_value < 0.05
    assert result.details["rings_wdd"] < 0
    assert result.estimate == pytest.approx(
        -wdq(rb, ra, bb, ba, cb, ca).details["total_net_effect"]
    )
