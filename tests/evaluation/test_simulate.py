import math

import numpy as np
import pandas as pd
import pytest

from hotspots.evaluation import simulate_panel, simulate_studies, summarise_studies
from hotspots.evaluation._simulate_panel import SELECTION_MONTHS, STUDY_COLUMNS


def selection_totals(data, treatment_month=24):
    months = np.sort(data["month"].unique())
    window = months[treatment_month - SELECTION_MONTHS : treatment_month]
    chosen = data[data["month"].isin(window)]
    return chosen.groupby("place_id").agg(
        n=("count", "sum"), treated=("treated", "first")
    )


def test_simulate_panel_columns_and_shape():
    data = simulate_panel(
        n_places=40, n_treated=4, months=30, treatment_month=18, rng=1
    )
    assert list(data.columns) == ["place_id", "month", "count", "treated", "expected"]
    assert len(data) == 40 * 30
    assert data.groupby("place_id")["treated"].nunique().eq(1).all()
    assert data.loc[data["treated"], "place_id"].nunique() == 4
    assert (data["count"] >= 0).all() and (data["expected"] > 0).all()


def test_simulate_panel_is_deterministic_for_a_seed():
    first = simulate_panel(n_places=60, rng=7)
    pd.testing.assert_frame_equal(first, simulate_panel(n_places=60, rng=7))
    assert not first["count"].equals(simulate_panel(n_places=60, rng=8)["count"])


def test_simulate_panel_treats_the_busiest_places_of_the_selection_year():
    totals = selection_totals(simulate_panel(n_places=300, n_treated=18, rng=3))
    assert (
        totals.loc[totals["treated"], "n"].min()
        >= totals.loc[~totals["treated"], "n"].max()
    )


def test_simulate_panel_effect_only_thins_treated_post_counts():
    none = simulate_panel(n_places=200, effect=0.0, rng=5)
    half = simulate_panel(n_places=200, effect=0.5, rng=5)
    post = none["month"] >= none["month"].unique()[24]
    changed = none["count"].ne(half["count"])
    assert not changed[~(post & none["treated"])].any()
    assert (half["count"] <= none["count"]).all()
    ratio = (
        half.loc[post & half["treated"], "count"].sum()
        / none.loc[post & none["treated"], "count"].sum()
    )
    assert ratio == pytest.approx(0.5, abs=0.1)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"effect": 1.0}, "effect must be in"),
        ({"effect": -0.1}, "effect must be in"),
        ({"treatment_month": 6}, "treatment_month must be in"),
        ({"treatment_month": 36}, "treatment_month must be in"),
        ({"n_treated": 0}, "n_treated must be in"),
    ],
    ids=["effect-one", "effect-negative", "too-early", "too-late", "no-treated"],
)
def test_simulate_panel_rejects_impossible_designs(kwargs, match):
    with pytest.raises(ValueError, match=match):
        simulate_panel(**kwargs)


def test_simulate_studies_rejects_bad_counts():
    with pytest.raises(ValueError, match="n_studies must be an integer >= 1"):
        simulate_studies(0, progress=False)
    with pytest.raises(ValueError, match="permutations must be an integer >= 0"):
        simulate_studies(1, permutations=-1, progress=False)
    with pytest.raises(ValueError, match="extra_pre_months must be an integer >= 0"):
        simulate_studies(1, extra_pre_months=-1, progress=False)


def test_simulate_studies_extra_pre_months_moves_the_start_and_keeps_the_post():
    kwargs = {"n_places": 200, "permutations": 0, "rng": 4, "progress": False}
    shifted = simulate_studies(2, extra_pre_months=6, **kwargs)
    # 12 selection months + 6 further before the start, 12 after it
    direct = simulate_studies(2, months=30, treatment_month=18, **kwargs)
    pd.testing.assert_frame_equal(shifted, direct)
    assert shifted["extra_pre_months"].eq(6).all()
    default = simulate_studies(1, **kwargs)
    assert default["extra_pre_months"].eq(24 - SELECTION_MONTHS).all()
    assert simulate_studies(1, extra_pre_months=0, **kwargs)["error"].eq("").all()


def test_summarise_studies_one_row_per_pre_period_length():
    kwargs = {"n_places": 200, "permutations": 0, "rng": 4, "progress": False}
    runs = pd.concat(
        [simulate_studies(2, extra_pre_months=m, **kwargs) for m in (0, 6)],
        ignore_index=True,
    )
    table = summarise_studies(runs)
    assert table["extra_pre_months"].tolist() == [0, 6]
    assert table["n_studies"].tolist() == [2, 2]


def test_simulate_studies_rows_are_seeded_and_complete():
    kwargs = {"n_places": 300, "permutations": 19, "rng": 11, "progress": False}
    runs = simulate_studies(3, **kwargs)
    assert list(runs.columns) == list(STUDY_COLUMNS)
    assert runs["study"].tolist() == [0, 1, 2]
    assert runs["error"].eq("").all()
    assert (runs["ci_low"] < runs["estimate"]).all()
    assert (runs["estimate"] < runs["ci_high"]).all()
    assert np.allclose(np.log(runs["estimate"]), runs["log_irr"])
    assert runs["n_comparison"].eq(54).all()
    assert runs["randomisation_p"].between(1 / 20, 1).all()
    pd.testing.assert_frame_equal(runs, simulate_studies(3, **kwargs))


def test_summarise_studies_known_answer():
    runs = pd.DataFrame(
        {
            "effect": [0.2] * 4,
            "family": ["poisson"] * 4,
            "log_irr": np.log([0.8, 0.8, 0.9, 0.72]),
            "se": [0.1] * 4,
            "ci_low": [0.7] * 4,
            "ci_high": [0.9] * 4,
            "covered": [True, True, False, True],
            "rejected": [True, False, False, True],
            "randomisation_rejected": [False] * 4,
            "naive_ratio": [0.6] * 4,
            "selection_excess_treated": [0.2] * 4,
            "selection_excess_comparison": [0.1] * 4,
            "error": [""] * 4,
        }
    )
    table = summarise_studies(runs).iloc[0]
    truth = math.log(0.8)
    bias = np.log([0.8, 0.8, 0.9, 0.72]).mean() - truth
    assert table["bias_log"] == pytest.approx(bias)
    assert table["bias_percent"] == pytest.approx(math.expm1(bias) * 100)
    sd = np.log([0.8, 0.8, 0.9, 0.72]).std(ddof=1)
    assert table["bias_log_mcse"] == pytest.approx(sd / 2)
    assert table["coverage"] == pytest.approx(0.75)
    assert table["rejection_rate"] == pytest.approx(0.5)
    assert table["mean_ci_width"] == pytest.approx(0.2)
    assert table["naive_bias_log"] == pytest.approx(math.log(0.6) - truth)
    assert table["selection_excess_gap"] == pytest.approx(0.1)
    assert table["n_failed"] == 0


@pytest.mark.slow
def test_simulate_studies_did_coverage_and_false_positives():
    # 150 studies: the Monte Carlo SE of a 95% coverage is ~0.018
    effect = summarise_studies(
        simulate_studies(150, effect=0.2, permutations=0, rng=1, progress=False)
    ).iloc[0]
    assert 0.88 <= effect["coverage"] <= 0.99
    null = summarise_studies(
        simulate_studies(150, effect=0.0, permutations=0, rng=2, progress=False)
    ).iloc[0]
    assert null["rejection_rate"] <= 0.10
