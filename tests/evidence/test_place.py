"""Placing a local result among published ones."""

from __future__ import annotations

import math
import re
from types import SimpleNamespace

import pandas as pd
import pytest

from hotspots.evaluation import Effect, relative_effect_size
from hotspots.evidence import meta_analysis, place_result

Z95 = 1.959963984540054


def published() -> pd.DataFrame:
    """Four studies with RES 0.9, 1.1, 1.2 and 1.5, each with SE 0.1."""
    res = [0.9, 1.1, 1.2, 1.5]
    return pd.DataFrame(
        {
            "study_id": ["a", "b", "c", "d"],
            "log_res": [math.log(r) for r in res],
            "se_log_res": [0.1] * 4,
            "outcome_type": ["all crime"] * 4,
        }
    )


def res_effect(res: float, se: float = 0.1) -> Effect:
    log_res = math.log(res)
    return Effect(
        "relative effect size",
        res,
        math.exp(log_res - Z95 * se),
        math.exp(log_res + Z95 * se),
        details={"log_res": log_res, "se_log_res": se},
    )


def test_percentile_and_range_on_a_hand_table():
    placed = place_result(res_effect(1.2), studies=published())
    # below: 0.9 and 1.1; equal: 1.2 -> 100 * (2 + 0.5) / 4
    assert placed.percentile == pytest.approx(62.5)
    assert placed.within_range
    top = place_result(res_effect(2.0), studies=published())
    assert top.percentile == 100.0 and not top.within_range
    assert "above all of them" in top.sentence
    bottom = place_result(res_effect(0.5), studies=published())
    assert bottom.percentile == 0.0 and "below all of them" in bottom.sentence
    edge = place_result(res_effect(0.9), studies=published())
    assert edge.within_range and edge.percentile == pytest.approx(12.5)


def test_with_and_without_equal_meta_analysis_on_the_table_plus_the_local_row():
    table = published()
    placed = place_result(res_effect(1.3, se=0.2), studies=table, method="PM")
    alone = meta_analysis(table, method="PM")
    local = pd.DataFrame({"log_res": [math.log(1.3)], "se_log_res": [0.2]})
    both = meta_analysis(pd.concat([table, local], ignore_index=True), method="PM")
    assert placed.without.res == pytest.approx(alone.res, rel=1e-12)
    assert placed.with_local.res == pytest.approx(both.res, rel=1e-12)
    assert placed.with_local.tau2 == pytest.approx(both.tau2, rel=1e-12, abs=1e-15)
    assert placed.with_local.k == 5
    assert placed.shift == pytest.approx(both.res - alone.res, rel=1e-12)
    assert "This evaluation" in list(placed.with_local.studies["label"])


def test_irr_and_res_measures_give_the_same_placement():
    by_res = place_result(res_effect(1.25, se=0.12), studies=published())
    beta = -math.log(1.25)
    irr = Effect(
        "incidence rate ratio",
        0.8,
        math.exp(beta - Z95 * 0.12),
        math.exp(beta + Z95 * 0.12),
        details={"beta": beta, "se": 0.12},
    )
    by_irr = place_result(irr, studies=published())
    # without details: the SE comes from the interval
    plain = Effect("incidence rate ratio", 0.8, irr.ci_low, irr.ci_high)
    by_interval = place_result(plain, studies=published())
    for other in (by_irr, by_interval):
        assert other.res == pytest.approx(by_res.res, rel=1e-12)
        assert other.se_log_res == pytest.approx(by_res.se_log_res, rel=1e-9)
        assert other.percentile == by_res.percentile
        assert other.with_local.res == pytest.approx(by_res.with_local.res, rel=1e-9)
        assert other.sentence == by_res.sentence


def test_relative_effect_size_result_is_placed_with_its_details():
    effect = relative_effect_size(100, 70, 200, 190)
    placed = place_result(effect, studies=published())
    assert placed.res == pytest.approx(effect.estimate, rel=1e-12)
    assert placed.se_log_res == pytest.approx(effect.details["se_log_res"])


def test_an_evaluation_is_placed_by_its_did():
    irr = Effect("incidence rate ratio", 0.8, 0.7, 0.914)
    evaluation = SimpleNamespace(did=irr)
    placed = place_result(evaluation, studies=published())
    assert placed.res == pytest.approx(1.25)
    # the real Evaluation's headline DiD is did_negative_binomial
    nb = SimpleNamespace(did_negative_binomial=irr)
    assert place_result(nb, studies=published()).res == pytest.approx(1.25)


def test_a_nan_or_unplaceable_effect_is_refused():
    nan = Effect("incidence rate ratio", math.nan, math.nan, math.nan)
    with pytest.raises(ValueError, match="cannot be placed"):
        place_result(nan, studies=published())
    with pytest.raises(ValueError, match="no standard error and no interval"):
        place_result(
            Effect("relative effect size", 1.2, math.nan, math.nan),
            studies=published(),
        )
    with pytest.raises(ValueError, match="WDQ"):
        place_result(Effect("WDQ", 0.5, 0.1, 0.9), studies=published())
    with pytest.raises(TypeError, match="Effect"):
        place_result(1.25, studies=published())


def six_published() -> pd.DataFrame:
    res = [0.9, 1.1, 1.2, 1.5, 1.3, 1.05]
    return pd.DataFrame(
        {
            "study_id": list("abcdef"),
            "log_res": [math.log(r) for r in res],
            "se_log_res": [0.1, 0.2, 0.15, 0.1, 0.3, 0.12],
            "outcome_type": ["all crime"] * 6,
        }
    )


NO_REVIEWS = pd.DataFrame(
    {"authors": [], "year": [], "n_studies": [], "percent_change": []}
)


def test_the_sentence_numbers_equal_the_fields():
    placed = place_result(
        res_effect(1.25, se=0.1), studies=six_published(), reviews=NO_REVIEWS
    )
    assert placed.pooled_quoted  # 6 >= MIN_POOLED
    numbers = re.findall(r"\d+(?:\.\d+)?", placed.sentence)
    expected = [
        f"{placed.res:.2f}",
        "95",
        f"{placed.ci_low:.2f}",
        f"{placed.ci_high:.2f}",
        f"{abs(placed.percent_change):.0f}",
        f"{placed.percentile:.0f}",
        str(placed.k_published),
        str(placed.without.k),
        f"{placed.without.res:.2f}",
        f"{placed.without.ci_low:.2f}",
        f"{placed.without.ci_high:.2f}",
        f"{placed.with_local.res:.2f}",
    ]
    assert numbers == expected
    assert "lower than comparison" in placed.sentence  # RES > 1: crime fell
    assert placed.percent_change == pytest.approx(-20.0)
    row = placed.to_frame().iloc[0]
    assert row["sentence"] == placed.sentence and row["k_published"] == 6


def test_too_few_pooled_effects_are_not_quoted_and_reviews_are():
    """Below MIN_POOLED the sentence says so; the reviews' stated changes follow."""
    from hotspots.evidence import MIN_POOLED

    reviews = pd.DataFrame(
        {
            "authors": ["B & W", "B & W"],
            "year": [2020.0, 2020.0],
            "n_studies": [53.0, 53.0],
            "percent_change": [-8.1, -16.0],
        }
    )
    placed = place_result(res_effect(1.25), studies=published(), reviews=reviews)
    assert placed.without.k == 4 < MIN_POOLED and not placed.pooled_quoted
    assert (
        f"Only 4 of the published effects give a standard error, too few to "
        f"pool (at least {MIN_POOLED} are needed)." in placed.sentence
    )
    assert f"{placed.without.res:.2f}" not in placed.sentence.split("needed")[0][-60:]
    assert placed.sentence.endswith(
        "B & W (2020), pooling 53 studies, found 8% to 16% fewer crimes at treated "
        "places than at control places, depending on the effect measure."
    )
    assert any("pooled estimate is not quoted" in c for c in placed.caveats)


def test_rows_without_se_are_ranked_but_not_pooled():
    table = published()
    table.loc[1, "se_log_res"] = float("nan")  # RES 1.1 with no interval
    placed = place_result(res_effect(1.15), studies=table, reviews=NO_REVIEWS)
    assert placed.k_published == 4  # ranked among all four point estimates
    assert placed.percentile == pytest.approx(50.0)  # above 0.9 and 1.1
    assert placed.without.k == 3  # pooled from the three with an SE


def test_the_bundled_table_places_the_methods_oracle():
    """METHODS 7.1's RES 1.357 among the bundled trials' main effects."""
    from hotspots.evidence import load_studies

    studies = load_studies()
    placed = place_result(relative_effect_size(100, 70, 200, 190))
    main = studies[studies["main_outcome"].eq("yes")]
    assert placed.k_published == len(main)
    below = (main["res"] < placed.res).sum()
    assert placed.percentile == pytest.approx(100 * below / len(main))
    assert placed.sentence.startswith("The local effect (RES 1.36, 95% CI 0.94 to 1.95")
    assert "Braga & Weisburd (2020)" in placed.sentence


def test_caveats_name_outcomes_and_wide_intervals():
    table = published().assign(
        outcome_type=["all crime", "violence", "all crime", "all crime"]
    )
    placed = place_result(
        res_effect(1.2, se=0.4), studies=table, outcome_type="disorder"
    )
    text = " | ".join(placed.caveats)
    assert "different outcomes" in text
    assert "local outcome (disorder)" in text
    assert "interval is wide" in text
