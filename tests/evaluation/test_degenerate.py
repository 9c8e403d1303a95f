"""Degenerate inputs of the effect estimators: NaN with a reason, or a clear error.

Case 07 (treated places with no crimes after the start) is rebuilt here in code, as
are the other kinds: all-zero groups and periods, zero denominators, one place, one
month. The property tests run every estimator on small random panels with warnings
turned into errors.
"""

import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotspots.evaluation import (
    Effect,
    break_even_reduction,
    cost_benefit,
    crimes_prevented,
    did,
    home_office_unit_costs,
    its,
    judge,
    randomisation_test,
    relative_effect_size,
    unit_cost_table,
    wdq,
)
from hotspots.evaluation._naive import naive_before_after
from hotspots.exceptions import HotspotsWarning

#: The shared failing cases (../shared/cases); their tests skip where absent.
CASE_07 = Path(__file__).parents[2].parent / "shared" / "cases"
CASE_07 /= "07_did_zero_post_separation"
FAMILIES = ("negative_binomial", "poisson")
COV_TYPES = ("cluster", "nonrobust")
COSTS = {
    "unit_costs": home_office_unit_costs(),
    "mix": "Violence with injury",
    "officer_hours": 4914,
    "hourly_cost": 45,
    "price_year": "2015/16",
}


# Every not-estimable result also warns (tested above for case 07); here the
# results themselves are checked.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*not estimable:hotspots.exceptions.HotspotsWarning"
)


@contextmanager
def no_stray_warnings() -> Iterator[list]:
    """Let only our own "not estimable" HotspotsWarning through: no numpy or
    statsmodels warning, no other warning, may reach the caller."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught
    stray = [
        str(w.message)
        for w in caught
        if not (
            issubclass(w.category, HotspotsWarning)
            and "not estimable" in str(w.message)
        )
    ]
    assert not stray, stray


def _no_p(p) -> bool:
    """No p-value: None (no test of this kind) or NaN (a test that could not run)."""
    return p is None or math.isnan(p)


def case_07_panel(empty_places=False):
    """4 treated places with no crime after 2024-01, 8 comparison places."""
    rng = np.random.default_rng(5)
    months = pd.date_range("2023-01-01", "2024-06-01", freq="MS")
    rows = []
    for p in range(12):
        treated = p < 4
        for m in months:
            post = m >= pd.Timestamp("2024-01-01")
            count = (
                0 if (treated and post) else int(rng.poisson(1.5 if treated else 1.2))
            )
            if empty_places and p >= 10:
                count = 0
            rows.append((f"P{p:02d}", m.strftime("%Y-%m"), count, treated))
    return pd.DataFrame(rows, columns=["place_id", "month", "count", "treated"])


def small_panel(treated_counts, comparison_counts, start="2023-01"):
    months = pd.date_range(start, periods=len(treated_counts[0]), freq="MS")
    rows = [
        (f"{'T' if treated else 'C'}{i}", m, c, treated)
        for treated, groups in ((True, treated_counts), (False, comparison_counts))
        for i, counts in enumerate(groups)
        for m, c in zip(months, counts, strict=True)
    ]
    return pd.DataFrame(rows, columns=["place_id", "month", "count", "treated"])


def not_estimable(effect: Effect, words: str = "") -> None:
    """NaN estimate and interval, no p-value, the reason first in the caveats."""
    assert math.isnan(effect.estimate)
    assert not effect.has_ci
    assert _no_p(effect.p_value)
    assert effect.caveats[0].startswith("not estimable")
    assert words in effect.caveats[0]
    head = str(effect).split("\n")[0]
    assert "p<" not in head and "p=" not in head


@pytest.mark.parametrize("empty_places", [False, True], ids=["case", "empty-places"])
@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("cov_type", COV_TYPES)
def test_did_case_07_zero_after_start_is_not_estimable(empty_places, family, cov_type):
    data = case_07_panel(empty_places)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        effect = did(data, treatment_start="2024-01", family=family, cov_type=cov_type)
    # one warning, ours, with the reason; no numpy or statsmodels noise
    assert [w.category for w in caught] == [HotspotsWarning]
    assert "not estimable" in str(caught[0].message)
    not_estimable(effect, "treated places had no crimes from the start on")
    assert "complete separation" in effect.caveats[0]
    assert effect.details["treated_after"] == 0
    assert effect.details["treated_before"] > 0
    assert effect.n_treated == 4 and effect.n_comparison == 8


@pytest.mark.parametrize(
    ("treated", "comparison", "words"),
    [
        (
            [[0, 0, 0, 1, 2, 1]],
            [[1, 2, 1, 2, 1, 1]],
            "treated places had no crimes before",
        ),
        (
            [[2, 1, 3, 1, 2, 1]],
            [[1, 2, 1, 0, 0, 0]],
            "comparison places had no crimes from",
        ),
        ([[0] * 6], [[0] * 6], "treated places had no crimes before"),
    ],
    ids=["treated-before", "comparison-after", "all-zero"],
)
def test_did_zero_cell_in_any_group_period_is_not_estimable(treated, comparison, words):
    data = small_panel(treated, comparison)
    for family in FAMILIES:
        for cov_type in COV_TYPES:
            effect = did(
                data, treatment_start="2023-04", family=family, cov_type=cov_type
            )
            not_estimable(effect, words)


def test_did_leaves_out_places_and_months_without_crime():
    data = small_panel(
        [[0, 2, 1, 3, 1, 2], [0, 1, 2, 1, 0, 1]],
        [[0, 2, 1, 2, 2, 1], [0, 1, 1, 2, 1, 2], [0] * 6],
    )
    with no_stray_warnings():
        full = did(data, treatment_start="2023-04", family="poisson")
    kept = data[(data["place_id"] != "C2") & (data["month"] > "2023-01-01")]
    reduced = did(kept, treatment_start="2023-04", family="poisson")
    assert full.estimate == pytest.approx(reduced.estimate, rel=1e-6)
    assert full.has_ci
    assert any("1 place(s) and 1 month(s) with no crimes" in c for c in full.caveats)


def test_did_saturated_cluster_keeps_estimate_without_interval():
    data = small_panel([[100, 70]], [[200, 190]], start="2023-12")
    effect = did(data, treatment_start="2024-01", family="poisson")
    assert effect.estimate == pytest.approx(0.736842, abs=1e-6)
    assert not effect.has_ci
    assert _no_p(effect.p_value)
    assert effect.caveats[0].startswith("not estimable interval: cluster-robust")


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (small_panel([[1]], [[2]]), "need months before and after"),
        (small_panel([[1, 2, 3]], [[2, 1, 2]]).assign(treated=True), "treated and"),
    ],
    ids=["single-month", "single-group"],
)
def test_did_and_randomisation_refuse_a_panel_without_a_design(data, match):
    with pytest.raises(ValueError, match=match):
        did(data, treatment_start="2023-01")
    with pytest.raises(ValueError, match=match):
        randomisation_test(
            data, treatment_start="2023-01", permutations=9, progress=False
        )


def test_relative_effect_size_with_a_zero_count_is_not_estimable():
    not_estimable(relative_effect_size(120, 0, 80, 75), "no crimes from the start on")
    with pytest.raises(ValueError, match="count >= 0"):
        relative_effect_size(120, -1, 80, 75)


def test_relative_effect_size_never_overflows():
    with no_stray_warnings():
        huge = relative_effect_size(1e300, 1, 1, 1e300)  # exp(1382) overflows
        tiny = relative_effect_size(1e-300, 1, 1, 1e-300)  # 1 / exp(-1382) too
        wide = relative_effect_size(1e-300, 1e-300, 1e-300, 1e-300)
    not_estimable(huge, "ran off to infinity (log RES = 1382)")
    not_estimable(tiny, "log RES = -1382")
    assert wide.estimate == pytest.approx(1.0)
    assert not wide.has_ci and _no_p(wide.p_value)
    assert wide.caveats[0].startswith("not estimable interval: the interval is too")


def test_randomisation_case_07_is_not_estimable():
    effect = randomisation_test(
        case_07_panel(),
        treatment_start="2024-01",
        permutations=99,
        rng=1,
        progress=False,
    )
    not_estimable(effect, "treated places had no crimes from the start on")


def test_randomisation_without_any_placebo_statistic_has_no_p_value():
    # two treated and two comparison places: every placebo set takes both
    # comparison places, leaving none to compare with
    data = small_panel([[5, 3], [4, 2]], [[4, 4], [3, 5]], start="2023-12")
    effect = randomisation_test(
        data, treatment_start="2024-01", permutations=19, rng=1, progress=False
    )
    assert math.isfinite(effect.estimate)
    assert not effect.has_ci
    assert _no_p(effect.p_value)
    assert effect.caveats[0].startswith("not estimable interval and p-value")


def test_naive_before_after_with_no_crime_after_is_not_estimable():
    data = case_07_panel()
    treated = data[data["treated"]].assign(month=lambda d: pd.to_datetime(d["month"]))
    effect = naive_before_after(treated, pd.Timestamp("2024-01-01"), 4, ci_level=0.95)
    not_estimable(effect, "0 after")


MONTHS = pd.period_range("2022-01", periods=24, freq="M").astype(str)


@pytest.mark.parametrize(
    ("counts", "words"),
    [
        ([0] * 24, "no crimes in any month, so"),
        ([3, 2, 4, 1, 2, 3] * 2 + [0] * 12, "no crimes in any month from the start"),
        ([0] * 12 + [2, 3, 1, 2] * 3, "no crimes in any month before the start"),
        ([3, 2, 4, 1, 2, 3] * 2 + [2] + [0] * 11, "quasi-separation"),
    ],
    ids=["all-zero", "zero-after", "zero-before", "one-post-month"],
)
@pytest.mark.parametrize("family", FAMILIES)
def test_its_degenerate_count_series_is_not_estimable(counts, words, family):
    with no_stray_warnings():
        result = its(pd.Series(counts, index=MONTHS), start="2023-01", family=family)
    for effect in (result.level, result.slope):
        not_estimable(effect, words)
    assert result.caveats[0].startswith("not estimable")
    assert result.series["fitted"].isna().all()


def test_its_exact_fit_keeps_estimate_without_interval():
    flat = pd.Series(np.full(24, 5.0), index=MONTHS)
    for family in ("negative_binomial", "ols"):
        result = its(flat, start="2023-01", family=family)
        assert result.level.estimate == pytest.approx(
            1.0 if family != "ols" else 0.0, abs=1e-6
        )
        assert not result.level.has_ci
        assert _no_p(result.level.p_value)
        assert result.level.caveats[0].startswith("not estimable interval")
    with pytest.raises(ValueError, match="need >= 3 months before"):
        its(pd.Series([4.0], index=MONTHS[:1]), start="2022-01")


def test_costs_from_a_ratio_that_was_not_estimated_are_nan_with_the_reason():
    irr = did(case_07_panel(), treatment_start="2024-01")
    prevented = crimes_prevented(irr, observed_after=0)
    not_estimable(prevented, "incidence rate ratio was not estimated")
    assert prevented.caveats[1:] == irr.caveats
    result = cost_benefit(prevented, **COSTS)
    for effect in (
        result.net_benefit,
        result.benefit_cost_ratio,
        result.cost_per_crime,
    ):
        assert math.isnan(effect.estimate) and not effect.has_ci
        assert effect.caveats[0].startswith("not estimable")
    assert result.cost == pytest.approx(221_130)
    assert result.break_even_crimes == pytest.approx(15.74, abs=0.01)
    with pytest.raises(ValueError, match="could not be estimated"):
        break_even_reduction(expected_crimes=0 / irr.estimate, **COSTS)


def test_crimes_prevented_with_no_observed_crime_or_no_interval():
    irr = Effect("incidence rate ratio", 0.8, 0.6, 1.1)
    not_estimable(crimes_prevented(irr, observed_after=0), "whatever the effect")
    no_ci = crimes_prevented(
        Effect("incidence rate ratio", 0.8, math.nan, math.nan), observed_after=100
    )
    assert no_ci.estimate == pytest.approx(25.0)
    assert not no_ci.has_ci
    assert no_ci.caveats[0].startswith("not estimable interval")
    per_crime = cost_benefit(no_ci, **COSTS).cost_per_crime
    assert per_crime.estimate == pytest.approx(221_130 / 25)
    assert not per_crime.has_ci


def test_cost_benefit_refuses_zero_cost_and_zero_unit_cost():
    with pytest.raises(ValueError, match="officer_hours must be > 0"):
        cost_benefit((25, 10, 40), **{**COSTS, "officer_hours": 0})
    free = unit_cost_table(
        {"Violence with injury": 14050}, price_base="2015/16", year=2018, source="s"
    ).assign(unit_cost=0.0)
    with pytest.raises(ValueError, match="unit cost > 0"):
        cost_benefit((25, 10, 40), **{**COSTS, "unit_costs": free})
    with pytest.raises(ValueError, match="unit cost > 0"):
        break_even_reduction(expected_crimes=100, **{**COSTS, "unit_costs": free})


def test_judge_reads_a_nan_effect_as_not_shown():
    effect = did(case_07_panel(), treatment_start="2024-01")
    verdict = judge(
        balance=pd.DataFrame({"std_diff": [0.1, 0.05]}, index=["level", "trend"]),
        did=effect,
        randomisation_p=None,
        n_treated=20,
        n_comparison=60,
    )
    checks = verdict.checks.set_index("check")
    assert not checks.loc["interval below 1", "passed"]
    assert not checks.loc["pre-trend test", "passed"]
    assert verdict.label != "worked"


# ---- the case files, single places and months ---------------------------------


@pytest.mark.skipif(not CASE_07.is_dir(), reason="../shared/cases is not present")
@pytest.mark.parametrize(
    "name", ["panel_zero_post.csv", "panel_zero_post_and_empty_places.csv"]
)
def test_case_07_files_are_not_estimable_by_any_estimator(name):
    data = pd.read_csv(CASE_07 / name)
    with no_stray_warnings():
        effects = [
            did(data, treatment_start="2024-01", family=family, cov_type=cov_type)
            for family in FAMILIES
            for cov_type in COV_TYPES
        ]
        effects.append(
            randomisation_test(
                data, treatment_start="2024-01", permutations=99, rng=1, progress=False
            )
        )
        treated = data[data["treated"]].groupby("month")["count"].sum()
        result = its(treated, start="2024-01", seasonality=False)
    for effect in effects:
        not_estimable(effect, "treated places had no crimes from the start on")
        assert effect.details["treated_after"] == 0
    for effect in (result.level, result.slope):
        not_estimable(effect, "no crimes in any month from the start")


def test_one_treated_and_one_comparison_place():
    data = small_panel([[3, 2, 4, 1, 0, 2]], [[2, 3, 1, 2, 4, 3]])
    with no_stray_warnings():
        model = did(data, treatment_start="2023-04", cov_type="nonrobust")
        clustered = did(data, treatment_start="2023-04", cov_type="cluster")
        placebo = randomisation_test(
            data, treatment_start="2023-04", permutations=19, rng=1, progress=False
        )
    # treated 9 crimes before, 3 after; the comparison place 6 before, 9 after
    for effect in (model, clustered, placebo):
        assert effect.estimate == pytest.approx((3 / 9) / (9 / 6), rel=1e-6)
    assert model.has_ci and any("only 1 treated" in c for c in model.caveats)
    # two clusters: no cluster-robust standard error, and no placebo set
    assert not clustered.has_ci and clustered.caveats[0].startswith("not estimable")
    assert not placebo.has_ci and _no_p(placebo.p_value)
    assert placebo.caveats[0].startswith("not estimable interval and p-value")


def test_randomisation_with_identical_placebo_statistics_gives_no_interval():
    # both comparison places rose by half: every placebo set gives log(1) = 0, so
    # the placebo spread is zero; a zero-width interval would claim an exact ratio
    data = small_panel([[3, 2, 4, 1, 0, 2]], [[2, 3, 1, 2, 4, 3], [1, 1, 2, 3, 1, 2]])
    effect = randomisation_test(
        data, treatment_start="2023-04", permutations=19, rng=1, progress=False
    )
    assert effect.estimate == pytest.approx(1 / 3 / 1.5)
    assert not effect.has_ci
    assert effect.caveats[0].startswith("not estimable interval: every placebo set")
    assert effect.p_value == pytest.approx(1 / 20)  # no placebo set as extreme
    honest(effect)


def test_its_refuses_an_empty_series_and_a_single_month():
    with pytest.raises(ValueError, match="series is empty"):
        its(pd.Series([], dtype=float), start="2023-01")
    with pytest.raises(ValueError, match="need >= 3 months before"):
        its(pd.Series([4.0], index=["2023-01"]), start="2023-02")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=4, max_size=4), st.integers(1, 40))
def test_wdq_on_small_counts_is_a_number_with_words_or_nan_with_why(counts, cb):
    with no_stray_warnings():
        result = wdq(*counts, cb, cb + 1)
    success = result.details["success_measure"]
    assert math.isfinite(success) and not result.has_ci
    if success < 0:
        assert math.isfinite(result.estimate)
        assert not result.interpretation.startswith("not interpretable")
        assert any("unstable" in c for c in result.caveats)  # every count < 20
    else:
        assert result.interpretation.startswith("not interpretable")
        assert any("must not be interpreted" in c for c in result.caveats)
        assert math.isnan(result.estimate) or success > 0


# ---- property tests: small random panels -------------------------------------

#: Documented refusals: no months on one side of the start, one group only, a
#: pool smaller than the treated set.
ALLOWED_ERRORS = (
    "need months before and after",
    "need treated and comparison",
    "wider pool",
)


@st.composite
def panels(draw):
    n_places = draw(st.integers(2, 6))
    n_months = draw(st.integers(2, 8))
    n_treated = draw(st.integers(1, n_places - 1))
    counts = draw(
        st.lists(
            st.sampled_from([0, 0, 0, 0, 1, 2, 3, 4, 5]),
            min_size=n_places * n_months,
            max_size=n_places * n_months,
        )
    )
    start = draw(st.integers(-1, n_months))
    months = pd.date_range("2023-01-01", periods=n_months, freq="MS")
    data = pd.DataFrame(
        {
            "place_id": np.repeat([f"P{i}" for i in range(n_places)], n_months),
            "month": np.tile(months, n_places),
            "count": counts,
            "treated": np.repeat(np.arange(n_places) < n_treated, n_months),
        }
    )
    return data, pd.Timestamp("2023-01-01") + pd.DateOffset(months=start)


def honest(effect: Effect, ratio: bool = True) -> None:
    """Finite with a finite interval, or NaN with the reason: nothing else."""
    assert isinstance(effect, Effect)
    if math.isnan(effect.estimate):
        not_estimable(effect)
        return
    assert math.isfinite(effect.estimate)
    if ratio:
        assert effect.estimate > 0 and abs(math.log(effect.estimate)) < 20
    if effect.has_ci:
        # an interval of zero width would claim the estimate is exact
        assert effect.ci_low < effect.ci_high
        assert _no_p(effect.p_value) or 0 <= effect.p_value <= 1
    else:
        assert math.isnan(effect.ci_low) and math.isnan(effect.ci_high)
        assert any(c.startswith("not estimable") for c in effect.caveats)
        # no interval, no p-value; but a randomisation test whose placebo sets
        # all gave the same statistic still counts them
        same = any("same statistic" in c for c in effect.caveats)
        assert _no_p(effect.p_value) or (same and 0 < effect.p_value <= 1)


def run_or_refuse(call):
    try:
        return call()
    except ValueError as err:
        assert any(words in str(err) for words in ALLOWED_ERRORS), str(err)
        return None


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(panels(), st.sampled_from(FAMILIES), st.sampled_from(COV_TYPES))
def test_did_and_randomisation_on_random_small_panels_are_honest(case, family, cov):
    data, start = case
    with no_stray_warnings():
        effect = run_or_refuse(
            lambda: did(data, treatment_start=start, family=family, cov_type=cov)
        )
        if effect is not None:
            honest(effect)
            assert effect.ci_low <= effect.estimate <= effect.ci_high or not (
                effect.has_ci
            )
        placebo = run_or_refuse(
            lambda: randomisation_test(
                data, treatment_start=start, permutations=19, rng=0, progress=False
            )
        )
        if placebo is not None:
            honest(placebo)
    if effect is not None:
        post = data["month"] >= start
        sums = data.groupby([data["treated"], post])["count"].sum()
        cells = [(True, False), (True, True), (False, False), (False, True)]
        res = relative_effect_size(*(float(sums.get(k, 0)) for k in cells))
        honest(res)
        # a zero cell makes both not estimable
        assert math.isnan(effect.estimate) or not math.isnan(res.estimate)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from([0, 0, 0, 1, 2, 3, 4, 5]), min_size=5, max_size=12),
    st.integers(3, 10),
    st.sampled_from(("negative_binomial", "poisson", "ols")),
    st.sampled_from(("HAC", "nonrobust")),
)
def test_its_on_random_short_series_is_honest(counts, start, family, cov_type):
    series = pd.Series(counts, index=MONTHS[: len(counts)], dtype=float)
    with no_stray_warnings():
        try:
            result = its(
                series,
                start=MONTHS[start],
                family=family,
                cov_type=cov_type,
                seasonality=False,
            )
        except ValueError as err:
            assert "need >= 3 months" in str(err) or "cannot fit" in str(err)
            return
    honest(result.level, ratio=family != "ols")
    honest(result.slope, ratio=family != "ols")
