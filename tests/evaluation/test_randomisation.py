import numpy as np
import pandas as pd
import pytest

from hotspots.evaluation import choose_comparisons, randomisation_test


def data(effect=0.5, n=12, n_treated=2):
    rows = [
        (f"P{i}", m, c, i < n_treated)
        for i in range(n)
        for m, c in zip(
            ["2023-06", "2024-06"],
            [20, 20 * effect if i < n_treated else 20],
            strict=True,
        )
    ]
    return pd.DataFrame(rows, columns=["place_id", "month", "count", "treated"])


def test_randomisation_known_answer():
    # every placebo set has beta = 0, so only the observed set is extreme
    effect = randomisation_test(
        data(), treatment_start="2024-01", permutations=99, rng=1, progress=False
    )
    assert effect.estimate == pytest.approx(0.5)
    assert effect.details["beta"] == pytest.approx(np.log(0.5))
    assert effect.p_value == pytest.approx(1 / 100)
    assert any("coarse" in c for c in effect.caveats)


def test_randomisation_null_effect_p_is_one():
    effect = randomisation_test(
        data(effect=1.0),
        treatment_start="2024-01",
        permutations=50,
        rng=2,
        progress=False,
    )
    assert effect.p_value == pytest.approx(1.0)


def test_randomisation_is_seeded():
    rng = np.random.default_rng(3)
    rows = [
        (f"P{i}", m, int(rng.poisson(10)), i < 4)
        for i in range(40)
        for m in pd.date_range("2023-01-01", periods=24, freq="MS").strftime("%Y-%m")
    ]
    frame = pd.DataFrame(rows, columns=["place_id", "month", "count", "treated"])
    a = randomisation_test(frame, treatment_start="2024-01", rng=5, progress=False)
    b = randomisation_test(frame, treatment_start="2024-01", rng=5, progress=False)
    assert a.p_value == b.p_value and a.ci_low == b.ci_low
    assert 0 < a.p_value <= 1


def test_randomisation_errors():
    with pytest.raises(ValueError, match="permutations must be"):
        randomisation_test(data(), treatment_start="2024-01", permutations=0)
    with pytest.raises(ValueError, match="wider pool"):
        randomisation_test(data(n=3, n_treated=2), treatment_start="2024-01")
    with pytest.raises(TypeError, match="rng must be"):
        randomisation_test(data(), treatment_start="2024-01", rng="seed")


@pytest.mark.slow
def test_randomisation_on_synthetic_patrol(patrol_design):
    """SYNTHETIC data: the planted 20% cut is unusual among placebo sets."""
    counts = patrol_design["panel"]
    patrol = patrol_design["truth"]["patrol"]
    matched = choose_comparisons(counts, pre_months=patrol["selection_months"], k=3)
    pool = counts[~counts["treated"]].drop(columns="treated")
    effect = randomisation_test(
        matched.panel,
        treatment_start=patrol["treatment_start"],
        pool=pool,
        match_months=patrol["selection_months"],
        rng=20240601,
        progress=False,
    )
    assert effect.p_value < 0.1
    assert effect.ci_low < 1 - patrol["effect"] < effect.ci_high


def test_strata_are_the_nearest_in_level():
    from hotspots.evaluation._randomisation import _strata

    pool = np.array([5.0, 1.0, 9.0, 3.0, 7.0, 20.0])
    strata = _strata(np.array([8.0, 2.0]), pool, 2)
    assert sorted(pool[strata[0]]) == [7.0, 9.0]
    assert sorted(pool[strata[1]]) == [1.0, 3.0]


def test_stratified_draws_are_distinct_and_inside_their_strata():
    from hotspots.evaluation._randomisation import _strata, _stratified_draw

    rng = np.random.default_rng(0)
    pool = rng.poisson(30, 200).astype(float)
    treated = np.array([60.0, 58.0, 55.0, 55.0])
    strata = _strata(treated, pool, 6)
    for _ in range(200):
        pick = _stratified_draw(rng, strata, len(pool))
        assert len(set(pick)) == len(pick)
        members = set(np.concatenate(strata))
        # overlapping strata can run dry; then the draw widens, never repeats
        assert sum(p in members for p in pick) >= len(pick) - 1


def test_stratified_placebo_sets_resemble_the_treated():
    # busy treated places, a pool that is mostly quiet: stratified placebo sets
    # come from the busy end, uniform ones from everywhere
    rng = np.random.default_rng(4)
    rates = np.r_[np.full(5, 40.0), rng.gamma(1.0, 4.0, 300), np.full(40, 38.0)]
    months = pd.date_range("2023-01-01", periods=24, freq="MS")
    rows = [
        (f"P{i:03d}", m, int(rng.poisson(r)), i < 5)
        for i, r in enumerate(rates)
        for m in months
    ]
    frame = pd.DataFrame(rows, columns=["place_id", "month", "count", "treated"])
    kwargs = {"treatment_start": "2024-01", "permutations": 199, "progress": False}
    matched = randomisation_test(frame, rng=1, **kwargs)
    uniform = randomisation_test(frame, match=None, rng=1, **kwargs)
    assert "closest in level" in matched.method
    assert "uniformly" in uniform.method
    assert matched.details["placebo_sd"] < 0.5 * uniform.details["placebo_sd"]


@pytest.mark.parametrize("match", [0, -3, 2.5, True, "30"])
def test_match_must_be_a_positive_integer(match):
    with pytest.raises(ValueError, match="match must be"):
        randomisation_test(data(), treatment_start="2024-01", match=match)
