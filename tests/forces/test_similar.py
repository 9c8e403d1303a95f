"""Most similar forces: R's poisson.test example, the exact tail equations, groups."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats

from hotspots.exceptions import SchemaError
from hotspots.forces import similar_forces


@pytest.fixture
def eba() -> pd.DataFrame:
    """R's ``poisson.test`` help example (ISwR ``eba1977``, ages 55-59): Fredericia
    (11 cases, 800 person-years) against the other three cities (6 + 8 + 7 cases,
    1083 + 1050 + 878 person-years)."""
    return pd.DataFrame(
        {
            "force": ["Fredericia", "Horsens", "Kolding", "Vejle", "Elsewhere"],
            "count": [11, 6, 8, 7, 100],
            "population": [800, 1083, 1050, 878, 5000],
        }
    )


def test_similar_forces_matches_r_poisson_test(eba):
    # R: poisson.test(c(11, 6+8+7), c(800, 1083+1050+878)) prints rate ratio
    # 1.971488, 95% CI 0.8584264 to 4.2772659, p-value = 0.07967.
    out = similar_forces(eba, "Fredericia", ["Horsens", "Kolding", "Vejle"])
    row = out[out["is_force"]].iloc[0]
    assert round(row["ratio"], 6) == 1.971488
    assert round(row["ratio_low"], 7) == 0.8584264
    assert round(row["ratio_high"], 7) == 4.2772659
    assert round(row["p_value"], 5) == 0.07967
    assert row["rest_of_group_rate"] == pytest.approx(21 / 3011 * 1000)
    assert out.attrs["hotspots"]["group_rate"] == pytest.approx(21 / 3011 * 1000)


def test_similar_forces_interval_solves_the_exact_tail_equations(eba):
    out = similar_forces(eba, "Kolding", ["Horsens", "Fredericia", "Vejle"])
    for _, row in out.iterrows():
        o1 = int(row["count"])
        total = int(out["count"].sum())
        n1 = row["population"]
        n2 = out["population"].sum() - n1

        def pi(ratio, n1=n1, n2=n2):
            return n1 * ratio / (n1 * ratio + n2)

        # at the lower limit, P(X >= O1) = 2.5%; at the upper, P(X <= O1) = 2.5%
        upper_tail = stats.binom.sf(o1 - 1, total, pi(row["ratio_low"]))
        lower_tail = stats.binom.cdf(o1, total, pi(row["ratio_high"]))
        assert upper_tail == pytest.approx(0.025, rel=1e-6)
        assert lower_tail == pytest.approx(0.025, rel=1e-6)


def test_similar_forces_columns_ranks_and_group(eba):
    out = similar_forces(eba, "Vejle", ["Horsens", "Kolding", "Fredericia"])
    assert list(out.columns) == [
        "force", "count", "population", "rate", "rank", "rest_of_group_rate",
        "ratio", "ratio_low", "ratio_high", "p_value", "is_force",
    ]  # fmt: skip
    assert "Elsewhere" not in set(out["force"])  # outside the group
    assert out["rank"].tolist() == [1, 2, 3, 4]
    assert out["force"].iloc[0] == "Fredericia"  # 13.75 per 1,000
    assert out["is_force"].sum() == 1
    assert out.attrs["hotspots"]["force"] == "Vejle"


def test_similar_forces_accepts_a_mapping_of_group_labels(eba):
    groups = {
        "Fredericia": "g1", "Horsens": "g1", "Kolding": "g2", "Vejle": "g1",
        "Elsewhere": "g2",
    }  # fmt: skip
    out = similar_forces(eba, "Fredericia", groups)
    assert sorted(out["force"]) == ["Fredericia", "Horsens", "Vejle"]


def test_similar_forces_zero_counts_give_open_intervals():
    t = pd.DataFrame(
        {"force": ["A", "B", "C"], "count": [0, 10, 0], "population": [1e4] * 3}
    )
    out = similar_forces(t, "A", ["B"]).set_index("force")
    assert out.loc["A", "ratio"] == 0 and out.loc["A", "ratio_low"] == 0
    assert out.loc["A", "ratio_high"] > 0
    assert math.isinf(out.loc["B", "ratio"]) and math.isinf(out.loc["B", "ratio_high"])


def test_similar_forces_errors(eba):
    with pytest.raises(ValueError, match="did you mean 'Vejle'"):
        similar_forces(eba, "vejle ", ["Horsens"])
    with pytest.raises(ValueError, match=r"not in the table.*'Kolding'"):
        similar_forces(eba, "Vejle", ["Koldng"])
    with pytest.raises(ValueError, match="has no group in the mapping"):
        similar_forces(eba, "Vejle", {"Horsens": 1})
    with pytest.raises(ValueError, match="no other forces"):
        similar_forces(eba, "Vejle", ["Vejle"])
    with pytest.raises(TypeError, match="list of the force's peers"):
        similar_forces(eba, "Vejle", "Horsens")
    with pytest.raises(SchemaError, match="Columns present"):
        similar_forces(eba, "Vejle", ["Horsens"], count="offences")
    with pytest.raises(ValueError, match="groupby"):
        similar_forces(pd.concat([eba, eba]), "Vejle", ["Horsens"])
