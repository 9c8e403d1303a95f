import numpy as np
import pandas as pd
import pytest

from hotspots.evaluate import choose_comparisons, randomisation_test


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
        rng=20240601,
        progress=False,
    )
    assert effect.p_value < 0.1
    assert effect.ci_low < 1 - patrol["effect"] < effect.ci_high
